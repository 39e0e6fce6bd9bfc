"""FITS header conventions of radio images: brightness unit, restoring beam, header assembly.

Private helpers of `lotss_tools.Mosaic`.
"""

import numpy as np
from astropy import units as u
from astropy.io import fits
from radio_beam import Beam

from .exceptions import InvalidMosaicError, MissingBeamError

#: The brightness unit of LoTSS mosaics.
JY_PER_BEAM = u.Jy / u.beam

# Header keywords that describe the array or its WCS/beam; they are rebuilt
# from the object's own state when a header is written.
_STRUCTURAL_KEYWORDS = ('SIMPLE', 'BITPIX', 'NAXIS', 'EXTEND', 'BSCALE', 'BZERO',
                        'BUNIT', 'BMAJ', 'BMIN', 'BPA', 'WCSAXES', 'PCOUNT',
                        'GCOUNT', 'XTENSION', 'CHECKSUM', 'DATASUM')
_WCS_PREFIXES = ('CTYPE', 'CRVAL', 'CRPIX', 'CDELT', 'CUNIT', 'CROTA', 'PC',
                 'CD', 'PV', 'PS', 'LONPOLE', 'LATPOLE', 'RADESYS', 'EQUINOX',
                 'MJDREF', 'DATEREF', 'NAXIS', 'WCSNAME', 'SPECSYS', 'RESTFRQ',
                 'RESTFREQ', 'VELREF')


def parse_unit(bunit, source):
    """Turn a ``BUNIT`` string into a unit equivalent to Jy/beam."""
    if bunit is None or str(bunit).strip() == '':
        raise InvalidMosaicError(
            f'{source}: the header has no BUNIT; LoTSS mosaics are in Jy/beam. '
            'Pass unit="Jy/beam" if that is what the data are.')
    text = str(bunit).strip()
    unit = None
    for candidate in (text, text.lower().replace('jy', 'Jy')):
        for fmt in ('fits', None):
            try:
                unit = u.Unit(candidate, format=fmt)
                break
            except ValueError:
                continue
        if unit is not None:
            break
    if unit is None:
        raise InvalidMosaicError(f'{source}: cannot parse the brightness unit BUNIT={text!r}.')
    if not unit.is_equivalent(JY_PER_BEAM):
        raise InvalidMosaicError(
            f'{source}: the brightness unit is {unit}, not Jy/beam; lotss_tools '
            'works on restored radio images in Jy/beam (or mJy/beam).')
    return unit


def unit_to_bunit(unit):
    """Write a Jy/beam-like unit the way radio imagers do (``JY/BEAM``)."""
    flux = unit * u.beam
    return 'JY/BEAM' if flux == u.Jy else f'{flux.to_string()}/beam'


def as_beam(beam, source):
    """Turn a user's ``beam=`` argument into a `radio_beam.Beam`.

    Raises `~lotss_tools.exceptions.InvalidMosaicError` (naming ``source``)
    unless the axes are finite positive angles with minor <= major, and
    ``TypeError`` for a value that is no beam at all.
    """
    if isinstance(beam, Beam):
        major, minor, pa = beam.major, beam.minor, beam.pa
    elif isinstance(beam, u.Quantity) and beam.isscalar:
        major, minor, pa = beam, beam, 0 * u.deg
    elif isinstance(beam, (tuple, list)) and len(beam) in (2, 3):
        major, minor = beam[0], beam[1]
        pa = beam[2] if len(beam) == 3 else 0 * u.deg
    else:
        raise TypeError(f'{source}: beam must be a radio_beam.Beam, an angular Quantity '
                        f'(circular FWHM) or a (major, minor[, pa]) tuple, not {beam!r}.')
    major, minor = (_beam_angle(value, name, source) for value, name in
                    ((major, 'major axis'), (minor, 'minor axis')))
    pa = _beam_angle(pa, 'position angle', source, positive=False, default_unit=u.deg)
    if minor > major * (1 + 1e-9):
        raise InvalidMosaicError(f'{source}: the beam minor axis ({minor.to(u.arcsec):.3g}) is '
                                 f'larger than its major axis ({major.to(u.arcsec):.3g}).')
    if isinstance(beam, Beam):
        return beam
    return Beam(major=major, minor=minor, pa=pa)


def _beam_angle(value, name, source, *, positive=True, default_unit=u.arcsec):
    """One beam parameter as a finite (positive) angle; numbers are in ``default_unit``."""
    try:
        angle = u.Quantity(value, default_unit)
    except (TypeError, ValueError):
        unit = getattr(value, 'unit', None)
        kind = f' (a {unit.physical_type})' if unit is not None else ''
        raise InvalidMosaicError(f'{source}: the beam {name} must be an angle (e.g. 6 arcsec), '
                                 f'not {value!r}{kind}.') from None
    if not angle.isscalar or not np.isfinite(angle.value) or (positive and angle.value <= 0):
        raise InvalidMosaicError(f'{source}: the beam {name} must be a finite '
                                 f'{"positive " if positive else ""}angle, not {value!r}.')
    return angle


def beam_from_header(header, source):
    """Read BMAJ/BMIN/BPA (or an AIPS history beam) from a FITS header."""
    if 'BMAJ' in header and 'BMIN' in header:
        major = float(header['BMAJ']) * u.deg
        minor = float(header['BMIN']) * u.deg
        pa = float(header.get('BPA', 0.0)) * u.deg
        if not (major > 0 and minor > 0):
            raise MissingBeamError(f'{source}: the header beam is not positive '
                                   f'(BMAJ={header["BMAJ"]}, BMIN={header["BMIN"]}).')
        return Beam(major=major, minor=minor, pa=pa)
    try:
        beam = Beam.from_fits_history(header)
    except Exception:  # radio_beam raises various errors when nothing is found
        beam = None
    if beam is None:
        raise MissingBeamError(
            f'{source}: the header has no restoring beam (BMAJ/BMIN). Pass '
            'beam=6*u.arcsec (or a radio_beam.Beam) to supply it.')
    return beam


def build_header(meta, wcs, beam, unit, *, frequency=None, name=None):
    """A FITS header for an image: WCS, beam, unit, and the other cards of ``meta``.

    Cards of ``meta`` that describe the array or its WCS are rebuilt from
    ``wcs``; the others (telescope, history...) are kept.
    """
    header = fits.Header()
    if isinstance(meta, fits.Header):
        for card in meta.cards:
            key = card.keyword
            if key in _STRUCTURAL_KEYWORDS or key.startswith(_WCS_PREFIXES) or key == '':
                continue
            if key == 'HISTORY':
                header.add_history(card.value)
            elif key == 'COMMENT':
                header.add_comment(card.value)
            else:
                header[key] = (card.value, card.comment)
    header.update(wcs.to_header())
    header.update(beam.to_header_keywords())
    header['BUNIT'] = unit_to_bunit(unit)
    if frequency is not None:
        header['RESTFRQ'] = (frequency.to_value(u.Hz), '[Hz] observing frequency')
    if name and 'OBJECT' not in header:
        header['OBJECT'] = name
    return header
