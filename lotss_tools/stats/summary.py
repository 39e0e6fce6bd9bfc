"""One table of the numbers that describe a catalogue, overall and per group."""

import numpy as np
from astropy import units as u
from astropy.table import QTable

from ._columns import missing_column_error, nanmedian, quantity, text
from .area import survey_area
from .morphology import is_unresolved

__all__ = ['catalog_summary']

#: Columns whose median the summary reports, with their units.
MEDIAN_COLUMNS = {'total_flux': u.mJy, 'peak_flux': u.mJy / u.beam, 'major_fwhm': u.arcsec,
                  'minor_fwhm': u.arcsec, 'dc_major_fwhm': u.arcsec, 'dc_minor_fwhm': u.arcsec,
                  'local_rms': u.mJy / u.beam, 'island_rms': u.mJy / u.beam}


def catalog_summary(catalog, area=None, *, by=None, snr='peak', rms=None):
    """Numbers of sources, density, median fluxes and sizes, and the unresolved fraction.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        A catalogue with the package's column names; missing optional
        columns give NaN medians.
    area : `~astropy.units.Quantity` or `~lotss_tools.Mosaic`, optional
        Sky area (see `survey_area`); default from the catalogue's
        provenance when it records a query cone, otherwise the density is
        NaN.
    by : str, optional
        A column to group by (e.g. ``'s_code'``): one row per value follows
        the row of all sources.
    snr, rms
        How the signal-to-noise of the unresolved criterion is computed (see
        `~lotss_tools.stats.signal_to_noise`).

    Returns
    -------
    summary : `~astropy.table.QTable`
        Columns ``group`` (``'all'`` or the value of ``by``), ``n_sources``,
        ``fraction`` (of all sources), ``density`` (deg**-2),
        ``median_<column>`` for ``total_flux``, ``peak_flux``,
        ``major_fwhm``, ``minor_fwhm``, ``dc_major_fwhm``,
        ``dc_minor_fwhm``, ``local_rms``, ``island_rms`` (medians of the finite values,
        with units), and ``unresolved_fraction`` (`is_unresolved`; NaN when
        it cannot be told). ``meta['area']`` is the area used (NaN deg**2
        when unknown).

    Examples
    --------
    The DR2 sources within 30 arcmin of the centre of the sample shipped
    with the package (which has no noise column: ``rms`` gives the median
    DR2 noise):

    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> from lotss_tools.catalogs import get_lotss_dr2, sample_catalog_path
    >>> from lotss_tools.stats import catalog_summary, cone_area
    >>> radius = 30 * u.arcmin
    >>> dr2 = get_lotss_dr2(SkyCoord(200.0188, 44.9928, unit='deg'), radius,
    ...                     pinned=sample_catalog_path())
    >>> summary = catalog_summary(dr2, cone_area(radius), rms=83 * u.uJy / u.beam)
    >>> print(f"{summary['n_sources'][0]} sources, {summary['density'][0]:.0f}")
    1333 sources, 1697 1 / deg2
    >>> print(f"median {summary['median_total_flux'][0]:.2f}, "
    ...       f"{summary['median_major_fwhm'][0]:.1f}")
    median 0.84 mJy, 7.3 arcsec
    """
    if area is None:
        try:
            area = survey_area(catalog)
        except ValueError:
            area = np.nan * u.deg ** 2
    else:
        area = survey_area(area)
    groups = [('all', np.ones(len(catalog), bool))]
    if by is not None:
        values = text(catalog, by)
        if values is None:
            raise missing_column_error(catalog, by, 'catalog_summary')
        groups += [(value or '(none)', values == value)
                   for value in sorted(set(values.tolist()))]
    try:
        unresolved = is_unresolved(catalog, snr=snr, rms=rms)
    except ValueError:
        unresolved = np.ma.MaskedArray(np.ones(len(catalog), bool), mask=True)
    columns = {name: quantity(catalog, name, unit, caller='catalog_summary')
               for name, unit in MEDIAN_COLUMNS.items()}
    rows = {'group': [], 'n_sources': [], 'fraction': [], 'density': []}
    rows.update({f'median_{name}': [] for name in MEDIAN_COLUMNS})
    rows['unresolved_fraction'] = []
    for name, selected in groups:
        n = int(np.count_nonzero(selected))
        rows['group'].append(name)
        rows['n_sources'].append(n)
        rows['fraction'].append(n / len(catalog) if len(catalog) else np.nan)
        rows['density'].append(n / area.to_value(u.deg ** 2) if area > 0 else np.nan)
        for column, unit in MEDIAN_COLUMNS.items():
            values = columns[column]
            median = np.nan if values is None else nanmedian(values[selected]).to_value(unit)
            rows[f'median_{column}'].append(median)
        flags = unresolved[selected]
        known = ~np.ma.getmaskarray(flags)
        rows['unresolved_fraction'].append(float(np.mean(flags.data[known]))
                                           if np.any(known) else np.nan)
    table = QTable()
    table['group'] = np.array(rows['group'], dtype=str)
    table['n_sources'] = np.array(rows['n_sources'], dtype=int)
    table['fraction'] = np.array(rows['fraction'], dtype=float)
    table['density'] = np.array(rows['density'], dtype=float) * u.deg ** -2
    for column, unit in MEDIAN_COLUMNS.items():
        table[f'median_{column}'] = np.array(rows[f'median_{column}'], dtype=float) * unit
        table[f'median_{column}'].info.description = f'median of the finite {column} values'
    table['unresolved_fraction'] = np.array(rows['unresolved_fraction'], dtype=float)
    table['group'].info.description = 'all sources, or the sources with this value of ' + (
        repr(by) if by else 'the grouping column')
    table['fraction'].info.description = 'n_sources / number of rows of the catalogue'
    table['density'].info.description = 'n_sources per square degree'
    table['unresolved_fraction'].info.description = (
        'fraction of the sources (with a known status) inside the LoTSS DR2 '
        'integrated-to-peak envelope')
    table.meta.update(area=area, by=by)
    return table
