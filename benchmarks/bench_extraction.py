"""Speed, memory and quality of DendroExtractor against its peers, in one process.

1. quality on three skies the defaults were not chosen on (`_skies`):
   interferometer-made skies (`lotss_tools.validation.simulate_interferometer_sky`)
   and `lotss_tools.simulate.simulate_mosaic` skies, seeds `_skies.HELD_OUT_SEEDS`
   (the cleaner's image test was tuned on interferometer skies with seeds
   1-16), scored against their truth (`lotss_tools.score_against_truth`:
   optimal one-to-one match within `lotss_tools.radii.MATCH_RADIUS`, 6
   arcsec); and the real LoTSS DR1 cutout, scored against the 7 DR1 rows on
   its pixels (PyBDSF run by the survey on the same pixels: a reference, not
   a truth). Methods: the default catalogue a user gets
   (`lotss_tools.Pipeline`: extraction with Gaussian fits, sources, then
   cleaning with the image), the same scored as components (the level of the
   truth rows), the same extraction with the catalogue-only cleaning of
   earlier versions and without cleaning, the moment measurement, the 2023
   research configuration, and the peers in the same run on the same images:
   PyBDSF with LoTSS settings, Aegean + BANE and photutils (see `_skies`); the
   ratio of PyBDSF's time to the default's;
2. speed of the whole extraction with the compiled backend and with
   astrodendro itself, on the same image;
3. wall time and peak memory of a full-size (8192 x 8192) mosaic, extracted in
   a fresh process that reads the FITS file as a user would, with one and two
   threads (``n_jobs``), the time of the noise maps and of the rest
   (dendrogram, Gaussian fits, tables) apart (stage by stage in
   ``bench_extraction_speed.py``).

Usage::

    python benchmarks/bench_extraction.py                 # everything
    python benchmarks/bench_extraction.py --quick         # small images, no 8192
    python benchmarks/bench_extraction.py --write-docs    # also update docs/benchmarks/

Each catalogue is scored twice (`lotss_tools.score_against_truth`): against
the truth rows ("rows": components, the level the truth lists) and against
the true sources ("sources": the truth rows sharing a ``group``, the
components of one radio source; a detection within 6 arcsec of the source's
centroid or of any of its components matches it, and a second detection of
one source counts as false). Only the interferometer skies have groups; on
the other skies the two scores are the same. Precision (P) counts every
detection; recall (R) is over true sources with peak SNR >= 7 inside the
footprint (DR1 rows with SNR >= 5 on the real cutout); F1 combines the two;
the flux ratio is the median measured/true total flux of rows matched with
SNR >= 10. The peers' catalogues are cached by image
(``--cache``) with the time of the run that made them.
"""

import argparse
import logging
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from astropy.table import QTable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))        # this checkout's package, not an installed one

from lotss_tools import (CatalogCleaner, DendroExtractor, Mosaic, Pipeline,  # noqa: E402
                         score_against_truth)
from lotss_tools.simulate import simulate_mosaic  # noqa: E402

from _memory import peak_memory_gib  # noqa: E402
from _peers import describe_settings  # noqa: E402
from _skies import (FAMILIES, HELD_OUT_SEEDS, TUNING_SEEDS, available_peers,  # noqa: E402
                    default_cache, make_sky, peer_catalog, real_cutout)

DOCS = Path(__file__).resolve().parent.parent / 'docs' / 'benchmarks'


def default_pipeline(mosaic):
    """What a user gets with default settings: extraction, then cleaning with the image."""
    return Pipeline().run(mosaic).kept


def components_pipeline(mosaic):
    """The default, cleaned and scored at the level of the truth rows: components."""
    return Pipeline(level='components').run(mosaic).kept


def moments_pipeline(mosaic):
    return Pipeline(DendroExtractor(measurement='moments')).run(mosaic).kept


def catalogue_cleaning_pipeline(mosaic):
    """The default extraction with the catalogue-only cleaning (the default before issue 14)."""
    return Pipeline(cleaner=CatalogCleaner(artifact_margin=None)).run(mosaic).kept


def uncleaned(mosaic):
    return DendroExtractor().extract(mosaic)


def research_pipeline(mosaic):
    research = Pipeline(DendroExtractor.research_2023(), CatalogCleaner.research_2023())
    return research.run(mosaic).kept


OURS = {'lotss_tools default': default_pipeline,
        'lotss_tools default (components)': components_pipeline,
        'lotss_tools moments': moments_pipeline,
        'lotss_tools, catalogue-only cleaning': catalogue_cleaning_pipeline,
        'lotss_tools, no cleaning': uncleaned,
        'research 2023': research_pipeline}


def score(catalog, truth, min_snr):
    """Scores against the truth rows (components) and against true sources (groups)."""
    scores = {}
    for level, key in (('components', 'rows'), ('sources', 'sources')):
        result = score_against_truth(catalog, truth, min_snr=min_snr, flux_min_snr=10,
                                     level=level)
        scores.update({f'precision {key}': result.precision, f'recall {key}': result.recall,
                       f'f1 {key}': result.f1})
        if level == 'components':
            scores.update(n=result.n_detected, flux_ratio=result.flux_ratio)
    return scores


