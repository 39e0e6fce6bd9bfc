"""Read LOFAR sky models (makesourcedb text format, as written by LSMTool)."""

from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import Angle
from astropy.table import Table

from .columns import LOTSS_DR2, normalise_catalog

__all__ = ['read_skymodel']


def _dec_string(text):
    """makesourcedb writes declinations as ``dd.mm.ss.sss``; astropy wants ``dd:mm:ss.sss``."""
    text = text.strip()
    if ':' in text:
        return text
    parts = text.split('.')
    if len(parts) < 3:
        return text
    return f'{parts[0]}:{parts[1]}:{".".join(parts[2:])}'


def read_skymodel(path, *, beam=6 * u.arcsec):
    """Read a makesourcedb sky model (``.sky``) into a catalogue with the LoTSS columns.

    Each line ``Name, Type, Patch, Ra, Dec, I, Orientation, MajorAxis,
    MinorAxis, ...`` (order taken from the ``FORMAT`` line) becomes a row;
    patch lines (no name) are skipped. Fluxes ``I`` are in Jy, axes are
    deconvolved FWHM in arcsec (0 for POINT), the orientation is east of
    north.

    Parameters
    ----------
    path : str or `os.PathLike`
    beam : `~astropy.units.Quantity`
        Circular restoring beam FWHM, used to give the convolved sizes
        ``major_fwhm = sqrt(MajorAxis**2 + beam**2)`` and the Gaussian peak
        ``peak_flux = I * beam**2 / (major_fwhm * minor_fwhm)`` (per beam).

    Returns
    -------
    catalog : `~astropy.table.QTable`
        The columns of `~lotss_tools.catalogs.LOTSS_DR2`; those a sky model
        does not hold (errors, ``island_rms``, ``s_code``, ``mosaic_id``) are
        NaN or empty.
    """
    path = Path(path)
    fields = ['Name', 'Type', 'Patch', 'Ra', 'Dec', 'I', 'Orientation', 'MajorAxis', 'MinorAxis']
    rows = []
    with open(path) as stream:
        for line in stream:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.upper().startswith('FORMAT'):
                fields = [item.split('=')[0].strip() for item in line.split('=', 1)[1].split(',')]
                continue
            values = [item.strip() for item in line.split(',')]
            record = dict(zip(fields, values))
            if not record.get('Name'):
                continue
            rows.append(record)
    if not rows:
        return normalise_catalog(Table({'ra': np.zeros(0), 'dec': np.zeros(0)}), LOTSS_DR2)

    def numbers(key, default=0.0):
        return np.array([float(r.get(key) or default) for r in rows])

    beam = u.Quantity(beam, u.arcsec)
    dc_major = numbers('MajorAxis') * u.arcsec
    dc_minor = numbers('MinorAxis') * u.arcsec
    major = np.sqrt(dc_major ** 2 + beam ** 2)
    minor = np.sqrt(dc_minor ** 2 + beam ** 2)
    total = (numbers('I') * u.Jy).to(u.mJy)
    table = Table({
        'source_name': [r['Name'] for r in rows],
        'ra': Angle([r['Ra'] for r in rows], unit=u.hourangle).to(u.deg),
        'dec': Angle([_dec_string(r['Dec']) for r in rows], unit=u.deg),
        'total_flux': total,
        'peak_flux': (total * (beam ** 2 / (major * minor)).decompose()).value * u.mJy / u.beam,
        'major_fwhm': major, 'minor_fwhm': minor,
        'dc_major_fwhm': dc_major, 'dc_minor_fwhm': dc_minor,
        'pa': numbers('Orientation') % 180 * u.deg,
    })
    return normalise_catalog(table, LOTSS_DR2)
