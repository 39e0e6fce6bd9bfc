"""Which sources are unresolved, and the PyBDSF structure codes (``S_Code``).

Unresolved sources
------------------
A source no larger than the beam has an integrated flux density equal to its
peak brightness (times one beam); noise scatters the ratio, more at low
signal-to-noise. Shimwell et al. (2022, A&A 659, A1, Sect. 3.1) fitted a
sigmoid to the 99.9th percentile of ``ln(S_I / S_P)`` of compact LoTSS DR2
sources as a function of signal-to-noise::

    ln(S_I / S_P) = 0.42 + 1.08 / (1 + (SNR / 96.57) ** 2.49)

and call sources above the curve resolved. This module uses that envelope
with ``SNR = peak_flux / local_rms`` by default (the package's ``snr``
column); ``snr='total'`` uses ``total_flux / total_flux_err`` instead.
"""

import numpy as np
from astropy import units as u
from astropy.table import QTable

from ._columns import missing_column_error, noise_column, quantity, text

__all__ = ['DR2_ENVELOPE', 'S_CODES', 'resolved_envelope', 'signal_to_noise',
           'is_unresolved', 'unresolved_fraction', 's_code_fractions']

#: Parameters ``(a, b, snr0, power)`` of the LoTSS DR2 envelope
#: ``a + b / (1 + (snr / snr0) ** power)`` (Shimwell et al. 2022).
DR2_ENVELOPE = (0.42, 1.08, 96.57, 2.49)

#: The PyBDSF structure codes and their meaning.
S_CODES = {'S': 'single Gaussian, alone in its island',
           'C': 'single Gaussian in an island shared with other sources',
           'M': 'several Gaussians'}


def resolved_envelope(snr, parameters=DR2_ENVELOPE):
    """The largest ``ln(total_flux / peak_flux)`` of an unresolved source at a given SNR.

    Parameters
    ----------
    snr : float or array
        Signal-to-noise ratio.
    parameters : tuple of 4 floats
        ``(a, b, snr0, power)`` of ``a + b / (1 + (snr / snr0) ** power)``;
        default the LoTSS DR2 fit, `DR2_ENVELOPE`.

    Returns
    -------
    envelope : float or `~numpy.ndarray`
        NaN for negative or NaN SNR.

    Examples
    --------
    >>> from lotss_tools.stats import resolved_envelope
    >>> resolved_envelope([5, 96.57, 1e4]).round(2)
    array([1.5 , 0.96, 0.42])
    """
    a, b, snr0, power = parameters
    snr = np.asarray(snr, dtype=float)
    with np.errstate(invalid='ignore'):
        ratio = np.where(snr >= 0, snr / snr0, np.nan)
        return a + b / (1 + ratio ** power)


def signal_to_noise(catalog, snr='peak', rms=None):
    """Signal-to-noise ratio of each source, as used by `is_unresolved`.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
    snr : {'peak', 'total'} or array
        ``'peak'``: ``peak_flux / local_rms`` (``peak_flux / island_rms``
        for survey catalogues such as LoTSS DR2), or the ``snr`` column when
        there is neither noise column. ``'total'``: ``total_flux /
        total_flux_err``. An array is returned as it is.
    rms : `~astropy.units.Quantity`, optional
        Noise (mJy/beam or Jy/beam, scalar or per row) used where
        ``local_rms`` is missing or NaN (``'peak'`` only), e.g. 83 uJy/beam,
        the median noise of LoTSS DR2.

    Returns
    -------
    snr : `~numpy.ndarray`
        NaN where it cannot be computed.
    """
    n = len(catalog)
    caller = 'signal_to_noise'
    if not isinstance(snr, str):
        values = np.asarray(snr, dtype=float)
        if values.shape != (n,):
            raise ValueError(f'{caller}: {values.size} SNR values for {n} rows.')
        return values
    if snr == 'total':
        total = quantity(catalog, 'total_flux', caller=caller, required=True)
        error = quantity(catalog, 'total_flux_err', caller=caller, required=True)
        with np.errstate(divide='ignore', invalid='ignore'):
            return np.asarray((total / error).to_value(u.dimensionless_unscaled))
    if snr != 'peak':
        raise ValueError(f"{caller}: snr must be 'peak', 'total' or an array, not {snr!r}.")
    local = noise_column(catalog, caller)
    if local is None and rms is None and 'snr' in catalog.colnames:
        return quantity(catalog, 'snr', u.dimensionless_unscaled, caller=caller).value
    peak = quantity(catalog, 'peak_flux', u.mJy / u.beam, caller=caller, required=True)
    noise = np.full(n, np.nan) if local is None else local.value
    if rms is not None:
        try:
            fill = np.broadcast_to(u.Quantity(rms).to_value(u.mJy / u.beam), (n,))
        except u.UnitConversionError as err:
            raise ValueError(f'{caller}: rms must be in Jy/beam units, not {rms!r}.') from err
        noise = np.where(np.isfinite(noise), noise, fill)
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(noise > 0, peak.value / noise, np.nan)