def quality(skies, peers, cache, min_snr=7):
    """Mean scores of every method over ``skies`` (one table)."""
    rows = {name: [] for name in list(OURS) + list(peers)}
    times = {name: [] for name in rows}
    for sky in skies:
        for name in rows:
            if name in OURS:
                start = time.perf_counter()
                catalog = OURS[name](sky.mosaic)
                seconds = time.perf_counter() - start
            else:
                catalog, seconds = peer_catalog(name, sky.mosaic, cache=cache)
            if np.isfinite(seconds):
                times[name].append(seconds)
            rows[name].append(score(catalog, sky.truth, min_snr))
    recall = f'R SNR>={min_snr:g}'
    columns = ('method', 'detections', 'P rows', f'{recall} rows', 'F1 rows', 'P sources',
               f'{recall} sources', 'F1 sources', 'flux ratio SNR>=10', 'time per image (s)')
    keys = ('precision rows', 'recall rows', 'f1 rows', 'precision sources', 'recall sources',
            'f1 sources', 'flux_ratio')
    table = QTable(names=columns, dtype=(str, int) + (float,) * 8)
    for name in rows:
        mean = {k: np.nanmean([r[k] for r in rows[name]]) for k in rows[name][0]}
        table.add_row((name, int(round(mean['n'])), *(mean[k] for k in keys),
                       np.mean(times[name]) if times[name] else np.nan))
    for col in table.colnames[2:]:
        table[col].info.format = '.3f' if col != 'time per image (s)' else '.1f'
    pybdsf = 'PyBDSF (LoTSS settings)'
    if times.get(pybdsf) and times['lotss_tools default']:
        ratio = np.mean(times[pybdsf]) / np.mean(times['lotss_tools default'])
        table.meta['speed'] = (f'PyBDSF time / lotss_tools default time (Gaussian fits, sources, '
                               f'cleaning; same images): {ratio:.1f}x')
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


def _extract_file(path, n_jobs, queue):
    start = time.perf_counter()
    mosaic = Mosaic.read(path)
    extractor = DendroExtractor(n_jobs=n_jobs)
    read = time.perf_counter()
    noise = extractor.noise_model(mosaic)
    measured = time.perf_counter()
    extraction = extractor.run(mosaic, noise=noise)
    end = time.perf_counter()
    queue.put((end - start, len(extraction.catalog), len(extraction.components),
               read - start, measured - read, end - measured, peak_memory_gib()))


def full_mosaic(size):
    """Read and extract a full-size mosaic in a fresh process, with one and two threads."""
    mosaic, truth = simulate_mosaic((size, size), seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        path = mosaic.write(Path(tmp) / 'big.fits')
        del mosaic
        # Warm the numba cache so compilation is not timed.
        DendroExtractor().extract(simulate_mosaic((128, 128), seed=0)[0])
        context = multiprocessing.get_context('spawn')
        table = QTable(names=('image', 'n_jobs', 'read + extract (s)', 'read (s)',
                              'noise maps (s)', 'dendrogram + fits + tables (s)', 'sources',
                              'components', 'peak memory (GiB)'),
                       dtype=(str, int, float, float, float, float, int, int, float))
        for n_jobs in (1, 2):
            queue = context.Queue()
            process = context.Process(target=_extract_file, args=(str(path), n_jobs, queue))
            process.start()
            elapsed, count, n_components, read, noise, rest, peak_gb = queue.get()
            process.join()
            table.add_row((f'{size}x{size}', n_jobs, elapsed, read, noise, rest, count,
                           n_components, peak_gb))
    for name in ('read + extract (s)', 'read (s)', 'noise maps (s)',
                 'dendrogram + fits + tables (s)'):
        table[name].info.format = '.1f'
    table['peak memory (GiB)'].info.format = '.2f'
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='small images, skip the 8192 run')
    parser.add_argument('--size', type=int, default=2048, help='image size for speed and quality')
    parser.add_argument('--big', type=int, default=8192, help='size of the full-mosaic run')
    parser.add_argument('--seeds', type=int, nargs='+', default=list(HELD_OUT_SEEDS))
    parser.add_argument('--no-peers', action='store_true', help='leave out PyBDSF, Aegean, '
                                                                'photutils')
    parser.add_argument('--cache', default=str(default_cache()),
                        help='folder of the cached peer catalogues')
    parser.add_argument('--write-docs', action='store_true',
                        help='write the tables into docs/benchmarks/')
    args = parser.parse_args(argv)
    logging.getLogger('lotss_tools').setLevel(logging.ERROR)
    warnings.simplefilter('ignore')
    size = 1024 if args.quick else args.size
    peers = {} if args.no_peers else available_peers()
    sections = []
    print(f'machine: {os.cpu_count()} cores (shared with other jobs), Python '
          f'{sys.version.split()[0]}')
    print(describe_settings())
    for family in FAMILIES:
        title = (f'Quality on {family} skies ({size}x{size}, seeds {args.seeds}; the cleaner '
                 f'was tuned on interferometer seeds {TUNING_SEEDS[0]}-{TUNING_SEEDS[-1]})')
        print(f'\n== {title} ==')
        table = quality([make_sky(family, seed, size) for seed in args.seeds], peers,
                        args.cache)
        table.pprint_all()
        if 'speed' in table.meta:
            print(table.meta['speed'])
        sections.append((title, table))
    title = ('Quality on the real LoTSS DR1 cutout (200x200 pixels of P218+55) against the 7 '
             'DR1 rows on it (recall over the 6 with SNR >= 5)')
    print(f'\n== {title} ==')
    table = quality([real_cutout()], peers, args.cache, min_snr=5)
    table.pprint_all()
    sections.append((title, table))
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
                      f'{time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores (shared)\n')
            out.write(describe_settings() + '\n')
            for title, table in sections:
                out.write(f'\n{title}\n\n')
                out.write('\n'.join(table.pformat(max_lines=-1, max_width=-1)) + '\n')
                if 'speed' in table.meta:
                    out.write(table.meta['speed'] + '\n')
        print(f'\nwrote {DOCS / "extraction.txt"}')


if __name__ == '__main__':
    main()
