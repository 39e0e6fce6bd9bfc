"""
An interferometer-made sky next to a real LoTSS cutout
======================================================

`~lotss_tools.validation.simulate_interferometer_sky` makes a test image the
way LOFAR makes LoTSS images: noise shaped by the uv coverage of the array
and the imaging weights, sources from the 144 MHz counts, and artifacts from
direction-dependent calibration errors around bright sources. This example
puts it side by side with the real LoTSS DR1 cutout shipped with the package
(200 x 200 pixels of the mosaic P218+55) and compares what
`lotss_tools.validation` measures on both: images, noise autocorrelation,
pixel histograms and source counts.
"""

import matplotlib.pyplot as plt
import numpy as np
from astropy import units as u
from astropy.table import Table
from scipy.stats import norm

from lotss_tools import Mosaic
from lotss_tools.datasets import get_path
from lotss_tools.stats import cone_area
from lotss_tools.validation import (DIRECTIONS, integral_counts, integral_source_counts,
                                    noise_autocorrelation, simulate_interferometer_sky,
                                    source_mask)

real = Mosaic.read(get_path('lotss-cutout'))
mosaic, truth, layers = simulate_interferometer_sky((1024, 1024), seed=7, return_layers=True)

# %%
# Images
# ------
# The real cutout, the 200 x 200 pixel box of the simulated sky with the
# weakest artifacts, and the field of the brightest simulated source, where
# the calibration errors make rings, spokes and blobs of both signs. Same
# grey scale for the three.
bright = truth[np.argmax(truth['group_flux'])]
bx, by = int(bright['x']), int(bright['y'])
corners = [(y, x) for y in range(0, 824, 206) for x in range(0, 824, 206)]
y0, x0 = min(corners, key=lambda c: np.abs(layers.artifacts[c[0]:c[0] + 200,
                                                             c[1]:c[1] + 200]).max())
sim_box = np.asarray(mosaic.data[y0:y0 + 200, x0:x0 + 200])
sim_bright = mosaic.cutout((bx, by), 300).data
fig, axes = plt.subplots(1, 3, figsize=(13, 4.5))
for ax, data, title in ((axes[0], real.data, 'real LoTSS DR1 (P218+55)'),
                        (axes[1], sim_box, 'interferometer sky'),
                        (axes[2], sim_bright,
                         f'around a {bright["group_flux"].to_value(u.mJy):.0f} mJy source')):
    ax.imshow(np.asarray(data) * 1e3, origin='lower', cmap='gray_r', vmin=-0.25, vmax=0.6)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# The dirty beam and the artifact layer
# -------------------------------------
# The dirty beam of 8 h of the 62 LoTSS HBA fields at Dec +55 deg with Briggs
# -0.5 weights is longer along x (RA) than along y: LOFAR's remote stations
# reach further north-south. The artifact layer is the sum, over every source
# above 30 mJy, of that source convolved with the difference between the dirty
# beam with per-station gain errors and the ideal one.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
axes[0].imshow(layers.dirty_beam[96:160, 96:160], origin='lower', cmap='viridis',
               vmin=-0.05, vmax=0.3, extent=[-48, 48, -48, 48])
axes[0].set_title('dirty beam (arcsec)')
limit = 0.2
axes[1].imshow(layers.artifacts * 1e3, origin='lower', cmap='RdBu_r', vmin=-limit, vmax=limit)
axes[1].set_title('artifact layer (mJy/beam)')
fig.tight_layout()

# %%
# Noise autocorrelation
# ---------------------
# Measured the same way on both images, on the pixels outside
# `~lotss_tools.validation.source_mask`. Real LoTSS noise is correlated
# further along x than along y, and the simulated noise is too; the real
# cutout is more correlated at lags of 2-4 pixels (see the validation page).
real_acf = noise_autocorrelation(real, (1, 2, 3, 4, 6), mask=source_mask(real))
sim_acf = noise_autocorrelation(mosaic, (1, 2, 3, 4, 6), mask=source_mask(mosaic))
fig, ax = plt.subplots(figsize=(6, 4))
for direction, color in zip(DIRECTIONS, ('C0', 'C1', 'C2', 'C3')):
    for acf, style, label in ((real_acf, '-', 'real'), (sim_acf, '--', 'simulated')):
        rows = acf[acf['direction'] == direction]
        ax.plot(rows['separation'].value, rows['autocorrelation'], style, color=color,
                marker='o', label=f'{label}, {direction}')
ax.axhline(0, color='grey', lw=0.5)
ax.set_xlabel('separation (pixels of 1.5 arcsec)')
ax.set_ylabel('noise autocorrelation')
ax.legend(fontsize=7, ncol=2)

# %%
# Pixel histograms
# ----------------
# Pixels in units of each image's rms (the simulated one divided by its rms
# map), against a Gaussian, away from the fields of bright sources (the
# real cutout has none; in the simulated sky the pixels within 100 pixels of
# a source peaking above 50 sigma are left out). Sources make the positive
# tail; the negative side stays close to Gaussian in both. With the bright
# fields kept (dotted), the artifacts add a negative tail to the simulated sky.
fig, ax = plt.subplots(figsize=(6, 4))
bins = np.linspace(-6, 10, 81)
real_rms = np.std(np.asarray(real.data)[~source_mask(real)])
sim_scaled = np.asarray(mosaic.data) / layers.rms
far = ~source_mask(mosaic, nsigma=50)
for values, label in ((np.asarray(real.data).ravel() / real_rms, 'real cutout'),
                      (sim_scaled[far], 'simulated, away from bright sources')):
    ax.hist(values, bins, density=True, histtype='step', label=label)
ax.hist(sim_scaled.ravel(), bins, density=True, histtype='step', ls=':', color='C1',
        label='simulated, all pixels')
ax.plot(bins, norm.pdf(bins), 'k:', label='Gaussian')
ax.set_yscale('log')
ax.set_ylim(1e-6, 1)
ax.set_xlabel('pixel value / rms')
ax.legend()

# %%
# Source counts
# -------------
# The integral counts of the simulated truth (components summed into sources)
# against the model the sky is drawn from, which passes through the LoTSS
# DR1 counts of P205+55/P218+55 at 1, 10 and 100 mJy, and against the real
# DR1 sources shipped with the cutout (a 6 arcmin cone: few sources).
fluxes = np.geomspace(0.3, 300, 13) * u.mJy
sim_counts = integral_counts(truth[truth['in_footprint']], mosaic, fluxes, group_column='group')
dr1 = Table.read(get_path('lotss-dr1-sources'))
dr1_counts = integral_counts(dr1, cone_area(6 * u.arcmin), fluxes, flux_column='Total_flux')
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(fluxes, integral_source_counts(fluxes), 'k-', label='model (DR1 anchors)')
ax.errorbar(fluxes.value, sim_counts['density'].value, sim_counts['density_error'].value,
            fmt='o', label='simulated truth')
ok = dr1_counts['n_sources'] > 0
ax.errorbar(fluxes.value[ok], dr1_counts['density'].value[ok],
            dr1_counts['density_error'].value[ok], fmt='s', label='real DR1 rows (6 arcmin)')
ax.plot([1, 10, 100], [314, 52.6, 9.5], 'r*', ms=12, label='DR1, 15.5 deg$^2$')
ax.set_xlabel('S (mJy)')
ax.set_ylabel('N(>S) per deg$^2$')
ax.legend(fontsize=8)
plt.show()
