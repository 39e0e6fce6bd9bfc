"""How real does the interferometer-made sky look? Measured side by side with a real LoTSS cutout.

Prints one table of the statistics that `lotss_tools.validation` measures,
each the same way on three kinds of image:

* the real LoTSS DR1 cutout shipped as ``lotss_tools.datasets`` 'lotss-cutout'
  (200 x 200 pixels of P218+55), and the real DR1 sources shipped beside it;
* the interferometer-made sky, `simulate_interferometer_sky` (2048 x 2048,
  several seeds), both whole and cut into 200 x 200 boxes like the real cutout
  (boxes in bright-source fields left out), and once with robust 0 weighting
  instead of the LoTSS -0.5;
* the package's older simulator, `simulate_mosaic` (same size and seeds).

Measures: the noise autocorrelation at lags 1, 2, 4 px along x, y and the
two diagonals (source-masked pixels); the fraction of pixels below -4 sigma
away from sources and bright-source fields, with one global sigma and with a
local rms map (boxes of 100 px); the rms variation (max/min of the rms in
128 px boxes, and of the true rms map); integral source counts N(>S) per
deg^2 above 1, 10, 100 mJy (sources, i.e. components summed by group). Then
the time and peak memory of making 2048^2 and 8192^2 skies, each in a fresh
process, against `simulate_mosaic` at the same size.

Example::

    python benchmarks/bench_sky_realism.py                 # 3 seeds, timings
    python benchmarks/bench_sky_realism.py --seeds 201 202 --skip-timing
    python benchmarks/bench_sky_realism.py --skip-realism     # timings only
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np
from astropy import units as u
from astropy.table import Table

from lotss_tools import Mosaic
from lotss_tools.datasets import get_path
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.stats import cone_area
from lotss_tools.validation import (DIRECTIONS, integral_counts, integral_source_counts,
                                    negative_tail_fraction, noise_autocorrelation, rms_variation,
                                    simulate_interferometer_sky, source_mask)

__all__ = ['image_statistics', 'main']

LAGS = (1, 2, 4)
FLUXES = (1, 10, 100) * u.mJy
#: LoTSS DR1 over the P205+55/P218+55 mosaics (15.5 deg^2), from the method notes.
DR1_COUNTS = (314.0, 52.6, 9.5)
#: Noise autocorrelation of a real 400 x 400 DR1 cutout quoted in the method notes
#: (the image is not shipped; lags 1/2/4 along x and y).
QUOTED_ACF = {'x': (0.82, 0.44, 0.17), 'y': (0.65, 0.14, 0.14)}


def image_statistics(data, rms_box=128, local_box=100):
    """The realism statistics of one image (a 2-D array in Jy/beam)."""
    mask = source_mask(data)
    acf = noise_autocorrelation(data, LAGS, mask=mask)
    out = {d: [float(v) for v in acf['autocorrelation'][acf['direction'] == d]] for d in DIRECTIONS}
    out['tail_global'] = negative_tail_fraction(data, 4.0, mask=mask)
    out['tail_local'] = negative_tail_fraction(data, 4.0, mask=mask, box_size=local_box)
    variation = rms_variation(data, box_size=rms_box, mask=mask)
    out['rms'] = float(variation['median_rms'][0]) * 1e6
    out['rms_ratio'] = float(variation['ratio'][0])
    return out


def _boxes(data, size=200):
    ny, nx = data.shape
    return [data[y:y + size, x:x + size] for y in range(0, ny - size + 1, size)
            for x in range(0, nx - size + 1, size)]


def _mean(rows, key):
    values = np.array([r[key] for r in rows], float)
    return values.mean(axis=0), values.std(axis=0)


def _fmt(values, errors=None):
    values = np.atleast_1d(values)
    if errors is None:
        return '/'.join(f'{v:.2f}' for v in values)
    return '/'.join(f'{v:.2f}' for v in values) + ' (+-' + '/'.join(
        f'{e:.2f}' for e in np.atleast_1d(errors)) + ')'


def _counts(truth, area):
    table = integral_counts(truth[truth['in_footprint']], area, FLUXES, group_column='group')
    return [float(v) for v in table['density'].value]


def realism(seeds, size):
    real = Mosaic.read(get_path('lotss-cutout'))
    rows = {'real cutout (200^2)': [image_statistics(np.asarray(real.data, float), rms_box=50,
                                                     local_box=50)]}
    new_whole, new_boxes, old_whole, new_counts, old_counts, true_ratio = [], [], [], [], [], []
    for seed in seeds:
        mosaic, truth, layers = simulate_interferometer_sky((size, size), seed=seed,
                                                            return_layers=True)
        data = np.asarray(mosaic.data, float)
        new_whole.append(image_statistics(data))
        new_boxes += [image_statistics(box, rms_box=50, local_box=50) for box in _boxes(data)[::4]
                      if source_mask(box).mean() < 0.5]        # not in a bright-source field
        new_counts.append(_counts(truth, mosaic))
        true_ratio.append(float(layers.rms.max() / layers.rms.min()))
        old, old_truth = simulate_mosaic((size, size), seed=seed, holes=False, blank_edges=False)
        old_data = np.asarray(old.data, float)
        old_whole.append(image_statistics(old_data))
        old_counts.append(_counts(_old_groups(old_truth), old))
    natural = simulate_interferometer_sky((size, size), seed=seeds[0], robust=0.0)[0]
    rows[f'interferometer sky ({size}^2, {len(seeds)} seeds)'] = new_whole
    rows[f'interferometer sky, 200^2 boxes ({len(new_boxes)})'] = new_boxes
    rows[f'interferometer sky, robust 0 (seed {seeds[0]})'] = [
        image_statistics(np.asarray(natural.data, float))]
    rows[f'simulate_mosaic ({size}^2, {len(seeds)} seeds)'] = old_whole

    print(f'\nRealism of the test skies against the real LoTSS cutout (seeds {list(seeds)})')
    print('Noise autocorrelation at lags 1/2/4 px (source-masked pixels; mean (+-std) over '
          'images)')
    print(f'{"image":44s} {"x":>22s} {"y":>22s} {"diagonal":>22s} {"antidiagonal":>22s}')
    for name, stats in rows.items():
        cells = [_fmt(*_mean(stats, d)) if len(stats) > 1 else _fmt(stats[0][d])
                 for d in DIRECTIONS]
        print(f'{name:44s} ' + ' '.join(f'{c:>22s}' for c in cells))
    print(f'{"quoted: real 400^2 DR1 cutout (method notes)":44s} {_fmt(QUOTED_ACF["x"]):>22s} '
          f'{_fmt(QUOTED_ACF["y"]):>22s} {"~0 at lag 2":>22s}')

    print('\nPixels below -4 sigma away from sources (Gaussian: 3.2e-05), median rms and its '
          'variation')
    print(f'{"image":44s} {"global sigma":>13s} {"local sigma":>12s} {"rms uJy/b":>10s} '
          f'{"max/min rms":>12s}')
    for name, stats in rows.items():
        tail_g, tail_l = _mean(stats, 'tail_global')[0], _mean(stats, 'tail_local')[0]
        print(f'{name:44s} {tail_g:13.1e} {tail_l:12.1e} {_mean(stats, "rms")[0]:10.1f} '
              f'{_mean(stats, "rms_ratio")[0]:12.2f}')
    print(f'true rms map of the interferometer sky: max/min {np.mean(true_ratio):.2f} '
          f'(requested 1.35 over the central 51.2 arcmin)')

    dr1 = Table.read(get_path('lotss-dr1-sources'))
    shipped = integral_counts(dr1, cone_area(6 * u.arcmin), FLUXES, flux_column='Total_flux')
    print('\nIntegral source counts N(>S) per deg^2 above 1 / 10 / 100 mJy (sources)')
    print(f'{"LoTSS DR1, P205+55/P218+55, 15.5 deg^2 (quoted)":52s} '
          + ' '.join(f'{v:8.1f}' for v in DR1_COUNTS))
    print(f'{"LoTSS DR1 rows shipped (6 arcmin cone, 28 rows)":52s} '
          + ' '.join(f'{v:8.1f}' for v in shipped['density'].value)
          + '  (+-' + '/'.join(f'{e:.0f}' for e in shipped['density_error'].value) + ')')
    print(f'{"model of simulate_interferometer_sky":52s} '
          + ' '.join(f'{v:8.1f}' for v in integral_source_counts(FLUXES).value))
    area = size * size * (1.5 / 3600) ** 2
    for name, counts in ((f'interferometer sky truth ({len(seeds)} x {area:.2f} deg^2)',
                          new_counts),
                         (f'simulate_mosaic truth ({len(seeds)} x {area:.2f} deg^2)', old_counts)):
        mean = np.mean(counts, axis=0)
        error = np.sqrt(mean / (area * len(seeds)))
        print(f'{name:52s} ' + ' '.join(f'{v:8.1f}' for v in mean)
              + '  (+-' + '/'.join(f'{e:.1f}' for e in error) + ')')


def _old_groups(truth):
    """simulate_mosaic truth without its artifact knots, each row its own source."""
    table = truth[~np.asarray(truth['artifact'], bool)]
    table['group'] = np.arange(len(table))
    return table


_CHILD = '''
import json, sys, time
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.validation import simulate_interferometer_sky
size, which = int(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
if which == 'new':
    simulate_interferometer_sky((size, size), seed=1)
else:
    simulate_mosaic((size, size), seed=1)
seconds = time.perf_counter() - start
with open('/proc/self/status') as status:     # high-water mark of this process's memory
    peak = next(int(line.split()[1]) for line in status if line.startswith('VmHWM'))
print(json.dumps({'seconds': seconds, 'peak_mb': peak / 1024}))
'''


def timing(sizes):
    print('\nTime and peak memory (whole process, with the imports) to make one sky, each in a '
          'fresh process, seed 1; the machine was shared, compare the ratio')
    print(f'{"size":>6s} {"interferometer sky":>20s} {"peak MB":>8s} {"simulate_mosaic":>16s} '
          f'{"peak MB":>8s} {"ratio":>6s}')
    for size in sizes:
        result = {}
        for which in ('new', 'old'):
            out = subprocess.run([sys.executable, '-c', _CHILD, str(size), which], check=True,
                                 capture_output=True, text=True).stdout
            result[which] = json.loads(out.strip().splitlines()[-1])
        print(f'{size:6d} {result["new"]["seconds"]:19.1f}s {result["new"]["peak_mb"]:8.0f} '
              f'{result["old"]["seconds"]:15.1f}s {result["old"]["peak_mb"]:8.0f} '
              f'{result["new"]["seconds"] / result["old"]["seconds"]:6.1f}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[101, 102, 103])
    parser.add_argument('--size', type=int, default=2048)
    parser.add_argument('--timing-sizes', type=int, nargs='+', default=[2048, 8192])
    parser.add_argument('--skip-timing', action='store_true')
    parser.add_argument('--skip-realism', action='store_true')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if not args.skip_realism:
        realism(args.seeds, args.size)
    if not args.skip_timing:
        timing(args.timing_sizes)
    print(f'\n(total {time.perf_counter() - start:.0f} s)')


if __name__ == '__main__':
    main()
