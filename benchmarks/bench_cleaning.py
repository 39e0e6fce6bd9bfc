"""Benchmark `CatalogCleaner`: speed on survey-size catalogues, quality on simulated mosaics.

Three tables:

1. the time and peak memory of cleaning synthetic catalogues with the
   default cleaner and the two research presets, each in a fresh process,
   with the current pair search and, side by side in the same run, the
   pair search it replaced (issue 16; a private copy, `OldSearchCleaner`,
   kept in this script only), checking that both give identical outputs. Two
   skies: survey catalogues at LoTSS DR2 density (`survey_catalog`, up to
   2 Jy) and a dense catalogue with many very bright sources
   (`dense_catalog`, 10,000 per deg**2 up to 100 Jy; target: 1,000,000
   rows in under 5 s and 2 GB);
2. the research algorithm as the research wrote it (an O(N^2) loop of
   `SkyCoord.separation` calls with row deletion) on 5,000 rows, against
   ``CatalogCleaner.research_2023()`` on the same rows, checking that both
   keep the same sources;
3. quality (``docs/benchmarks/cleaning-quality.txt``): on skies the
   cleaner was not tuned on (`_skies`: interferometer-made skies and
   `simulate_mosaic` skies, seeds `_skies.HELD_OUT_SEEDS`, extracted with the
   default `DendroExtractor`), the fraction of detections on artifacts that
   each cleaner rejects (target >= 90%) and of detections of true sources
   (target <= 1%), each detection labelled by the sky's truth; on the real
   LoTSS cutout, how many detections (and DR1-confirmed ones) each cleaner
   rejects. With ``--tuning``, first the grid of the image test's settings
   on the tuning skies (interferometer seeds 1-16,
   `lotss_tools.cleaning.ARTIFACT_TUNING_SEEDS`) from which the default was
   chosen (16 beams, margin 1.25: beyond them each artifact more costs
   several true sources).

Example::

    python benchmarks/bench_cleaning.py                  # everything
    python benchmarks/bench_cleaning.py --skip-quality --rows 100000 1000000
    python benchmarks/bench_cleaning.py --skip-speed --skip-research --tuning
    python benchmarks/bench_cleaning.py --skip-old       # without the old pair search
    python benchmarks/bench_cleaning.py --quick          # seconds: smaller sizes
    python benchmarks/bench_cleaning.py --write-docs     # also docs/benchmarks/cleaning*.txt

The old pair search needs about 9 GB and two minutes for the dense
1,000,000 rows.
"""

import argparse
import hashlib
import json
import logging
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable
from scipy.spatial import cKDTree

import lotss_tools
from lotss_tools import DendroExtractor
from lotss_tools.cleaning import ARTIFACT_TUNING_SEEDS, CatalogCleaner
from lotss_tools.crossmatch import CrossMatcher
from lotss_tools.cleaning.suppression import _walk
from lotss_tools.exceptions import SkippedStepWarning
from lotss_tools.neighbours import chord_length, unit_vectors
from lotss_tools.simulate import COUNTS_BREAK, COUNTS_SLOPE_BRIGHT, COUNTS_SLOPE_FAINT

from _docs_output import record_output   # benchmarks/, the folder of this script
from _skies import FAMILIES, HELD_OUT_SEEDS, label_counts, make_sky, real_cutout

__all__ = ['survey_catalog', 'dense_catalog', 'OldSearchCleaner', 'research_clean', 'main']

#: The cleaners of the quality tables: name -> (cleaner, whether it gets the image).
QUALITY_CLEANERS = {
    'default': (CatalogCleaner(), True),
    'catalogue-only': (CatalogCleaner(artifact_margin=None), False),
    'image+catalogue': (CatalogCleaner(near_bright='always'), True),
    '2023': (CatalogCleaner.research_2023(), False),
    '2024': (CatalogCleaner.research_2024(), False),
}


