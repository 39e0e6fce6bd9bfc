"""
Read and plot a LoTSS mosaic
============================

Read a real LoTSS cutout (5 x 5 arcmin of mosaic P218+55, shipped with the
package in `lotss_tools.datasets`), look at what the `~lotss_tools.Mosaic` knows about it, and overlay the
survey's own PyBDSF catalogue of the field.
"""

import astropy.units as u
from astropy.table import QTable

from lotss_tools import Mosaic
from lotss_tools.datasets import get_path

mosaic = Mosaic.read(get_path('lotss-cutout'))
print(mosaic)
print('beam area:', mosaic.beam_area, ' frequency:', mosaic.frequency.to(u.MHz))
print('global rms:', mosaic.global_rms().to(u.uJy / u.beam))

# %%
# The survey (LoTSS DR1) found these sources in the field; the markers are
# drawn at their catalogue positions.
dr1 = QTable.read(get_path('lotss-dr1-sources'))
ax = mosaic.plot(catalog=dr1, catalog_label='LoTSS DR1 (PyBDSF)')

# %%
# A cutout keeps a correct WCS: here 2 arcmin around the brightest source.
brightest = dr1[dr1['Peak_flux'].argmax()]
from astropy.coordinates import SkyCoord  # noqa: E402

cutout = mosaic.cutout(SkyCoord(brightest['RA'], brightest['DEC']), 2 * u.arcmin)
ax = cutout.plot(catalog=dr1, stretch='sqrt')
