"""Merging the catalogues of overlapping tiles or mosaics, each source once.

Copies of one physical source in two catalogues are found with the package's
optimal one-to-one matcher (`lotss_tools.crossmatch.match_one_to_one`, per pair
of catalogues that overlap), so a source never stands for two neighbours of
the other catalogue. The copies are then ranked, best first: farthest from
the edge of its image's valid footprint (NaN blanks and borders) when
footprints are given, else lowest ``local_rms``; the best copy is kept and
the others are rejected with reason ``overlap_duplicate``, using the same
brightest-first walk as `~lotss_tools.cleaning.CatalogCleaner.clean`.
"""

import numpy as np
from astropy import units as u
from astropy.table import QTable, vstack
from astropy.wcs.utils import proj_plane_pixel_scales
from scipy import ndimage
from scipy.spatial import cKDTree

from ..crossmatch.assignment import match_one_to_one
from ..neighbours import SkyTree
from ..radii import MERGE_RADIUS
from ..schema import as_icrs
from ._catalog import MissingColumnError, positions, quantity, source_ids
from .suppression import suppress_in_order

__all__ = ['merge_catalogs', 'edge_distance']


def _footprint_parts(footprint):
    """(wcs, shape, valid pixels or None) of a Mosaic or a (wcs, shape) pair."""
    if hasattr(footprint, 'wcs') and hasattr(footprint, 'footprint'):
        return footprint.wcs, footprint.shape, footprint.footprint
    try:
        wcs, shape = footprint
        shape = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f'a footprint must be a Mosaic or a (wcs, shape) pair, not '
                        f'{footprint!r}.') from None
    if not getattr(wcs, 'has_celestial', False) or len(shape) != 2:
        raise TypeError(f'a footprint must be a Mosaic or a (celestial WCS, (ny, nx)) pair, '
                        f'not {footprint!r}.')
    return wcs.celestial, shape, None


def edge_distance(coords, footprint):
    """Angular distance of positions from the edge of an image's valid pixels.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
    footprint : `~lotss_tools.Mosaic` or tuple
        A mosaic (its NaN blanks and masked pixels count as edges) or a
        ``(wcs, (ny, nx))`` pair (only the image border counts).

    Returns
    -------
    distance : `~astropy.units.Quantity`
        In arcsec; 0 for positions outside the valid pixels.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((128, 128), seed=1, holes=False, blank_edges=False)
    >>> distance = edge_distance(mosaic.wcs.pixel_to_world([63.5, 2], [63.5, 63.5]), mosaic)
    >>> distance.round()
    <Quantity [96.,  4.] arcsec>
    """
    wcs, shape, valid = _footprint_parts(footprint)
    scale = float(np.mean(proj_plane_pixel_scales(wcs))) * 3600
    x, y = wcs.world_to_pixel(coords)
    x, y = np.atleast_1d(x).astype(float), np.atleast_1d(y).astype(float)
    ny, nx = shape
    # Distance to the image border, in pixels (pixel edges at -0.5 and n - 0.5).
    border = np.minimum.reduce([x + 0.5, y + 0.5, nx - 0.5 - x, ny - 0.5 - y])
    distance = np.where(np.isfinite(border), np.maximum(border, 0.0), 0.0)
    if valid is not None and not valid.all():
        ix, iy = np.rint(x), np.rint(y)
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        inside[inside] = valid[iy[inside].astype(int), ix[inside].astype(int)]
        invalid = ~valid
        edge = invalid & ~ndimage.binary_erosion(invalid, border_value=1)
        blank = np.column_stack(np.nonzero(edge))            # (y, x) of blank pixels at an edge
        if blank.size:
            gap, _ = cKDTree(blank).query(np.column_stack([y, x])[inside])
            distance[inside] = np.minimum(distance[inside], np.maximum(gap - 0.5, 0.0))
        distance[~inside] = 0.0
    return distance * scale * u.arcsec


def _copy_pairs(coords, origin, radius):
    """Matched copies (p, q) of one source in two different catalogues."""
    if len(coords) < 2:
        return np.zeros(0, int), np.zeros(0, int)
    a, b, _ = SkyTree(coords).self_pairs(radius)
    cross = origin[a] != origin[b]
    a, b = a[cross], b[cross]
    swap = origin[a] > origin[b]
    a[swap], b[swap] = b[swap], a[swap]
    key = origin[a] * (int(origin.max()) + 1) + origin[b]
    sort = np.argsort(key, kind='stable')
    a, b, key = a[sort], b[sort], key[sort]
    pairs = []
    for group in np.split(np.arange(key.size), np.flatnonzero(np.diff(key)) + 1):
        if group.size == 0:
            continue
        rows_a, rows_b = np.unique(a[group]), np.unique(b[group])
        ia, ib, _ = match_one_to_one(coords[rows_a], coords[rows_b], radius)
        pairs.append((rows_a[ia], rows_b[ib]))
    if not pairs:
        return np.zeros(0, int), np.zeros(0, int)
    return tuple(np.concatenate(p) for p in zip(*pairs))