def survey_catalog(n, seed=0, density=780 / u.deg ** 2, max_flux=2 * u.Jy,
                   bright_slope=COUNTS_SLOPE_BRIGHT):
    """A synthetic survey catalogue of ``n`` sources at LoTSS DR2 density.

    Fluxes follow the broken power-law counts of `lotss_tools.simulate`
    (with ``bright_slope`` above the break) between 0.3 mJy and
    ``max_flux``; 90% of the sources are point-like
    (6 arcsec FWHM with 5% scatter), 10% resolved (about half of those, 5%
    of all, have an axis ratio above 1.5); position angles are uniform.
    """
    rng = np.random.default_rng(seed)
    side = np.sqrt(n / density.to_value(u.deg ** -2))
    dec = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(45 - side / 2)),
                                           np.sin(np.radians(45 + side / 2)), n)))
    ra = 180 + rng.uniform(-side / 2, side / 2, n) / np.cos(np.radians(45))
    # Inverse transform of N(>S) for the two slopes, continuous at the break.
    s_min, s_max, s_break = 0.3, max_flux.to_value(u.mJy), COUNTS_BREAK.to_value(u.mJy)

    def log_counts(s):
        s = np.asarray(s) / s_break
        return -np.log(s) * np.where(s < 1, COUNTS_SLOPE_FAINT, bright_slope)
    top = np.exp(log_counts(s_max) - log_counts(s_min))
    log_n = np.log(1 - rng.random(n) * (1 - top)) + log_counts(s_min)
    flux = s_break * np.exp(-log_n / np.where(log_n > 0, COUNTS_SLOPE_FAINT, bright_slope))
    resolved = rng.random(n) < 0.1
    major = np.hypot(np.where(resolved, rng.lognormal(np.log(24), 0.46, n), 0), 6.0)
    major *= rng.normal(1, 0.05, n)
    minor = np.minimum(np.hypot(np.where(resolved, major * rng.beta(4.4, 3.1, n), 0), 6.0)
                       * rng.normal(1, 0.05, n), major)
    return QTable({'id': np.arange(1, n + 1), 'ra': ra * u.deg, 'dec': dec * u.deg,
                   'total_flux': flux * u.mJy, 'major_fwhm': major * u.arcsec,
                   'minor_fwhm': minor * u.arcsec, 'pa': rng.uniform(0, 180, n) * u.deg})


def dense_catalog(n, seed=0):
    """A dense catalogue with many very bright sources: ``n`` rows at 10,000 per deg**2.

    As `survey_catalog` (1,000,000 rows cover 10 x 10 deg, 5% have an axis
    ratio above 1.5), but the counts keep their faint slope (``N(>S)``
    proportional to ``S ** -0.78``) up to 100 Jy: 1,000,000 rows hold 295
    sources above 10 Jy, whose default rejection radius is 1 to 5 deg, and
    2% of the radii are above 85 arcsec (51 million sources lie within
    them).
    """
    return survey_catalog(n, seed=seed, density=10_000 / u.deg ** 2, max_flux=100 * u.Jy,
                          bright_slope=COUNTS_SLOPE_FAINT)


def research_clean(catalog, r1=6.0, p1=0.0, r2=600.0, p2=5.0, duplicate=2.0, faint=10.0,
                   max_eccentricity=0.9):
    """The 2023 research cleaning, written as the research did: O(N^2).

    Shape filters first (zero major axis, eccentricity), then a loop over
    the sources sorted by flux with one `SkyCoord.separation` per source
    against all the others still present, deleting rejected rows as it goes.
    Returns the ``id`` values kept.
    """
    major = catalog['major_fwhm'].to_value(u.arcsec)
    minor = catalog['minor_fwhm'].to_value(u.arcsec)
    with np.errstate(invalid='ignore', divide='ignore'):
        eccentricity = np.sqrt(1 - minor ** 2 / major ** 2)
    good = (major != 0) & ~(eccentricity > max_eccentricity)
    ids = np.asarray(catalog['id'])[good]
    flux = catalog['total_flux'].to_value(u.mJy)[good]
    coords = SkyCoord(catalog['ra'][good], catalog['dec'][good])
    order = np.argsort(-flux, kind='stable')
    ids, flux, coords = ids[order], flux[order], coords[order]
    b = np.log(r2 / r1) / (p2 - p1)
    a = r1 / np.exp(b * p1)
    k = 0
    while k < len(ids):
        sep = coords[k].separation(coords[k + 1:]).arcsec
        radius = a * np.exp(b * np.log10(flux[k]))
        drop = (sep < duplicate) | ((sep < radius) & (flux[k + 1:] < faint))
        keep = np.concatenate([np.ones(k + 1, bool), ~drop])
        ids, flux, coords = ids[keep], flux[keep], coords[keep]
        k += 1
    return ids


