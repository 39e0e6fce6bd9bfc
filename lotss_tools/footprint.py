"""Where an image can see sources: its valid pixels and celestial WCS.

A `Footprint` is the mask of finite, unmasked pixels of an image with the
image's celestial WCS. `~lotss_tools.Mosaic.footprint` gives the mask,
`Footprint.from_image` the object for a `~lotss_tools.Mosaic` (or a
`~lotss_tools.survey.FootprintFile`, or anything with ``footprint`` and
``wcs``). The cross-matcher counts recall only over reference sources
inside a footprint (`~lotss_tools.crossmatch.CrossMatcher.match`), the
chance-match rate and `confirm <lotss_tools.catalogs.confirm>` draw
`random_positions` in one, and catalogue queries are cut to one.
"""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

__all__ = ['Footprint', 'random_positions']


class Footprint:
    """The valid pixels of an image and its celestial WCS.

    Parameters
    ----------
    mask : 2-D bool `~numpy.ndarray`
        True on pixels that hold data (finite and unmasked).
    wcs : `~astropy.wcs.WCS`
        Celestial WCS of the image.
    name : str, optional

    Examples
    --------
    >>> from astropy.coordinates import SkyCoord
    >>> from lotss_tools.footprint import Footprint
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((256, 256), seed=1)
    >>> footprint = Footprint.from_image(mosaic)
    >>> inside = footprint.contains(SkyCoord(truth['ra'], truth['dec']))
    >>> bool((inside == truth['in_footprint']).all())
    True
    """

    def __init__(self, mask, wcs, *, name=''):
        mask = np.asarray(mask)
        if mask.ndim != 2 or mask.dtype != bool:
            raise ValueError(f'a footprint mask must be a 2-D boolean image, not '
                             f'{mask.dtype} of shape {mask.shape}.')
        if wcs is None or not getattr(wcs, 'has_celestial', False):
            raise ValueError('a footprint needs the celestial WCS of its image.')
        self.mask, self.wcs, self.name = mask, wcs.celestial, str(name or '')

    @classmethod
    def from_image(cls, image, *, wcs=None):
        """The footprint of a `~lotss_tools.Mosaic`, a ``FootprintFile``, a `Footprint`
        or a boolean mask (with ``wcs``)."""
        if isinstance(image, cls):
            return image
        if hasattr(image, 'footprint') and hasattr(image, 'wcs'):
            return cls(image.footprint, image.wcs if wcs is None else wcs,
                       name=getattr(image, 'name', ''))
        if isinstance(image, np.ndarray):
            return cls(image, wcs)
        raise TypeError(f'a footprint is a Mosaic, a Footprint or a boolean image with wcs=, '
                        f'not {type(image).__name__}.')

    @property
    def footprint(self):
        """The mask (so that a `Footprint` stands in for a `~lotss_tools.Mosaic`)."""
        return self.mask

    @property
    def shape(self):
        """Shape ``(ny, nx)`` of the image."""
        return self.mask.shape

    def contains(self, coords):
        """True for positions that fall on a valid pixel.

        Parameters
        ----------
        coords : `~astropy.coordinates.SkyCoord`

        Returns
        -------
        inside : `~numpy.ndarray` of bool
        """
        coords = coords.reshape(-1) if coords.isscalar else coords
        if len(coords) == 0:
            return np.zeros(0, bool)
        x, y = self.wcs.world_to_pixel(coords)
        ix = np.round(np.nan_to_num(np.asarray(x, float), nan=-1)).astype(int)
        iy = np.round(np.nan_to_num(np.asarray(y, float), nan=-1)).astype(int)
        ny, nx = self.shape
        on_image = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        inside = np.zeros(ix.size, bool)
        inside[on_image] = self.mask[iy[on_image], ix[on_image]]
        return inside

    def __repr__(self):
        name = f' {self.name}' if self.name else ''
        return f'<Footprint{name}: {int(self.mask.sum())} of {self.mask.size} pixels valid>'


def _in_footprint(footprint, n, rng):
    mask, wcs = footprint.mask, footprint.wcs
    if not mask.any():
        raise ValueError('the footprint has no valid pixel.')
    ny, nx = mask.shape
    fraction = mask.mean()
    if fraction < 0.01:                      # sparse footprint: list its pixels
        y, x = np.divmod(np.flatnonzero(mask)[rng.integers(0, int(mask.sum()), n)], nx)
    else:                                    # uniform pixels, keep those in the footprint
        xs, ys, found = [], [], 0
        while found < n:
            draw = int((n - found) / fraction * 1.1) + 16
            yi, xi = rng.integers(0, ny, draw), rng.integers(0, nx, draw)
            keep = np.flatnonzero(mask[yi, xi])[:n - found]
            ys.append(yi[keep])
            xs.append(xi[keep])
            found += keep.size
        x = np.concatenate(xs) if xs else np.zeros(0, int)
        y = np.concatenate(ys) if ys else np.zeros(0, int)
    x = x + rng.uniform(-0.5, 0.5, n)
    y = y + rng.uniform(-0.5, 0.5, n)
    coords = wcs.pixel_to_world(x, y)
    return coords if isinstance(coords, SkyCoord) else SkyCoord(coords)


def random_positions(area, n, *, seed=None, wcs=None):
    """Positions uniformly distributed over a footprint or inside a cone.

    In a footprint, a pixel is drawn uniformly among the valid ones, then a
    uniform sub-pixel offset is added and the position converted to the sky
    with the WCS (memory grows with ``n``, not with the image). In a cone,
    positions are uniform on the sphere.

    Parameters
    ----------
    area : `~lotss_tools.Mosaic`, `Footprint`, bool `~numpy.ndarray` or `regions.CircleSkyRegion`
        A mosaic (its valid pixels), a footprint, a boolean image with
        ``wcs``, or a cone.
    n : int
        Number of positions.
    seed : int or `numpy.random.Generator`, optional
        Makes the positions reproducible.
    wcs : `~astropy.wcs.WCS`, optional
        Celestial WCS of a boolean image.

    Returns
    -------
    `~astropy.coordinates.SkyCoord`

    Examples
    --------
    >>> from lotss_tools.footprint import random_positions
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, _ = simulate_mosaic((256, 256), seed=1)
    >>> coords = random_positions(mosaic, 1000, seed=2)
    >>> x, y = mosaic.wcs.world_to_pixel(coords)
    >>> bool(mosaic.footprint[(y + 0.5).astype(int), (x + 0.5).astype(int)].all())
    True
    """
    rng = np.random.default_rng(seed)
    n = int(n)
    if n < 0:
        raise ValueError(f'the number of positions must be >= 0, not {n}.')
    if hasattr(area, 'center') and hasattr(area, 'radius'):     # a cone (CircleSkyRegion)
        center, radius = area.center.icrs, u.Quantity(area.radius, u.rad)
        separation = np.arccos(rng.uniform(np.cos(radius.value), 1.0, n)) * u.rad
        return center.directional_offset_by(rng.uniform(0, 360, n) * u.deg, separation)
    return _in_footprint(Footprint.from_image(area, wcs=wcs), n, rng)
