"""Differential and Euclidean-normalised source counts.

Radio source counts are the number of sources per unit flux density and
solid angle, ``dN/dS``; they are usually shown multiplied by ``S**2.5``
(Euclidean normalisation: a uniform population of sources in static
Euclidean space gives a flat line), in ``Jy**1.5 / sr``. The counts here are
raw: they are not corrected for incompleteness near the detection limit, for
resolution bias or for false detections (see Shimwell et al. 2022, Sect.
3.8, for how LoTSS DR2 corrected its own).
"""

import numpy as np
from astropy import units as u
from astropy.stats import poisson_conf_interval
from astropy.table import QTable

from ._columns import quantity
from .area import survey_area

__all__ = ['flux_bins', 'source_counts']

_DEX = 0.2


def flux_bins(flux, bins=None):
    """Edges of flux-density bins for source counts.

    Parameters
    ----------
    flux : `~astropy.units.Quantity`
        Flux densities (NaN and values <= 0 are ignored).
    bins : int or `~astropy.units.Quantity`, optional
        None: bins of 0.2 dex on a grid aligned with the decades (0.1, 0.158,
        0.251... mJy) that covers the fluxes; an int: that many
        logarithmically spaced bins from the smallest to the largest flux;
        a Quantity: the edges themselves (increasing, positive).

    Returns
    -------
    edges : `~astropy.units.Quantity`
        In mJy; empty when there is no positive flux and ``bins`` is not a
        Quantity.

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.stats import flux_bins
    >>> flux_bins([0.3, 2.0, 40.0] * u.mJy).round(3)
    <Quantity [ 0.251,  0.398,  0.631,  1.   ,  1.585,  2.512,  3.981,  6.31 ,
               10.   , 15.849, 25.119, 39.811, 63.096] mJy>
    """
    if isinstance(bins, u.Quantity):
        try:
            edges = bins.to(u.mJy)
        except u.UnitConversionError as err:
            raise ValueError(f'flux bins must be flux densities, not {bins.unit}.') from err
        if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges.value) > 0) \
                or edges[0] <= 0:
            raise ValueError('flux bins must be at least two increasing, positive edges.')
        return edges
    values = u.Quantity(flux).to_value(u.mJy)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return np.zeros(0) * u.mJy
    low, high = np.log10(values.min()), np.log10(values.max())
    if bins is None:
        first = np.floor(low / _DEX + 1e-9) * _DEX
        last = max(np.ceil(high / _DEX - 1e-9) * _DEX, first + _DEX)
        return 10 ** np.round(np.arange(first, last + _DEX / 2, _DEX), 10) * u.mJy
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool) and bins > 0:
        if high == low:
            low, high = low - _DEX / 2, high + _DEX / 2
            return np.logspace(low, high, int(bins) + 1) * u.mJy
        edges = np.logspace(low, high, int(bins) + 1)
        edges[0], edges[-1] = values.min(), values.max()     # exact, despite rounding
        return edges * u.mJy
    raise ValueError(f'bins must be None, a positive int or flux edges (a Quantity), '
                     f'not {bins!r}.')