class OldSearchCleaner(CatalogCleaner):
    """`CatalogCleaner` with the pair search it had before issue 16 (for comparison only).

    A private copy, kept so that this benchmark prints both side by side:
    every source is searched for every fainter source within its rejection
    (or duplicate) radius, whichever test could reject it -- one
    fixed-radius search up to the 98% quantile of the radii, then one
    `~scipy.spatial.cKDTree.query_ball_point` per wide source, consumed as
    Python lists -- and the radial test calls
    `~astropy.coordinates.SkyCoord.position_angle` on every candidate pair.
    """

    def _suppress(self, coords, flux, shape, candidates, near_bright=True):
        if not near_bright:
            raise NotImplementedError('the old pair search always ran near_bright')
        order = candidates[np.argsort(-flux[candidates], kind='stable')]
        if shape is not None:
            shape = tuple(a[order] for a in shape)
        coords, flux = coords[order], flux[order]
        radius = u.Quantity(self.rejection_radius(flux * u.mJy), u.arcsec).value
        radius = np.where(np.isfinite(radius), radius, 0.0)
        dup = self.duplicate_radius.value
        i, j, sep = _old_reach_pairs(coords, np.maximum(radius, dup))
        duplicate = sep < dup
        near = ~duplicate
        if self.faint_limit is not None:
            near &= flux[j] < self.faint_limit.value
        if self.faint_fraction is not None:
            near &= flux[j] < self.faint_fraction * flux[i]
        if self.radial_tolerance is not None:
            if shape is None:
                near[:] = False
            else:
                a, b = i[near], j[near]
                major, minor, pa = (x[b] for x in shape)
                direction = coords[a].position_angle(coords[b]).deg if a.size else np.zeros(0)
                offset = np.abs((pa - direction + 90) % 180 - 90)
                with np.errstate(invalid='ignore', divide='ignore'):
                    elongated = major >= self.radial_axis_ratio * minor
                near[near] = elongated & (offset <= self.radial_tolerance.value)
        keep = duplicate | near
        i, j, kind = i[keep], j[keep], np.where(duplicate[keep], 0, 1)
        sort = np.lexsort((kind, j, i))
        i, j, kind = i[sort], j[sort], kind[sort]
        start = np.zeros(order.size + 1, np.int64)
        np.cumsum(np.bincount(i, minlength=order.size), out=start[1:])
        by, code = _walk(order.size, start, j, kind.astype(np.int8))
        rejected = by >= 0
        return order[rejected], order[by[rejected]], code[rejected]


def _old_reach_pairs(coords, radius, split_quantile=0.98):
    """Pairs i < j closer than radius[i] (arcsec), as found before issue 16."""
    vectors = unit_vectors(coords)
    tree = cKDTree(vectors)

    def separation(a, b):
        chord = np.linalg.norm(vectors[a] - vectors[b], axis=1)
        return (2 * np.arcsin(np.clip(0.5 * chord, 0, 1)) * u.radian).to_value(u.arcsec)
    cut = float(np.quantile(radius, split_quantile))
    parts = []
    if cut > 0:
        pairs = tree.query_pairs(chord_length(cut * u.arcsec), output_type='ndarray')
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        a, b = pairs[:, 0].astype(int), pairs[:, 1].astype(int)
        sep = separation(a, b)
        near = (sep < radius[a]) & (radius[a] <= cut)
        parts.append((a[near], b[near], sep[near]))
    wide = np.flatnonzero(radius > cut)
    if wide.size:
        found = tree.query_ball_point(vectors[wide], chord_length(radius[wide] * u.arcsec))
        counts = np.fromiter(map(len, found), int, wide.size)
        i = np.repeat(wide, counts)
        j = np.fromiter((k for group in found for k in group), int, counts.sum())
        later = j > i
        i, j = i[later], j[later]
        sep = separation(i, j)
        near = sep < radius[i]
        parts.append((i[near], j[near], sep[near]))
    i, j, sep = (np.concatenate(p) for p in zip(*parts))
    order = np.lexsort((j, i))
    return i[order], j[order], sep[order]


