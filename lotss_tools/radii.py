"""The beam-scale radii of the package, named once, each with its reason.

Every default radius of the package comes from here: the cross-matcher
(`~lotss_tools.crossmatch.CrossMatcher`, `~lotss_tools.crossmatch.match_one_to_one`,
``lotss-tools xmatch``), the pipeline and its truth scores, the cleaner's
duplicates, the merge of overlapping catalogues and the training-set labels.

=========================  ==========  ==============================================
name                       value       reason
=========================  ==========  ==============================================
`LOTSS_BEAM`               6 arcsec    FWHM of the LoTSS DR2 restoring beam
`MATCH_RADIUS`             6 arcsec    one beam FWHM: two detections of one source
                                       lie well within it (position errors are
                                       < 1 arcsec above SNR 5), and at the LoTSS DR2
                                       density (about 1000 sources per deg^2) a random
                                       position finds an unrelated source within it
                                       0.87% of the time
`RESEARCH_MATCH_RADIUS`    12 arcsec   the radius of the 2023 research evaluation
                                       against DR2; 3.4% chance matches at the DR2
                                       density, four times as many as at 6 arcsec.
                                       Pass it explicitly to reproduce the research.
`DUPLICATE_RADIUS`         2 arcsec    the cleaner's duplicates: a fainter source this
                                       close to a brighter one is a second detection
                                       of it (research 2023; 2024 used one beam)
`MERGE_RADIUS`             6 arcsec    copies of one source in overlapping tiles or
                                       mosaics, measured in different images: one beam
=========================  ==========  ==============================================

The chance-match rates are ``1 - exp(-density * pi * radius**2)``
(`~lotss_tools.crossmatch.expected_chance_match_rate`) for 1000 sources per
deg^2; `~lotss_tools.crossmatch.chance_match_rate` measures them on a real
footprint.
"""

import numpy as np
from astropy import units as u

__all__ = ['LOTSS_BEAM', 'MATCH_RADIUS', 'RESEARCH_MATCH_RADIUS', 'DUPLICATE_RADIUS',
           'MERGE_RADIUS', 'as_radius']

#: FWHM of the LoTSS DR2 restoring beam.
LOTSS_BEAM = 6 * u.arcsec
#: Default radius of every cross-match: one LoTSS beam FWHM.
MATCH_RADIUS = LOTSS_BEAM
#: Cross-match radius of the 2023 research evaluation against LoTSS DR2.
RESEARCH_MATCH_RADIUS = 12 * u.arcsec
#: Fainter sources closer than this to a brighter one are duplicates (research 2023).
DUPLICATE_RADIUS = 2 * u.arcsec
#: Largest separation of two copies of a source in overlapping tiles or mosaics.
MERGE_RADIUS = LOTSS_BEAM


def as_radius(radius, name='radius'):
    """A positive finite angle from a Quantity, a string (``'6arcsec'``) or a number (arcsec).

    Examples
    --------
    >>> from lotss_tools.radii import as_radius
    >>> as_radius('12arcsec'), as_radius(6)
    (<Quantity 12. arcsec>, <Quantity 6. arcsec>)
    """
    try:
        value = u.Quantity(radius, u.arcsec)
    except (TypeError, ValueError) as exc:
        raise ValueError(f'{name} must be an angle such as 6 * u.arcsec or "6arcsec", '
                         f'not {radius!r}.') from exc
    if value.ndim != 0 or not np.isfinite(value.value) or value.value <= 0:
        raise ValueError(f'{name} must be a single positive finite angle, not {radius!r}.')
    return value
