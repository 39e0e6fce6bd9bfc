"""
Build a training set for a source detector
==========================================

The goal of the research was a LOFAR-specific training set for a YOLO-style
detector: patches of the mosaic as the network sees them, and target boxes for
the sources two independent methods agree on. Here the package's dendrogram
catalogue of a simulated mosaic is cross-matched with a reference catalogue
(the simulation's truth above 5 sigma stands in for LoTSS DR2), and
`~lotss_tools.training.TrainingSetBuilder` cuts the mosaic into pooled,
normalised 256-pixel patches with one box per source, labelled by who found
it.
"""

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np

from lotss_tools.extraction import DendroExtractor
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.training import TrainingSetBuilder, nms_across_patches

mosaic, truth = simulate_mosaic((1200, 1700), seed=21)
catalog = DendroExtractor().extract(mosaic)
reference = truth[(truth['snr'] > 5) & ~truth['artifact'] & truth['in_footprint']]

builder = TrainingSetBuilder(patch_size=256, patch_shift=240, origin_offset=64, pooling=2)
training_set = builder.build(mosaic, catalog, reference)
print(training_set)
labels, counts = np.unique(training_set.boxes['label'], return_counts=True)
print(dict(zip(labels.tolist(), counts.tolist())))

# %%
# The network input: 2x2 mean pooling, clip at 0.4e-6 .. 0.4e-4 Jy/beam,
# rescale to [0, 1], tanh(3x). Boxes: lime for sources found by both
# catalogues, blue for the package only, magenta for the reference only.
# Patches at the border of the mosaic are padded to 256 pixels with 0 (the
# dark margins), as are its blanked corners and holes.
fig, axes = plt.subplots(2, 3, figsize=(10, 7), layout='constrained')
busiest = np.argsort(-np.bincount(training_set.boxes['patch'], minlength=len(training_set)))
for ax, index in zip(axes.flat, sorted(busiest[:6])):
    training_set.plot_patch(index, ax=ax)

# %%
# The fixed clip tops out at 40 uJy/beam, half the noise of this mosaic, so
# the noise itself fills the patches. A wider clip and a linear stretch show
# the sources under the boxes (one patch, zoomed on its centre).
wide = TrainingSetBuilder(clip=(-0.1, 0.5) * u.mJy / u.beam, stretch='linear',
                          keep_labels=['both']).build(mosaic, catalog, reference)
index = int(np.argmax(np.bincount(wide.boxes['patch'], minlength=len(wide))))
ax = wide.plot_patch(index, cmap='gray')
ax.set_xlim(60, 190)
ax.set_ylim(60, 190)

# %%
# A source in the overlap of two patches gets a box in both (the network must
# see it in each). For the detector's *predictions*, non-maximum suppression
# on the mosaic grid keeps one copy: here, with the box fraction inside the
# patch as the score, the uncut copy wins.
boxes = training_set.boxes
corners = np.column_stack([boxes['xmin'], boxes['ymin'], boxes['xmax'], boxes['ymax']])
origins = np.column_stack([training_set.patch_table['y0'],
                          training_set.patch_table['x0']])[boxes['patch']]
keep = nms_across_patches(corners, boxes['box_fraction'], origins, threshold=0.3)
n_sources = len(set(zip(boxes['catalog_index'], boxes['reference_index'])))
print(f'{len(boxes)} boxes in patches, {len(keep)} after NMS across overlaps, '
      f'{n_sources} distinct sources (NMS also merges distinct sources whose boxes overlap)')

# %%
# The targets in the per-object layout of YOLO-style radio detectors: xmin,
# ymin, xmax, ymax (patch pixels), total flux (mJy), major and minor FWHM
# (arcsec), cos(PA) and (sin(PA) + 1) / 2.
targets, counts = training_set.yolo_targets()
print(targets.shape, 'first object of patch', busiest[0], ':', targets[busiest[0], 0].round(2))
