"""Benchmark `run_survey`: scaling on Dask workers, the idle cost of a resume, a DR2 projection.

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
and in tiles (the extractor's own tiling, on its threads).

``--resume`` times a resume with nothing left to do, as a user runs it: a
fresh ``python -m lotss_tools survey`` process on a finished survey of
``--resume-mosaics`` simulated mosaics (wall clock of the whole process,
imports included), beside what the previous code did on top of it in the
same situation (start a 2-worker LocalCluster and merge every catalogue
again), timed in this script.

``--dr2`` measures one DR2-sized mosaic: a 10000 x 10000 interferometer-made
sky with a circular footprint (`~lotss_tools.validation.simulate_interferometer_sky`,
``footprint='circle'``), processed as a survey task does it, stage by
stage, in a fresh process (one extractor thread; peak memory from
``getrusage``), then projects the 841 mosaics of LoTSS DR2 onto N cores
(one mosaic per core, perfect scaling assumed: the scaling table measures
how close Dask comes).

Example::

    python benchmarks/bench_survey.py                       # 8 mosaics of 2048^2
    python benchmarks/bench_survey.py --n-mosaics 16 --size 1024 --workers 1 2
    python benchmarks/bench_survey.py --tiles --tile-mosaic-size 6144
    python benchmarks/bench_survey.py --resume --dr2 --skip-scaling
    python benchmarks/bench_survey.py --tiles --resume --dr2 --write-docs   # docs/benchmarks/

The machine's load average is printed before and after: other processes
on the cores take time from the workers and lower the measured scaling.
"""

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from lotss_tools.simulate import simulate_mosaic
from lotss_tools.survey import Manifest, merge_survey, run_survey, survey_executor

from _docs_output import record_output   # benchmarks/, the folder of this script

__all__ = ['make_survey', 'main']

#: Mosaics of LoTSS DR2 (Shimwell et al. 2022), and the side of one in pixels.
DR2_MOSAICS, DR2_SIZE = 841, 10000
ROOT = Path(__file__).resolve().parent.parent


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
    parser.add_argument('--skip-scaling', action='store_true',
                        help='do not run the scaling table (synchronous, 1 and 2 workers)')
    parser.add_argument('--resume', action='store_true',
                        help='time a resume with nothing left to do in a fresh process')
    parser.add_argument('--resume-mosaics', type=int, default=20)
    parser.add_argument('--resume-size', type=int, default=2048)
    parser.add_argument('--dr2', action='store_true',
                        help='time a 10000^2 mosaic by stage and project DR2 (841 mosaics)')
    parser.add_argument('--dr2-size', type=int, default=DR2_SIZE)
    parser.add_argument('--cores', type=int, nargs='+', default=[2, 16],
                        help='cores of the DR2 projection')
    parser.add_argument('--stages', nargs=2, metavar=('MOSAIC', 'OUTPUT'),
                        help=argparse.SUPPRESS)    # the fresh process of --dr2
    parser.add_argument('--write-docs', action='store_true',
                        help='also write the output to docs/benchmarks/survey.txt')
    args = parser.parse_args(argv)
    if args.stages:
        print(json.dumps(_stages(*args.stages)))
        return
    from dask.distributed import Client, LocalCluster
    logging.getLogger('distributed').setLevel(logging.WARNING)
    with record_output('survey', args.write_docs):
        _run(args, Client, LocalCluster)


def _load():
    return ', '.join(f'{x:.2f}' for x in os.getloadavg())


def _run(args, Client, LocalCluster):
    print(f'load average before: {_load()} (1, 5, 15 min; {os.cpu_count()} cores; the machine '
          f'is shared: times are noisy)')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_scaling:
            _scaling(args, Client, LocalCluster, tmp)
        if args.resume:
            _idle_resume(args, tmp / 'resume')
        if args.dr2:
            _dr2(args, tmp / 'dr2')
    print(f'load average after: {_load()}')


def _scaling(args, Client, LocalCluster, tmp):
    """Mosaics per minute in this process and on 1, 2... Dask workers; tiles."""
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


def _fresh_process(command):
    """Wall-clock time and output of a command run in a new Python process.

    The process imports the same lotss_tools as this one (PYTHONPATH).
    """
    import lotss_tools
    env = dict(os.environ)
    package_root = str(Path(lotss_tools.__file__).resolve().parent.parent)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (package_root, env.get('PYTHONPATH')) if p)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f'{" ".join(map(str, command))} failed:\n{done.stderr}')
    return elapsed, done.stdout


def _idle_resume(args, folder):
    """A resume with nothing left to do, in a fresh process, and what the old code added."""
    n, size = args.resume_mosaics, args.resume_size
    print(f'\nresume with nothing left to do: a finished survey of {n} simulated mosaics of '
          f'{size} x {size} pixels (simulate_mosaic)')
    paths = make_survey(folder / 'mosaics', n, size, seed=500)
    for path in paths:        # written long before the survey, as real mosaics are
        os.utime(path, (time.time() - 3600,) * 2)
    out = folder / 'out'
    start = time.perf_counter()
    result = run_survey(folder / 'mosaics', out, n_workers=2)
    assert set(result.manifest['status']) == {'done'}, result.report()
    print(f'  first run on a 2-worker LocalCluster: {time.perf_counter() - start:.1f} s, '
          f'{result.summary["n_sources"][0]} sources')
    command = [sys.executable, '-m', 'lotss_tools', 'survey', str(folder / 'mosaics'), '-o',
               str(out), '--workers', '2', '--no-progress']
    runs = [_fresh_process(command) for _ in range(3)]
    first_line = runs[-1][1].splitlines()[0]
    imports, _ = _fresh_process([sys.executable, '-c', 'import lotss_tools.survey, '
                                 'lotss_tools.cli'])
    walls = sorted(wall for wall, _ in runs)
    print(f'  lotss-tools survey (resume), fresh process: {walls[1]:.2f} s wall (median of 3: '
          f'{", ".join(f"{w:.2f}" for w, _ in runs)}); of which Python start and imports '
          f'{imports:.2f} s')
    print(f'    {first_line}')
    # What the previous code did on top, in the same situation.
    start = time.perf_counter()
    with survey_executor(None, n_workers=2):
        pass
    cluster = time.perf_counter() - start
    records = Manifest.load(out / 'manifest.json').records
    start = time.perf_counter()
    merge_survey(out, [records[name] for name in sorted(records)])
    merge = time.perf_counter() - start
    print(f'  the previous code also started a 2-worker LocalCluster ({cluster:.2f} s here) and '
          f'merged the {n} catalogues again ({merge:.2f} s here): '
          f'{walls[1] + cluster + merge:.2f} s in all')


