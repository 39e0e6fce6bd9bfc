"""Benchmark astrodendro against the compiled dendrogram backend.

Builds a LoTSS-like test image (correlated Gaussian noise of unit rms plus
Gaussian sources), runs both backends on it in the same process, checks that
they give identical structures and prints a table of timings and memory.

Example::

    python benchmarks/bench_dendrogram_backends.py --size 2048 --repeat 3
"""

import argparse
import resource
import time
import tracemalloc

import numpy as np
from scipy.ndimage import gaussian_filter

from lotss_tools.extraction import compute_dendrogram

__all__ = ['make_test_image', 'run_backend', 'main']


def make_test_image(size, n_sources=None, smoothing=1.7, seed=0):
    """LoTSS-like image: unit-rms correlated noise plus Gaussian sources.

    Parameters
    ----------
    size : int
        Image side in pixels.
    n_sources : int, optional
        Number of sources; default ``300 * (size / 2048) ** 2`` (at least 20).
    smoothing : float, optional
        Gaussian sigma (pixels) of the noise correlation.
    seed : int, optional
        Random seed.

    Returns
    -------
    ndarray of float32, shape (size, size)
    """
    rng = np.random.default_rng(seed)
    if n_sources is None:
        n_sources = max(20, int(300 * (size / 2048) ** 2))
    image = gaussian_filter(rng.normal(size=(size, size)), smoothing)
    image /= image.std()
    yy, xx = np.mgrid[:size, :size]
    for _ in range(n_sources):
        y0, x0 = rng.uniform(0, size, 2)
        sig = rng.uniform(1.5, 8.0)
        amp = 10 ** rng.uniform(0.5, 2.5)  # 3 to 300 sigma
        half = int(5 * sig) + 1
        ys = slice(max(int(y0) - half, 0), min(int(y0) + half, size))
        xs = slice(max(int(x0) - half, 0), min(int(x0) + half, size))
        r2 = (yy[ys, xs] - y0) ** 2 + (xx[ys, xs] - x0) ** 2
        image[ys, xs] += amp * np.exp(-0.5 * r2 / sig ** 2)
    return image.astype(np.float32)


def _astrodendro(data, min_value, min_delta, min_npix):
    from astrodendro import Dendrogram
    d = Dendrogram.compute(data, min_value=min_value, min_delta=min_delta,
                           min_npix=min_npix)
    leaves = sorted(s.idx for s in d.leaves)
    return d.index_map, np.array(leaves, dtype=np.int64)


def _fast(data, min_value, min_delta, min_npix):
    r = compute_dendrogram(data, min_value, min_delta, min_npix)
    return r.index_map, r.leaves


BACKENDS = {'astrodendro': _astrodendro, 'fast (numba)': _fast}


def run_backend(func, data, params, repeat):
    """Best wall time over ``repeat`` runs, traced peak memory, last result.

    Returns
    -------
    best : float
        Best wall time in seconds.
    peak : int
        Peak memory in bytes traced by `tracemalloc` (numpy allocations
        included) during one run.
    result : tuple
        ``(index_map, leaf_ids)`` of the last run.
    """
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func(data, *params)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    func(data, *params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=2048, help='image side (pixels)')
    parser.add_argument('--repeat', type=int, default=1,
                        help='timed runs per backend (best is reported)')
    parser.add_argument('--min-value', type=float, default=2.5)
    parser.add_argument('--min-delta', type=float, default=3.0)
    parser.add_argument('--min-npix', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    data = make_test_image(args.size, seed=args.seed)
    params = (args.min_value, args.min_delta, args.min_npix)
    n_above = int((data > args.min_value).sum())
    print(f'image {args.size}x{args.size} float32, {n_above} pixels above '
          f'min_value={args.min_value} ({100 * n_above / data.size:.2f}%), '
          f'min_delta={args.min_delta}, min_npix={args.min_npix}')

    t0 = time.perf_counter()
    compute_dendrogram(data[:8, :8], *params)  # numba warm-up (cached compile)
    print(f'numba warm-up: {time.perf_counter() - t0:.2f} s (excluded)')

    rows, results = [], {}
    for name, func in BACKENDS.items():
        best, peak, results[name] = run_backend(func, data, params, args.repeat)
        rows.append((name, best, peak, results[name][1].size))

    ref_map, ref_leaves = results['astrodendro']
    fast_map, fast_leaves = results['fast (numba)']
    identical_leaves = np.array_equal(ref_leaves, fast_leaves) and all(
        np.array_equal(ref_map == i, fast_map == i) for i in ref_leaves)
    identical_map = np.array_equal(ref_map, fast_map)

    ref_time = rows[0][1]
    print(f'{"backend":<14} {"wall [s]":>10} {"us/pixel":>10} {"us/px>min":>10} '
          f'{"speed-up":>9} {"leaves":>7} {"peak mem [MB]":>14}')
    for name, best, peak, n_leaves in rows:
        print(f'{name:<14} {best:10.3f} {1e6 * best / data.size:10.4f} '
              f'{1e6 * best / max(n_above, 1):10.3f} {ref_time / best:9.1f} '
              f'{n_leaves:7d} {peak / 2**20:14.1f}')
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'max RSS of the process: {max_rss:.0f} MB')
    print(f'identical leaves: {identical_leaves}; identical index_map: {identical_map}')
    if not (identical_leaves and identical_map):
        raise SystemExit('backends disagree')


if __name__ == '__main__':
    main()
