"""Measurement accuracy, uncertainties, source grouping and fitting speed against PyBDSF and Aegean.

Every table says which sky it was measured on:

* ``simulated`` -- the package's simulated mosaics (`~lotss_tools.simulate.simulate_mosaic`,
  random LoTSS-like population, beam-correlated noise, artifacts), compared with their truth;
* ``interferometer`` -- independently made skies
  (`~lotss_tools.validation.simulate_interferometer_sky`: LOFAR uv coverage, dirty-beam noise,
  calibration-error artifacts, FR I/II groups), held-out seeds never used to tune the
  extractor, compared with the truth of their single-component sources; their FR I/II
  groups test the grouping;
* ``grid`` -- isolated point and resolved Gaussians on a grid, rendered by ``simulate_mosaic``
  into beam-correlated noise (to measure the pull widths of the uncertainties);
* ``doubles`` -- injected FR II doubles (with and without a core) and unrelated point pairs
  (``tests/injection.py``), to measure the grouping of components into sources;
* ``real`` -- the real LoTSS DR1 cutout of P218+55 (`lotss_tools.datasets`), compared with
  its DR1 (PyBDSF) catalogue rows.

Methods: `~lotss_tools.DendroExtractor` with its default Gaussian measurement (components
for per-component accuracy, sources for the real cutout and the grouping) and with
``measurement='moments'``, PyBDSF with the LoTSS (DDF-pipeline) settings and Aegean with
BANE, run in this script on the same images.

Usage::

    python benchmarks/bench_measurement.py                # everything (slow: PyBDSF, Aegean, 8192)
    python benchmarks/bench_measurement.py --quick        # 1024 pixels, no 8192 run
    python benchmarks/bench_measurement.py --no-peers     # this package only
    python benchmarks/bench_measurement.py --write-docs   # also docs/benchmarks/measurement.txt
"""

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, vstack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'benchmarks'))

from _docs_output import record_output  # noqa: E402
from _peers import describe_settings, run_aegean, run_pybdsf  # noqa: E402

from lotss_tools import DendroExtractor, Mosaic  # noqa: E402
from lotss_tools.datasets import get_path  # noqa: E402
from lotss_tools.crossmatch import match_one_to_one  # noqa: E402
from lotss_tools.simulate import simulate_mosaic  # noqa: E402
from lotss_tools.validation import simulate_interferometer_sky  # noqa: E402
from tests.injection import (calibration_grid, double_source, grid_sky,  # noqa: E402
                             grouping_outcome, point_pair)

SNR_BINS = ((5, 10), (10, 30), (30, np.inf))
#: Fewest values for a pull width in the per-SNR tables (the random sky holds few
#: elongated resolved sources per bin: their PA pulls are left out, see the grid table).
MIN_PULLS = 30
PULLS = ('ra', 'dec', 'total_flux', 'peak_flux', 'major_fwhm', 'minor_fwhm', 'pa')


# --------------------------------------------------------------------------- methods

def gaussian_pipeline(mosaic, *, method='exact', timings=None):
    """`~lotss_tools.DendroExtractor` with its defaults: (components, sources).

    ``method='pybdsf'`` replaces the component errors by Condon's formulas as PyBDSF
    computes them (for the pull comparison). ``timings`` receives the seconds spent on
    the noise maps and on the rest (dendrogram, fits, tables).
    """
    extractor = DendroExtractor()
    start = time.perf_counter()
    noise = extractor.noise_model(mosaic)
    measured = time.perf_counter()
    extraction = extractor.run(mosaic, noise=noise)
    done = time.perf_counter()
    components, sources = extraction.components, extraction.catalog
    if method != 'exact':
        from lotss_tools.extraction import condon_errors
        errors = condon_errors(components['peak_flux'], components['total_flux'],
                               components['major_fwhm'], components['minor_fwhm'],
                               components['pa'], components['local_rms'], mosaic.beam,
                               method=method)
        for name in errors.colnames:
            components[name] = errors[name]
    if timings is not None:
        timings.update(noise=measured - start, extract=done - measured,
                       sources=len(sources), components=len(components))
    return components, sources


