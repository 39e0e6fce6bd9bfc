"""False detections measured from the data (the negated image), checked against the truth.

For each sky of `_skies` -- interferometer-made skies and `simulate_mosaic`
skies with seeds the defaults were not chosen on, and the real LoTSS cutout
-- runs `lotss_tools.validation.false_detections` (the default pipeline,
and the same extraction with the catalogue-only cleaning of earlier
versions) and the peers PyBDSF (LoTSS settings) and Aegean + BANE on the
image and on the negated image, and prints:

1. per sky: detections on the image and on the negated image, before and
   after cleaning, and the estimated false-detection fraction (negated /
   positive); on the simulated skies also the *true* fraction of false
   detections (detections the sky's truth labels as artifact or noise), so
   the estimate itself is checked;
2. the default pipeline's fractions per signal-to-noise bin and per
   distance from the bright sources (SNR >= 500), summed over the seeds.

Usage::

    python benchmarks/bench_false_detections.py                 # 4 seeds each
    python benchmarks/bench_false_detections.py --seeds 201 --size 1024 --no-peers
    python benchmarks/bench_false_detections.py --write-docs    # docs/benchmarks/

The peers' catalogues are cached (``--cache``, default `_skies.default_cache`).
"""

import argparse
import logging
import os
import sys
import time
import warnings

import numpy as np
from astropy.table import QTable

from lotss_tools import CatalogCleaner, Pipeline
from lotss_tools.validation import BRIGHT_SNR, false_detections

from _docs_output import record_output       # benchmarks/, the folder of this script
from _peers import describe_settings  # noqa: E402
from _skies import (FAMILIES, HELD_OUT_SEEDS, TUNING_SEEDS, available_peers, default_cache,
                    make_sky, peer_catalog, real_cutout)

__all__ = ['main']

PIPELINES = {'lotss_tools default': Pipeline(),
             'lotss_tools, catalogue-only cleaning': Pipeline(
                 cleaner=CatalogCleaner(artifact_margin=None))}
MIN_SNR = 5.0


def _false_fraction(sky, catalog):
    """True fraction of false detections (labelled artifact or noise) with SNR >= 5."""
    labels = sky.labels(catalog)
    if labels is None:
        return np.nan
    strong = np.asarray(catalog['snr']) >= MIN_SNR
    return float(np.mean(labels[strong] != 'source')) if strong.any() else np.nan


def measure(sky, peers, cache):
    """Rows (one per method) for one sky, and the default pipeline's report."""
    rows, report = [], None
    for name, pipeline in PIPELINES.items():
        start = time.perf_counter()
        result = false_detections(sky.mosaic, pipeline, min_snr=MIN_SNR)
        seconds = time.perf_counter() - start
        s = result.summary()
        rows.append(dict(method=name, pos=s['n_positive_detected'], neg=s['n_negative_detected'],
                         pos_kept=s['n_positive'], neg_kept=s['n_negative'],
                         true=_false_fraction(sky, result.positive.catalog),
                         true_kept=_false_fraction(sky, result.positive.kept), time=seconds))
        if report is None:
            report = result
    for name in peers:
        positive, t_pos = peer_catalog(name, sky.mosaic, cache=cache)
        negative, t_neg = peer_catalog(name, sky.mosaic, negated=True, cache=cache)
        pos = int(np.sum(np.asarray(positive['snr']) >= MIN_SNR))
        neg = int(np.sum(np.asarray(negative['snr']) >= MIN_SNR))
        rows.append(dict(method=name, pos=pos, neg=neg, pos_kept=-1, neg_kept=-1,
                         true=_false_fraction(sky, positive), true_kept=np.nan,
                         time=t_pos + t_neg))
    return rows, report


def _ratio(a, b):
    return a / b if b else np.nan