def source_counts(catalog, area=None, *, bins=None, flux_column='total_flux'):
    """Differential source counts per flux-density bin, raw and Euclidean-normalised.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        A catalogue with the package's column names (a `DendroExtractor`
        catalogue, `~lotss_tools.catalogs.get_lotss_dr2`, a simulated truth).
    area : `~astropy.units.Quantity`, `~lotss_tools.Mosaic`, optional
        The sky area the catalogue covers (anything `survey_area` takes).
        Default: from the catalogue's provenance (a VizieR cone query);
        a `ValueError` if it records none.
    bins : int or `~astropy.units.Quantity`, optional
        See `flux_bins` (default: 0.2 dex bins).
    flux_column : str
        Flux-density column to count (``'total_flux'`` or ``'peak_flux'``
        for counts of peak brightness).

    Returns
    -------
    counts : `~astropy.table.QTable`
        One row per bin:

        ``flux_low``, ``flux_high``, ``flux_center`` (mJy)
            Bin edges and geometric centre ``sqrt(low * high)``.
        ``n_sources``
            Sources in the bin.
        ``density`` (deg**-2)
            ``n_sources / area``.
        ``dn_ds`` (Jy**-1 sr**-1)
            ``n_sources / (area * (flux_high - flux_low))``.
        ``euclidean_counts``, ``euclidean_counts_low``, ``euclidean_counts_high`` (Jy**1.5 sr**-1)
            ``flux_center**2.5 * dn_ds``, and the 68% Poisson confidence
            interval (`~astropy.stats.poisson_conf_interval`,
            ``'frequentist-confidence'``; not zero-width for empty bins).

        ``meta`` holds ``area``, ``flux_column``, ``n_invalid`` (rows with a
        NaN, zero or negative flux) and ``n_outside`` (valid fluxes outside
        the bins). A catalogue without valid fluxes gives a table with no
        rows (or zero counts in given bins).

    Raises
    ------
    ValueError
        No flux column, a flux column in non-flux units, bad bins, or an
        unknown area.

    Examples
    --------
    The LoTSS DR2 sample shipped with the package holds every DR2 source
    within 30 arcmin of its centre:

    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> from lotss_tools.catalogs import get_lotss_dr2, sample_catalog_path
    >>> from lotss_tools.stats import cone_area, source_counts
    >>> radius = 30 * u.arcmin
    >>> dr2 = get_lotss_dr2(SkyCoord(200.0188, 44.9928, unit='deg'), radius,
    ...                     pinned=sample_catalog_path())
    >>> counts = source_counts(dr2, cone_area(radius), bins=[1, 10, 100] * u.mJy)
    >>> counts['n_sources'].tolist()
    [483, 90]
    >>> counts['euclidean_counts'].round(0)
    <Quantity [126., 743.] Jy(3/2) / sr>
    """
    area = survey_area(catalog if area is None else area)
    flux = quantity(catalog, flux_column, caller='source_counts', required=True)
    if not (flux.unit.is_equivalent(u.mJy) or flux.unit.is_equivalent(u.mJy / u.beam)):
        raise ValueError(f'source_counts: {flux_column!r} is in {flux.unit}, not a flux density.')
    values = flux.value * (flux.unit * u.beam if flux.unit.is_equivalent(u.mJy / u.beam)
                           else flux.unit).to(u.mJy)
    valid = np.isfinite(values) & (values > 0)
    edges = flux_bins(values[valid] * u.mJy, bins).to_value(u.mJy)
    if edges.size:
        n, _ = np.histogram(values[valid], edges)
        low, high = edges[:-1], edges[1:]
    else:
        n, low, high = np.zeros(0, int), np.zeros(0), np.zeros(0)
    center = np.sqrt(low * high)
    area_sr = area.to_value(u.sr)
    per_jy_sr = u.Jy ** -1 * u.sr ** -1
    with np.errstate(divide='ignore', invalid='ignore'):
        dn_ds = n / (area_sr * (high - low) * 1e-3)
        scale = (center * 1e-3) ** 2.5 / (area_sr * (high - low) * 1e-3)
    interval = poisson_conf_interval(n, interval='frequentist-confidence') if n.size \
        else np.zeros((2, 0))
    euclid = u.Jy ** 1.5 / u.sr
    table = QTable()
    table['flux_low'] = low * u.mJy
    table['flux_high'] = high * u.mJy
    table['flux_center'] = center * u.mJy
    table['n_sources'] = n.astype(int)
    table['density'] = (n / area.to_value(u.deg ** 2)) * u.deg ** -2
    table['dn_ds'] = dn_ds * per_jy_sr
    table['euclidean_counts'] = n * scale * euclid
    table['euclidean_counts_low'] = interval[0] * scale * euclid
    table['euclidean_counts_high'] = interval[1] * scale * euclid
    descriptions = {
        'flux_low': f'lower edge of the {flux_column} bin',
        'flux_high': f'upper edge of the {flux_column} bin',
        'flux_center': 'geometric centre of the bin, sqrt(flux_low * flux_high)',
        'n_sources': 'number of sources in the bin',
        'density': 'sources in the bin per square degree',
        'dn_ds': 'differential counts dN/dS per unit flux density and solid angle',
        'euclidean_counts': 'Euclidean-normalised counts flux_center**2.5 dN/dS',
        'euclidean_counts_low': 'lower end of the 68% Poisson interval of euclidean_counts',
        'euclidean_counts_high': 'upper end of the 68% Poisson interval of euclidean_counts',
    }
    for name, description in descriptions.items():
        table[name].info.description = description
    inside = (values[valid] >= edges[0]) & (values[valid] <= edges[-1]) if edges.size \
        else np.zeros(int(valid.sum()), bool)
    table.meta.update(area=area, flux_column=flux_column, n_invalid=int((~valid).sum()),
                      n_outside=int((~inside).sum()))
    return table
