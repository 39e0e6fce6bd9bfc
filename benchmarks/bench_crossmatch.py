"""Speed and honesty of `CrossMatcher`: run time, counts in crowded fields,
chance matches.

1. Speed: N random sources at LoTSS density (1000 per deg^2, so 1,000,000
   sources cover 1000 deg^2) matched against a perturbed, shuffled copy
   (positions moved by 1.5 arcsec rms per axis, fluxes by 10%, 5% of the
   rows dropped on each side) within 12 arcsec; time of ``match`` plus
   ``summary`` (which builds the pairs table). Target: 1,000,000 x
   1,000,000 in under 20 s.
2. Counts: the same copies at several densities, matched with the optimal
   rule, closest pair first (``'nearest'``) and the research code's rule
   (catalogue rows in input order each take their nearest free reference).
3. Chance matches: `chance_match_rate` on simulated mosaics at LoTSS
   density, against the Poisson expectation ``1 - exp(-n pi r^2)``.

Usage::

    python benchmarks/bench_crossmatch.py            # everything (15 s on 2 cores)
    python benchmarks/bench_crossmatch.py --quick    # small sizes only
    python benchmarks/bench_crossmatch.py --write-docs   # also docs/benchmarks/crossmatch.txt
"""

import argparse
import time

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools.crossmatch import (CrossMatcher, chance_match_rate,
                                    expected_chance_match_rate)
from lotss_tools.neighbours import pairs_within
from lotss_tools.radii import RESEARCH_MATCH_RADIUS
from lotss_tools.simulate import simulate_mosaic

from _docs_output import record_output   # benchmarks/, the folder of this script

RADIUS = RESEARCH_MATCH_RADIUS       # the research evaluation's radius, 12 arcsec
DENSITY = 1000 / u.deg ** 2


def sky_field(n, density, rng):
    """``n`` uniform positions in a band of declination (from +30 deg) of area n / density."""
    area = (n / density).to_value(u.sr)
    dec_low = np.radians(30.0)
    width = np.radians(60.0)                          # RA span
    dec_high = np.arcsin(np.sin(dec_low) + area / width)
    ra = rng.uniform(150.0, 150.0 + np.degrees(width), n)
    dec = np.degrees(np.arcsin(rng.uniform(np.sin(dec_low), np.sin(dec_high), n)))
    return ra, dec


def catalogues(n, density, seed=0):
    """A random catalogue of ``n`` rows and a perturbed, shuffled copy of ``n`` rows.

    Both are drawn from ``n / 0.95`` sources, so 95% of each side has a
    true counterpart.
    """
    rng = np.random.default_rng(seed)
    n_all = int(round(n / 0.95))
    ra, dec = sky_field(n_all, density, rng)
    flux = 0.3 * (1 - rng.random(n_all)) ** (-1 / 0.8)
    catalog = QTable({'id': np.arange(n_all), 'ra': ra * u.deg, 'dec': dec * u.deg,
                      'total_flux': flux * u.mJy,
                      'major_fwhm': rng.uniform(6, 10, n_all) * u.arcsec,
                      'minor_fwhm': np.full(n_all, 6.0) * u.arcsec})
    keep = rng.permutation(n_all)[:n]
    step = 1.5 / 3600
    reference = QTable({'id': keep,
                        'ra': (ra[keep] + rng.normal(0, step, keep.size)
                               / np.cos(np.radians(dec[keep]))) * u.deg,
                        'dec': (dec[keep] + rng.normal(0, step, keep.size)) * u.deg,
                        'total_flux': flux[keep] * rng.normal(1, 0.1, keep.size) * u.mJy,
                        'major_fwhm': rng.uniform(6, 10, keep.size) * u.arcsec,
                        'minor_fwhm': np.full(keep.size, 6.0) * u.arcsec})
    catalog = catalog[np.sort(rng.permutation(n_all)[:n])]
    return catalog, reference


def research_count(catalog, reference, radius):
    """Pairs made by the research rule: rows in input order take their nearest free reference."""
    ia, ib, sep = pairs_within(SkyCoord(catalog['ra'], catalog['dec']),
                               SkyCoord(reference['ra'], reference['dec']), radius)
    order = np.lexsort((sep.value, ia))               # by row, nearest candidate first
    used, done, count = set(), set(), 0
    for a, b in zip(ia[order].tolist(), ib[order].tolist()):
        if a in done or b in used:
            continue
        used.add(b)
        done.add(a)
        count += 1
    return count


