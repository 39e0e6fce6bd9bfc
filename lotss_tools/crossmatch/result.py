"""`MatchResult`: the pairs, the leftovers and the scores of a cross-match."""

import functools

import numpy as np
from astropy import units as u
from astropy.stats import binom_conf_interval
from astropy.table import QTable

from ..io import write_table
from ..schema import read_column
from ._columns import binning_values, quantity_unit

__all__ = ['MatchResult', 'MatchSummary', 'SUMMARY_QUANTITIES']

#: Columns whose relative differences `MatchResult.summary` reports by default.
SUMMARY_QUANTITIES = ('total_flux', 'major_fwhm', 'minor_fwhm')

#: Coverage of the binomial intervals of `MatchResult.completeness` (1 sigma).
CONFIDENCE_LEVEL = 0.682689


class MatchSummary(QTable):
    """The scores of one or more cross-matches, one row each (`MatchResult.summary`).

    A `~astropy.table.QTable` that prints in full, however narrow the
    terminal: one row is printed one column per line (name, value, unit),
    several rows (stacked with `~astropy.table.vstack`) with every column.
    Scores have four decimals, relative differences four significant digits,
    the median separation two decimals of an arcsec.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.crossmatch import CrossMatcher
    >>> catalog = QTable({'ra': [10.0, 10.1] * u.deg, 'dec': [20.0, 20.0] * u.deg})
    >>> reference = QTable({'ra': [10.0001, 10.3] * u.deg, 'dec': [20.0, 20.0] * u.deg})
    >>> summary = CrossMatcher().match(catalog, reference).summary(quantities=())
    >>> print(summary)  # doctest: +NORMALIZE_WHITESPACE
    n_catalog                2
    n_reference              2
    n_reference_in_footprint -1
    reference_floor
    n_reference_counted      2
    n_matched                1
    recall                   0.5000
    precision                0.5000
    f1                       0.5000
    recall_counts            every reference row
    radius                   6.00 arcsec
    method                   optimal
    separation_median        0.34 arcsec
    """

    def __str__(self):
        if len(self) != 1:
            return '\n'.join(self.pformat(max_lines=-1, max_width=-1))
        width = max(len(name) for name in self.colnames)
        return '\n'.join(f'{name:<{width}s} {self._value_text(name)}'.rstrip()
                         for name in self.colnames)

    def __repr__(self):
        return f'<{type(self).__name__} length={len(self)}>\n{self}'

    def _value_text(self, name):
        column = self[name]
        value = column[0]
        unit = getattr(column, 'unit', None)
        if isinstance(value, u.Quantity):
            value = value.value
        fmt = column.info.format
        if isinstance(value, (float, np.floating)) and fmt:
            text = format(float(value), fmt.lstrip('{:').rstrip('}'))
        else:
            text = str(value)
        return f'{text} {unit}' if unit is not None and str(unit) else text


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else np.nan


