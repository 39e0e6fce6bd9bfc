"""Small real LoTSS data shipped with the package, for examples and tests.

========================  =====================================================
name                      file
========================  =====================================================
``'lotss-cutout'``        a 200 x 200 pixel (5 x 5 arcmin) cutout of the LoTSS
                          DR1 mosaic P218+55: 1.5 arcsec pixels, 6 arcsec
                          beam, Jy/beam (FITS)
``'lotss-dr1-sources'``   the LoTSS DR1 PyBDSF sources within 6 arcmin of that
                          cutout's centre (28 rows, ECSV, survey column names)
``'lotss-dr2-sample'``    1,348 LoTSS DR2 sources near RA 13h20m, Dec +45 deg
                          (ECSV with provenance, the package's column names)
========================  =====================================================

All are public survey data products of the LOFAR Surveys Key Science Project.
"""

from pathlib import Path

__all__ = ['get_path', 'DATASETS']

_DATA = Path(__file__).parent / 'data'

#: Dataset name -> file name in the package's ``data`` folder.
DATASETS = {'lotss-cutout': 'P218+55-mosaic.fits',
            'lotss-dr1-sources': 'P218+55-dr1-sources.ecsv',
            'lotss-dr2-sample': 'lotss-dr2-sample.ecsv'}


def get_path(name):
    """Path of a dataset shipped with the package.

    Parameters
    ----------
    name : str
        One of the keys of `DATASETS`.

    Returns
    -------
    path : `pathlib.Path`

    Examples
    --------
    >>> from lotss_tools import Mosaic
    >>> from lotss_tools.datasets import get_path
    >>> Mosaic.read(get_path('lotss-cutout')).shape
    (200, 200)
    """
    if name not in DATASETS:
        raise ValueError(f'unknown dataset {name!r}; choose one of {sorted(DATASETS)}.')
    return _DATA / DATASETS[name]
