"""DS9 and CASA (CRTF) region files of a cleaning result, through `regions`."""

import numpy as np
from astropy import units as u
from regions import (CircleSkyRegion, EllipseSkyRegion, PointSkyRegion, RegionMeta,
                     Regions, RegionVisual)

from ..io import atomic_path
from ._catalog import has_columns, positions, quantity, source_ids

__all__ = ['cleaning_regions', 'write_cleaning_regions']

_FORMATS = ('ds9', 'crtf')


def _shapes(table, color, label):
    """One ellipse (or point, without sizes) per row, tagged with ``label``."""
    coords = positions(table, 'cleaning_regions')
    sized = has_columns(table, ('major_fwhm', 'minor_fwhm', 'pa'))
    if sized:
        major = quantity(table, 'major_fwhm', u.arcsec, 'cleaning_regions')
        minor = quantity(table, 'minor_fwhm', u.arcsec, 'cleaning_regions')
        pa = quantity(table, 'pa', u.deg, 'cleaning_regions')
    texts = label if isinstance(label, np.ndarray) else np.full(len(table), label)
    shapes = []
    for k in range(len(table)):
        meta = RegionMeta({'text': str(texts[k])}) if texts[k] else RegionMeta()
        visual = RegionVisual({'color': color})
        if sized and np.isfinite([major[k], minor[k], pa[k]]).all() and minor[k] > 0:
            # Height is the major axis: at angle 0 it points north, and the
            # angle turns it towards east, as a position angle does.
            shapes.append(EllipseSkyRegion(coords[k], width=minor[k] * u.arcsec,
                                           height=major[k] * u.arcsec, angle=pa[k] * u.deg,
                                           meta=meta, visual=visual))
        else:
            shapes.append(PointSkyRegion(coords[k], meta=meta, visual=visual))
    return shapes


def cleaning_regions(kept, rejected=None, cleaner=None, *, circles='rejecting',
                     kept_color='green', rejected_color='red', circle_color='yellow'):
    """Regions of a cleaning result: kept and rejected sources, rejection circles.

    Parameters
    ----------
    kept : `~astropy.table.Table`
        Kept sources (from `~lotss_tools.cleaning.CatalogCleaner.clean`);
        drawn as ellipses of their FWHM when ``major_fwhm``, ``minor_fwhm``
        and ``pa`` are present, else as points.
    rejected : `~astropy.table.Table`, optional
        Rejected sources, labelled with their ``reason``.
    cleaner : `~lotss_tools.cleaning.CatalogCleaner`, optional
        Gives the rejection radius of the circles; no circles without it.
    circles : {'rejecting', 'all', 'none'}
        Draw a rejection circle around the kept sources that rejected a
        ``near_bright`` source (``'rejecting'``, needs ``rejected``), around
        every kept source whose radius exceeds the duplicate radius
        (``'all'``), or none.
    kept_color, rejected_color, circle_color : str
        Region colours.

    Returns
    -------
    regions : `regions.Regions`

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.cleaning import CatalogCleaner
    >>> catalog = QTable({'id': [1, 2], 'ra': [150.0, 150.0] * u.deg,
    ...                   'dec': [2.0, 2.003] * u.deg, 'total_flux': [500.0, 2.0] * u.mJy})
    >>> cleaner = CatalogCleaner.research_2023()
    >>> kept, rejected = cleaner.clean(catalog)
    >>> shapes = cleaning_regions(kept, rejected, cleaner)
    >>> [type(s).__name__ for s in shapes]
    ['PointSkyRegion', 'PointSkyRegion', 'CircleSkyRegion']
    """
    if circles not in ('rejecting', 'all', 'none'):
        raise ValueError(f"circles must be 'rejecting', 'all' or 'none', not {circles!r}.")
    shapes = _shapes(kept, kept_color, '')
    if rejected is not None and len(rejected):
        reasons = (np.asarray(rejected['reason']).astype(str) if 'reason' in rejected.colnames
                   else np.full(len(rejected), 'rejected'))
        shapes += _shapes(rejected, rejected_color, reasons)
    if cleaner is not None and circles != 'none' and len(kept):
        flux = quantity(kept, 'total_flux', u.mJy, 'cleaning_regions')
        radius = u.Quantity(cleaner.rejection_radius(flux * u.mJy), u.arcsec)
        if circles == 'rejecting':
            if rejected is None or 'rejected_by' not in rejected.colnames:
                raise ValueError("circles='rejecting' needs the rejected table of clean().")
            near = np.asarray(rejected['reason']) == 'near_bright'
            draw = np.isin(source_ids(kept), np.asarray(rejected['rejected_by'])[near])
        else:
            draw = radius > cleaner.duplicate_radius
        coords = positions(kept, 'cleaning_regions')
        for k in np.flatnonzero(draw):
            shapes.append(CircleSkyRegion(coords[k], radius[k],
                                          meta=RegionMeta({'text': 'rejection radius'}),
                                          visual=RegionVisual({'color': circle_color,
                                                               'linestyle': 'dashed'})))
    return Regions(shapes)


def write_cleaning_regions(path, kept, rejected=None, cleaner=None, *, format='ds9',
                           overwrite=False, **kwargs):
    """Write `cleaning_regions` to a DS9 (``.reg``) or CASA CRTF (``.crtf``) file, atomically.

    Parameters
    ----------
    path : str or `os.PathLike`
    kept, rejected, cleaner
        As for `cleaning_regions`.
    format : {'ds9', 'crtf'}
    overwrite : bool
        Replace an existing file.
    **kwargs
        Passed to `cleaning_regions`.

    Returns
    -------
    path : `pathlib.Path`
    """
    from pathlib import Path
    if format not in _FORMATS:
        raise ValueError(f'format must be one of {_FORMATS}, not {format!r}.')
    shapes = cleaning_regions(kept, rejected, cleaner, **kwargs)
    with atomic_path(path, overwrite=overwrite) as tmp:
        shapes.write(str(tmp), format=format, overwrite=True)
    return Path(path)
