"""
Choose dendrogram thresholds from the pixel histogram
=====================================================

The 2023 research derived the dendrogram parameters of each mosaic from its
pixel histogram: a Gaussian fitted to the noise peak gives ``min_delta`` (3
sigma), and the point where the positive side of the histogram starts to
exceed the mirrored negative side gives ``min_value``. This example runs the
rule on a simulated mosaic, whose true noise we know, and compares it with the
local rms map that follows the noise across the field.
"""

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np

from lotss_tools.simulate import simulate_mosaic

mosaic, truth = simulate_mosaic((1536, 1536), seed=11)
thresholds = mosaic.research_thresholds()
print(thresholds)
print('true mean noise: 80 uJy/beam; fitted sigma:', thresholds.sigma.to(u.uJy / u.beam))
ax = thresholds.plot()

# %%
# One threshold for the whole mosaic ignores that the noise varies across it
# (here by a factor of two, as in real LoTSS mosaics). The local rms map from
# `photutils.background.Background2D` (boxes of 25 beams) follows it.
rms_map = mosaic.rms_map().to(u.uJy / u.beam)
fig = plt.figure(figsize=(6, 5))
ax = fig.add_subplot(projection=mosaic.wcs)
image = ax.imshow(rms_map.value, origin='lower', cmap='viridis')
fig.colorbar(image, ax=ax, label='local rms (uJy/beam)')
ax.coords[0].set_axislabel('Right ascension')
ax.coords[1].set_axislabel('Declination')
print(f'local rms from {np.nanmin(rms_map):.0f} to {np.nanmax(rms_map):.0f}')