def bench_speed(sizes):
    print(f'\n1. Speed: N x N sources at {DENSITY.value:g} per deg^2, radius {RADIUS:g} '
          '(match + summary; best of 2 runs below 1e6)')
    print(f'{"N":>10} {"method":>8} {"pairs":>9} {"recall":>7} {"match s":>8} {"total s":>8}')
    for n in sizes:
        catalog, reference = catalogues(n, DENSITY)
        for method in ('optimal', 'nearest'):
            best = (np.inf, np.inf)
            for _ in range(1 if n >= 1_000_000 else 2):
                start = time.perf_counter()
                result = CrossMatcher(RADIUS, method=method).match(catalog, reference)
                matched = time.perf_counter() - start
                result.summary()
                best = min(best, (matched, time.perf_counter() - start))
            print(f'{n:>10} {method:>8} {result.n_matched:>9} {result.recall:>7.4f} '
                  f'{best[0]:>8.2f} {best[1]:>8.2f}')


def bench_counts(n):
    print(f'\n2. Pairs found in {n} x {n} sources (1.5" rms offsets), radius '
          f'{RADIUS:g}; about {int(0.95 * n)} true pairs')
    print(f'{"density/deg2":>13} {"optimal":>8} {"nearest":>8} {"research":>9} '
          f'{"true pairs kept (opt)":>22}')
    for density in (1000, 5000, 20000):
        catalog, reference = catalogues(n, density / u.deg ** 2, seed=1)
        optimal = CrossMatcher(RADIUS).match(catalog, reference)
        nearest = CrossMatcher(RADIUS, method='nearest').match(catalog, reference)
        research = research_count(catalog, reference, RADIUS)
        true = int((optimal.pairs['id_cat'] == optimal.pairs['id_ref']).sum())
        print(f'{density:>13} {optimal.n_matched:>8} {nearest.n_matched:>8} {research:>9} '
              f'{true:>22}')


def bench_chance(shape, n_trials):
    print(f'\n3. Chance-match fraction, {n_trials} trials on a simulated {shape[0]}x{shape[1]} '
          'mosaic (random positions as many as the truth above 0.3 mJy, reference = that truth)')
    print(f'{"density/deg2":>13} {"radius":>7} {"measured %":>16} {"Poisson %":>10}')
    for density in (1000, 1500):
        mosaic, truth = simulate_mosaic(shape, seed=21, source_density=density / u.deg ** 2,
                                        n_artifact_sources=0)
        reference = truth[truth['in_footprint'] & (truth['total_flux'] > 0.3 * u.mJy)]
        area = mosaic.footprint.sum() * (mosaic.pixel_scale * u.pix).to(u.deg) ** 2
        measured_density = len(reference) / area
        for radius in (6 * u.arcsec, 12 * u.arcsec):
            rate = chance_match_rate(reference, reference, mosaic, n_trials=n_trials, seed=1,
                                     radius=radius)
            expected = expected_chance_match_rate(measured_density, radius)
            print(f'{measured_density.value:>13.0f} {radius.value:>6g}" '
                  f'{100 * rate.mean:>8.2f} +- {100 * rate.std:.2f} {100 * expected:>10.2f}')
    radius = (np.sqrt(0.0045 / (np.pi * DENSITY))).to(u.arcsec)
    density = (0.0045 / (np.pi * RADIUS ** 2)).to_value(u.deg ** -2)
    print(f'(0.45% at {DENSITY.value:g} per deg^2 would need a radius of {radius:.1f}, '
          f'or at 12" a density of {density:.0f} per deg^2)')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='small sizes only')
    parser.add_argument('--write-docs', action='store_true',
                        help='also write the output to docs/benchmarks/crossmatch.txt')
    args = parser.parse_args(argv)
    with record_output('crossmatch', args.write_docs):
        if args.quick:
            bench_speed([10_000, 100_000])
            bench_counts(20_000)
            bench_chance((2048, 2048), 5)
        else:
            bench_speed([10_000, 100_000, 1_000_000])
            bench_counts(100_000)
            bench_chance((6144, 6144), 10)


if __name__ == '__main__':
    main()
