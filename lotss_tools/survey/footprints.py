"""Valid-pixel masks of the mosaics, kept on disk for the survey-wide merge.

Merging the catalogues of hundreds of mosaics keeps, of each source seen
twice, the copy farthest from its image's edge (NaN blanks included). The
merge cannot hold hundreds of full mosaics in memory, so each task writes
its mosaic's mask of valid pixels (a compressed FITS image with the WCS,
a few hundred kB) and the merge reads them one at a time through
`FootprintFile`, which `~lotss_tools.cleaning.merge_catalogs` accepts in
place of a `~lotss_tools.Mosaic`.
"""

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from ..io import atomic_path

__all__ = ['write_footprint', 'FootprintFile']


def write_footprint(mosaic, path, *, overwrite=True):
    """Write the valid-pixel mask of a mosaic (1 = finite and unmasked) with its WCS.

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
    path : str or `os.PathLike`
        FITS file (written atomically, tile-compressed).

    Returns
    -------
    path : `pathlib.Path`
    """
    header = mosaic.wcs.to_header()
    header['OBJECT'] = str(mosaic.name or '')
    header['COMMENT'] = 'valid pixels (finite and unmasked) of the mosaic: 1, others 0'
    hdus = fits.HDUList([fits.PrimaryHDU(),
                         fits.CompImageHDU(mosaic.footprint.astype(np.uint8), header=header,
                                           compression_type='GZIP_1', name='FOOTPRINT')])
    with atomic_path(path, overwrite=overwrite) as tmp:
        hdus.writeto(tmp, overwrite=True)
    return Path(path)


class FootprintFile:
    """A footprint written by `write_footprint`, read when it is used.

    It has the ``wcs``, ``shape`` and ``footprint`` of a
    `~lotss_tools.Mosaic`, so it can stand for one in
    `~lotss_tools.cleaning.merge_catalogs`. The mask is read from the file
    at each access of ``footprint`` and not kept, so a list of thousands of
    them takes no memory.

    Parameters
    ----------
    path : str or `os.PathLike`

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.survey import FootprintFile, write_footprint
    >>> mosaic, truth = simulate_mosaic((128, 96), seed=1)
    >>> path = write_footprint(mosaic, tempfile.mkdtemp() + '/footprint.fits')
    >>> footprint = FootprintFile(path)
    >>> footprint.shape
    (128, 96)
    >>> bool((footprint.footprint == mosaic.footprint).all())
    True
    """

    def __init__(self, path):
        self.path = Path(path)
        with fits.open(self.path) as hdus:
            header = hdus['FOOTPRINT'].header
            self.shape = (int(header['NAXIS2']), int(header['NAXIS1']))
            self.wcs = WCS(header).celestial
            self.name = header.get('OBJECT', '')

    @property
    def footprint(self):
        """Boolean mask, True on valid pixels (read from the file)."""
        with fits.open(self.path) as hdus:
            return np.asarray(hdus['FOOTPRINT'].data, dtype=bool)

    def __repr__(self):
        return f'<FootprintFile {self.path} shape={self.shape}>'
