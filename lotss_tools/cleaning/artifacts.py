"""The artifact level an image shows around each source, measured on its negative side.

Calibration and deconvolution errors around bright sources make rings,
spokes and blobs of *both* signs (a phase error makes an odd pattern: each
positive lobe has a negative twin across the source; an amplitude error an
even one of alternating sign), while real sources are positive. So the
negative side of an image, where no real source lives, measures how bright
the artifacts are near each source. `artifact_level` returns, for each
position, the strongest negative structure within a box around it, in units
of the local rms: the same number that a source finder run on the negated
image would see as the peak signal-to-noise of a (false) detection there.
`~lotss_tools.CatalogCleaner` rejects a source whose own peak is not
clearly above that level (reason ``artifact_level``).
"""

import numpy as np
from astropy import units as u

from ..exceptions import InvalidParameterError

__all__ = ['artifact_level', 'ARTIFACT_BOX', 'ARTIFACT_TUNING_SEEDS']

#: Side of the box searched for negative structure, in beam FWHMs (16 beams:
#: 65 x 65 pixels, 96 arcsec, at the LoTSS 6 arcsec beam and 1.5 arcsec pixels).
#: Chosen on interferometer-made skies, seeds `ARTIFACT_TUNING_SEEDS` (see
#: `~lotss_tools.CatalogCleaner`).
ARTIFACT_BOX = 16.0
#: Seeds of the 2048 x 2048 interferometer-made skies
#: (`~lotss_tools.validation.simulate_interferometer_sky`) on which the
#: settings of the ``artifact_level`` test (box, margin, level) were chosen.
#: The benchmarks report their figures on other seeds, on the other simulator
#: (`~lotss_tools.simulate.simulate_mosaic`) and on the real cutout.
ARTIFACT_TUNING_SEEDS = tuple(range(1, 17))


def box_half_width(mosaic, box):
    """Half-width in pixels of a box of side ``box`` (beam FWHMs, or an angle) on ``mosaic``."""
    try:
        if isinstance(box, u.Quantity):
            side = (box / (mosaic.pixel_scale * u.pix)).to_value(u.one)
        else:
            side = float(box) * mosaic.beam_fwhm_pixels[0]
    except (TypeError, ValueError, u.UnitsError) as exc:
        raise InvalidParameterError(f'the artifact box must be a number of beams or an angle, '
                                    f'not {box!r}.') from exc
    if not np.isfinite(side) or side <= 0:
        raise InvalidParameterError(f'the artifact box must be positive, not {box!r}.')
    return int(round(side / 2))


def artifact_level(mosaic, coords, *, noise=None, box=ARTIFACT_BOX, mask=None):
    """Strongest negative structure around each position, in units of the local rms.

    For each position, the largest value of ``-(data - background) / rms``
    over the square box of side ``box`` centred on the position's pixel:
    the peak signal-to-noise that a source finder run on the negated image
    would find there. Real sources are positive, so on a clean part of an
    image this is the extreme of the noise (about 3 to 4.5 for a box of
    16 beams); near a bright source with calibration artifacts it is the
    artifacts' own level, since they have both signs.

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
        The image the positions lie on.
    coords : `~astropy.coordinates.SkyCoord`
        The positions (e.g. a catalogue's sources).
    noise : `~lotss_tools.noise.NoiseModel`, optional
        The mosaic's background and rms maps (the extraction's
        `~lotss_tools.extraction.Extraction.noise`); measured with
        `~lotss_tools.noise.NoiseModel.from_mosaic` when not given or
        without maps.
    box : float or `~astropy.units.Quantity`
        Side of the box: in beam major-axis FWHMs, or an angle (default
        `ARTIFACT_BOX`, 16 beams).
    mask : `numpy.ndarray` of bool, optional
        Pixels to leave out (True), in addition to the blank ones.

    Returns
    -------
    level : `numpy.ndarray`
        One float per position; NaN when the box holds no valid pixel (a
        position off the image or in a blank region).

    Examples
    --------
    >>> import numpy as np
    >>> from lotss_tools.cleaning import artifact_level
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.schema import catalog_coordinates
    >>> mosaic, truth = simulate_mosaic((256, 256), seed=1, holes=False, blank_edges=False)
    >>> level = artifact_level(mosaic, catalog_coordinates(truth[:3]))
    >>> bool(np.all((level > 2) & (level < 5)))      # pure noise around them
    True
    """
    from ..noise import NoiseModel
    if noise is None or not noise.has_maps:
        noise = NoiseModel.from_mosaic(mosaic)
    else:
        noise.check(mosaic, maps=True)
    half = box_half_width(mosaic, box)
    ny, nx = mosaic.shape
    x, y = mosaic.wcs.world_to_pixel(coords)
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    level = np.full(x.shape, np.nan)
    inside = np.isfinite(x) & np.isfinite(y) & (x > -0.5) & (x < nx - 0.5) & (y > -0.5) & (
        y < ny - 0.5)
    blank = None if mask is None else np.asarray(mask, bool)
    for k in np.flatnonzero(inside):
        ix, iy = int(round(x[k])), int(round(y[k]))
        window = (slice(max(iy - half, 0), iy + half + 1), slice(max(ix - half, 0), ix + half + 1))
        negative = -noise.signal_to_noise(mosaic, window)        # NaN off the footprint
        keep = np.isfinite(negative) if blank is None else np.isfinite(negative) & ~blank[window]
        negative = negative[keep]
        if negative.size:
            level[k] = negative.max()
    return level