def summary_table(rows_by_sky):
    """Sum the rows of each method over the skies of a family."""
    methods = list(dict.fromkeys(r['method'] for rows in rows_by_sky for r in rows))
    table = QTable(names=('method', 'positive', 'negated', 'estimated false fraction',
                          'true false fraction', 'positive kept', 'negated kept',
                          'estimated after cleaning', 'true after cleaning',
                          'time per image (s)'),
                   dtype=(str, int, int, float, float, int, int, float, float, float))
    for method in methods:
        rows = [r for rs in rows_by_sky for r in rs if r['method'] == method]
        pos, neg = sum(r['pos'] for r in rows), sum(r['neg'] for r in rows)
        cleaned = rows[0]['pos_kept'] >= 0
        pos_kept = sum(r['pos_kept'] for r in rows) if cleaned else -1
        neg_kept = sum(r['neg_kept'] for r in rows) if cleaned else -1
        # True fractions: detection-weighted mean over the skies.
        weights = np.array([r['pos'] for r in rows], float)
        true = np.array([r['true'] for r in rows])
        true_kept = np.array([r['true_kept'] for r in rows])
        kept_weights = np.array([max(r['pos_kept'], 0) for r in rows], float)
        mean = (np.nan if np.isnan(true).all() or not weights.sum()
                else float(np.nansum(true * weights) / weights.sum()))
        mean_kept = (np.nan if np.isnan(true_kept).all() or not kept_weights.sum()
                     else float(np.nansum(true_kept * kept_weights) / kept_weights.sum()))
        times = [r['time'] for r in rows if np.isfinite(r['time'])]
        table.add_row((method, pos, neg, _ratio(neg, pos), mean, pos_kept, neg_kept,
                       _ratio(neg_kept, pos_kept) if cleaned else np.nan, mean_kept,
                       np.mean(times) if times else np.nan))
    for name in table.colnames:
        if table[name].dtype.kind == 'f':
            table[name].info.format = '.4f' if 'fraction' in name or 'cleaning' in name else '.1f'
    return table


def pooled(reports, attribute):
    """The reports' tables (``by_snr`` or ``by_distance``) summed over the skies."""
    tables = [getattr(r, attribute) for r in reports]
    out = tables[0].copy()
    for name in out.colnames:
        if name.startswith('n_'):
            out[name] = np.sum([t[name] for t in tables], axis=0)
    for suffix in ('', '_detected'):
        pos, neg = out[f'n_positive{suffix}'], out[f'n_negative{suffix}']
        with np.errstate(invalid='ignore', divide='ignore'):
            out[f'false_detection_fraction{suffix}'] = np.where(pos > 0, neg / np.fmax(pos, 1),
                                                                np.nan)
        out[f'false_detection_fraction{suffix}'].info.format = '.4f'
    out.meta = {}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', type=int, default=2048)
    parser.add_argument('--seeds', type=int, nargs='+', default=list(HELD_OUT_SEEDS))
    parser.add_argument('--families', nargs='+', default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument('--no-peers', action='store_true', help='leave out PyBDSF and Aegean')
    parser.add_argument('--cache', default=str(default_cache()),
                        help='folder of the cached peer catalogues')
    parser.add_argument('--write-docs', action='store_true',
                        help='also write docs/benchmarks/false_detections.txt')
    args = parser.parse_args(argv)
    logging.getLogger('lotss_tools').setLevel(logging.ERROR)
    warnings.simplefilter('ignore')
    tuned = set(args.seeds) & set(TUNING_SEEDS)
    if tuned and 'interferometer' in args.families:
        print(f'warning: seeds {sorted(tuned)} are tuning seeds of the cleaner')
    peers = {} if args.no_peers else available_peers(['PyBDSF (LoTSS settings)',
                                                      'Aegean + BANE'])
    with record_output('false_detections', args.write_docs):
        print(f'machine: {os.cpu_count()} cores (shared), Python {sys.version.split()[0]}; '
              f'detections with SNR >= {MIN_SNR:g} (peak over each method\'s own rms)')
        print(describe_settings())
        print(f'the cleaner\'s image test was tuned on interferometer skies with seeds '
              f'{TUNING_SEEDS[0]}-{TUNING_SEEDS[-1]}; these are seeds {args.seeds}')
        print('estimated false fraction = negated / positive detections; true false fraction = '
              'detections the sky\'s truth labels as artifact or noise')
        all_reports = {}
        for family in args.families:
            rows, reports = [], []
            for seed in args.seeds:
                sky = make_sky(family, seed, args.size)
                sky_rows, report = measure(sky, peers, args.cache)
                rows.append(sky_rows)
                reports.append(report)
            all_reports[family] = reports
            print(f'\n== {family} skies ({args.size}x{args.size}, seeds {args.seeds}), summed ==')
            summary_table(rows).pprint_all()
        sky = real_cutout()
        rows, report = measure(sky, peers, args.cache)
        all_reports['real'] = [report]
        print('\n== real LoTSS DR1 cutout (200x200 pixels of P218+55; no truth) ==')
        summary_table([rows]).pprint_all()
        for family, reports in all_reports.items():
            title = ('real cutout' if family == 'real' else
                     f'{family} skies, seeds {args.seeds}')
            print(f'\n-- lotss_tools default, {title}: per peak signal-to-noise --')
            pooled(reports, 'by_snr').pprint_all()
            print(f'-- lotss_tools default, {title}: per distance from the nearest bright '
                  f'source (SNR >= {BRIGHT_SNR:g}; {sum(len(r.bright) for r in reports)} bright '
                  f'sources) --')
            pooled(reports, 'by_distance').pprint_all()


if __name__ == '__main__':
    main()
