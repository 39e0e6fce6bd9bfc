"""The `Mosaic` class: a LoTSS image with its beam, WCS, holes and noise."""

import warnings
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.nddata import Cutout2D, NDData
from astropy.wcs import WCS, FITSFixedWarning
from astropy.wcs.utils import proj_plane_pixel_scales

from ._header import JY_PER_BEAM, as_beam, beam_from_header, build_header, parse_unit
from .exceptions import InvalidMosaicError, MissingBeamError
from .io import atomic_path

__all__ = ['Mosaic', 'JY_PER_BEAM', 'MIN_PIXELS_PER_BEAM']

#: Fewest pixels across the beam FWHM (minor axis) for which pixel moments measure
#: sizes and pixel sums measure fluxes (LoTSS: 4); coarser images are `Mosaic.undersampled`.
MIN_PIXELS_PER_BEAM = 2.5


def _as_mosaic(image, caller):
    """``image`` as a `Mosaic`: a Mosaic as is, any `~astropy.nddata.NDData` converted.

    An NDData needs a celestial WCS, a Jy/beam unit and a beam: a FITS header
    with ``BMAJ``/``BMIN`` as its ``meta``, or a beam in ``meta['beam']``. A
    bare array is refused with a message saying how to make a Mosaic of it.
    """
    if isinstance(image, Mosaic):
        return image
    if isinstance(image, NDData):
        meta = image.meta
        header = meta if isinstance(meta, fits.Header) else None
        beam = meta.get('beam') if header is None and hasattr(meta, 'get') else None
        if header is None and beam is None:
            raise MissingBeamError(
                f'{caller}: the NDData has no beam; put a radio_beam.Beam in its '
                "meta['beam'] (or a FITS header with BMAJ/BMIN as its meta), or make a "
                'Mosaic(data, wcs=wcs, beam=6 * u.arcsec, unit="Jy/beam").')
        if image.wcs is None:
            raise InvalidMosaicError(f'{caller}: the NDData has no WCS; give it one (NDData(data, '
                                     'wcs=wcs, ...)) or make a Mosaic.')
        return Mosaic(image.data, wcs=image.wcs, unit=image.unit, beam=beam, mask=image.mask,
                      meta=header)
    raise InvalidMosaicError(
        f'{caller} needs a lotss_tools.Mosaic (or an NDData with a WCS, a Jy/beam unit and a '
        f'beam), not {type(image).__name__}: the beam and the WCS set the thresholds, sizes '
        'and positions. Read a file with Mosaic.read(path), or wrap an array with '
        'Mosaic(data, wcs=wcs, beam=6 * u.arcsec, unit="Jy/beam").')


