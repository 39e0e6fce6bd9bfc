"""Benchmark the rms maps adapted to very bright sources (``bright_box_size``).

The default `lotss_tools.Pipeline` against the same pipeline whose extractor
uses smaller background boxes near sources brighter than
``bright_threshold`` times the ordinary rms
(`lotss_tools.noise.NoiseModel.adapt_to_bright_sources`, as PyBDSF's
``adaptive_rms_box``). For each configuration, the mean over the skies of
precision, recall (true SNR >= 7; 5 on the real cutout, against DR1) and F1
(`lotss_tools.score_against_truth`, ``level='sources'``), and the summed
counts of the cleaner's rejections by label (`_skies.label_counts`:
artifact detections rejected / on artifacts, true-source detections rejected
/ true).

Skies (`_skies`): interferometer-made skies with the tuning seeds 1-8
(``--tuning``, where the settings are chosen), then the held-out
interferometer and `simulate_mosaic` seeds 201-204 and the real cutout
(``--held-out``). ``--speed`` times extractions of an 8192 x 8192
interferometer-made sky with and without the option, alternately in this
process (the machine may be shared: the ratio is the figure).

Example::

    python benchmarks/bench_adaptive_rms.py --tuning
    python benchmarks/bench_adaptive_rms.py --held-out --config 15,150,40
    python benchmarks/bench_adaptive_rms.py --speed --config 15,150,40
    # the docs' table (about 15 minutes):
    python benchmarks/bench_adaptive_rms.py --tuning --held-out --speed --config 10,150,60 --write-docs
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # this checkout's package

from lotss_tools import DendroExtractor, Pipeline, score_against_truth  # noqa: E402
from lotss_tools.validation import simulate_interferometer_sky  # noqa: E402

from _docs_output import record_output  # noqa: E402
from _skies import HELD_OUT_SEEDS, label_counts, make_sky, real_cutout  # noqa: E402

TUNING = tuple(range(1, 9))
#: (bright_box_size beams, bright_threshold sigma, bright_radius beams) tried on the tuning skies.
GRID = tuple((box, threshold, radius) for box in (15, 10, 7.5) for threshold in (150, 75)
             for radius in (20, 40, 60))


def pipeline(config):
    if config is None:
        return Pipeline()
    box, threshold, radius = config
    return Pipeline(DendroExtractor(bright_box_size=box, bright_threshold=threshold,
                                    bright_radius=radius))


def evaluate(skies, configs, min_snr=7):
    """Mean P, R, F1 and summed rejection counts per configuration."""
    rows = {config: dict(scores=[], counts=np.zeros(4, int), found=np.zeros(2, int), seconds=0.0)
            for config in configs}
    for sky in skies:
        for config in configs:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                result = pipeline(config).run(sky.mosaic)
            rows[config]['seconds'] += time.perf_counter() - start
            score = score_against_truth(result.kept, sky.truth, min_snr=min_snr, level='sources')
            rows[config]['scores'].append((score.precision, score.recall, score.f1,
                                           score.n_detected))
            rows[config]['found'] += np.array([round(score.recall * score.n_true_counted),
                                               score.n_true_counted])
            labels = sky.labels(result.catalog)
            if labels is not None:
                rejected = np.isin(result.catalog['id'], result.rejected['id'])
                rows[config]['counts'] += label_counts(labels, rejected)
    return rows


def describe(config):
    return 'default (off)' if config is None else 'box {} beams, thr {}, radius {}'.format(*config)


def print_table(title, rows, min_snr=7):
    print(f'\n{title}')
    print(f'{"configuration":>34} {"kept/sky":>6} {"P":>6} {f"R SNR>={min_snr}":>9} {"F1":>6} '
          f'{"found/counted":>13} '
          f'{"artifacts rejected":>18} {"true rejected":>13} {"time (s)":>8}')
    for config, row in rows.items():
        p, r, f1, n = np.mean(row['scores'], axis=0)
        a_rej, a_all, t_rej, t_all = row['counts']
        found = '{}/{}'.format(*row['found'])
        print(f'{describe(config):>34} {n:6.0f} {p:6.4f} {r:9.4f} {f1:6.4f} {found:>13} '
              f'{f"{a_rej}/{a_all}":>18} {f"{t_rej}/{t_all}":>13} {row["seconds"]:8.1f}',
              flush=True)


def speed(config, repeats=2, size=8192):
    mosaic = simulate_interferometer_sky((size, size), seed=3)[0]
    box, threshold, radius = config
    extractors = {'off': DendroExtractor(),
                  'on': DendroExtractor(bright_box_size=box, bright_threshold=threshold,
                                        bright_radius=radius)}
    DendroExtractor().extract(simulate_interferometer_sky((256, 256), seed=3)[0])   # compile
    times = {name: [] for name in extractors}
    for _ in range(repeats):
        for name, extractor in extractors.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                extractor.extract(mosaic)
            times[name].append(time.perf_counter() - start)
    print(f'\n{size}x{size} simulate_interferometer_sky seed 3, extract (n_jobs=1), best of '
          f'{repeats}, shared machine: off {min(times["off"]):.2f} s, on ({describe(config)}) '
          f'{min(times["on"]):.2f} s, ratio on/off {min(times["on"]) / min(times["off"]):.3f}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tuning', action='store_true')
    parser.add_argument('--held-out', action='store_true')
    parser.add_argument('--speed', action='store_true')
    parser.add_argument('--config', help='box,threshold,radius for --held-out and --speed')
    parser.add_argument('--seeds', type=int, nargs='*', default=TUNING)
    parser.add_argument('--write-docs', action='store_true',
                        help='also write docs/benchmarks/adaptive_rms.txt')
    args = parser.parse_args(argv)
    chosen = None if args.config is None else tuple(float(v) for v in args.config.split(','))
    with record_output('adaptive_rms', args.write_docs):
        print(f'machine: {os.cpu_count()} cores (shared), Python {sys.version.split()[0]}; '
              'scores as sources (score_against_truth level="sources"); rejections: artifact '
              'detections rejected / on artifacts, true-source detections rejected / true')
        if args.tuning:
            skies = [make_sky('interferometer', seed) for seed in args.seeds]
            print_table(f'Tuning: simulate_interferometer_sky 2048x2048 seeds {list(args.seeds)}',
                        evaluate(skies, (None,) + GRID))
        if args.held_out:
            for family in ('interferometer', 'simulate_mosaic'):
                skies = [make_sky(family, seed) for seed in HELD_OUT_SEEDS]
                print_table(f'Held out: {skies[0].name.rsplit(" seed", 1)[0]} 2048x2048 seeds '
                            f'{list(HELD_OUT_SEEDS)}', evaluate(skies, (None, chosen)))
            print_table('Real LoTSS DR1 cutout (200x200), reference: the DR1 rows (not a truth)',
                        evaluate([real_cutout()], (None, chosen), min_snr=5), min_snr=5)
        if args.speed:
            speed(chosen)

if __name__ == '__main__':
    main()
