"""score_against_truth: scores against truth rows and against true sources (groups)."""

import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable

from lotss_tools import score_against_truth
from lotss_tools.crossmatch import assign_pairs

ARCSEC = 1 / 3600


def truth_table():
    """Three true sources: a point (group 0), a double (group 1: two lobes 40" apart), an
    artifact row (never a real source), all SNR 20."""
    ra = np.array([150.0, 150.1, 150.1, 150.2])
    dec = np.array([2.0, 2.0 - 20 * ARCSEC, 2.0 + 20 * ARCSEC, 2.0])
    return QTable({'ra': ra * u.deg, 'dec': dec * u.deg, 'group': [0, 1, 1, 2],
                   'total_flux': [2.0, 3.0, 1.0, 5.0] * u.mJy, 'snr': [20.0, 20.0, 20.0, 20.0],
                   'artifact': [False, False, False, True]})


def catalogue(ra, dec, flux):
    return QTable({'ra': np.asarray(ra) * u.deg, 'dec': np.asarray(dec) * u.deg,
                   'total_flux': np.asarray(flux) * u.mJy})


def test_components_level_counts_each_truth_row():
    truth = truth_table()
    found = catalogue([150.0, 150.1, 150.1], [2.0, 2.0 - 20 * ARCSEC, 2.0 + 20 * ARCSEC],
                      [2.0, 3.0, 1.0])
    score = score_against_truth(found, truth)
    assert (score.n_true, score.n_true_counted) == (3, 3)
    assert score.recall == 1.0 and score.precision == 1.0


def test_a_double_found_as_one_source_matches_at_source_level():
    """A source at the double's centroid (no truth row there) is the true source found."""
    truth = truth_table()
    centroid_dec = 2.0 - 10 * ARCSEC          # flux-weighted: 3 mJy at -20", 1 mJy at +20"
    found = catalogue([150.0, 150.1], [2.0, centroid_dec], [2.0, 4.0])
    rows = score_against_truth(found, truth)
    assert rows.recall == pytest.approx(1 / 3) and rows.precision == 0.5
    sources = score_against_truth(found, truth, level='sources')
    assert sources.n_true == 2 and sources.recall == 1.0 and sources.precision == 1.0
    assert sources.flux_ratio == pytest.approx(1.0)         # 4 mJy against the summed 4 mJy
    assert list(sources.match.reference['n_components']) == [1, 2]


def test_a_split_double_counts_one_false_detection_at_source_level():
    truth = truth_table()
    found = catalogue([150.0, 150.1, 150.1], [2.0, 2.0 - 20 * ARCSEC, 2.0 + 20 * ARCSEC],
                      [2.0, 3.0, 1.0])
    sources = score_against_truth(found, truth, level='sources')
    assert sources.recall == 1.0 and sources.precision == pytest.approx(2 / 3)


def test_source_level_uses_the_brightest_component_snr_and_needs_groups():
    truth = truth_table()
    truth['snr'] = [20.0, 3.0, 9.0, 20.0]           # the double counts through its 9-sigma lobe
    found = catalogue([150.0], [2.0], [2.0])
    sources = score_against_truth(found, truth, level='sources', min_snr=7)
    assert sources.n_true_counted == 2 and sources.recall == 0.5
    del truth['group']                              # no groups: rows are the sources
    assert score_against_truth(found, truth, level='sources').n_true == 3
    with pytest.raises(ValueError, match='level'):
        score_against_truth(found, truth, level='islands')


def test_interferometer_sky_doubles_score_better_as_sources():
    """On a sky with FR I/II groups the default source list recovers more true sources
    than truth rows (their lobes and cores sit apart from the source's centroid)."""
    from lotss_tools import Pipeline
    from lotss_tools.validation import simulate_interferometer_sky
    mosaic, truth = simulate_interferometer_sky((768, 768), seed=5)
    kept = Pipeline().run(mosaic).kept
    rows = score_against_truth(kept, truth, level='components')
    sources = score_against_truth(kept, truth, level='sources')
    assert sources.n_true < rows.n_true
    assert sources.recall >= rows.recall and sources.recall > 0.8


def test_assign_pairs_prefers_more_pairs():
    chosen = assign_pairs(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.1, 0.5, 0.2]),
                          2, 2)
    assert chosen.tolist() == [1, 2]
    assert assign_pairs(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.1, 0.5, 0.2]),
                        2, 2, method='nearest').tolist() == [0]
    assert assign_pairs([], [], [], 0, 0).size == 0
