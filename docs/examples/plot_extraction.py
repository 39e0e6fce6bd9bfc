"""
Extract sources and overlay them on the mosaic
==============================================

Run `~lotss_tools.DendroExtractor` with its defaults on a simulated LoTSS-like
mosaic, look at the catalogue, the noise and thresholds the extraction derived
(`~lotss_tools.extraction.Extraction`), and compare it with the truth the
simulation put in (`~lotss_tools.score_against_truth`).
"""

import matplotlib.pyplot as plt
import numpy as np

from lotss_tools import DendroExtractor, score_against_truth
from lotss_tools.simulate import simulate_mosaic

mosaic, truth = simulate_mosaic((1024, 1024), seed=5)
extraction = DendroExtractor(segmentation=True).run(mosaic)
catalog, used = extraction.catalog, extraction.thresholds
print(f'{len(catalog)} sources; thresholds {used.min_value} and {used.min_delta} '
      f'local sigma, min_npix {used.min_npix}; global rms {extraction.noise.global_rms:.2e}')
catalog['id', 'ra', 'dec', 'total_flux', 'peak_flux', 'major_fwhm', 'pa', 'snr'][:8]

# %%
# Detections (green) and true sources above 5 sigma (cyan).
real = truth[truth['in_footprint'] & ~truth['artifact']]
ax = mosaic.plot(catalog=[real[real['snr'] > 5], catalog], catalog_color=['cyan', 'lime'],
                 catalog_label=['truth, SNR > 5', 'detected'])

# %%
# The structures themselves: the segmentation image, labelled by catalogue id.
fig = plt.figure(figsize=(6, 5))
ax = fig.add_subplot(projection=mosaic.wcs)
ax.imshow(extraction.segmentation.data, origin='lower',
          cmap=extraction.segmentation.cmap, interpolation='nearest')
ax.coords[0].set_axislabel('Right ascension')
ax.coords[1].set_axislabel('Declination')
ax.set_title('catalogued structures')

# %%
# Measured against true total flux for the matched sources: the Gaussian
# correction of the structure sums keeps the flux scale right down to the
# detection limit.
score = score_against_truth(catalog, truth)
print(f'recall (true SNR >= 7) {score.recall:.3f}, precision {score.precision:.3f}, '
      f'median flux ratio (SNR >= 10) {score.flux_ratio:.3f}')
found, true_index = score.match.index_catalog, score.match.index_reference
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.loglog(real['total_flux'][true_index], catalog['total_flux'][found], '.', ms=4)
limits = np.array([0.2, 3 * real['total_flux'].max().value])
ax.plot(limits, limits, 'k--', lw=1)
ax.set_xlabel('true total flux (mJy)')
ax.set_ylabel('measured total flux (mJy)')