CATALOGS = {'LoTSS density': survey_catalog, 'dense, bright': dense_catalog}
PRESETS = {'default': lambda cls: cls(), '2023': lambda cls: cls.research_2023(),
           '2024': lambda cls: cls.research_2024()}
SEARCHES = {'new': CatalogCleaner, 'old': OldSearchCleaner}


def measure(sky, n, preset, search, repeat):
    """Clean one catalogue in this process: best wall and CPU times, peak memory, output digest."""
    logging.getLogger('lotss_tools').setLevel(logging.ERROR)
    warnings.simplefilter('ignore', SkippedStepWarning)   # catalogues without their image
    cleaner = PRESETS[preset](SEARCHES[search])
    cleaner.clean(survey_catalog(100))                 # compile the numba walk first
    catalog = CATALOGS[sky](n)
    wall = cpu = np.inf
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        kept, rejected = cleaner.clean(catalog)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
        if wall > 20:                                  # once is enough
            break
    digest = hashlib.sha1()
    for column in (kept['id'], rejected['id'], rejected['reason'], rejected['rejected_by']):
        digest.update(np.ascontiguousarray(column).tobytes())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(wall=wall, cpu=cpu, peak_mb=peak, rejected=len(rejected),
                digest=digest.hexdigest())


def measure_in_fresh_process(sky, n, preset, search, repeat):
    """`measure` in a new Python process (so that its peak memory is this cleaning's own)."""
    package_root = str(Path(lotss_tools.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [package_root] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
    out = subprocess.run([sys.executable, __file__, '--measure', json.dumps(
        [sky, n, preset, search, repeat])], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cell(result):
    if result is None:
        return f'{"-":>7}   {"-":>7}   {"-":>7}   '
    return (f'{result["wall"]:>7.3f} s {result["cpu"]:>7.3f} s '
            f'{result["peak_mb"] / 1024:>5.2f} GB')


def speed_table(rows, dense_rows, repeat, old=True):
    print(f'\n1. Cleaning time (best of {repeat}, or one run when over 20 s) and peak memory '
          f'(RSS of a fresh process, with the catalogue and ~0.3 GB of imports); old: the pair '
          f'search before issue 16, new: this version; on a shared 2-core machine, so the CPU '
          f'times and their ratios are the figures to compare')
    print(f'{"sky":>13} {"rows":>8} {"cleaner":>7} | {"old: wall":>9} {"CPU":>9} {"peak":>8} | '
          f'{"new: wall":>9} {"CPU":>9} {"peak":>8} | {"CPU old/new":>11} | {"rejected":>8} | '
          f'identical')
    cells = [(sky, n) for sky, sizes in zip(CATALOGS, (rows, dense_rows)) for n in sizes]
    for sky, n in cells:
        for preset in PRESETS:
            new = measure_in_fresh_process(sky, n, preset, 'new', repeat)
            before = measure_in_fresh_process(sky, n, preset, 'old', repeat) if old else None
            ratio = f'{before["cpu"] / new["cpu"]:>10.1f}x' if before else f'{"-":>11}'
            same = '-' if before is None else 'yes' if before['digest'] == new['digest'] else 'NO'
            print(f'{sky:>13} {n:>8} {preset:>7} | {_cell(before)} | {_cell(new)} | {ratio} | '
                  f'{new["rejected"]:>8} | {same}', flush=True)


def research_table(n):
    print(f'\n2. The research O(N^2) loop against CatalogCleaner.research_2023(), {n} rows')
    catalog = survey_catalog(n, seed=1, density=20000 / u.deg ** 2)   # dense: many rejections
    start = time.perf_counter()
    research_ids = research_clean(catalog)
    research_time = time.perf_counter() - start
    start = time.perf_counter()
    kept, rejected = CatalogCleaner.research_2023().clean(catalog)
    package_time = time.perf_counter() - start
    same = set(research_ids.tolist()) == set(kept['id'].tolist())
    print(f'research loop {research_time:8.2f} s | CatalogCleaner {package_time:6.3f} s | '
          f'speed-up {research_time / package_time:6.0f} x | kept {len(kept)} of {n}, '
          f'rejected {len(rejected)} | identical kept sets: {same}')


def _run(cleaner, with_image, catalog, extraction, mosaic):
    if with_image:
        return cleaner.clean(catalog, mosaic=mosaic, noise=extraction.noise)
    return cleaner.clean(catalog)


def quality_table(family, size, seeds):
    """Artifact and true-source rejections of each cleaner on skies of ``family``."""
    print(f'\n{family} skies, {size}x{size}, seeds {seeds}: artifact detections rejected / '
          f'detections on artifacts, true-source detections rejected / true (targets: >= 90%, '
          f'<= 1%)')
    totals = {name: np.zeros(6, int) for name in QUALITY_CLEANERS}
    print(f'{"seed":>5} | ' + ' | '.join(f'{name:>22}' for name in QUALITY_CLEANERS))
    for seed in seeds:
        sky = make_sky(family, seed, size)
        extraction = DendroExtractor().run(sky.mosaic)
        catalog = extraction.catalog
        labels, detectable = sky.labels(catalog), sky.detectable(catalog)
        cells = []
        for name, (cleaner, with_image) in QUALITY_CLEANERS.items():
            _, rejected = _run(cleaner, with_image, catalog, extraction, sky.mosaic)
            out = np.isin(catalog['id'], rejected['id'])
            counts = label_counts(labels, out)
            totals[name] += np.concatenate([counts, [(out & detectable).sum(),
                                                     detectable.sum()]])
            cells.append(f'{counts[0]:>4}/{counts[1]:<4} {counts[2]:>3}/{counts[3]:<4}')
        print(f'{seed:>5} | ' + ' | '.join(f'{c:>22}' for c in cells), flush=True)
    print('total | ' + ' | '.join(f'{100 * t[0] / max(t[1], 1):>9.1f}% '
                                   f'{100 * t[2] / max(t[3], 1):>10.2f}%'
                                   for t in totals.values()))
    print('true sources with true SNR >= 5 (matched one-to-one within 6 arcsec) rejected: ' +
          ', '.join(f'{name} {t[4]}/{t[5]} ({100 * t[4] / max(t[5], 1):.2f}%)'
                    for name, t in totals.items()))


def real_table():
    """How many detections of the real cutout each cleaner rejects, DR1-confirmed ones apart."""
    sky = real_cutout()
    extraction = DendroExtractor().run(sky.mosaic)
    catalog = extraction.catalog
    match = CrossMatcher().match(catalog, sky.truth)
    confirmed = np.zeros(len(catalog), bool)
    confirmed[match.index_catalog] = True
    print(f'\nreal LoTSS DR1 cutout (200x200 pixels of P218+55): {len(catalog)} detections, '
          f'{confirmed.sum()} of them DR1 sources (no bright source in the field)')
    for name, (cleaner, with_image) in QUALITY_CLEANERS.items():
        _, rejected = _run(cleaner, with_image, catalog, extraction, sky.mosaic)
        out = np.isin(catalog['id'], rejected['id'])
        print(f'{name:>16}: rejects {out.sum()} of {len(catalog)}, of the DR1 sources '
              f'{(out & confirmed).sum()} of {confirmed.sum()}')


def tuning_table(size, seeds=ARTIFACT_TUNING_SEEDS, boxes=(8, 10, 12, 14, 16, 20),
                 margins=(1.0, 1.25, 1.5)):
    """The grid over which the image test's settings were chosen (tuning skies only)."""
    print(f'\nTuning grid of the image test (artifact_snr 5) on interferometer skies '
          f'{size}x{size}, seeds {seeds[0]}-{seeds[-1]} (the only skies the default was chosen '
          f'on): artifacts rejected, true sources rejected, worst seed of those with >= 10 '
          f'artifact detections')
    grid = {(box, margin): [] for box in boxes for margin in margins}
    for seed in seeds:
        sky = make_sky('interferometer', seed, size)
        extraction = DendroExtractor().run(sky.mosaic)
        catalog = extraction.catalog
        labels = sky.labels(catalog)
        for (box, margin), counts in grid.items():
            cleaner = CatalogCleaner(artifact_box=box, artifact_margin=margin)
            _, rejected = cleaner.clean(catalog, mosaic=sky.mosaic, noise=extraction.noise)
            counts.append(label_counts(labels, np.isin(catalog['id'], rejected['id'])))
    print(f'{"box (beams)":>11} {"margin":>6} | {"artifacts":>16} | {"true sources":>16} | '
          f'worst seed')
    for (box, margin), counts in grid.items():
        total = np.sum(counts, axis=0)
        worst = min((c[0] / c[1] for c in counts if c[1] >= 10), default=np.nan)
        chosen = '  <- default' if (box, margin) == (16, 1.25) else ''
        print(f'{box:>11} {margin:>6} | {total[0]:>5}/{total[1]:<5} '
              f'{100 * total[0] / total[1]:>5.1f}% | '
              f'{total[2]:>4}/{total[3]:<5} {100 * total[2] / total[3]:>5.2f}% | '
              f'{100 * worst:>6.0f}%{chosen}', flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, nargs='+', default=[10_000, 100_000, 1_000_000])
    parser.add_argument('--dense-rows', type=int, nargs='+', default=[1_000_000])
    parser.add_argument('--repeat', type=int, default=2)
    parser.add_argument('--skip-old', action='store_true',
                        help='do not run the pair search before issue 16 (9 GB, 2 min)')
    parser.add_argument('--measure', help=argparse.SUPPRESS)
    parser.add_argument('--research-rows', type=int, default=5000)
    parser.add_argument('--size', type=int, default=2048)
    parser.add_argument('--seeds', type=int, nargs='+', default=list(HELD_OUT_SEEDS))
    parser.add_argument('--skip-speed', action='store_true')
    parser.add_argument('--skip-research', action='store_true')
    parser.add_argument('--skip-quality', action='store_true')
    parser.add_argument('--tuning', action='store_true',
                        help='also print the tuning grid of the image test (16 skies, minutes)')
    parser.add_argument('--quick', action='store_true',
                        help='up to 100,000 rows, 2,000 research rows, 1536^2 skies, one seed')
    parser.add_argument('--write-docs', action='store_true',
                        help='also write the output to docs/benchmarks/cleaning.txt (speed, '
                             'research) and cleaning-quality.txt (quality)')
    args = parser.parse_args(argv)
    if args.measure:                     # one cell of table 1, in a fresh process
        print(json.dumps(measure(*json.loads(args.measure))))
        return
    if args.quick:
        args.rows = [r for r in args.rows if r <= 100_000]
        args.dense_rows = [min(r, 100_000) for r in args.dense_rows]
        args.research_rows = min(args.research_rows, 2000)
        args.size = min(args.size, 1536)
        args.seeds = args.seeds[:1]
    logging.getLogger('lotss_tools').setLevel(logging.ERROR)
    warnings.simplefilter('ignore', SkippedStepWarning)  # the speed tables clean catalogues alone
    CatalogCleaner().clean(survey_catalog(100))          # compile the numba walk once
    speed_or_research = not (args.skip_speed and args.skip_research)
    with record_output('cleaning', args.write_docs and speed_or_research):
        if not args.skip_speed:
            speed_table(args.rows, args.dense_rows, args.repeat, not args.skip_old)
        if not args.skip_research:
            research_table(args.research_rows)
    if not args.skip_quality:
        with record_output('cleaning-quality', args.write_docs):
            print(f'machine: {os.cpu_count()} cores (shared); cleaners: default = '
                  f'CatalogCleaner() given the image, catalogue-only = its rule without the '
                  f'image (the default before issue 14), image+catalogue = '
                  f"near_bright='always', 2023/2024 = the research presets")
            if args.tuning:
                tuning_table(args.size)
            for family in FAMILIES:
                quality_table(family, args.size, args.seeds)
            real_table()


if __name__ == '__main__':
    main()
