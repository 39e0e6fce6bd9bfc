"""Speed, memory and quality of DendroExtractor against its peers, in one process.

Runs on simulated LoTSS-like mosaics (`lotss_tools.simulate.simulate_mosaic`):

1. speed of the whole extraction with the compiled backend and with
   astrodendro itself, on the same image;
2. wall time and peak memory of a full-size (8192 x 8192) mosaic, extracted in
   a fresh process that reads the FITS file as a user would, with one and two
   threads (``n_jobs``; stage by stage in ``bench_extraction_speed.py``);
3. quality against the simulated truth (`lotss_tools.score_against_truth`:
   optimal one-to-one match within `lotss_tools.radii.MATCH_RADIUS`, 6 arcsec)
   of: the default catalogue a user gets (`lotss_tools.Pipeline`: extraction
   then cleaning), the 2023 research configuration, and PyBDSF with LoTSS-like
   settings (``pip install bdsf``, the ``bench`` extra).

Usage::

    python benchmarks/bench_extraction.py                 # everything
    python benchmarks/bench_extraction.py --quick         # small images, no 8192
    python benchmarks/bench_extraction.py --write-docs    # also update docs/benchmarks/

Precision counts every detection; recall is over true sources with peak
SNR >= 7 inside the footprint; F1 combines the two; the flux ratio is the
median measured/true total flux of matched sources with SNR >= 10.
"""

import argparse
import logging
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import QTable

# This repository's package, not an installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lotss_tools import (CatalogCleaner, DendroExtractor, Mosaic, Pipeline,  # noqa: E402
                         score_against_truth)
from lotss_tools.schema import normalise_columns  # noqa: E402
from lotss_tools.simulate import simulate_mosaic  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / 'docs' / 'benchmarks'


def default_pipeline(mosaic):
    """What a user gets with default settings: extraction, then cleaning."""
    return Pipeline().run(mosaic).kept


def research_pipeline(mosaic):
    research = Pipeline(DendroExtractor.research_2023(), CatalogCleaner.research_2023())
    return research.run(mosaic).kept


def pybdsf_pipeline(mosaic):
    """PyBDSF with the LoTSS settings, on the mosaic written to FITS."""
    import bdsf
    logging.getLogger('PyBDSF').setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        path = mosaic.write(Path(tmp) / 'mosaic.fits')
        image = bdsf.process_image(str(path), thresh_isl=4.0, thresh_pix=5.0,
                                   rms_box=(150, 15), adaptive_rms_box=True,
                                   quiet=True, frequency=144e6)
        out = Path(tmp) / 'srl.fits'
        image.write_catalog(outfile=str(out), format='fits', catalog_type='srl', clobber=True)
        table = QTable.read(out) if out.exists() else QTable({'RA': [] * u.deg, 'DEC': [] * u.deg,
                                                             'Total_flux': [] * u.Jy})
    return normalise_columns(table)          # PyBDSF names and units (Jy, deg) read as they are


def score(catalog, truth):
    result = score_against_truth(catalog, truth, min_snr=7, flux_min_snr=10)
    return {'n': result.n_detected, 'precision': result.precision, 'recall_snr7': result.recall,
            'f1': result.f1, 'flux_ratio': result.flux_ratio}


def quality(size, seeds, with_pybdsf):
    methods = {'lotss_tools default': default_pipeline, 'research 2023': research_pipeline}
    if with_pybdsf:
        try:
            import bdsf  # noqa: F401
            methods['PyBDSF (LoTSS settings)'] = pybdsf_pipeline
        except ImportError:
            print('PyBDSF not installed (pip install bdsf): left out of the comparison')
    rows = {name: [] for name in methods}
    times = {name: 0.0 for name in methods}
    for seed in seeds:
        mosaic, truth = simulate_mosaic((size, size), seed=seed)
        for name, method in methods.items():
            start = time.perf_counter()
            catalog = method(mosaic)
            times[name] += time.perf_counter() - start
            rows[name].append(score(catalog, truth))
    table = QTable(names=('method', 'detections', 'precision', 'recall SNR>=7', 'F1',
                          'flux ratio SNR>=10', 'time per mosaic (s)'),
                   dtype=(str, int, float, float, float, float, float))
    for name in methods:
        mean = {k: np.mean([r[k] for r in rows[name]]) for k in rows[name][0]}
        table.add_row((name, int(round(mean['n'])), mean['precision'], mean['recall_snr7'],
                       mean['f1'], mean['flux_ratio'], times[name] / len(seeds)))
    for col in table.colnames[2:]:
        table[col].info.format = '.3f' if col != 'time per mosaic (s)' else '.1f'
    return table