def merge_catalogs(catalogs, footprints=None, *, radius=MERGE_RADIUS):
    """Combine the catalogues of overlapping images so that each source appears once.

    Parameters
    ----------
    catalogs : sequence of `~astropy.table.QTable`
        Catalogues with the same columns, including positions (``sky_centroid``
        or ``ra``/``dec``) and, without footprints, ``local_rms``.
    footprints : sequence, optional
        One per catalogue: the `~lotss_tools.Mosaic` it was extracted from,
        or a ``(wcs, (ny, nx))`` pair for a tile. With footprints the copy
        farthest from its image's edge is kept (ties: lowest ``local_rms``
        when present); without, the copy with the lowest ``local_rms``.
        Remaining ties go to the earlier catalogue.
    radius : `~astropy.units.Quantity`
        Largest separation of two copies of one source (default
        `~lotss_tools.radii.MERGE_RADIUS`: the 6 arcsec LoTSS beam, as in
        the 2024 research).

    Returns
    -------
    merged : `~astropy.table.QTable`
        The kept rows of all catalogues, numbered again: ``id`` is the row's
        number over the concatenated inputs (1-based, so unique even when
        the inputs' ids collide), ``catalog_id`` its id in its input (the
        row number there when the input has no ``id``) and ``catalog`` the
        index of its input; ``sky_centroid`` columns are converted to
        ICRS, so catalogues from mosaics in other frames (FK5) merge.
    rejected : `~astropy.table.QTable`
        The other copies, with ``id``, ``catalog_id``, ``catalog``,
        ``reason`` (``overlap_duplicate``), ``rejected_by`` (``id`` of the
        kept copy in ``merged``) and ``rejected_by_catalog`` (its catalogue).
    """
    catalogs = [_icrs(QTable(c, copy=False)) for c in catalogs]
    if not catalogs:
        raise ValueError('merge needs at least one catalogue.')
    if footprints is not None:
        footprints = list(footprints)
        if len(footprints) != len(catalogs) or any(f is None for f in footprints):
            raise ValueError(f'footprints must give one Mosaic or (wcs, shape) per catalogue '
                             f'({len(catalogs)}), got {len(footprints)} entries.')
    names = set(catalogs[0].colnames)
    for k, c in enumerate(catalogs):
        if set(c.colnames) != names:
            raise ValueError(f'catalogue {k} has different columns from catalogue 0: '
                             f'{sorted(names.symmetric_difference(c.colnames))}.')
    origin = np.concatenate([np.full(len(c), k) for k, c in enumerate(catalogs)]).astype(int)
    row = np.concatenate([np.arange(len(c)) for c in catalogs]).astype(int)
    ids = np.concatenate([source_ids(c) for c in catalogs])
    coords = [positions(c, 'merge') for c in catalogs]

    keys = [origin, row]                                # lexsort: last key is primary
    has_rms = 'local_rms' in names
    if has_rms:
        rms = np.concatenate([quantity(c, 'local_rms', u.mJy / u.beam, 'merge')
                              for c in catalogs])
        keys.append(np.where(np.isfinite(rms), rms, np.inf))
    elif footprints is None:
        raise MissingColumnError('merge needs footprints (to keep the copy farthest from an '
                                 'image edge) or a local_rms column (to keep the copy with the '
                                 'lowest noise); the catalogues have neither.')
    if footprints is not None:
        keys.append(-np.concatenate([edge_distance(c, f).to_value(u.arcsec) if len(c) else []
                                     for c, f in zip(coords, footprints)]))
    order = np.lexsort(keys)                            # best copy first
    all_coords = _concatenate_coords(coords)
    rank = np.empty(order.size, int)
    rank[order] = np.arange(order.size)
    p, q = _copy_pairs(all_coords, origin, u.Quantity(radius, u.arcsec))
    i, j = np.minimum(rank[p], rank[q]), np.maximum(rank[p], rank[q])
    by_rank, _ = suppress_in_order(order.size, i, j, np.zeros(i.size, int))
    rejected_by = np.full(order.size, -1)
    rejected_by[order] = np.where(by_rank >= 0, order[by_rank], -1)

    table = vstack(catalogs, join_type='exact', metadata_conflicts='silent')
    # Ids of different inputs collide (each tile or mosaic numbers its sources
    # from 1, and an input may repeat ids): number the rows again, keeping the
    # input's id in catalog_id (the ids of an earlier merge are dropped).
    table.remove_columns([name for name in ('catalog', 'catalog_id') if name in table.colnames])
    new_ids = np.arange(1, len(table) + 1, dtype=np.int64)
    if 'id' in table.colnames:
        table.rename_column('id', 'catalog_id')
    else:
        table['catalog_id'] = ids
    table['catalog_id'].info.description = 'id of the row in its input catalogue'
    table.add_column(new_ids, name='id', index=0)
    table['id'].info.description = ('row number over the merged inputs (1-based), unique over '
                                    'the merged and the rejected rows')
    table['catalog'] = origin
    table['catalog'].info.description = 'index of the input catalogue the row comes from'
    out = rejected_by >= 0
    merged, rejected = table[~out], table[out]
    rejected['reason'] = np.full(out.sum(), 'overlap_duplicate', dtype='U24')
    rejected['rejected_by'] = new_ids[rejected_by[out]]
    rejected['rejected_by_catalog'] = origin[rejected_by[out]]
    rejected['rejected_by'].info.description = 'id (in the merged catalogue) of the copy kept'
    rejected['rejected_by_catalog'].info.description = 'catalogue of the copy that was kept'
    return merged, rejected


def _icrs(catalog):
    """The catalogue with its ``sky_centroid`` in plain ICRS (a shallow copy when it has one)."""
    if 'sky_centroid' in catalog.colnames:
        catalog = catalog.copy(copy_data=False)
        catalog['sky_centroid'] = as_icrs(catalog['sky_centroid'])
    return catalog


def _concatenate_coords(coords):
    from astropy.coordinates import SkyCoord
    icrs = [c.icrs for c in coords]
    return SkyCoord(np.concatenate([c.ra.deg for c in icrs]) * u.deg,
                    np.concatenate([c.dec.deg for c in icrs]) * u.deg)
