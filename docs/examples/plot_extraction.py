"""
Extract sources and overlay them on the mosaic
==============================================

Run `~lotss_tools.DendroExtractor` with its defaults on a simulated LoTSS-like
mosaic, look at the catalogue, and compare it with the truth the simulation
put in.
"""

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np

from lotss_tools import DendroExtractor
from lotss_tools.matching import match_one_to_one
from lotss_tools.simulate import simulate_mosaic

mosaic, truth = simulate_mosaic((1024, 1024), seed=5)
extractor = DendroExtractor(segmentation=True)
catalog = extractor.extract(mosaic)
print(f'{len(catalog)} sources; thresholds {extractor.min_value_} and {extractor.min_delta_} '
      f'local sigma, min_npix {extractor.min_npix_}')
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
ax.imshow(extractor.segmentation_.data, origin='lower',
          cmap=extractor.segmentation_.cmap, interpolation='nearest')
ax.coords[0].set_axislabel('Right ascension')
ax.coords[1].set_axislabel('Declination')
ax.set_title('catalogued structures')

# %%
# Measured against true total flux for the matched sources: the Gaussian
# correction of the structure sums keeps the flux scale right down to the
# detection limit.
found, true_index, _ = match_one_to_one(catalog, real, 6 * u.arcsec)
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.loglog(real['total_flux'][true_index], catalog['total_flux'][found], '.', ms=4)
limits = np.array([0.2, 3 * real['total_flux'].max().value])
ax.plot(limits, limits, 'k--', lw=1)
ax.set_xlabel('true total flux (mJy)')
ax.set_ylabel('measured total flux (mJy)')
