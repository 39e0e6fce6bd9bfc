"""Benchmark `run_survey`: mosaics per minute on 1 and 2 Dask workers, and the scaling.

Simulated LoTSS-like mosaics (`simulate_mosaic`, 2048 x 2048 pixels by
default, on a grid of overlapping centres) are written to a temporary
folder and surveyed with the default pipeline (DendroExtractor,
CatalogCleaner, merge across overlaps):

1. in this process (``client='synchronous'``), the baseline without Dask;
2. on a `~dask.distributed.LocalCluster` of 1, then 2 worker processes (one
   thread each), timing only `run_survey` (the cluster is started and its
   workers have imported lotss_tools before the clock starts).

The table gives the wall-clock time, mosaics per minute and the scaling
efficiency ``rate(N workers) / (N x rate(1 worker))``; the time of the
final merge is included. ``--tiles`` also times one large mosaic run whole
and in tiles over the workers.

Example::

    python benchmarks/bench_survey.py                       # 8 mosaics of 2048^2
    python benchmarks/bench_survey.py --n-mosaics 16 --size 1024 --workers 1 2
    python benchmarks/bench_survey.py --tiles --tile-mosaic-size 6144
    python benchmarks/bench_survey.py --tiles --write-docs   # also docs/benchmarks/survey.txt

The machine's load average is printed before and after: other processes
on the cores take time from the workers and lower the measured scaling.
"""

import argparse
import logging
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from lotss_tools.simulate import simulate_mosaic
from lotss_tools.survey import run_survey

from _docs_output import record_output   # benchmarks/, the folder of this script

__all__ = ['make_survey', 'main']


def make_survey(folder, n_mosaics, size, *, overlap=0.15, seed=0):
    """Write ``n_mosaics`` simulated mosaics on a grid, neighbours overlapping by ``overlap``."""
    folder = Path(folder)
    columns = int(np.ceil(np.sqrt(n_mosaics)))
    step = size * 1.5 * (1 - overlap) * u.arcsec
    center = SkyCoord(180 * u.deg, 50 * u.deg)
    paths = []
    for k in range(n_mosaics):
        dx, dy = (k % columns) * step, (k // columns) * step
        mosaic, _ = simulate_mosaic((size, size), seed=seed + k,
                                    center=center.spherical_offsets_by(dx, dy))
        paths.append(mosaic.write(folder / f'mosaic_{k:03d}.fits', overwrite=True))
    return paths


def _warm(client):
    """Start the workers' imports (and numba's cache loads) before timing."""
    def load():
        import lotss_tools.survey  # noqa: F401
        from lotss_tools import DendroExtractor
        from lotss_tools.simulate import simulate_mosaic
        DendroExtractor().extract(simulate_mosaic((128, 128), seed=0)[0])
        return True
    client.run(load)


@contextmanager
def _cluster(LocalCluster, Client, n_workers):
    """A LocalCluster of one-thread worker processes, warmed up, and its client."""
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address='127.0.0.1:0') as cluster, Client(cluster) as client:
        _warm(client)
        yield client


def _time_survey(paths, output, client, **kwargs):
    start = time.perf_counter()
    result = run_survey(paths, output, client=client, resume=False, **kwargs)
    elapsed = time.perf_counter() - start
    assert set(result.manifest['status']) == {'done'}, result.report()
    return elapsed, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--n-mosaics', type=int, default=8)
    parser.add_argument('--size', type=int, default=2048, help='mosaic side in pixels')
    parser.add_argument('--workers', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--tiles', action='store_true',
                        help='also time one large mosaic whole and in tiles')
    parser.add_argument('--tile-mosaic-size', type=int, default=4096)
    parser.add_argument('--tile-size', type=int, default=2048)
    parser.add_argument('--write-docs', action='store_true',
                        help='also write the output to docs/benchmarks/survey.txt')
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster
    logging.getLogger('distributed').setLevel(logging.WARNING)
    with record_output('survey', args.write_docs):
        _run(args, Client, LocalCluster)


def _load():
    return ', '.join(f'{x:.2f}' for x in os.getloadavg())


def _run(args, Client, LocalCluster):
    print(f'load average before: {_load()} (1, 5, 15 min; {os.cpu_count()} cores)')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        paths = make_survey(tmp / 'mosaics', args.n_mosaics, args.size)
        print(f'simulated {args.n_mosaics} mosaics of {args.size} x {args.size} pixels in '
              f'{time.perf_counter() - start:.1f} s')

        rows = []
        elapsed, result = _time_survey(paths, tmp / 'sync', 'synchronous')
        rows.append(('synchronous (no Dask)', elapsed, result))
        for n in args.workers:
            with _cluster(LocalCluster, Client, n) as client:
                elapsed, result = _time_survey(paths, tmp / f'dask{n}', client)
            rows.append((f'Dask, {n} worker{"s" if n > 1 else ""}', elapsed, result))

        base = next((e for label, e, _ in rows if label == 'Dask, 1 worker'), None)
        print()
        print(f'{"run":<24s} {"wall time":>10s} {"mosaics/min":>12s} {"efficiency":>11s} '
              f'{"sources":>8s} {"mean task":>10s} {"max RSS":>9s}')
        for label, elapsed, result in rows:
            rate = args.n_mosaics / elapsed * 60
            n = int(label.split()[1]) if label.startswith('Dask') else None
            efficiency = f'{base / elapsed / n:11.2f}' if base and n else f'{"-":>11s}'
            summary = result.summary[0]
            mean_task = np.mean(result.manifest['time'].to_value(u.s))
            print(f'{label:<24s} {elapsed:9.1f}s {rate:12.1f} {efficiency} '
                  f'{summary["n_sources"]:8d} {mean_task:9.2f}s '
                  f'{summary["max_worker_rss"].to_value(u.MiB):6.0f}MiB')

        if args.tiles:
            big = make_survey(tmp / 'big', 1, args.tile_mosaic_size, seed=99)
            n = max(args.workers)
            print(f'\none {args.tile_mosaic_size} x {args.tile_mosaic_size} mosaic on {n} workers:')
            with _cluster(LocalCluster, Client, n) as client:
                for label, tile_size in (('whole', None), (f'tiles of {args.tile_size}',
                                                           args.tile_size)):
                    elapsed, result = _time_survey(big, tmp / f'big-{tile_size}', client,
                                                   tile_size=tile_size)
                    row = result.manifest[0]
                    print(f'  {label:<16s} {elapsed:6.1f} s  {row["n_tiles"]:3d} tile(s) '
                          f'{row["n_kept"]:6d} sources')
    print(f'load average after: {_load()}')


if __name__ == '__main__':
    main()