def moments_pipeline(mosaic):
    return DendroExtractor(measurement='moments').extract(mosaic)


def _on_fits(run, mosaic, **kwargs):
    """Run a peer (a function of a FITS path, from ``_peers``) on ``mosaic``."""
    with tempfile.TemporaryDirectory() as tmp:
        return run(mosaic.write(Path(tmp) / 'mosaic.fits'), **kwargs)


def pybdsf_pipeline(mosaic, kind='gaul'):
    """PyBDSF (LoTSS DR2 settings, ``_peers.PYBDSF_LOTSS``): its Gaussian or source list."""
    return _on_fits(run_pybdsf, mosaic, catalog_type=kind)


def aegean_pipeline(mosaic):
    """BANE background and noise, then Aegean (``_peers.run_aegean``)."""
    return _on_fits(run_aegean, mosaic, cores=os.cpu_count())


def peers(with_peers):
    """The peer methods that are installed."""
    methods = {}
    if not with_peers:
        return methods
    for name, module, method in (('PyBDSF (LoTSS)', 'bdsf', pybdsf_pipeline),
                                 ('Aegean + BANE', 'AegeanTools', aegean_pipeline)):
        try:
            __import__(module)
            methods[name] = method
        except ImportError:
            print(f'{name}: {module} not installed, left out')
    return methods


# --------------------------------------------------------------------------- scoring

