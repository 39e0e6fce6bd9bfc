"""
Clean artifacts around a bright source
======================================

Calibration errors draw rings, spokes and blobs of both signs around bright
LOFAR sources, and a source finder turns their positive peaks into false
detections. This example makes an interferometer-made sky, extracts a
catalogue and cleans it with the default `~lotss_tools.cleaning.CatalogCleaner`
given the image (it measures the artifacts on the image's negative side,
where no real source lives), with the catalogue-only rule it falls back to
without the image, and with the research presets; then it shows what the
default rejected around the brightest source, next to the negated image.
"""

import matplotlib.pyplot as plt
import numpy as np

from lotss_tools import Pipeline
from lotss_tools.cleaning import CatalogCleaner, cleaning_regions
from lotss_tools.validation import negated_mosaic, simulate_interferometer_sky
from lotss_tools.visualization import plot_mosaic, plot_rejection_radius

mosaic, truth, layers = simulate_interferometer_sky((2048, 2048), seed=3, return_layers=True)
pipeline = Pipeline()     # DendroExtractor(), then CatalogCleaner() given the mosaic
run = pipeline.run(mosaic)
catalog, kept, rejected, cleaner = run.catalog, run.kept, run.rejected, pipeline.cleaner
print(f'{len(catalog)} detections: {len(kept)} kept, {len(rejected)} rejected')
for reason, count in zip(*np.unique(rejected['reason'], return_counts=True)):
    print(f'  {reason}: {count}')

# %%
# The sky's layers say which detections are artifacts and which are real
# sources, so every cleaner can be scored on the same catalogue.
labels = layers.classify(catalog)
artifact, source = labels == 'artifact', labels == 'source'
catalogue_only = CatalogCleaner(artifact_margin=None)
for name, other, image in (('default', cleaner, True),
                           ('catalogue-only', catalogue_only, False),
                           ('research 2023', CatalogCleaner.research_2023(), False),
                           ('research 2024', CatalogCleaner.research_2024(), False)):
    out_rows = other.clean(catalog, mosaic=mosaic, noise=run.noise)[1] if image else \
        other.clean(catalog)[1]
    out = np.isin(catalog['id'], out_rows['id'])
    print(f'{name:>14}: artifacts rejected {np.sum(out & artifact)}/{artifact.sum()}, '
          f'true sources rejected {np.sum(out & source)}/{source.sum()}')

# %%
# Around the brightest source: kept sources in green, rejected ones in red
# (left), and the negated image (right), whose peaks are the artifacts' other
# sign. A source is rejected when negative structure at least 0.8 times as
# bright as its peak (and above 5 sigma) lies within 8 beams of it.
brightest = truth[np.argmax(truth['group_flux'])]
center = (brightest['x'], brightest['y'])
cutout = mosaic.cutout(center, 400)
fig = plt.figure(figsize=(11, 5.5))
left = fig.add_subplot(1, 2, 1, projection=cutout.wcs)
plot_mosaic(cutout, ax=left, colorbar=False)
for shape in cleaning_regions(kept, rejected, cleaner):
    shape.to_pixel(cutout.wcs).plot(ax=left, edgecolor=shape.visual.get('color', 'white'),
                                    lw=0.8)
left.set_title(f'image around a {brightest["group_flux"]:.0f} source')
right = fig.add_subplot(1, 2, 2, projection=cutout.wcs)
plot_mosaic(negated_mosaic(mosaic).cutout(center, 400), ax=right, colorbar=False)
right.set_title('the negated image')

# %%
# Without the image the cleaner can only use the catalogue: it rejects
# faint elongated sources pointing at a bright one, inside a radius that
# grows with its flux. Each point is one source it rejected, at the flux of
# the source that rejected it and its distance from it.
_, rejected_by_radius = catalogue_only.clean(catalog)
ax = plot_rejection_radius(catalogue_only, label='catalogue-only', catalog=catalog,
                           rejected=rejected_by_radius)
plot_rejection_radius(CatalogCleaner.research_2023(), ax, label='research 2023', ls='--')
plot_rejection_radius(CatalogCleaner.research_2024(), ax, label='research 2024', ls=':')
ax.set_xlim(0.1, 1e4)
plt.show()
