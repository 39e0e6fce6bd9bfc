"""Deconvolved sizes and the LoTSS DR2 resolved-source criterion.

A fitted (convolved) Gaussian is the sky brightness convolved with the
restoring beam; removing the beam gives the source's intrinsic
(*deconvolved*) size, as the survey catalogues' ``DC_Maj``, ``DC_Min`` and
``DC_PA``. `deconvolve_sizes` does it with `radio_beam` (the MIRIAD
``gaupar`` algorithm). A component no larger than the beam along some
direction cannot be deconvolved: its deconvolved sizes are 0 and its
``deconvolved`` flag False, as DR2's ``DC_Maj = 0``.

Whether a source is *resolved* is a different, statistical question: noise
makes unresolved sources look slightly larger than the beam half of the
time. `resolved_flag` applies the LoTSS DR2 criterion (Shimwell et al.
2022, A&A 659, A1, Sect. 3.1; see `lotss_tools.stats.resolved_envelope`
for the envelope and its parameters).
"""

import numpy as np
from astropy import units as u
from astropy.table import QTable
from radio_beam.utils import deconvolve_optimized

from ..stats.morphology import DR2_ENVELOPE, is_unresolved

__all__ = ['deconvolve_sizes', 'resolved_flag']

#: Deconvolved axes below this fraction of the beam are zero (not deconvolvable).
_TINY = 1e-6


def deconvolve_sizes(major_fwhm, minor_fwhm, pa, beam):
    """Deconvolve the beam from fitted Gaussian sizes with `radio_beam`.

    Parameters
    ----------
    major_fwhm, minor_fwhm : `~astropy.units.Quantity`
        Convolved FWHM of each component.
    pa : `~astropy.units.Quantity`
        Position angle of the major axis, east of north (same convention as
        the beam's ``pa``).
    beam : `radio_beam.Beam`
        Restoring beam.

    Returns
    -------
    sizes : `~astropy.table.QTable`
        ``dc_major_fwhm``, ``dc_minor_fwhm`` (arcsec), ``dc_pa`` (deg east
        of north, in [0, 180)) and ``deconvolved`` (bool): False, with sizes
        and angle 0, where the component is not larger than the beam in
        every direction (`radio_beam.utils.deconvolve_optimized` fails) or
        its sizes are not finite.

    Examples
    --------
    >>> import astropy.units as u
    >>> from radio_beam import Beam
    >>> from lotss_tools.extraction import deconvolve_sizes
    >>> sizes = deconvolve_sizes([10, 5.8] * u.arcsec, [8, 5.5] * u.arcsec, [30, 0] * u.deg,
    ...                          Beam(6 * u.arcsec))
    >>> sizes['dc_major_fwhm'].round(3), sizes['dc_minor_fwhm'].round(3)
    (<Quantity [8., 0.] arcsec>, <Quantity [5.292, 0.   ] arcsec>)
    >>> sizes['dc_pa'].round(1), sizes['deconvolved'].tolist()
    (<Quantity [30.,  0.] deg>, [True, False])
    """
    major = np.atleast_1d(u.Quantity(major_fwhm, u.arcsec)).to_value(u.deg)
    minor = np.atleast_1d(u.Quantity(minor_fwhm, u.arcsec)).to_value(u.deg)
    pa_deg = np.atleast_1d(u.Quantity(pa, u.deg)).to_value(u.deg)
    major, minor, pa_deg = np.broadcast_arrays(major, minor, pa_deg)
    beam_props = {'BMAJ': beam.major.to_value(u.deg), 'BMIN': beam.minor.to_value(u.deg),
                  'BPA': beam.pa.to_value(u.deg)}
    n = major.size
    dc_major, dc_minor, dc_pa = np.zeros(n), np.zeros(n), np.zeros(n)
    done = np.zeros(n, bool)
    finite = np.isfinite(major) & np.isfinite(minor) & np.isfinite(pa_deg) & (minor > 0)
    # Only components larger than the beam's minor axis along both axes can succeed.
    candidates = np.flatnonzero(finite & (minor > beam_props['BMIN'] * (1 - 1e-9)))
    for i in candidates:
        new_major, new_minor, new_pa = deconvolve_optimized(
            {'BMAJ': major[i], 'BMIN': minor[i], 'BPA': pa_deg[i]}, beam_props,
            failure_returns_pointlike=True)
        # radio_beam adds machine epsilon to both axes: treat that as zero.
        if new_minor > _TINY * beam_props['BMIN']:
            dc_major[i], dc_minor[i], dc_pa[i], done[i] = new_major, new_minor, new_pa, True
    table = QTable()
    table['dc_major_fwhm'] = np.where(done, dc_major, 0.0) * u.deg.to(u.arcsec) * u.arcsec
    table['dc_minor_fwhm'] = np.where(done, dc_minor, 0.0) * u.deg.to(u.arcsec) * u.arcsec
    # radio_beam returns the deconvolved angle in radians.
    table['dc_pa'] = np.where(done, np.degrees(dc_pa) % 180.0, 0.0) * u.deg
    table['deconvolved'] = done
    table['dc_major_fwhm'].info.description = 'deconvolved major axis FWHM (0: not deconvolvable)'
    table['dc_minor_fwhm'].info.description = 'deconvolved minor axis FWHM (0: not deconvolvable)'
    table['dc_pa'].info.description = 'deconvolved position angle, east of north'
    table['deconvolved'].info.description = 'True if the beam could be deconvolved from the size'
    return table