def robust_std(values, minimum=5):
    """Interquartile range / 1.349; NaN for fewer than ``minimum`` finite values."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if values.size < minimum:
        return np.nan
    q25, q75 = np.percentile(values, [25, 75])
    return (q75 - q25) / 1.349


def matched(catalog, truth, radius=6 * u.arcsec):
    """One-to-one matches of a catalogue with the truth: (catalogue rows, truth rows)."""
    if len(catalog) == 0:
        return catalog[:0], truth[:0]
    ic, it, _ = match_one_to_one(SkyCoord(catalog['ra'], catalog['dec']),
                                 SkyCoord(truth['ra'], truth['dec']), radius)
    return catalog[ic], truth[it]


def pull_values(c, t):
    """(measured - true) / error for each parameter (PA only for elongated sources)."""
    offsets = SkyCoord(t['ra'], t['dec']).spherical_offsets_to(SkyCoord(c['ra'], c['dec']))
    out = {}
    if 'ra_err' not in c.colnames:
        return {name: np.full(len(c), np.nan) for name in PULLS}
    with np.errstate(invalid='ignore', divide='ignore'):
        out['ra'] = (offsets[0] / c['ra_err']).to_value(u.one)
        out['dec'] = (offsets[1] / c['dec_err']).to_value(u.one)
        for name in ('total_flux', 'peak_flux', 'major_fwhm', 'minor_fwhm'):
            out[name] = ((c[name] - t[name]) / c[f'{name}_err']).to_value(u.one)
        elongated = (t['minor_fwhm'] / t['major_fwhm']).to_value(u.one) < 0.8
        dpa = ((c['pa'] - t['pa']).to_value(u.deg) + 90) % 180 - 90
        out['pa'] = np.where(elongated, dpa / c['pa_err'].to_value(u.deg), np.nan)
    return out


def accuracy_rows(name, c, t, sky):
    rows = []
    ratio = (c['total_flux'] / t['total_flux']).to_value(u.one)
    size = (c['major_fwhm'] / t['major_fwhm']).to_value(u.one)
    offset = SkyCoord(c['ra'], c['dec']).separation(SkyCoord(t['ra'], t['dec'])).to_value(u.arcsec)
    pulls = pull_values(c, t)
    for low, high in SNR_BINS:
        sel = (t['snr'] >= low) & (t['snr'] < high)
        label = f'{low}-{high}' if np.isfinite(high) else f'>{low}'
        rows.append((sky, name, label, int(sel.sum()), np.median(ratio[sel]),
                     robust_std(ratio[sel]), np.median(offset[sel]), robust_std(size[sel]),
                     *[robust_std(pulls[p][sel], MIN_PULLS) for p in PULLS]))
    return rows


PULL_NAMES = tuple(f'pull {p}' for p in ('ra', 'dec', 'S', 'Speak', 'maj', 'min', 'pa'))
ACCURACY_NAMES = ('sky', 'method', 'SNR', 'n', 'flux ratio', 'flux scatter', 'pos err (")',
                  'size scatter', *PULL_NAMES)


def format_table(table):
    for name in table.colnames[4:]:
        table[name].info.format = '.3f'
    return table


# --------------------------------------------------------------------------- sections

def _simulated_sky(size, seed):
    mosaic, truth = simulate_mosaic((size, size), seed=seed)
    return mosaic, truth[truth['in_footprint'] & ~truth['artifact']]


def _interferometer_sky(size, seed):
    """The interferometer-made sky and the truth of its single-component sources."""
    mosaic, truth = simulate_interferometer_sky((size, size), seed=seed)
    single = np.isin(truth['kind'], ['point', 'extended']) & truth['in_footprint']
    return mosaic, truth[single]


SKIES = {'simulated': _simulated_sky, 'interferometer': _interferometer_sky}


def simulated_accuracy(size, seeds, methods, sky='simulated'):
    """Per SNR bin, every method against the truth of the simulated mosaics; and timings."""
    rows, times = [], {name: 0.0 for name in ['lotss_tools (Gaussian, default)', *methods]}
    steps = {'noise': 0.0, 'extract': 0.0, 'sources': 0, 'components': 0}
    names = ['lotss_tools (Gaussian, default)', 'lotss_tools (moments)', *methods]
    collected = {name: [] for name in names}
    for seed in seeds:
        mosaic, real = SKIES[sky](size, seed)
        timings = {}
        start = time.perf_counter()
        components, _ = gaussian_pipeline(mosaic, timings=timings)
        times['lotss_tools (Gaussian, default)'] += time.perf_counter() - start
        for key in steps:
            steps[key] += timings[key]
        collected['lotss_tools (Gaussian, default)'].append(matched(components, real))
        collected['lotss_tools (moments)'].append(matched(moments_pipeline(mosaic), real))
        for name, method in methods.items():
            start = time.perf_counter()
            catalog = method(mosaic)
            times[name] += time.perf_counter() - start
            collected[name].append(matched(catalog, real))
    label = f'{sky} {size}^2 seeds {",".join(map(str, seeds))}'
    for name, pairs in collected.items():
        c = vstack([p[0] for p in pairs], metadata_conflicts='silent')
        t = vstack([p[1] for p in pairs], metadata_conflicts='silent')
        rows += accuracy_rows(name, c, t, label)
    table = format_table(QTable(rows=rows, names=ACCURACY_NAMES))
    return table, times, steps


def grid_calibration(methods, n_side=20, size=1000, seeds=(41, 42)):
    """Pull widths (SNR >= 10) on isolated point and resolved Gaussians in correlated noise."""
    rng = np.random.default_rng(seeds[0])
    skies = []
    for seed, extended in zip(seeds, (False, True)):
        sources = calibration_grid(rng, n_side=n_side, size=size, extended=extended)
        skies.append(simulate_mosaic((size, size), seed=seed, sources=sources, rms_variation=1.0,
                                     holes=False, blank_edges=False))
    all_methods = {
        'lotss_tools (exact errors)': lambda m: gaussian_pipeline(m)[0],
        'lotss_tools (PyBDSF formulas)': lambda m: gaussian_pipeline(m, method='pybdsf')[0],
        **methods}
    rows = []
    for name, method in all_methods.items():
        for label, (mosaic, truth) in zip(('point', 'resolved'), skies):
            c, t = matched(method(mosaic), truth, 3 * u.arcsec)
            bright = t['snr'] >= 10
            pulls = pull_values(c[bright], t[bright])
            rows.append((f'grid ({label})', name, int(bright.sum()),
                         *[robust_std(pulls[p]) for p in PULLS]))
    table = QTable(rows=rows, names=('sky', 'method', 'n (SNR>=10)', *PULL_NAMES))
    for name in table.colnames[3:]:
        table[name].info.format = '.2f'
    return table


def real_cutout(methods):
    """Matched total-flux ratio and position offsets against the DR1 rows of the cutout."""
    mosaic = Mosaic.read(get_path('lotss-cutout'))
    dr1 = QTable.read(get_path('lotss-dr1-sources'))
    x, y = mosaic.wcs.world_to_pixel(SkyCoord(dr1['RA'], dr1['DEC']))
    ny, nx = mosaic.shape
    dr1 = dr1[(x > -0.5) & (x < nx - 0.5) & (y > -0.5) & (y < ny - 0.5)]
    reference = QTable({'ra': u.Quantity(dr1['RA'], u.deg), 'dec': u.Quantity(dr1['DEC'], u.deg),
                        'total_flux': u.Quantity(dr1['Total_flux'], u.mJy)})
    catalogs = {'lotss_tools (Gaussian, sources)': gaussian_pipeline(mosaic)[1],
                'lotss_tools (moments)': moments_pipeline(mosaic)}
    for name, method in methods.items():
        catalogs[name] = (pybdsf_pipeline(mosaic, 'srl') if method is pybdsf_pipeline
                          else method(mosaic))
    rows = []
    for name, catalog in catalogs.items():
        c, t = matched(catalog, reference, 12 * u.arcsec)
        ratio = (c['total_flux'] / t['total_flux']).to_value(u.one)
        offset = SkyCoord(c['ra'], c['dec']).separation(SkyCoord(t['ra'], t['dec'])).to(u.arcsec)
        rows.append(('real P218+55', name, len(catalog), len(c), len(reference), np.median(ratio),
                     robust_std(ratio) if len(c) >= 5 else np.std(ratio),
                     np.median(offset.value), np.std(offset.value)))
    table = QTable(rows=rows, names=('sky', 'method', 'sources', 'matched', 'DR1 rows',
                                     'flux ratio', 'flux scatter', 'offset (")', 'offset scatter'))
    for name in table.colnames[5:]:
        table[name].info.format = '.3f'
    return table


def doubles(n_objects, seed=11):
    """Grouping of injected doubles and unrelated point pairs; false associations on the
    simulated sky (which holds no doubles)."""
    rng = np.random.default_rng(seed)
    rows = []
    for lobe_snr, label in (((15, 150), 'lobe SNR 15-150'), ((8, 15), 'lobe SNR 8-15')):
        objects = [double_source(rng, rng.uniform(15, 90), core=k % 2 == 0, lobe_snr=lobe_snr)
                   for k in range(n_objects)]
        objects += [point_pair(rng, rng.uniform(15, 90), snr=(lobe_snr[0], 300))
                    for _ in range(n_objects)]
        mosaic, truth = grid_sky(objects, seed=seed)
        components, sources = gaussian_pipeline(mosaic)
        outcome = grouping_outcome(truth, components, sources)
        has_core = np.array([np.any(truth['role'][truth['object'] == k] == 'core')
                             for k in outcome['object']])
        for kind, subset in (('doubles one source (>=90% flux)', outcome['kind'] == 'double'),
                             ('  with core', (outcome['kind'] == 'double') & has_core),
                             ('  without core', (outcome['kind'] == 'double') & ~has_core),
                             ('point pairs stay two', outcome['kind'] == 'pair')):
            r = outcome[subset]
            by_sep = [r['success'][(r['separation'] >= lo) & (r['separation'] < hi)].mean()
                      for lo, hi in ((15, 30), (30, 60), (60, 91))]
            rows.append((f'doubles ({label})', kind, len(r), r['success'].mean(), *by_sep))
    table = QTable(rows=rows, names=('sky', 'test', 'n', 'success', '15-30"', '30-60"', '60-90"'))
    for name in table.colnames[3:]:
        table[name].info.format = '.3f'
    return table


def false_associations(size, seeds):
    rows = []
    for seed in seeds:
        mosaic, _ = simulate_mosaic((size, size), seed=seed)
        _, sources = gaussian_pipeline(mosaic)
        rows.append((f'simulated {size}^2 seed {seed}', len(sources),
                     int(np.sum(sources['n_islands'] > 1)), int(np.sum(sources['s_code'] == 'M')),
                     int(np.sum(sources['s_code'] == 'C'))))
    return QTable(rows=rows, names=('sky', 'sources', 'multi-island (false)', 'M', 'C'))


def speed_table(size, seeds, times, steps):
    n = len(seeds)
    sky = f'simulated {size}^2'
    rows = [(sky, 'lotss_tools: noise maps (background, rms)', steps['noise'] / n),
            (sky, 'lotss_tools: dendrogram + Gaussian fits + tables', steps['extract'] / n)]
    for name, total in times.items():
        rows.append((sky, f'{name}: whole run', total / n))
    table = QTable(rows=rows, names=('sky', 'step', 'time (s)'))
    table['time (s)'].info.format = '.2f'
    return table


def interferometer_groups(size, seeds, min_snr=10):
    """FR I/II groups of the interferometer sky: one source with >= 90% of the group flux?"""
    rows = []
    for seed in seeds:
        mosaic, truth = simulate_interferometer_sky((size, size), seed=seed)
        components, sources = gaussian_pipeline(mosaic)
        cx, cy = np.asarray(components['x']), np.asarray(components['y'])
        flux = dict(zip(sources['source_id'], sources['total_flux'].to_value(u.mJy)))
        pixel = mosaic.pixel_scale.to_value(u.arcsec / u.pix)
        beam = mosaic.beam.major.to_value(u.arcsec)
        for group in np.unique(truth['group']):
            parts = truth[truth['group'] == group]
            if len(parts) < 2 or not np.all(parts['in_footprint']) or \
                    parts['snr'].max() < min_snr:
                continue
            ids = set()
            for row in parts:
                d = np.hypot(cx - row['x'], cy - row['y']) * pixel
                reach = max(beam, 0.6 * row['dc_major_fwhm'].to_value(u.arcsec))
                ids |= set(components['source_id'][d < reach])
            total = parts['group_flux'][0].to_value(u.mJy)
            best = max((flux[i] for i in ids), default=0.0)
            kind = 'FR II' if np.any(parts['kind'] == 'fr2_lobe') else 'FR I'
            extent = np.ptp(parts['x']) ** 2 + np.ptp(parts['y']) ** 2
            rows.append((kind, len(ids), best / total, np.sqrt(extent) * pixel))
    if not rows:
        return QTable(names=('sky', 'groups', 'n', 'one source', '>=90% flux in one source'))
    kinds, n_sources, fraction, extent = (np.array(v) for v in zip(*rows))
    out = []
    for label, sel in (('FR I + FR II', np.ones(kinds.size, bool)), ('FR I', kinds == 'FR I'),
                       ('FR II', kinds == 'FR II')):
        out.append((f'interferometer {size}^2 seeds {",".join(map(str, seeds))}', label,
                    int(sel.sum()), np.mean(n_sources[sel] == 1) if sel.any() else np.nan,
                    np.mean(fraction[sel] >= 0.9) if sel.any() else np.nan,
                    np.median(extent[sel]) if sel.any() else np.nan))
    table = QTable(rows=out, names=('sky', 'groups', 'n', 'one source',
                                    '>=90% flux in one source', 'median extent (")'))
    for name in table.colnames[3:]:
        table[name].info.format = '.3f'
    return table


def big_run(size):
    mosaic, _ = simulate_mosaic((size, size), seed=3)
    timings = {}
    start = time.perf_counter()
    gaussian_pipeline(mosaic, timings=timings)
    total = time.perf_counter() - start
    table = QTable(rows=[(f'simulated {size}^2', timings['sources'], timings['components'],
                          timings['noise'], timings['extract'], total)],
                   names=('sky', 'sources', 'components', 'noise maps (s)',
                          'dendrogram + fits + tables (s)', 'whole extraction (s)'))
    for name in table.colnames[3:]:
        table[name].info.format = '.2f'
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='1024 pixels, one seed, no 8192 run')
    parser.add_argument('--size', type=int, default=2048)
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--interferometer-seeds', type=int, nargs='+', default=[301, 302],
                        help='held-out seeds of the interferometer-made sky')
    parser.add_argument('--big', type=int, default=8192,
                        help='size of the whole-extraction speed run (0: skip)')
    parser.add_argument('--doubles', type=int, default=100,
                        help='doubles (and pairs) per SNR range')
    parser.add_argument('--no-peers', action='store_true', help='leave out PyBDSF and Aegean')
    parser.add_argument('--write-docs', action='store_true',
                        help='write the output into docs/benchmarks/measurement.txt')
    args = parser.parse_args(argv)
    if args.quick:
        size, seeds, big = 1024, args.seeds[:1], 0
        iseeds = args.interferometer_seeds[:1]
    else:
        size, seeds, big = args.size, args.seeds, args.big
        iseeds = args.interferometer_seeds
    warnings.filterwarnings('ignore')
    methods = peers(not args.no_peers)
    # Compile the fitter once (on an image with a source) so that no timing includes it.
    warm = QTable({'x': [64.0], 'y': [64.0], 'total_flux': [5.0] * u.mJy})
    gaussian_pipeline(simulate_mosaic((128, 128), seed=0, sources=warm, blank_edges=False,
                                      holes=False)[0])
    with record_output('measurement', args.write_docs):
        print(f'machine: {os.cpu_count()} cores (shared: timings are noisy; compare ratios '
              f'measured in this run), Python {sys.version.split()[0]}')
        print(describe_settings())
        print('\n== accuracy against the truth, per true SNR (components; pulls = robust std '
              'of (measured - true) / error) ==')
        table, times, steps = simulated_accuracy(size, seeds, methods)
        table.pprint_all()
        print('\n== the same on the interferometer-made sky (held-out seeds; truth: its '
              'single-component sources) ==')
        simulated_accuracy(size, iseeds, methods, sky='interferometer')[0].pprint_all()
        print('\n== pull widths on isolated Gaussians in beam-correlated noise (SNR >= 10) ==')
        grid_calibration(methods).pprint_all()
        print('\n== the real LoTSS DR1 cutout of P218+55: sources matched to its DR1 rows '
              '(within 12") ==')
        real_cutout(methods).pprint_all()
        print('\n== grouping: injected FR II doubles and unrelated point pairs (15-90" apart) ==')
        doubles(args.doubles).pprint_all()
        print('\n== grouping: the FR I/II groups of the interferometer-made sky (brightest '
              'component SNR >= 10) ==')
        interferometer_groups(size, iseeds).pprint_all()
        print('\n== associations across islands on the simulated sky (it holds no doubles: '
              'all are false) ==')
        false_associations(size, seeds).pprint_all()
        print('\n== speed (per mosaic; same images, same process) ==')
        speed_table(size, seeds, times, steps).pprint_all()
        ours = times['lotss_tools (Gaussian, default)'] / len(seeds)
        for name in methods:
            print(f'{name} whole run / lotss_tools whole extraction (noise maps, dendrogram, '
                  f'fits, sources): {times[name] / len(seeds) / ours:.1f}x')
        if big:
            print(f'\n== whole extraction of a full {big}x{big} simulated mosaic ==')
            big_run(big).pprint_all()


if __name__ == '__main__':
    main()