def speed(size, seed=1):
    """Whole extraction with each backend, in the default and the research configuration.

    The research thresholds put ``min_value`` near the noise mean, so the
    dendrogram holds about half the pixels: that is where astrodendro is slow.
    """
    mosaic, _ = simulate_mosaic((size, size), seed=seed)
    DendroExtractor().extract(simulate_mosaic((128, 128), seed=0)[0])  # numba warm-up
    table = QTable(names=('configuration', 'backend', 'image', 'time (s)', 'sources', 'speed-up'),
                   dtype=(str, str, str, float, int, float))
    for name, factory in (('default (local S/N)', DendroExtractor),
                          ('research 2023', DendroExtractor.research_2023)):
        times = {}
        for backend in ('fast', 'astrodendro'):
            start = time.perf_counter()
            catalog = factory(backend=backend).extract(mosaic)
            times[backend] = (time.perf_counter() - start, len(catalog))
        for backend, label in (('fast', 'fast (numba)'), ('astrodendro', 'astrodendro')):
            table.add_row((name, label, f'{size}x{size}', times[backend][0], times[backend][1],
                           times['astrodendro'][0] / times[backend][0]))
    table['time (s)'].info.format = '.2f'
    table['speed-up'].info.format = '.1f'
    return table


def peak_memory_gib():
    """Peak resident memory of this process (GiB): ``VmHWM`` where available, since
    ``ru_maxrss`` inherits the high-water mark of the parent process on Linux."""
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024 ** 2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def _extract_file(path, n_jobs, queue):
    start = time.perf_counter()
    mosaic = Mosaic.read(path)
    catalog = DendroExtractor(n_jobs=n_jobs).extract(mosaic)
    queue.put((time.perf_counter() - start, len(catalog), peak_memory_gib()))


def full_mosaic(size):
    """Read and extract a full-size mosaic in a fresh process, with one and two threads."""
    mosaic, truth = simulate_mosaic((size, size), seed=3)
    table = QTable(names=('image', 'n_jobs', 'read + extract (s)', 'sources', 'peak memory (GiB)'),
                   dtype=(str, int, float, int, float))
    with tempfile.TemporaryDirectory() as tmp:
        path = mosaic.write(Path(tmp) / 'big.fits')
        del mosaic
        # Warm the numba cache so compilation is not timed.
        DendroExtractor().extract(simulate_mosaic((128, 128), seed=0)[0])
        context = multiprocessing.get_context('spawn')
        for n_jobs in (1, 2):
            queue = context.Queue()
            process = context.Process(target=_extract_file, args=(str(path), n_jobs, queue))
            process.start()
            elapsed, count, peak_gb = queue.get()
            process.join()
            table.add_row((f'{size}x{size}', n_jobs, elapsed, count, peak_gb))
    table['read + extract (s)'].info.format = '.1f'
    table['peak memory (GiB)'].info.format = '.2f'
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='small images, skip the 8192 run')
    parser.add_argument('--size', type=int, default=2048, help='image size for speed and quality')
    parser.add_argument('--big', type=int, default=8192, help='size of the full-mosaic run')
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument('--no-pybdsf', action='store_true')
    parser.add_argument('--write-docs', action='store_true', help='write the tables into docs/benchmarks/')
    args = parser.parse_args(argv)
    size = 1024 if args.quick else args.size
    sections = []
    print(f'machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}')
    print(f'\n== quality against simulated truth ({size}x{size}, seeds {args.seeds}) ==')
    table = quality(size, args.seeds, not args.no_pybdsf)
    table.pprint_all()
    sections.append(('Quality against the simulated truth', table))
    print(f'\n== speed of the whole extraction ({size}x{size}) ==')
    table = speed(size)
    table.pprint_all()
    sections.append(('Speed: compiled backend against astrodendro', table))
    if not args.quick:
        print(f'\n== full mosaic ({args.big}x{args.big}), fresh process ==')
        table = full_mosaic(args.big)
        table.pprint_all()
        sections.append(('A full mosaic', table))
    if args.write_docs:
        DOCS.mkdir(exist_ok=True)
        with open(DOCS / 'extraction.txt', 'w') as out:
            out.write(f'# python benchmarks/bench_extraction.py (size {size}, seeds {args.seeds}), '
                      f'{time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores\n')
            for title, table in sections:
                out.write(f'\n{title}\n\n')
                out.write('\n'.join(table.pformat(max_lines=-1, max_width=-1)) + '\n')
        print(f'\nwrote {DOCS / "extraction.txt"}')


if __name__ == '__main__':
    main()