def _stages(path, output):
    """Process one mosaic as `process_mosaic` does, timing each stage (run in a fresh process)."""
    from lotss_tools import CatalogCleaner, DendroExtractor
    from lotss_tools.io import write_table
    from lotss_tools.mosaic import Mosaic
    from lotss_tools.survey import file_fingerprint, mosaic_files
    from lotss_tools.survey.footprints import write_footprint

    output = Path(output)
    times, cpu, files = {}, {}, mosaic_files('dr2')
    extractor, cleaner = DendroExtractor(n_jobs=1), CatalogCleaner()

    def timed(stage, function, *args, **kwargs):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = function(*args, **kwargs)
        times[stage] = time.perf_counter() - start
        cpu[stage] = time.process_time() - start_cpu
        return value
    timed('input checksum', file_fingerprint, path)
    mosaic = timed('read', Mosaic.read, path, name='dr2')
    noise = timed('noise model', extractor.noise_model, mosaic)
    extraction = timed('extraction', extractor.run, mosaic, noise=noise)
    kept, rejected = timed('cleaning', cleaner.clean, extraction.catalog)

    def write():
        write_footprint(mosaic, output / files['footprint'])
        write_table(rejected, output / files['rejected'], overwrite=True)
        write_table(kept, output / files['catalog'], overwrite=True)
        return [file_fingerprint(output / f, trust_times=True) for f in files.values()]
    timed('write outputs', write)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {'times': times, 'cpu': cpu, 'max_rss_mib': rss, 'n_detected': len(extraction.catalog),
            'n_kept': len(kept), 'valid_fraction': float(mosaic.footprint.mean())}


def _dr2(args, folder):
    """One DR2-sized mosaic, stage by stage, and the projection of DR2 on N cores."""
    from lotss_tools.validation import simulate_interferometer_sky
    size = args.dr2_size
    folder.mkdir(parents=True)
    start = time.perf_counter()
    mosaic, truth = simulate_interferometer_sky((size, size), seed=2, footprint='circle')
    path = mosaic.write(folder / 'dr2.fits')
    del mosaic
    os.utime(path, (time.time() - 3600,) * 2)
    print(f'\nDR2 projection: one {size} x {size} mosaic, interferometer-made sky '
          f'(simulate_interferometer_sky, circular footprint, {len(truth)} true components), '
          f'made in {time.perf_counter() - start:.0f} s; {path.stat().st_size / 2**20:.0f} MiB')
    _, text = _fresh_process([sys.executable, __file__, '--stages', str(path),
                              str(folder / 'stages')])
    measured = json.loads(text.strip().splitlines()[-1])
    times, cpu = measured['times'], measured['cpu']
    total, total_cpu = sum(times.values()), sum(cpu.values())
    print(f'  stages of one survey task, fresh process, 1 extractor thread '
          f'({measured["n_detected"]} detected, {measured["n_kept"]} kept, '
          f'{100 * measured["valid_fraction"]:.0f}% of the pixels valid):')
    print(f'    {"stage":<16s} {"wall":>8s} {"CPU":>8s} {"share":>7s}')
    for name in sorted(times, key=lambda key: -cpu[key]):
        print(f'    {name:<16s} {times[name]:7.1f}s {cpu[name]:7.1f}s '
              f'{100 * cpu[name] / total_cpu:6.1f}%')
    print(f'    {"total":<16s} {total:7.1f}s {total_cpu:7.1f}s   peak memory '
          f'{measured["max_rss_mib"]:.0f} MiB')
    # The same mosaic through run_survey in this process (its own record of time and memory).
    start = time.perf_counter()
    result = run_survey([path], folder / 'survey', client='synchronous')
    row = result.manifest[0]
    assert row['status'] == 'done', result.report()
    print(f'  run_survey on it (synchronous, this process): task {row["time"].value:.1f} s, '
          f'whole call {time.perf_counter() - start:.1f} s')
    # CPU time, not wall time: on a shared machine the wall clock counts the other processes.
    cpu_hours = DR2_MOSAICS * total_cpu / 3600
    print(f'  DR2 ({DR2_MOSAICS} mosaics) at {total_cpu:.1f} CPU-s per mosaic: '
          f'{cpu_hours:.2f} CPU-hours (goals: under 15 min on 16 cores, under 2 h on 2 cores)')
    for cores in args.cores:
        wall = cpu_hours / cores
        memory = cores * measured['max_rss_mib'] / 1024
        print(f'    on {cores:3d} cores: {wall * 60:7.1f} min wall '
              f'(one mosaic per core: {memory:.1f} GiB of memory at once)')
    slowest = max(cpu, key=cpu.get)
    print(f'  what dominates: {slowest} ({100 * cpu[slowest] / total_cpu:.0f} % of the CPU time '
          f'of a mosaic)')


if __name__ == '__main__':
    main()
