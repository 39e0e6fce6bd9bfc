"""Confidence labels of training targets from a cross-match with a reference.

A source found both by the package's extraction and by an independent
reference catalogue (LoTSS DR2, made with PyBDSF) is a high-confidence
target; a source found by only one of them is less certain. The match is
`lotss_tools.crossmatch.match_one_to_one` (optimal, each row used at most once).
"""

import numpy as np
from astropy import units as u
from astropy.table import QTable

from ..crossmatch.assignment import match_one_to_one
from ..radii import MATCH_RADIUS

__all__ = ['LABELS', 'confidence_labels']

#: The confidence labels, from most to least certain; ``'unverified'`` is
#: used when no reference catalogue was given.
LABELS = ('both', 'catalog_only', 'reference_only', 'unverified')


def confidence_labels(catalog, reference=None, radius=MATCH_RADIUS):
    """Label every source of a catalogue and a reference by who found it.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        The package's catalogue (``sky_centroid`` or ``ra``/``dec``).
    reference : `~astropy.table.Table`, optional
        The reference catalogue. Without it every catalogue row is
        ``'unverified'``.
    radius : `~astropy.units.Quantity`
        Match radius (default one LoTSS beam, 6 arcsec; the research
        evaluated its catalogues at 12 arcsec).

    Returns
    -------
    labels : `~astropy.table.QTable`
        One row per catalogue row (in order, matched or not), then one per
        unmatched reference row, with columns:

        - ``label``: ``'both'``, ``'catalog_only'``, ``'reference_only'`` or
          ``'unverified'``;
        - ``catalog_index``, ``reference_index``: the rows (-1 for none);
        - ``separation``: of a matched pair (arcsec; NaN otherwise).

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> catalog = QTable({'ra': [10.0, 10.1] * u.deg, 'dec': [20.0, 20.0] * u.deg})
    >>> reference = QTable({'ra': [10.1003, 10.3] * u.deg, 'dec': [20.0, 20.0] * u.deg})
    >>> labels = confidence_labels(catalog, reference)
    >>> labels['label'].tolist()
    ['catalog_only', 'both', 'reference_only']
    >>> labels['catalog_index'].tolist(), labels['reference_index'].tolist()
    ([0, 1, -1], [-1, 0, 1])
    """
    n_catalog = len(catalog)
    if reference is None:
        return QTable({'label': np.array(['unverified'] * n_catalog, dtype='<U14'),
                       'catalog_index': np.arange(n_catalog),
                       'reference_index': np.full(n_catalog, -1),
                       'separation': np.full(n_catalog, np.nan) * u.arcsec})
    index_catalog, index_reference, separation = match_one_to_one(catalog, reference, radius)
    reference_of = np.full(n_catalog, -1)
    reference_of[index_catalog] = index_reference
    catalog_separation = np.full(n_catalog, np.nan)
    catalog_separation[index_catalog] = separation.to_value(u.arcsec)
    unmatched = np.setdiff1d(np.arange(len(reference)), index_reference)
    label = np.where(reference_of >= 0, 'both', 'catalog_only').astype('<U14')
    return QTable({
        'label': np.concatenate([label, np.full(unmatched.size, 'reference_only', '<U14')]),
        'catalog_index': np.concatenate([np.arange(n_catalog), np.full(unmatched.size, -1)]),
        'reference_index': np.concatenate([reference_of, unmatched]),
        'separation': np.concatenate([catalog_separation, np.full(unmatched.size, np.nan)])
        * u.arcsec})
