"""
Completeness and reliability of an extraction
=============================================

Run the `~lotss_tools.Pipeline` on a simulated LoTSS-like mosaic with the
simulated truth as reference (the cleaned sources are matched one-to-one by
`~lotss_tools.crossmatch.CrossMatcher`; recall counts the true sources on the
mosaic's valid pixels), and plot
recall (completeness: the fraction of true sources found) and precision
(reliability: the fraction of detections that are real) against flux density
and signal-to-noise ratio, for the package's default extractor and for the
2023 research configuration. Then check how many matches random positions
would get.
"""

import astropy.units as u
import matplotlib.pyplot as plt
from astropy.table import vstack

from lotss_tools import CatalogCleaner, DendroExtractor, Pipeline
from lotss_tools.crossmatch import chance_match_rate, expected_chance_match_rate
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.visualization import plot_completeness

mosaic, truth = simulate_mosaic((2048, 2048), seed=5)
# The reference: real sources on valid pixels (artifact knots are not sources).
truth = truth[truth['in_footprint'] & ~truth['artifact']]

results = {}
for name, pipeline in (('default', Pipeline()),
                       ('research 2023', Pipeline(DendroExtractor.research_2023(),
                                                  CatalogCleaner.research_2023()))):
    results[name] = pipeline.run(mosaic, truth).match
    print(f'{name:>14}: {results[name]}')
matcher = Pipeline().matcher          # one-to-one within MATCH_RADIUS (6 arcsec)

# %%
# One summary row per catalogue: counts, scores, and the relative differences
# (cat - true) / true of the total flux and of the axes (convolved FWHM).
summary = vstack([result.summary() for result in results.values()])
summary.add_column(list(results), name='extraction', index=0)
summary['extraction', 'n_matched', 'recall', 'precision', 'f1', 'total_flux_rel_median',
        'major_fwhm_rel_median', 'minor_fwhm_rel_median'].pprint_all()

# %%
# Recall is binned by the true flux (or SNR) of each simulated source,
# precision by the measured flux (or SNR) of each detection. Most simulated
# sources are below the noise, so recall over all of them is low; above
# about 10 sigma nearly all are found.
fig, (ax_flux, ax_snr) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
flux_bins = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 2000] * u.mJy
snr_bins = [1, 2, 3, 5, 7, 10, 20, 50, 1e5]
for (name, result), color in zip(results.items(), ('C0', 'C3')):
    plot_completeness(result, ax=ax_flux, bins=flux_bins, label=name, color=color,
                      recall=True, precision=False)
    plot_completeness(result, ax=ax_snr, bins=snr_bins, quantity='snr', label=name,
                      color=color)
ax_flux.set_title('recall against true total flux')
ax_snr.set_title('recall (true SNR) and precision (measured SNR)')
fig.tight_layout()

# %%
# How many of these pairs could be chance coincidences? Scatter as many
# random positions as the catalogue has rows over the valid pixels of the
# mosaic and match them the same way. The answer follows the Poisson value
# 1 - exp(-density pi r^2) of the reference density.
catalog = results['default'].catalog
rate = chance_match_rate(catalog, truth, mosaic, n_trials=10, seed=1, radius=matcher.radius)
area = mosaic.footprint.sum() * (mosaic.pixel_scale * u.pix).to(u.deg) ** 2
density = len(truth) / area
print(f'reference density {density.value:.0f} per deg^2: chance matches within {matcher.radius}: '
      f'{100 * rate.mean:.2f} +- {100 * rate.std:.2f} % '
      f'(Poisson: {100 * expected_chance_match_rate(density, matcher.radius):.2f} %)')
