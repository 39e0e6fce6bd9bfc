"""Benchmark `CatalogCleaner`: speed on survey-size catalogues, quality on simulated mosaics.

Three tables:

1. the time to clean synthetic survey catalogues (uniform LoTSS density,
   LoTSS DR2 source counts and sizes) of up to 1,000,000 rows with the
   default cleaner and the two research presets (target: < 10 s for
   1,000,000 rows);
2. the research algorithm as the research wrote it (an O(N^2) loop of
   `SkyCoord.separation` calls with row deletion) on 5,000 rows, against
   ``CatalogCleaner.research_2023()`` on the same rows, checking that both
   keep the same sources;
3. on simulated mosaics (`simulate_mosaic`, extracted with the default
   `DendroExtractor`), the fraction of detections on artifacts that each
   cleaner rejects (target >= 90%) and of detections of true sources
   (target <= 1%).

Example::

    python benchmarks/bench_cleaning.py                  # everything
    python benchmarks/bench_cleaning.py --skip-quality --rows 100000 1000000
    python benchmarks/bench_cleaning.py --skip-speed --size 2048 --seeds 101 102 103
    python benchmarks/bench_cleaning.py --quick          # seconds: smaller sizes
    python benchmarks/bench_cleaning.py --write-docs     # also docs/benchmarks/cleaning.txt
"""

import argparse
import logging
import time

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools import DendroExtractor
from lotss_tools.cleaning import CatalogCleaner, cleaning_scores
from lotss_tools.simulate import (COUNTS_BREAK, COUNTS_SLOPE_BRIGHT, COUNTS_SLOPE_FAINT,
                                  simulate_mosaic)

from _docs_output import record_output   # benchmarks/, the folder of this script

__all__ = ['survey_catalog', 'research_clean', 'main']

CLEANERS = {'default': CatalogCleaner, '2023': CatalogCleaner.research_2023,
            '2024': CatalogCleaner.research_2024}


def survey_catalog(n, seed=0, density=780 / u.deg ** 2):
    """A synthetic survey catalogue of ``n`` sources at LoTSS DR2 density.

    Fluxes follow the broken power-law counts of `lotss_tools.simulate`
    between 0.3 mJy and 2 Jy; 90% of the sources are point-like (6 arcsec
    FWHM with 5% scatter), 10% resolved; position angles are uniform.
    """
    rng = np.random.default_rng(seed)
    side = np.sqrt(n / density.to_value(u.deg ** -2))
    dec = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(45 - side / 2)),
                                           np.sin(np.radians(45 + side / 2)), n)))
    ra = 180 + rng.uniform(-side / 2, side / 2, n) / np.cos(np.radians(45))
    # Inverse transform of N(>S) for the two slopes, continuous at the break.
    s_min, s_max, s_break = 0.3, 2000.0, COUNTS_BREAK.to_value(u.mJy)

    def log_counts(s):
        s = np.asarray(s) / s_break
        return -np.log(s) * np.where(s < 1, COUNTS_SLOPE_FAINT, COUNTS_SLOPE_BRIGHT)
    top = np.exp(log_counts(s_max) - log_counts(s_min))
    log_n = np.log(1 - rng.random(n) * (1 - top)) + log_counts(s_min)
    flux = s_break * np.exp(-log_n / np.where(log_n > 0, COUNTS_SLOPE_FAINT, COUNTS_SLOPE_BRIGHT))
    resolved = rng.random(n) < 0.1
    major = np.hypot(np.where(resolved, rng.lognormal(np.log(24), 0.46, n), 0), 6.0)
    major *= rng.normal(1, 0.05, n)
    minor = np.minimum(np.hypot(np.where(resolved, major * rng.beta(4.4, 3.1, n), 0), 6.0)
                       * rng.normal(1, 0.05, n), major)
    return QTable({'id': np.arange(1, n + 1), 'ra': ra * u.deg, 'dec': dec * u.deg,
                   'total_flux': flux * u.mJy, 'major_fwhm': major * u.arcsec,
                   'minor_fwhm': minor * u.arcsec, 'pa': rng.uniform(0, 180, n) * u.deg})


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


def speed_table(rows, repeat):
    print(f'\n1. Cleaning time (best of {repeat}), synthetic survey catalogues')
    print(f'{"rows":>9} | ' + ' | '.join(f'{name:>14}' for name in CLEANERS)
          + ' | rejected (default)')
    for n in rows:
        catalog = survey_catalog(n)
        times, rejected = [], 0
        for name, make in CLEANERS.items():
            cleaner = make()
            best = np.inf
            for _ in range(repeat):
                start = time.perf_counter()
                kept, out = cleaner.clean(catalog)
                best = min(best, time.perf_counter() - start)
            times.append(best)
            if name == 'default':
                rejected = len(out)
        print(f'{n:>9} | ' + ' | '.join(f'{t:>12.2f} s' for t in times) + f' | {rejected}')


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


def quality_table(size, seeds):
    print(f'\n3. Rejections on simulated {size}x{size} mosaics, seeds {seeds} '
          f'(targets: artifacts >= 90%, true sources <= 1%)')
    totals = {name: None for name in CLEANERS}
    print(f'{"seed":>5} | ' + ' | '.join(f'{name + " art / true":>22}' for name in CLEANERS))
    for seed in seeds:
        mosaic, truth = simulate_mosaic((size, size), seed=seed)
        catalog = DendroExtractor().extract(mosaic)
        cells = []
        for name, make in CLEANERS.items():
            kept, rejected = make().clean(catalog)
            score = cleaning_scores(catalog, rejected, truth)
            totals[name] = score if totals[name] is None else totals[name] + score
            cells.append(f'{score.n_artifact_rejected:>3}/{score.n_artifact:<3} '
                         f'{score.n_true_rejected:>3}/{score.n_true:<4}')
        print(f'{seed:>5} | ' + ' | '.join(f'{c:>22}' for c in cells))
    print('total | ' + ' | '.join(f'{100 * s.artifact_rejected:>9.1f}% '
                                   f'{100 * s.true_rejected:>9.2f}%' for s in totals.values()))
    for name, score in totals.items():
        print(f'  {name:>7}: {score}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, nargs='+', default=[10_000, 100_000, 1_000_000])
    parser.add_argument('--repeat', type=int, default=2)
    parser.add_argument('--research-rows', type=int, default=5000)
    parser.add_argument('--size', type=int, default=2048)
    parser.add_argument('--seeds', type=int, nargs='+', default=list(range(101, 113)))
    parser.add_argument('--skip-speed', action='store_true')
    parser.add_argument('--skip-research', action='store_true')
    parser.add_argument('--skip-quality', action='store_true')
    parser.add_argument('--quick', action='store_true',
                        help='up to 100,000 rows, 2,000 research rows, three 1536^2 mosaics')
    parser.add_argument('--write-docs', action='store_true',
                        help='also write the output to docs/benchmarks/cleaning.txt')
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = [r for r in args.rows if r <= 100_000]
        args.research_rows = min(args.research_rows, 2000)
        args.size = min(args.size, 1536)
        args.seeds = args.seeds[:3]
    logging.getLogger('lotss_tools').setLevel(logging.ERROR)
    CatalogCleaner().clean(survey_catalog(100))          # compile the numba walk once
    with record_output('cleaning', args.write_docs):
        if not args.skip_speed:
            speed_table(args.rows, args.repeat)
        if not args.skip_research:
            research_table(args.research_rows)
        if not args.skip_quality:
            quality_table(args.size, args.seeds)


if __name__ == '__main__':
    main()
