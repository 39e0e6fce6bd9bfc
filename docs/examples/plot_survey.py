"""
Run a survey of overlapping mosaics and merge it into one catalogue
===================================================================

`~lotss_tools.survey.run_survey` processes every mosaic of a survey
(extraction, cleaning, cross-match with a reference), records each one in a
manifest as it finishes, and merges the catalogues across mosaic overlaps so
that every source appears once. On a real survey it runs on a Dask cluster;
this example uses ``client='synchronous'`` (the mosaics one after another in
this process) on four small simulated mosaics that share one sky.
"""

import tempfile
from pathlib import Path

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools.simulate import simulate_mosaic
from lotss_tools.survey import run_survey

# %%
# Four 512-pixel mosaics on a 2 x 2 grid, 400 pixels (10 arcmin) apart, so
# neighbours overlap by 112 pixels. They share 250 sources: a source in an
# overlap is seen, with different noise, by two or four mosaics.
rng = np.random.default_rng(1)
center = SkyCoord(210 * u.deg, 54 * u.deg)
offsets = rng.uniform(-0.18, 0.18, (250, 2)) * u.deg
sky = center.spherical_offsets_by(offsets[:, 0], offsets[:, 1])
sources = QTable({'ra': sky.ra.to(u.deg), 'dec': sky.dec.to(u.deg),
                  'total_flux': 10 ** rng.uniform(0, 1.5, len(sky)) * u.mJy})

folder = Path(tempfile.mkdtemp())
mosaics = []
for k, (dx, dy) in enumerate([(-1, -1), (1, -1), (-1, 1), (1, 1)]):
    step = 300 * u.arcsec
    mosaic, truth = simulate_mosaic((512, 512), seed=k, sources=sources, holes=False,
                                    blank_edges=False,
                                    center=center.spherical_offsets_by(dx * step, dy * step))
    mosaic.write(folder / 'mosaics' / f'field{k}.fits')
    mosaics.append(mosaic)

# %%
# Run the survey, scoring each mosaic against the true sources on its valid
# pixels (on LoTSS mosaics: ``reference='lotss-dr2'``).
result = run_survey(folder / 'mosaics', folder / 'survey', reference=sources,
                    client='synchronous')
print(result.report())
result.manifest['mosaic', 'status', 'n_detected', 'n_kept', 'recall', 'precision', 'time']

# %%
# The manifest makes the run resumable: a second call skips the mosaics that
# are done with the same parameters on the same files (their fingerprints
# match), and with nothing left to do it starts no cluster and reuses the
# merged catalogue. A mosaic file replaced since would be processed again.
again = run_survey(folder / 'mosaics', folder / 'survey', reference=sources,
                   client='synchronous')
print(f'second run: {again.n_skipped} mosaics skipped, {again.n_processed} processed, '
      f'executor: {again.executor}')

# %%
# The merged catalogue keeps, of each source seen by several mosaics, the copy
# farthest from its mosaic's edge; the other copies are in
# ``survey-duplicates.ecsv``. The plot shows the footprints, the kept sources
# (coloured by the mosaic they come from) and the removed copies.
catalog = result.catalog
duplicates = QTable.read(result.paths['duplicates'])
fig, ax = plt.subplots(figsize=(7, 7.5))
colors = dict(zip([f'field{k}' for k in range(4)], ['C0', 'C1', 'C2', 'C3']))
for name, mosaic in zip(colors, mosaics):
    corners = mosaic.wcs.calc_footprint()
    ax.fill(corners[:, 0], corners[:, 1], facecolor=colors[name], alpha=0.08,
            edgecolor=colors[name], label=f'{name} footprint')
for name, color in colors.items():
    rows = catalog['mosaic'] == name
    ax.scatter(catalog['ra'][rows], catalog['dec'][rows], s=12, color=color)
ax.scatter(duplicates['ra'], duplicates['dec'], s=60, marker='x', color='k',
           label=f'{len(duplicates)} overlap copies removed')
ax.invert_xaxis()
ax.set_xlabel('RA (deg)')
ax.set_ylabel('Dec (deg)')
ax.set_title(f'{len(catalog)} sources in the survey catalogue')
ax.legend(loc='upper center', bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize='small')
fig.tight_layout()