class Mosaic(NDData):
    """A LoTSS mosaic: a 2-D image in Jy/beam with its WCS and restoring beam.

    `Mosaic` is an `~astropy.nddata.NDData` whose ``data`` is always a 2-D
    array, whose ``wcs`` is a celestial `~astropy.wcs.WCS` and whose ``unit``
    is Jy/beam (or an equivalent such as mJy/beam). NaN pixels are the
    blanked regions of the mosaic (holes, edges); ``mask`` marks further
    invalid pixels (for example holes filled by `fill_holes`).

    Parameters
    ----------
    data : array-like
        The 2-D image. Degenerate leading axes (LOFAR's 4-D ``(1, 1, ny,
        nx)`` cubes) are dropped.
    wcs : `~astropy.wcs.WCS`, optional
        The celestial WCS. Built from ``meta`` when it is a FITS header.
    unit : `~astropy.units.Unit` or str, optional
        Brightness unit; read from ``meta['BUNIT']`` if not given.
    beam : `radio_beam.Beam`, `~astropy.units.Quantity` or tuple, optional
        The restoring beam. A scalar angle means a circular beam with that
        FWHM; a tuple is ``(major, minor[, pa])``. Read from ``BMAJ``,
        ``BMIN`` and ``BPA`` in ``meta`` if not given.
    mask : array-like of bool, optional
        True where a pixel is not valid data.
    meta : `~astropy.io.fits.Header` or dict, optional
        The FITS header (kept and written back by `write`).
    name : str, optional
        A name for the mosaic (defaults to the header's ``OBJECT``).

    Raises
    ------
    InvalidMosaicError
        When the image has no celestial WCS, is not 2-D after dropping
        degenerate axes, holds complex or non-numeric values, has non-square
        pixels, contains no finite pixel, has a unit other than Jy/beam, or
        a beam whose axes are not finite positive angles (minor <= major).
    MissingBeamError
        When no beam is given and the header has none.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((256, 256), seed=1)
    >>> mosaic.beam.major.to('arcsec')
    <Quantity 6. arcsec>
    >>> mosaic.pixel_scale
    <Quantity 1.5 arcsec / pix>
    """

    def __init__(self, data, *, wcs=None, unit=None, beam=None, mask=None,
                 meta=None, name=None, uncertainty=None, copy=False):
        meta = fits.Header(meta) if isinstance(meta, fits.Header) else meta
        header = meta if isinstance(meta, fits.Header) else None
        if name is None and header is not None and 'OBJECT' in header:
            name = str(header['OBJECT']).strip()
        source = name or 'mosaic'
        if wcs is None:
            if header is None:
                raise InvalidMosaicError(f'{source}: no WCS given and no FITS header to read one from.')
            wcs = WCS(header)
        if not isinstance(wcs, WCS):
            raise TypeError(f'{source}: wcs must be an astropy.wcs.WCS, not {type(wcs).__name__}.')
        if not wcs.has_celestial:
            raise InvalidMosaicError(f'{source}: the WCS has no celestial (RA/Dec) axes.')

        data = np.asanyarray(data)
        if isinstance(data, u.Quantity):
            unit = data.unit if unit is None else unit
            data = data.value
        if data.ndim > 2:
            extra = data.shape[:-2]
            if any(n != 1 for n in extra):
                raise InvalidMosaicError(
                    f'{source}: the image has shape {data.shape}; only 2-D images or '
                    'cubes with degenerate (length-1) frequency/Stokes axes are supported.')
            data = data.reshape(data.shape[-2:])
        if data.ndim != 2:
            raise InvalidMosaicError(f'{source}: expected a 2-D image, got {data.ndim}-D data.')
        if np.iscomplexobj(data):
            raise InvalidMosaicError(f'{source}: the image holds complex numbers; a mosaic is a '
                                     'real brightness image (give data.real if that is the '
                                     'image).')
        if not (np.issubdtype(data.dtype, np.number) or data.dtype == bool):
            raise InvalidMosaicError(f'{source}: the image holds {data.dtype} values, not '
                                     'numbers.')
        if not np.issubdtype(data.dtype, np.floating):
            data = data.astype(np.float32)
        elif not data.dtype.isnative:
            data = data.astype(data.dtype.newbyteorder('='))
        if wcs.naxis != 2:
            wcs = wcs.celestial
        if not np.any(np.isfinite(data)):
            raise InvalidMosaicError(f'{source}: every pixel is NaN or infinite; there is no data.')

        if unit is None:
            unit = parse_unit(header.get('BUNIT') if header is not None else None, source)
        else:
            unit = u.Unit(unit)
            if not unit.is_equivalent(JY_PER_BEAM):
                raise InvalidMosaicError(f'{source}: the brightness unit is {unit}, not Jy/beam.')

        if beam is None:
            if header is None:
                raise MissingBeamError(f'{source}: no beam given and no FITS header to read BMAJ/BMIN from.')
            beam = beam_from_header(header, source)
        self._beam = as_beam(beam, source)

        scales = proj_plane_pixel_scales(wcs) * u.Unit(wcs.wcs.cunit[0] or 'deg')
        if not np.isclose(scales[0], scales[1], rtol=1e-4):
            raise InvalidMosaicError(
                f'{source}: non-square pixels ({scales[0].to(u.arcsec):.4g} x '
                f'{scales[1].to(u.arcsec):.4g}); resample the image to square pixels first.')
        self._pixel_scale = scales.mean().to(u.arcsec) / u.pix

        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != data.shape:
                raise InvalidMosaicError(f'{source}: mask shape {mask.shape} differs from image '
                                         f'shape {data.shape}.')
        self.name = name
        #: The file the mosaic was read from (None for one made in memory).
        self.path = None
        super().__init__(data, uncertainty=uncertainty, mask=mask, wcs=wcs,
                         meta=meta if meta is not None else fits.Header(), unit=unit, copy=copy)

    # ------------------------------------------------------------------ I/O
    @classmethod
    def read(cls, source, *, hdu=None, beam=None, unit=None, name=None):
        """Read a mosaic from a FITS file or HDU.

        Parameters
        ----------
        source : str, `os.PathLike`, `~astropy.io.fits.HDUList` or HDU
            A FITS file (optionally gzip-compressed) or an opened HDU list/HDU.
        hdu : int or str, optional
            Which HDU to read; by default the first one holding an image.
        beam : `radio_beam.Beam`, Quantity or tuple, optional
            Overrides (or supplies, if missing) the header's beam.
        unit : str or `~astropy.units.Unit`, optional
            Overrides (or supplies, if missing) the header's ``BUNIT``.
        name : str, optional
            Name of the mosaic; default: ``OBJECT`` or the file stem.

        Returns
        -------
        mosaic : `Mosaic`

        Raises
        ------
        FileNotFoundError
            If the path does not exist.
        InvalidMosaicError
            If the file is not FITS, has no image, no celestial WCS, an
            unsupported shape, only NaNs, or a unit other than Jy/beam.
        MissingBeamError
            If the header has no beam and none is given.
        """
        if isinstance(source, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
            return cls._from_hdu(source, 'HDU', beam=beam, unit=unit, name=name)
        if isinstance(source, fits.HDUList):
            return cls._from_hdulist(source, 'HDUList', hdu=hdu, beam=beam, unit=unit, name=name)
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f'{path}: no such mosaic file.')
        if path.is_dir():
            raise InvalidMosaicError(f'{path}: is a folder, not a FITS file.')
        try:
            with fits.open(path, memmap=False) as hdulist:
                hdulist.verify('silentfix')
                if name is None and 'OBJECT' not in hdulist[0].header:
                    name = path.name.split('.')[0]
                mosaic = cls._from_hdulist(hdulist, str(path), hdu=hdu, beam=beam, unit=unit,
                                           name=name, owned=True)
                mosaic.path = path
                return mosaic
        except (InvalidMosaicError, FileNotFoundError):
            raise
        except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
            raise InvalidMosaicError(f'{path}: not a readable FITS image ({exc}).') from exc

    @classmethod
    def _from_hdulist(cls, hdulist, source, *, hdu, beam, unit, name, owned=False):
        if hdu is not None:
            try:
                chosen = hdulist[hdu]
            except (KeyError, IndexError) as exc:
                raise InvalidMosaicError(f'{source}: has no HDU {hdu!r}.') from exc
        else:
            images = [h for h in hdulist if h.is_image and h.data is not None and h.data.ndim >= 2]
            if not images:
                raise InvalidMosaicError(f'{source}: contains no image data.')
            chosen = images[0]
        return cls._from_hdu(chosen, source, beam=beam, unit=unit, name=name, owned=owned)

    @classmethod
    def _from_hdu(cls, hdu, source, *, beam, unit, name, owned=False):
        """A mosaic from an HDU; ``owned``: the HDU was opened here and its data
        array may be taken over (no copy of the image is made)."""
        header = hdu.header.copy()
        data = hdu.data
        if data is None or data.ndim < 2:
            raise InvalidMosaicError(f'{source}: the HDU holds no 2-D image.')
        try:
            with warnings.catch_warnings():
                # Expected for 2-D cutouts that keep their FREQ/STOKES axis keywords.
                warnings.filterwarnings('ignore', 'The WCS transformation has more axes',
                                        FITSFixedWarning)
                wcs = WCS(header)
        except Exception as exc:
            raise InvalidMosaicError(f'{source}: the header WCS cannot be parsed ({exc}).') from exc
        if not wcs.has_celestial:
            raise InvalidMosaicError(f'{source}: the header has no celestial (RA/Dec) WCS.')
        # The image axes are FITS axes 1 and 2 (0-based WCS axes 0 and 1); further
        # WCS axes (FREQ, STOKES) may exist with or without degenerate data axes,
        # as in LOFAR cubes and in 2-D cutouts that keep CTYPE3/CTYPE4.
        if sorted((wcs.wcs.lng, wcs.wcs.lat)) != [0, 1]:
            raise InvalidMosaicError(
                f'{source}: the celestial axes must be the first two FITS axes (RA is axis '
                f'{wcs.wcs.lng + 1}, Dec axis {wcs.wcs.lat + 1}).')
        if beam is None:
            beam = beam_from_header(header, source)
        if owned and data.flags.writeable:
            # FITS is big-endian: swap the bytes in place rather than copying
            # the image twice (read buffer, copy, native copy).
            if not data.dtype.isnative:
                data = data.byteswap(inplace=True).view(data.dtype.newbyteorder('='))
        else:
            data = np.array(data)       # never share the caller's HDU data
        try:
            return cls(data, wcs=wcs.celestial, unit=unit, beam=beam, meta=header, name=name)
        except InvalidMosaicError as exc:
            if source in str(exc):
                raise
            raise type(exc)(f'{source}: {exc}') from exc

    @property
    def header(self):
        """A FITS header describing this mosaic (WCS, beam, unit, other cards).

        Cards of the original header that do not describe the array or its
        WCS are kept (telescope, frequency, history...).
        """
        return build_header(self.meta, self.wcs, self.beam, self.unit,
                            frequency=self.frequency, name=self.name)

    def write(self, path, *, overwrite=False):
        """Write the mosaic to a FITS file, atomically.

        The file is written to a temporary name in the same folder and then
        renamed, so an interrupted write never leaves a truncated file.
        Masked pixels are written as NaN.

        Parameters
        ----------
        path : str or `os.PathLike`
        overwrite : bool
            Replace an existing file.
        """
        data = self.data
        if self.mask is not None and np.any(self.mask):
            data = np.where(self.mask, np.nan, data).astype(self.data.dtype)
        hdu = fits.PrimaryHDU(data=data, header=self.header)
        with atomic_path(path, overwrite=overwrite) as tmp:
            hdu.writeto(tmp, overwrite=True)
        return Path(path)

    # ----------------------------------------------------------- properties
    @property
    def beam(self):
        """The restoring beam (`radio_beam.Beam`: ``major``, ``minor`` FWHM, ``pa``)."""
        return self._beam

    @property
    def pixel_scale(self):
        """Angular size of a (square) pixel, in arcsec / pix."""
        return self._pixel_scale

    @property
    def beam_area(self):
        """Area of the beam, in pixels (``u.pix**2``): pixels per beam.

        A sum of pixel values in Jy/beam divided by this number is a flux
        density in Jy.
        """
        pix = self.pixel_scale * u.pix
        return (self.beam.sr / pix ** 2).decompose() * u.pix ** 2

    @property
    def beam_fwhm_pixels(self):
        """Major and minor beam FWHM in pixels, as a pair of floats."""
        pix = (self.pixel_scale * u.pix).to(u.deg)
        return ((self.beam.major / pix).decompose().value,
                (self.beam.minor / pix).decompose().value)

    @property
    def undersampled(self):
        """True when the beam FWHM (minor axis) spans fewer than `MIN_PIXELS_PER_BEAM` pixels.

        Pixel moments and pixel sums then do not measure sizes and fluxes;
        the extractor warns (`~lotss_tools.exceptions.UndersampledBeamWarning`)
        and measures with `lotss_tools.extraction.beam_limited`.
        """
        return min(self.beam_fwhm_pixels) < MIN_PIXELS_PER_BEAM

    @property
    def shape(self):
        """Shape of the image, ``(ny, nx)``."""
        return self.data.shape

    @property
    def footprint(self):
        """Boolean image, True where a pixel holds valid (finite, unmasked) data."""
        good = np.isfinite(self.data)
        if self.mask is not None:
            good &= ~self.mask
        return good

    @property
    def frequency(self):
        """Observing frequency from ``RESTFRQ``/``FREQ``/a spectral axis, or None."""
        if not isinstance(self.meta, fits.Header):
            return None
        for key in ('RESTFRQ', 'RESTFREQ', 'FREQ', 'CRVAL3'):
            if key == 'CRVAL3' and 'FREQ' not in str(self.meta.get('CTYPE3', '')):
                continue
            if key in self.meta:
                try:
                    return float(self.meta[key]) * u.Hz
                except (TypeError, ValueError):
                    continue
        return None

    @property
    def center(self):
        """Sky position of the image centre, a `~astropy.coordinates.SkyCoord`."""
        ny, nx = self.shape
        return self.wcs.pixel_to_world((nx - 1) / 2, (ny - 1) / 2)

    def __repr__(self):
        return (f'<Mosaic {self.name or ""} shape={self.shape} beam={self.beam.major.to(u.arcsec):.3g}'
                f' x {self.beam.minor.to(u.arcsec):.3g} pixel_scale={self.pixel_scale:.4g}'
                f' unit={self.unit}>')

    __str__ = __repr__

    # ---------------------------------------------------------------- noise
    def global_rms(self, *, sigma=3.0, maxiters=10):
        """Robust global rms of the valid pixels (iterative sigma clipping).

        Parameters
        ----------
        sigma : float
            Clipping threshold in standard deviations.
        maxiters : int or None
            Maximum clipping iterations.

        Returns
        -------
        rms : `~astropy.units.Quantity`
            In the mosaic's unit.
        """
        from .noise import _valid_sample, robust_rms
        # The subsample robust_rms would take of data[footprint], without that copy.
        return robust_rms(_valid_sample(self.data, self.mask)[0], sigma=sigma,
                          maxiters=maxiters) * self.unit

    def research_thresholds(self, **kwargs):
        """The 2023 research rule for ``min_value``/``min_delta``/``min_npix``.

        See `lotss_tools.noise.research_thresholds`; keyword arguments are
        passed on.
        """
        from .noise import research_thresholds
        return research_thresholds(self, **kwargs)

    def background(self, box_size=25, filter_size=3, **kwargs):
        """Local background and rms maps (`photutils.background.Background2D`).

        Parameters
        ----------
        box_size : float or `~astropy.units.Quantity`
            Mesh box size in beams (beam major FWHM) when a plain number, or
            an angle.
        filter_size : int
            Median filter size, in boxes.

        See `lotss_tools.noise.local_background` for the details.
        """
        from .noise import local_background
        return local_background(self, box_size=box_size, filter_size=filter_size, **kwargs)

    def rms_map(self, box_size=25, filter_size=3, **kwargs):
        """Local rms map as a Quantity image (NaN outside the footprint)."""
        bkg = self.background(box_size=box_size, filter_size=filter_size, **kwargs)
        return bkg.background_rms * self.unit

    # ------------------------------------------------------------ operations
    def _replace(self, data=None, *, wcs=None, mask=None, meta=None):
        """A new Mosaic sharing beam, unit and name, with some parts replaced."""
        return Mosaic(self.data if data is None else data,
                      wcs=self.wcs if wcs is None else wcs,
                      unit=self.unit, beam=self.beam,
                      mask=self.mask if mask is None else mask,
                      meta=(self.meta.copy() if meta is None else meta),
                      name=self.name)

    def fill_holes(self, method='median', *, seed=None):
        """Return a copy with NaN pixels (holes, blanked edges) filled.

        The filled pixels are marked in the new mosaic's ``mask``, so they
        are excluded from its `footprint` and from noise estimates, and
        source extraction can refuse to start a source on them.

        Parameters
        ----------
        method : {'median', 'mean', 'noise'}
            Fill with the median (the research choice) or the mean of the
            valid pixels, or with Gaussian noise drawn at the median level
            with the global rms.
        seed : int or `numpy.random.Generator`, optional
            Random generator for ``method='noise'``.

        Returns
        -------
        mosaic : `Mosaic`
        """
        holes = ~np.isfinite(self.data)
        footprint = self.footprint
        valid = self.data[footprint]
        data = self.data.copy()
        if method == 'median':
            data[holes] = np.median(valid)
        elif method == 'mean':
            data[holes] = np.mean(valid)
        elif method == 'noise':
            rng = np.random.default_rng(seed)
            rms = self.global_rms().to_value(self.unit)
            data[holes] = rng.normal(np.median(valid), rms, size=int(holes.sum())).astype(data.dtype)
        else:
            raise ValueError(f"method must be 'median', 'mean' or 'noise', not {method!r}.")
        mask = holes if self.mask is None else (holes | self.mask)
        return self._replace(data, mask=mask)

    def cutout(self, position, size, *, mode='trim'):
        """Cut out a part of the mosaic, with a correct WCS.

        Parameters
        ----------
        position : `~astropy.coordinates.SkyCoord` or tuple
            Centre of the cutout, on the sky or as ``(x, y)`` pixels.
        size : int, `~astropy.units.Quantity` or tuple
            Size ``(ny, nx)`` in pixels or as angles (see
            `~astropy.nddata.Cutout2D`).
        mode : {'trim', 'partial', 'strict'}
            How to treat a cutout that overlaps the image edge
            (``'partial'`` pads with NaN).

        Returns
        -------
        mosaic : `Mosaic`
            The cutout; ``meta['CUTX0']``/``meta['CUTY0']`` give the pixel
            of the original (uncut) mosaic at its origin.
        """
        cut = Cutout2D(self.data, position, size, wcs=self.wcs, mode=mode,
                       fill_value=np.nan, copy=True)
        mask = None
        if self.mask is not None:
            mask = Cutout2D(self.mask, position, size, mode=mode, fill_value=True, copy=True).data
        meta = self.meta.copy() if isinstance(self.meta, fits.Header) else fits.Header()
        x0, y0 = cut.origin_original
        for key, offset, axis in (('CUTX0', x0, 'x'), ('CUTY0', y0, 'y')):
            meta[key] = (int(offset) + int(meta.get(key, 0)),
                         f'{axis} of this origin in the parent mosaic (0-based)')
        return self._replace(cut.data, wcs=cut.wcs, mask=mask, meta=meta)

    def plot(self, ax=None, *, stretch='asinh', catalog=None, **kwargs):
        """Show the mosaic on WCSAxes with a radio stretch.

        See `lotss_tools.visualization.plot_mosaic` for the arguments.
        """
        from .visualization import plot_mosaic
        return plot_mosaic(self, ax=ax, stretch=stretch, catalog=catalog, **kwargs)
