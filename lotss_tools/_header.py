"""FITS header conventions of radio images: brightness unit, restoring beam, header assembly.

Private helpers of `lotss_tools.Mosaic`.
"""

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
    """Turn a user's ``beam=`` argument into a `radio_beam.Beam`."""
    if isinstance(beam, Beam):
        return beam
    if isinstance(beam, u.Quantity) and beam.isscalar:
        return Beam(major=beam, minor=beam, pa=0 * u.deg)
    if isinstance(beam, (tuple, list)) and len(beam) in (2, 3):
        major, minor = u.Quantity(beam[0], u.arcsec), u.Quantity(beam[1], u.arcsec)
        pa = u.Quantity(beam[2], u.deg) if len(beam) == 3 else 0 * u.deg
        return Beam(major=major, minor=minor, pa=pa)
    raise TypeError(f'{source}: beam must be a radio_beam.Beam, an angular Quantity '
                    f'(circular FWHM) or a (major, minor[, pa]) tuple, not {beam!r}.')


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