def is_unresolved(catalog, *, snr='peak', rms=None, parameters=DR2_ENVELOPE):
    """Whether each source is unresolved, by the LoTSS DR2 integrated-to-peak envelope.

    A source is unresolved when ``ln(total_flux / peak_flux)`` (fluxes in
    mJy and mJy/beam) is at or below `resolved_envelope` at its SNR.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        With ``total_flux`` and ``peak_flux`` and what ``snr`` needs.
    snr, rms
        See `signal_to_noise`.
    parameters : tuple
        Envelope parameters, see `resolved_envelope`.

    Returns
    -------
    unresolved : `numpy.ma.MaskedArray` of bool
        Masked where a flux or the SNR is missing, NaN or not positive.

    Raises
    ------
    ValueError
        Missing flux columns, or no row with a usable SNR (pass ``rms=``).

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.stats import is_unresolved
    >>> sources = QTable({'total_flux': [1.0, 5.0, 50.0, 1.0] * u.mJy,
    ...                   'peak_flux': [0.9, 0.9, 45.0, 0.9] * u.mJy / u.beam,
    ...                   'local_rms': [0.1, 0.1, 0.1, float('nan')] * u.mJy / u.beam})
    >>> is_unresolved(sources)
    masked_array(data=[True, False, True, --],
                 mask=[False, False, False,  True],
           fill_value=True)
    """
    caller = 'is_unresolved'
    total = quantity(catalog, 'total_flux', u.mJy, caller=caller, required=True).value
    peak = quantity(catalog, 'peak_flux', u.mJy / u.beam, caller=caller, required=True).value
    if noise_column(catalog, caller) is None and 'snr' not in catalog.colnames and rms is None \
            and isinstance(snr, str) and snr == 'peak':
        raise missing_column_error(catalog, 'local_rms',
                                   caller + ' (or island_rms, or pass rms=)')
    values = signal_to_noise(catalog, snr, rms)
    if len(catalog) and not np.any(np.isfinite(values)):
        raise ValueError(f'{caller}: no row has a signal-to-noise ratio (local_rms, snr or '
                         f'total_flux_err are missing or NaN); pass rms=, e.g. '
                         f'83 uJy/beam, the median LoTSS DR2 noise.')
    with np.errstate(divide='ignore', invalid='ignore'):
        log_ratio = np.log(np.where((total > 0) & (peak > 0), total / peak, np.nan))
    envelope = resolved_envelope(values, parameters)
    valid = np.isfinite(log_ratio) & np.isfinite(envelope)
    return np.ma.MaskedArray(np.where(valid, log_ratio <= envelope, True), mask=~valid)


def unresolved_fraction(catalog, **kwargs):
    """Fraction of the sources with a determined status that are unresolved.

    Parameters are those of `is_unresolved`. NaN when no source has a
    determined status.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.stats import unresolved_fraction
    >>> sources = QTable({'total_flux': [1.0, 5.0, 50.0] * u.mJy,
    ...                   'peak_flux': [0.9, 0.9, 45.0] * u.mJy / u.beam,
    ...                   'snr': [9, 9, 450]})
    >>> round(unresolved_fraction(sources), 3)
    0.667
    """
    flags = is_unresolved(catalog, **kwargs)
    known = ~np.ma.getmaskarray(flags)
    return float(np.mean(flags.data[known])) if np.any(known) else np.nan


def s_code_fractions(catalog):
    """Numbers and fractions of the PyBDSF structure codes S, C and M.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        With an ``s_code`` column (LoTSS DR2 from
        `~lotss_tools.catalogs.get_lotss_dr2`, or a release file read with
        `~lotss_tools.catalogs.normalise_catalog`).

    Returns
    -------
    fractions : `~astropy.table.QTable`
        One row per code (S, C, M, then any other code found): ``s_code``,
        ``description``, ``n_sources`` and ``fraction`` (of the rows that
        have a code; NaN when none has). ``meta['n_without_code']`` counts
        rows with an empty or masked code (catalogues without the column:
        every row).

    Examples
    --------
    >>> from astropy.table import Table
    >>> from lotss_tools.stats import s_code_fractions
    >>> table = s_code_fractions(Table({'s_code': ['S', 'S', 'M', 'C', 'S', '']}))
    >>> table['s_code'].tolist(), table['n_sources'].tolist()
    (['S', 'C', 'M'], [3, 1, 1])
    >>> table['fraction'].tolist(), table.meta['n_without_code']
    ([0.6, 0.2, 0.2], 1)
    """
    codes = text(catalog, 's_code')
    if codes is None:
        codes = np.full(len(catalog), '')
    known = codes[codes != '']
    names = list(S_CODES) + sorted(set(known.tolist()) - set(S_CODES))
    n = np.array([np.count_nonzero(known == name) for name in names], dtype=int)
    fraction = n / known.size if known.size else np.full(len(names), np.nan)
    table = QTable({'s_code': names,
                    'description': [S_CODES.get(name, 'other code') for name in names],
                    'n_sources': n, 'fraction': fraction})
    table['fraction'].info.description = 'fraction of the sources with a code'
    table.meta['n_without_code'] = int(codes.size - known.size)
    return table
