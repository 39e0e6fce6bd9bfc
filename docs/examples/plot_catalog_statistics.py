"""
Catalogue statistics of LoTSS DR2
=================================

The research started by exploring the LoTSS DR2 catalogue: how many sources
at each flux density, how large, how many unresolved. This example computes
those numbers with `lotss_tools.stats` and draws the research notebook's
figures with `lotss_tools.visualization`, on the DR2 sample shipped with the
package (every DR2 source within 30 arcmin of RA 200.02 deg, Dec +44.99 deg,
read as a pinned catalogue, so no network is needed), and compares them with
the catalogue `~lotss_tools.DendroExtractor` makes of a simulated mosaic.
"""

import astropy.units as u
import matplotlib.pyplot as plt
from astropy.coordinates import SkyCoord
from astropy.table import vstack

from lotss_tools import Pipeline
from lotss_tools.catalogs import get_lotss_dr2, sample_catalog_path
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.stats import (catalog_summary, cone_area, is_unresolved, s_code_fractions,
                               source_counts)
from lotss_tools.visualization import (plot_flux_distribution, plot_flux_size,
                                       plot_major_minor, plot_resolved_envelope,
                                       plot_source_counts)

radius = 30 * u.arcmin
dr2 = get_lotss_dr2(SkyCoord(200.0188, 44.9928, unit='deg'), radius,
                    pinned=sample_catalog_path())
area = cone_area(radius)
print(f'{len(dr2)} DR2 sources over {area:.3f}')

# %%
# The sample comes from a sky model, which has no noise column: the
# unresolved criterion (the LoTSS DR2 envelope of ln(S_I / S_P) against
# signal-to-noise) uses the median DR2 noise, 83 uJy/beam, for every source.
rms = 83 * u.uJy / u.beam
dr2['unresolved'] = is_unresolved(dr2, rms=rms).filled(False)

# %%
# The extracted catalogue of a simulated LoTSS-like mosaic, cleaned of the
# artifacts around its bright sources; the mosaic gives the area.
mosaic, truth = simulate_mosaic((2048, 2048), seed=8)
extracted = Pipeline().run(mosaic).kept

summary = vstack([catalog_summary(dr2, area, rms=rms), catalog_summary(extracted, mosaic)],
                 metadata_conflicts='silent')
summary['group'] = ['LoTSS DR2 sample', 'lotss_tools, simulated']
for name, form in (('density', '.0f'), ('median_total_flux', '.3f'),
                   ('median_major_fwhm', '.2f'), ('unresolved_fraction', '.3f')):
    summary[name].info.format = form
summary['group', 'n_sources', 'density', 'median_total_flux', 'median_major_fwhm',
        'unresolved_fraction'].pprint(max_width=-1)

# %%
# ``S_Code`` (S: one Gaussian, C: one Gaussian in a shared island, M: several
# Gaussians) is in every VizieR answer but not in a sky model: the fractions
# are then undefined and every row is counted as without a code.
codes = s_code_fractions(dr2)
print(codes['s_code', 'n_sources', 'fraction'])
print('rows without a code:', codes.meta['n_without_code'])

# %%
# Distribution of the total flux density and the flux density against the
# major axis (with the beam). The grouping argument ``by`` takes any column;
# with a VizieR answer ``by='s_code'`` (the default) splits the histograms by
# PyBDSF code, here we split by the unresolved flag.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout='constrained')
plot_flux_distribution(dr2, left, by='unresolved')
plot_flux_size(dr2, right)

# %%
# Major against minor axis, with the beam (left) and deconvolved from it
# (right, where PyBDSF's zeros are the sources it could not deconvolve).
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.2), layout='constrained')
plot_major_minor(dr2, left, by='unresolved', limit=40 * u.arcsec)
plot_major_minor(dr2, right, deconvolved=True, by='unresolved', limit=40 * u.arcsec)

# %%
# The unresolved criterion itself.
ax = plot_resolved_envelope(dr2, rms=rms)

# %%
# Euclidean-normalised source counts of both catalogues. Both fall below about
# 0.5 mJy, where faint sources are missed; above it the simulated sky follows
# the broken power law of `lotss_tools.simulate`, and the DR2 sample a real
# patch of sky with its few bright sources.
ax = plot_source_counts(source_counts(dr2, area), label='LoTSS DR2 sample')
plot_source_counts(source_counts(extracted, mosaic), ax, label='lotss_tools, simulated mosaic',
                   marker='s')
plt.show()