def _statistics(values):
    """Mean, median and sample standard deviation of the finite values (NaN if too few)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.nan, np.nan, np.nan
    std = float(np.std(values, ddof=1)) if values.size > 1 else np.nan
    return float(np.mean(values)), float(np.median(values)), std


class MatchResult:
    """The outcome of `~lotss_tools.crossmatch.CrossMatcher.match`.

    Scores follow the research definitions, with recall counted only over
    the reference sources the image could have detected: ``recall`` =
    matched counted reference rows / counted reference rows, where the
    *counted* rows (`reference_counted`) are those inside the footprint and
    above the floor given to `~lotss_tools.crossmatch.CrossMatcher.match`
    (every row when none was given); ``precision`` = matched / catalogue
    rows (a catalogue row matched to any reference row, counted or not, is
    a true detection); ``f1`` their harmonic mean. ``recall`` is NaN
    without counted reference rows, ``precision`` NaN for an empty
    catalogue, ``f1`` NaN when either is NaN and 0 when both are 0.

    Attributes
    ----------
    catalog, reference : `~astropy.table.QTable`
        The two matched tables, as given.
    index_catalog, index_reference : `~numpy.ndarray` of int
        Rows of each table that form the pairs, pair by pair.
    separation : `~astropy.units.Quantity`
        Separation of each pair (arcsec).
    radius : `~astropy.units.Quantity`
        Matching radius.
    method : str
        Matching rule (``'optimal'`` or ``'nearest'``).
    suffixes : tuple of two str
        Appended to the column names of each side in `pairs`.
    reference_counted : `~numpy.ndarray` of bool
        The reference rows recall counts: inside the footprint and above
        the floor (all True when neither was given).
    n_reference_in_footprint : int
        Reference rows inside the footprint; -1 when no footprint was given.
    reference_floor : str
        The flux or SNR floor of the counted rows (``'total_flux >= 1 mJy'``,
        ``'snr >= 7'``), empty when none.
    """

    def __init__(self, catalog, reference, index_catalog, index_reference, separation, *,
                 radius, method, suffixes=('_cat', '_ref'), reference_counted=None,
                 n_reference_in_footprint=-1, reference_floor=''):
        self.catalog, self.reference = catalog, reference
        self.index_catalog = np.asarray(index_catalog, int)
        self.index_reference = np.asarray(index_reference, int)
        self.separation = u.Quantity(separation, u.arcsec)
        self.radius, self.method, self.suffixes = radius, method, tuple(suffixes)
        self.reference_counted = (np.ones(len(reference), bool) if reference_counted is None
                                  else np.asarray(reference_counted, bool))
        self.n_reference_in_footprint = int(n_reference_in_footprint)
        self.reference_floor = str(reference_floor)

    # ------------------------------------------------------------ counts
    @property
    def n_matched(self):
        """Number of pairs."""
        return int(self.index_catalog.size)

    @property
    def n_catalog(self):
        """Rows of the catalogue."""
        return len(self.catalog)

    @property
    def n_reference(self):
        """Rows of the reference, counted or not."""
        return len(self.reference)

    @property
    def n_reference_counted(self):
        """Reference rows that recall counts (inside the footprint, above the floor)."""
        return int(self.reference_counted.sum())

    @property
    def n_reference_found(self):
        """Counted reference rows that are matched."""
        return int(self.reference_counted[self.index_reference].sum())

    @property
    def recall_counts(self):
        """In words, which reference rows recall counts."""
        where = ('every reference row' if self.n_reference_in_footprint < 0
                 else 'the reference rows inside the footprint')
        return where + (f' with {self.reference_floor}' if self.reference_floor else '')

    @property
    def recall(self):
        """Matched counted reference rows / counted reference rows (NaN without any)."""
        return _ratio(self.n_reference_found, self.n_reference_counted)

    @property
    def precision(self):
        """Matched / catalogue rows (NaN for an empty catalogue)."""
        return _ratio(self.n_matched, self.n_catalog)

    @property
    def f1(self):
        """Harmonic mean of recall and precision (NaN if either is NaN, 0 if both are 0)."""
        recall, precision = self.recall, self.precision
        if np.isnan(recall) or np.isnan(precision):
            return np.nan
        return _ratio(2 * recall * precision, recall + precision) if recall + precision else 0.0

    @property
    def matched_catalog(self):
        """Boolean mask over the catalogue rows: True for rows in a pair."""
        mask = np.zeros(self.n_catalog, bool)
        mask[self.index_catalog] = True
        return mask

    @property
    def matched_reference(self):
        """Boolean mask over the reference rows: True for rows in a pair."""
        mask = np.zeros(self.n_reference, bool)
        mask[self.index_reference] = True
        return mask

    # ------------------------------------------------------------ tables
    @functools.cached_property
    def pairs(self):
        """One row per pair: every catalogue column with the first suffix
        (``_cat``), every reference column with the second (``_ref``), and
        ``separation`` (arcsec); ``meta`` as in `write_pairs`."""
        pairs = QTable()
        for table, index, suffix in ((self.catalog, self.index_catalog, self.suffixes[0]),
                                     (self.reference, self.index_reference, self.suffixes[1])):
            for name in table.colnames:
                pairs[name + suffix] = table[name][index]
        pairs['separation'] = self.separation
        pairs['separation'].info.description = 'angular distance between the two positions'
        pairs.meta.update(self._provenance())
        return pairs

    def _provenance(self):
        # FITS-compatible keys (8 characters at most).
        return {'RADIUS': float(self.radius.to_value(u.arcsec)), 'METHOD': self.method,
                'N_CAT': self.n_catalog, 'N_REF': self.n_reference,
                'N_REFFP': self.n_reference_in_footprint, 'N_REFCNT': self.n_reference_counted,
                'FLOOR': self.reference_floor, 'N_MATCH': self.n_matched}

    def write_pairs(self, path, *, overwrite=False, format=None, inputs=()):
        """Write `pairs` atomically (`lotss_tools.io.write_table`: ECSV by default).

        The table's ``meta`` records ``RADIUS`` (arcsec), ``METHOD``, the
        counts ``N_CAT``, ``N_REF``, ``N_REFFP`` (in the footprint, -1 without
        one), ``N_REFCNT`` (counted by recall) and ``N_MATCH``, and the
        reference ``FLOOR`` (as do the ``meta`` of
        `pairs` and of `completeness`).

        ``inputs`` are files that must not be overwritten (the matched
        catalogues' files), as in `~lotss_tools.io.write_table`.

        Returns
        -------
        path : `pathlib.Path`
        """
        return write_table(self.pairs, path, overwrite=overwrite, format=format, inputs=inputs)

    @property
    def unmatched_catalog(self):
        """Catalogue rows in no pair (same columns as the catalogue)."""
        return self.catalog[~self.matched_catalog]

    @property
    def unmatched_reference(self):
        """Reference rows in no pair (same columns as the reference)."""
        return self.reference[~self.matched_reference]

    def relative_difference(self, name):
        """``(catalogue - reference) / reference`` of column ``name`` for each pair.

        Units are converted (a catalogue in Jy compares with one in mJy);
        columns without a unit take the package's schema unit.

        Returns
        -------
        `~numpy.ndarray`
            One float per pair; NaN where the reference value is 0 or missing.
        """
        reference = read_column(self.reference, name, role='reference',
                                purpose='relative_difference')
        catalog = read_column(self.catalog, name, reference.unit, role='catalogue',
                              purpose='relative_difference')
        cat, ref = catalog.value[self.index_catalog], reference.value[self.index_reference]
        with np.errstate(divide='ignore', invalid='ignore'):
            diff = (cat - ref) / ref
        diff[~np.isfinite(diff)] = np.nan
        return diff

    def summary(self, quantities=SUMMARY_QUANTITIES):
        """The scores of the match in a one-row table (stack them over mosaics with vstack).

        Parameters
        ----------
        quantities : sequence of str
            Columns (present in both tables) whose relative differences
            ``(cat - ref) / ref`` over the pairs are summarised; ``()`` for
            positions only.

        Returns
        -------
        `MatchSummary`
            A `~astropy.table.QTable` that prints every column. Columns
            ``n_catalog``, ``n_reference`` (rows given),
            ``n_reference_in_footprint`` (-1 without a footprint),
            ``reference_floor``, ``n_reference_counted`` (the rows recall
            counts), ``n_matched``, ``recall``, ``precision``, ``f1``,
            ``recall_counts`` (in words), ``radius``, ``method``,
            ``separation_median`` and, for each quantity ``q``,
            ``q_rel_mean``, ``q_rel_median``, ``q_rel_std`` (sample standard
            deviation), over the pairs with a finite difference (NaN when
            there are none).
        """
        quantities = (quantities,) if isinstance(quantities, str) else tuple(quantities)
        row = MatchSummary()
        described = [
            ('n_catalog', self.n_catalog, 'rows of the catalogue'),
            ('n_reference', self.n_reference, 'rows of the reference'),
            ('n_reference_in_footprint', self.n_reference_in_footprint,
             'reference rows inside the footprint (-1: no footprint given)'),
            ('reference_floor', self.reference_floor,
             'flux or SNR floor of the reference rows recall counts (empty: none)'),
            ('n_reference_counted', self.n_reference_counted,
             'reference rows recall counts (inside the footprint, above the floor)'),
            ('n_matched', self.n_matched, 'one-to-one pairs'),
            ('recall', self.recall, 'matched counted reference rows / n_reference_counted'),
            ('precision', self.precision, 'n_matched / n_catalog'),
            ('f1', self.f1, 'harmonic mean of recall and precision'),
            ('recall_counts', self.recall_counts, 'which reference rows recall counts'),
            ('radius', self.radius.to(u.arcsec), 'matching radius'),
            ('method', self.method, 'matching rule'),
            ('separation_median', (np.median(self.separation) if self.n_matched
                                   else np.nan * u.arcsec), 'median separation of the pairs')]
        for name in quantities:
            stats = _statistics(self.relative_difference(name))
            for stat, value in zip(('mean', 'median', 'std'), stats):
                described.append((f'{name}_rel_{stat}', value,
                                  f'{stat} of ({name}_cat - {name}_ref) / {name}_ref'))
        for name, value, description in described:
            row[name] = [value]
            row[name].info.description = description
            if name in ('recall', 'precision', 'f1'):
                row[name].info.format = '.4f'
            elif name in ('radius', 'separation_median'):
                row[name].info.format = '.2f'
            elif '_rel_' in name:
                row[name].info.format = '.4g'
        return row

    def completeness(self, bins=10, quantity='flux'):
        """Recall and precision in bins of flux, SNR or any other column.

        Recall in a bin is the fraction of the counted *reference* sources
        (inside the footprint and above the floor given to the match) whose
        value falls in it that are matched; precision, the fraction of the
        *catalogue* sources whose value falls in it that are matched (each
        side binned by its own measurement).

        Parameters
        ----------
        bins : int or array-like or `~astropy.units.Quantity`
            Number of logarithmic bins spanning the positive values of both
            tables, or the bin edges (increasing; plain numbers are in the
            column's unit, mJy for flux).
        quantity : str
            ``'flux'`` (``total_flux``), ``'snr'`` (the ``snr`` column, or
            ``peak_flux / local_rms`` when there is none) or a column name.

        Returns
        -------
        `~astropy.table.QTable`
            One row per bin: ``low``, ``high``, ``center`` (geometric mean
            of the edges), ``n_reference``, ``n_reference_matched``,
            ``recall``, ``recall_low``, ``recall_high``, ``n_catalog``,
            ``n_catalog_matched``, ``precision``, ``precision_low``,
            ``precision_high``. The ``_low``/``_high`` columns are the 68%
            Wilson binomial intervals; fractions are NaN in empty bins.
        """
        unit = quantity_unit(quantity, self.catalog, self.reference)
        values_ref = binning_values(self.reference, quantity, 'reference', unit).value
        values_cat = binning_values(self.catalog, quantity, 'catalogue', unit).value
        edges = _edges(bins, unit, np.concatenate([values_ref, values_cat]))
        table = QTable()
        table['low'], table['high'] = edges[:-1] * unit, edges[1:] * unit
        table['center'] = np.sqrt(edges[:-1] * edges[1:]) * unit if edges.size and (
            edges[0] > 0) else 0.5 * (edges[:-1] + edges[1:]) * unit
        counted = self.reference_counted
        for side, values, matched in (('reference', values_ref[counted],
                                       self.matched_reference[counted]),
                                      ('catalog', values_cat, self.matched_catalog)):
            total = np.histogram(values, edges)[0] if edges.size else np.zeros(0, int)
            hits = np.histogram(values[matched], edges)[0] if edges.size else np.zeros(0, int)
            score = 'recall' if side == 'reference' else 'precision'
            with np.errstate(divide='ignore', invalid='ignore'):
                fraction = np.where(total > 0, hits / np.maximum(total, 1), np.nan)
            low, high = np.full(total.size, np.nan), np.full(total.size, np.nan)
            filled = total > 0
            if filled.any():
                low[filled], high[filled] = binom_conf_interval(
                    hits[filled], total[filled], confidence_level=CONFIDENCE_LEVEL,
                    interval='wilson')
            table[f'n_{side}'], table[f'n_{side}_matched'] = total, hits
            table[score], table[f'{score}_low'], table[f'{score}_high'] = fraction, low, high
        table.meta.update(quantity=quantity, **self._provenance())
        return table

    def plot_completeness(self, ax=None, *, bins=10, quantity='flux', **kwargs):
        """Plot `completeness`; see `~lotss_tools.visualization.plot_completeness`."""
        from ..visualization import plot_completeness
        return plot_completeness(self, ax=ax, bins=bins, quantity=quantity, **kwargs)

    def __repr__(self):
        counted = ('' if self.n_reference_counted == self.n_reference
                   else f' ({self.n_reference_counted} counted by recall)')
        return (f'<MatchResult: {self.n_matched} pairs within {self.radius:g} ({self.method}); '
                f'{self.n_catalog} catalogue and {self.n_reference} reference rows{counted}; '
                f'recall {self.recall:.3f}, precision {self.precision:.3f}, F1 {self.f1:.3f}>')


def _edges(bins, unit, values):
    """Bin edges (plain floats in ``unit``) from a count or explicit edges."""
    if np.ndim(bins) == 0 and not isinstance(bins, u.Quantity):
        if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool) or bins < 1:
            raise ValueError(f'bins must be a positive number of bins or the bin edges, '
                             f'not {bins!r}.')
        positive = values[np.isfinite(values) & (values > 0)]
        if positive.size == 0:
            return np.zeros(0)
        low, high = positive.min(), positive.max()
        high = high * (1 + 1e-9) if high > low else low * 1.01
        return np.geomspace(low, high, bins + 1)
    try:
        edges = u.Quantity(bins, unit).value if isinstance(bins, u.Quantity) else np.asarray(
            bins, float)
    except u.UnitsError:
        raise ValueError(f'bin edges in {bins.unit} do not convert to {unit}.') from None
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges) > 0):
        raise ValueError('bin edges must be a 1-D increasing sequence of at least two values.')
    return edges.astype(float)