def resolved_flag(total_flux, peak_flux, local_rms, *, parameters=DR2_ENVELOPE):
    """The LoTSS DR2 resolved flag: ``ln(total/peak)`` above the DR2 envelope.

    A thin wrapper over `lotss_tools.stats.is_unresolved` for arrays: a
    source is resolved when ``ln(S_total / S_peak) >
    0.42 + 1.08 / (1 + (SNR / 96.57) ** 2.49)``, the sigmoid Shimwell et al.
    (2022, Sect. 3.1, their Fig. 6) fitted to the 99.9th percentile of
    ``ln(S_total / S_peak)`` of compact LoTSS DR2 sources, with ``SNR =
    peak / local_rms`` (`~lotss_tools.stats.DR2_ENVELOPE`). (LoTSS DR1,
    Shimwell et al. 2019, used a different envelope drawn around 95% of its
    compact sources.)

    Parameters
    ----------
    total_flux : `~astropy.units.Quantity`
        Integrated flux densities (mJy or any flux density unit).
    peak_flux, local_rms : `~astropy.units.Quantity`
        Peak brightness and local noise (mJy/beam or any brightness unit).
    parameters : tuple
        Envelope ``(a, b, snr0, power)``; default the DR2 fit.

    Returns
    -------
    resolved : `~numpy.ndarray` of bool
        False where a value is missing or not positive.

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.extraction import resolved_flag
    >>> resolved_flag([1.0, 5.0, 50.0] * u.mJy, [0.9, 0.9, 45.0] * u.mJy / u.beam,
    ...               0.1 * u.mJy / u.beam).tolist()
    [False, True, False]
    """
    total = np.atleast_1d(u.Quantity(total_flux).to(u.mJy))
    peak = np.atleast_1d(u.Quantity(peak_flux).to(u.mJy / u.beam))
    rms = np.atleast_1d(u.Quantity(local_rms).to(u.mJy / u.beam))
    total, peak, rms = np.broadcast_arrays(total, peak, rms, subok=True)
    table = QTable({'total_flux': total, 'peak_flux': peak, 'local_rms': rms})
    if len(table) == 0:
        return np.zeros(0, bool)
    if not np.any(np.isfinite(rms.value) & (rms.value > 0)):
        return np.zeros(len(table), bool)
    unresolved = is_unresolved(table, parameters=parameters)
    return ~np.ma.getdata(unresolved) & ~np.ma.getmaskarray(unresolved)
