"""Where an extraction's time and memory go: this code against the code before issue 16.

Every figure says which sky it came from: `lotss_tools.simulate.simulate_mosaic`
("simulated") or `lotss_tools.validation.simulate_interferometer_sky`
("interferometer", an independently made sky: LOFAR uv coverage, dirty-beam
noise, calibration artifacts). Each mosaic is written to FITS, then read and
extracted (``DendroExtractor()``, the default local signal-to-noise
thresholds, untiled) in a fresh process per measurement, so that its peak
memory (GiB, including the ~0.27 GiB of imported libraries) is
that of one extraction (its own high-water mark, ``VmHWM``: ``ru_maxrss``
would inherit the parent's on Linux):

1. stage times with ``n_jobs=1`` and ``2`` for 2048 x 2048 and 8192 x 8192
   mosaics, by this code and by the code before issue 16 (commit
   ``a9e7903``, exported with ``git archive`` into a temporary folder and run
   from there, in the same run);
2. the dendrogram step alone: astrodendro against the compiled backend on the
   same signal-to-noise image, with the identity of the leaves checked;
3. a whole 2048 x 2048 extraction against PyBDSF (LoTSS DR2 settings, ``_peers``);
4. agreement: the noise model's meshes and maps against photutils'
   ``Background2D`` (what the code before used), and the catalogues of this
   code with ``measurement='moments'`` against the code before (which had
   only moments; the default now fits Gaussians, timed as "measurement",
   with the flux and rms windows of the fits under "images").

The machine is shared with other engineers: each measurement is repeated
(``--repeat``) and the fastest run is reported; the load average is printed.

Usage::

    python benchmarks/bench_extraction_speed.py                # about 10 minutes
    python benchmarks/bench_extraction_speed.py --quick        # 1024 and 2048 pixels, no PyBDSF
    python benchmarks/bench_extraction_speed.py --write-docs   # also docs/benchmarks/extraction_speed.txt
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
#: The last commit before issue 16 ("today's code path" of the issue).
BASELINE_COMMIT = 'a9e7903'

# ----------------------------------------------------------------------------
# Child process: one extraction, timed by stage
# ----------------------------------------------------------------------------
# The children find benchmarks/_memory.py through PYTHONPATH (`run_child`).
PEAK = 'from _memory import peak_memory_gib\n'

CHILD = PEAK + r'''
import json, sys, threading, time, warnings
code_root, fits_path, n_jobs, catalog_path = sys.argv[1:5]
options = {'measurement': sys.argv[5]} if len(sys.argv) > 5 else {}
sys.path.insert(0, code_root)
warnings.simplefilter('ignore')
import numpy as np
from lotss_tools import DendroExtractor, Mosaic
from lotss_tools.simulate import simulate_mosaic
import lotss_tools.extraction.extractor as extractor
from lotss_tools.noise import NoiseModel

times, lock = {}, threading.Lock()

def timed(stage, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            with lock:
                times[stage] = times.get(stage, 0.0) + time.perf_counter() - start
    return wrapper

new = hasattr(extractor, '_BAND_ROWS')
NoiseModel.from_mosaic = classmethod(timed('background', NoiseModel.from_mosaic.__func__))
extractor.compute_dendrogram = timed('dendrogram', extractor.compute_dendrogram)
if new:
    from lotss_tools.extraction._fast_dendrogram import DendrogramStructures
    DendrogramStructures.subtree_labels = timed('dendrogram', DendrogramStructures.subtree_labels)
    for name in ('image', 'flux', 'rms'):
        if hasattr(extractor._Levels, name):
            setattr(extractor._Levels, name, timed('images', getattr(extractor._Levels, name)))
    extractor.DendroExtractor._seam_window = timed('images', extractor.DendroExtractor._seam_window)
    extractor.DendroExtractor._measure = timed('measurement', extractor.DendroExtractor._measure)
    if hasattr(extractor, 'measure_window'):                   # Gaussian fits
        extractor.measure_window = timed('measurement', extractor.measure_window)
else:
    extractor._labels = timed('dendrogram', extractor._labels)
    extractor.DendroExtractor._levels = timed('images', extractor.DendroExtractor._levels)
    extractor.measure_structures = timed('measurement', extractor.measure_structures)
extractor.DendroExtractor._table = timed('table', extractor.DendroExtractor._table)

DendroExtractor(n_jobs=int(n_jobs), **options).extract(simulate_mosaic((128, 128), seed=0)[0])
times.clear()
start = time.perf_counter()
mosaic = Mosaic.read(fits_path)
read = time.perf_counter() - start
start, cpu = time.perf_counter(), time.process_time()
catalog = DendroExtractor(n_jobs=int(n_jobs), **options).extract(mosaic)
total, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = peak_memory_gib()
catalog.remove_column('sky_centroid')
catalog.meta = {}
catalog.write(catalog_path, format='ascii.ecsv', overwrite=True)
print(json.dumps(dict(times, read=read, total=total, cpu=cpu, peak=peak,
                      sources=len(catalog))))
'''

PYBDSF_CHILD = PEAK + r'''
import json, logging, sys, time, warnings
warnings.simplefilter('ignore')
import bdsf
logging.getLogger('PyBDSF').setLevel(logging.ERROR)
from _peers import pybdsf_settings    # the one definition of PyBDSF's LoTSS settings
start = time.perf_counter()
image = bdsf.process_image(sys.argv[1], **pybdsf_settings())
total = time.perf_counter() - start
print(json.dumps({'total': total, 'sources': int(image.nsrc), 'peak': peak_memory_gib()}))
'''


def run_child(code, args):
    """Run a child script in a fresh interpreter; its last output line is JSON."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parent), os.environ.get('PYTHONPATH')])))
    result = subprocess.run([sys.executable, '-c', code, *map(str, args)], capture_output=True,
                            text=True, cwd=tempfile.gettempdir(), env=env)
    if result.returncode:
        raise RuntimeError(f'child failed:\n{result.stderr[-3000:]}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def baseline_tree(folder):
    """The package at BASELINE_COMMIT, exported into ``folder``; None without git history."""
    archive = subprocess.run(['git', '-C', str(REPOSITORY), 'archive', BASELINE_COMMIT,
                              'lotss_tools'], capture_output=True)
    if archive.returncode:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
    return folder


# ----------------------------------------------------------------------------
# Parent
# ----------------------------------------------------------------------------
def make_sky(kind, size, folder):
    from lotss_tools.simulate import simulate_mosaic
    from lotss_tools.validation import simulate_interferometer_sky
    maker = simulate_mosaic if kind == 'simulated' else simulate_interferometer_sky
    mosaic = maker((size, size), seed=3)[0]
    return mosaic.write(Path(folder) / f'{kind}-{size}.fits')


def stage_table(paths, codes, repeats, folder):
    """Stage times and peak memory, best of ``repeats[code]`` fresh processes per row.

    The runs with one and two threads alternate, so that both see the same
    load of the shared machine.
    """
    from astropy.table import QTable
    rows, catalogs = [], {}
    for (kind, size), path in paths.items():
        for code_name, root in codes.items():
            runs = {1: [], 2: []}
            for attempt in range(repeats[code_name]):
                for n_jobs in (1, 2):
                    out = Path(folder) / f'{code_name}-{kind}-{size}-{n_jobs}.ecsv'
                    runs[n_jobs].append(run_child(CHILD, [root, path, n_jobs, out]))
                    catalogs[code_name, kind, size, n_jobs] = out
            for n_jobs in (1, 2):
                best = min(runs[n_jobs], key=lambda r: r['total'])
                rows.append((code_name, kind, f'{size}x{size}', n_jobs,
                             *(best.get(s, 0.0) for s in ('background', 'images', 'dendrogram',
                                                          'measurement', 'table', 'total', 'cpu')),
                             best['peak'], best['sources']))
                print(f'  {code_name:>16} {kind:>14} {size:>5} n_jobs={n_jobs}: total '
                      + ' '.join(f'{r["total"]:.2f}' for r in runs[n_jobs])
                      + f' s, peak {best["peak"]:.2f} GiB, load {os.getloadavg()[0]:.1f}',
                      flush=True)
    table = QTable(rows=rows, names=('code', 'sky', 'image', 'n_jobs', 'background (s)',
                                     'images (s)', 'dendrogram (s)', 'measurement (s)',
                                     'table (s)', 'total (s)', 'CPU (s)', 'peak (GiB)',
                                     'sources'))
    for name in table.colnames[4:-1]:
        table[name].info.format = '.2f'
    return table, catalogs


def speed_ratios(table):
    """n_jobs=2 against n_jobs=1, and this code against the code before, per sky and size."""
    from astropy.table import QTable
    rows = []
    index = {(r['code'], r['sky'], r['image'], r['n_jobs']): r for r in table}
    for (code, sky, image, n_jobs), row in index.items():
        if code != 'this code' or n_jobs != 2:
            continue
        one = index[code, sky, image, 1]
        before = index.get(('before (a9e7903)', sky, image, 1))
        rows.append((sky, image, one['total (s)'], row['total (s)'],
                     one['total (s)'] / row['total (s)'], row['CPU (s)'] / row['total (s)'],
                     before['total (s)'] / one['total (s)'] if before else float('nan'),
                     before['total (s)'] / row['total (s)'] if before else float('nan')))
    ratios = QTable(rows=rows, names=('sky', 'image', 'n_jobs=1 (s)', 'n_jobs=2 (s)',
                                      'n_jobs 2 vs 1', 'CPU / wall, n_jobs=2',
                                      'vs before, n_jobs=1',
                                      'vs before, n_jobs=2'))
    for name in ratios.colnames[2:]:
        ratios[name].info.format = '.2f'
    return ratios


def dendrogram_step(path):
    """astrodendro against the compiled backend on the extractor's signal-to-noise image."""
    from astrodendro import Dendrogram

    from lotss_tools import Mosaic
    from lotss_tools._noise_kernels import SNR
    from lotss_tools.extraction import compute_dendrogram
    from lotss_tools.noise import NoiseModel
    mosaic = Mosaic.read(path)
    image = NoiseModel.from_mosaic(mosaic)._evaluate(mosaic, (slice(None), slice(None)),
                                                     SNR).astype('float32')
    compute_dendrogram(image[:64, :64], 2.5, 2.5, 8)       # warm-up
    start = time.perf_counter()
    fast = compute_dendrogram(image, 2.5, 2.5, 8)
    fast_time = time.perf_counter() - start
    start = time.perf_counter()
    reference = Dendrogram.compute(image, min_value=2.5, min_delta=2.5, min_npix=8)
    reference_time = time.perf_counter() - start
    identical = (sorted(s.idx for s in reference.leaves) == list(fast.leaves)
                 and (reference.index_map == fast.index_map).all())
    return fast_time, reference_time, len(fast.leaves), identical


def map_agreement(paths):
    """The noise model's meshes and maps against photutils' Background2D, per sky."""
    import numpy as np
    from astropy.table import QTable

    from lotss_tools import Mosaic
    from lotss_tools.datasets import get_path
    from lotss_tools.noise import NoiseModel, local_background
    rows = []
    images = [(f'{kind} {size}x{size}', path) for (kind, size), path in paths.items()
              if size <= 2048]
    images.append(('real LoTSS cutout (float64) 200x200, 10-beam boxes', get_path('lotss-cutout')))
    for name, path in images:
        mosaic = Mosaic.read(path)
        box = 10 if 'real' in name else 25
        start = time.perf_counter()
        photutils = local_background(mosaic, box_size=box)
        maps = photutils.background, photutils.background_rms
        photutils_time = time.perf_counter() - start
        start = time.perf_counter()
        noise = NoiseModel.from_mosaic(mosaic, box_size=box)
        ours = noise.background, noise.rms
        our_time = time.perf_counter() - start
        same_mesh = (np.array_equal(noise.background_mesh, photutils.background_mesh)
                     and np.array_equal(noise.rms_mesh, photutils.background_rms_mesh))
        good = np.isfinite(maps[1])
        scale = np.nanmedian(maps[1])
        worst = max(np.max(np.abs(a[good] - b[good])) for a, b in zip(ours, maps)) / scale
        differing = sum(np.count_nonzero(a[good] != b[good]) for a, b in zip(ours, maps))
        rows.append((name, same_mesh, worst, differing, 2 * good.sum(), photutils_time, our_time))
    table = QTable(rows=rows, names=('sky', 'meshes identical', 'max |map diff| / rms',
                                     'map pixels differing', 'map pixels', 'photutils (s)',
                                     'NoiseModel (s)'))
    table['max |map diff| / rms'].info.format = '.1e'
    table['photutils (s)'].info.format = table['NoiseModel (s)'].info.format = '.2f'
    return table


def moment_catalogs(paths, root, folder):
    """This code with ``measurement='moments'`` (the code before measured moments only)."""
    catalogs = {}
    for (kind, size), path in paths.items():
        for n_jobs in (1, 2):
            out = Path(folder) / f'moments-{kind}-{size}-{n_jobs}.ecsv'
            run_child(CHILD, [root, path, n_jobs, out, 'moments'])
            catalogs['this code', kind, size, n_jobs] = out
    return catalogs


def catalogue_agreement(catalogs):
    """This code's moment catalogues against the code before (n_jobs=1), by peak position."""
    import numpy as np
    from astropy.table import QTable
    rows = []
    for (code, kind, size, n_jobs), path in catalogs.items():
        if code != 'this code' or ('before (a9e7903)', kind, size, 1) not in catalogs:
            continue
        new = QTable.read(path)
        old = QTable.read(catalogs['before (a9e7903)', kind, size, 1])
        same_rows = len(new) == len(old) and np.array_equal(np.asarray(new['x']),
                                                            np.asarray(old['x']))
        key = lambda t: np.lexsort((np.asarray(t['x']), -t['peak_flux'].value))  # noqa: E731
        a, b = new[key(new)], old[key(old)]
        same_sources = len(a) == len(b) and np.array_equal(np.asarray(a['x']),
                                                           np.asarray(b['x']))
        exact = all(np.array_equal(np.asarray(a[c]), np.asarray(b[c]))
                    for c in ('total_flux', 'peak_flux', 'npix', 'local_rms', 'snr')
                    ) if same_sources else False
        dy = np.max(np.abs(np.asarray(a['y']) - np.asarray(b['y']))) if same_sources else np.nan
        dsize = (np.max(np.abs(a['major_fwhm'] / b['major_fwhm'] - 1)) if same_sources
                 else np.nan)
        rows.append((kind, f'{size}x{size}', n_jobs, len(b), len(a), same_sources, same_rows,
                     exact, dy, float(dsize)))
    table = QTable(rows=rows, names=('sky', 'image', 'n_jobs', 'sources before', 'sources now',
                                     'same sources', 'same row order',
                                     'fluxes, peaks, npix, rms identical', 'max |dy| (px)',
                                     'max size rel. diff'))
    table['max |dy| (px)'].info.format = table['max size rel. diff'].info.format = '.1e'
    return table


def pybdsf_comparison(path, table):
    """A whole 2048 x 2048 extraction: this code (from the stage table) against PyBDSF."""
    from astropy.table import QTable
    rows = [(f'lotss_tools, n_jobs={r["n_jobs"]}', r['total (s)'], r['peak (GiB)'],
             r['sources']) for r in table
            if r['code'] == 'this code' and r['sky'] == 'simulated' and r['image'] == '2048x2048']
    try:
        import bdsf  # noqa: F401
        result = run_child(PYBDSF_CHILD, [path])
        rows.append(('PyBDSF (LoTSS settings)', result['total'], result['peak'],
                     result['sources']))
    except ImportError:
        print('PyBDSF not installed (pip install bdsf): left out of the comparison')
    out = QTable(rows=rows, names=('method', 'time (s)', 'peak (GiB)', 'sources'))
    out['time (s)'].info.format = out['peak (GiB)'].info.format = '.2f'
    return out


def main(argv=None):
    # This repository's package (not an installed one), and benchmarks/ for _docs_output.
    sys.path[:0] = [str(REPOSITORY), str(Path(__file__).resolve().parent)]
    from _docs_output import record_output   # benchmarks/, the folder of this script
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='1024 and 2048 pixels, no PyBDSF')
    parser.add_argument('--sizes', type=int, nargs='+', default=None)
    parser.add_argument('--repeat', type=int, default=None,
                        help='runs per measurement of this code (best; default 5)')
    parser.add_argument('--repeat-before', type=int, default=2,
                        help='runs per measurement of the code before (slow; default 2)')
    parser.add_argument('--no-baseline', action='store_true', help='skip the code before')
    parser.add_argument('--no-pybdsf', action='store_true')
    parser.add_argument('--write-docs', action='store_true',
                        help='also write docs/benchmarks/extraction_speed.txt')
    args = parser.parse_args(argv)
    sizes = args.sizes or ([1024, 2048] if args.quick else [2048, 8192])
    repeat = args.repeat or (1 if args.quick else 5)
    with record_output('extraction_speed', args.write_docs), \
            tempfile.TemporaryDirectory() as folder:
        print(f'machine: {os.cpu_count()} cores, shared; load average at start '
              f'{os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}; best of {repeat} '
              f'(code before: {args.repeat_before}) fresh processes per row, n_jobs=1 and 2 '
              'alternating')
        codes = {'this code': str(REPOSITORY)}
        if not args.no_baseline:
            old = baseline_tree(Path(folder) / 'baseline')
            if old is None:
                print(f'no git history: the code before ({BASELINE_COMMIT}) is left out')
            else:
                codes[f'before ({BASELINE_COMMIT})'] = str(old)
        paths = {(kind, size): make_sky(kind, size, folder)
                 for size in sizes for kind in ('simulated', 'interferometer')}

        print('\n1. Stage times of DendroExtractor().extract (seconds; stages summed over '
              'threads; total is wall-clock, CPU the process CPU time) and peak memory, '
              'fresh process per row')
        repeats = {name: repeat if name == 'this code' else args.repeat_before for name in codes}
        table, catalogs = stage_table(paths, codes, repeats, folder)
        table.pprint_all()
        print('\n   Speed-ups (total time)')
        speed_ratios(table).pprint_all()

        size = min(2048, max(sizes))
        print(f'\n2. The dendrogram step alone, simulated {size}x{size} signal-to-noise image '
              '(min_value 2.5, min_delta 2.5, min_npix 8)')
        fast, reference, leaves, identical = dendrogram_step(paths['simulated', size])
        print(f'   compiled backend {fast:.2f} s, astrodendro {reference:.2f} s '
              f'({reference / fast:.0f}x), {leaves} leaves, identical structures: {identical}')

        if not (args.quick or args.no_pybdsf):
            print(f'\n3. A whole {size}x{size} extraction, simulated sky, fresh processes')
            pybdsf_comparison(paths['simulated', size], table).pprint_all()

        print('\n4. Agreement with photutils maps (the code before) and with the catalogues '
              'of the code before (which measured moments: this code with '
              "measurement='moments')")
        map_agreement(paths).pprint_all()
        if len(codes) > 1:
            print()
            catalogs.update(moment_catalogs(paths, codes['this code'], folder))
            catalogue_agreement(catalogs).pprint_all()
        print(f'\nload average at end {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
