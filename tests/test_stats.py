"""Tests of lotss_tools.stats: areas, source counts, unresolved sources, S_Code, summaries."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from lotss_tools import DendroExtractor
from lotss_tools.datasets import get_path
from lotss_tools.catalogs import (get_lotss_dr2, load_catalog, normalise_catalog,
                                  sample_catalog_path)
from lotss_tools.crossmatch import match_one_to_one
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.stats import (DR2_ENVELOPE, catalog_summary, cone_area, flux_bins,
                               is_unresolved, resolved_envelope, s_code_fractions,
                               signal_to_noise, source_counts, survey_area,
                               unresolved_fraction)

from .catalog_fixtures import *  # noqa: F401,F403
from .vizier_server import SAMPLE_CENTER


@pytest.fixture(scope='module')
def sample():
    return load_catalog(sample_catalog_path())


def euclidean_population(n, low=1.0, high=1000.0, seed=0):
    """Fluxes (mJy) drawn from dN/dS ~ S**-2.5 between low and high: flat Euclidean counts."""
    rng = np.random.default_rng(seed)
    a, b = low ** -1.5, high ** -1.5
    return (a - rng.random(n) * (a - b)) ** (-1 / 1.5) * u.mJy


# ------------------------------------------------------------------ areas
def test_cone_area_is_a_spherical_cap():
    assert u.isclose(cone_area(90 * u.deg), 2 * np.pi * u.sr)
    assert u.isclose(cone_area(1 * u.arcmin), np.pi * (1 / 60) ** 2 * u.deg ** 2, rtol=1e-6)
    with pytest.raises(ValueError, match='between 0 and 180'):
        cone_area(-1 * u.deg)
    with pytest.raises(u.UnitsError, match='angle'):
        cone_area(3 * u.mJy)


def test_survey_area_from_solid_angle_mosaic_and_provenance():
    assert survey_area(1e-3 * u.sr).unit == u.deg ** 2
    with pytest.raises(ValueError, match='cone_area'):
        survey_area(2 * u.deg)
    mosaic, _ = simulate_mosaic((300, 200), seed=1, holes=False, blank_edges=False)
    full = (300 * 200 * (1.5 * u.arcsec) ** 2).to(u.deg ** 2)
    assert u.isclose(survey_area(mosaic), full, rtol=1e-3)
    holed, _ = simulate_mosaic((300, 200), seed=1)          # holes and blank edges
    assert survey_area(holed) < 0.99 * full
    table = QTable({'total_flux': [1.0] * u.mJy},
                   meta={'provenance': {'query_radius_arcsec': 1800.0}})
    assert u.isclose(survey_area(table), cone_area(0.5 * u.deg))
    with pytest.raises(ValueError, match='no query cone'):
        survey_area(QTable({'total_flux': [1.0] * u.mJy}))
    table.meta['provenance']['selection'] = 'rows on finite pixels of mosaic P1'
    with pytest.raises(ValueError, match='mosaic'):
        survey_area(table)
    with pytest.raises(TypeError, match='list'):
        survey_area([1, 2])


# ------------------------------------------------------------------ counts
def test_flux_bins():
    edges = flux_bins([0.5, 3.0] * u.mJy)
    assert np.allclose(np.log10(edges.value), np.arange(-0.4, 0.61, 0.2))
    assert edges[0] <= 0.5 * u.mJy and edges[-1] >= 3 * u.mJy
    assert len(flux_bins([0.5, 3.0] * u.mJy, 4)) == 5
    assert flux_bins([1.0, 2.0] * u.Jy, 2)[0] == 1000 * u.mJy
    assert len(flux_bins([np.nan, -1.0] * u.mJy)) == 0
    for bad in ([1, 0.5] * u.mJy, [1, 2] * u.arcsec, 'auto', 0):
        with pytest.raises(ValueError):
            flux_bins([1.0] * u.mJy, bad)


def test_euclidean_population_has_flat_euclidean_counts():
    flux = euclidean_population(20000)
    area = 2 * u.deg ** 2
    counts = source_counts(QTable({'total_flux': flux}), area, bins=[1, 10, 100, 1000] * u.mJy)
    assert counts['n_sources'].sum() == 20000
    assert counts['euclidean_counts'].unit == u.Jy ** 1.5 / u.sr
    width = counts['flux_high'] - counts['flux_low']
    assert u.allclose(counts['dn_ds'] * width * area, counts['n_sources'] * u.one)
    assert u.allclose(counts['density'], counts['n_sources'] / area)
    # A flat Euclidean population: S^2.5 dN/dS is the same in every bin (to ~10%
    # from the geometric bin centre and the Poisson noise of the bright bin).
    euclid = counts['euclidean_counts'].value
    assert np.ptp(euclid[:2]) / euclid.mean() < 0.05
    assert np.all(counts['euclidean_counts_low'] < counts['euclidean_counts'])
    assert np.all(counts['euclidean_counts_high'] > counts['euclidean_counts'])


def test_counts_of_a_dr2_query_take_the_area_from_the_provenance(local_vizier):
    radius = 20 * u.arcmin
    dr2 = get_lotss_dr2(SAMPLE_CENTER, radius)
    counts = source_counts(dr2)
    assert u.isclose(counts.meta['area'], cone_area(radius))
    assert counts['n_sources'].sum() + counts.meta['n_invalid'] == len(dr2)
    assert counts.meta['n_outside'] == 0
    peak = source_counts(dr2, flux_column='peak_flux')
    assert peak['n_sources'].sum() == counts['n_sources'].sum()


def test_counts_of_the_pinned_sample_need_an_area(sample):
    dr2 = get_lotss_dr2(SkyCoord(200.0, 45.0, unit='deg'), 20 * u.arcmin,
                        pinned=sample_catalog_path())
    with pytest.raises(ValueError, match='area='):
        source_counts(dr2)
    counts = source_counts(dr2, cone_area(20 * u.arcmin), bins=5)
    assert counts['n_sources'].sum() == len(dr2)


def test_counts_edge_cases(sample):
    empty = source_counts(sample[:0], 1 * u.deg ** 2)
    assert len(empty) == 0 and 'euclidean_counts' in empty.colnames
    given = source_counts(sample[:0], 1 * u.deg ** 2, bins=[1, 10] * u.mJy)
    assert given['n_sources'].tolist() == [0] and given['euclidean_counts_high'][0] > 0
    release = source_counts(Table({'Total_flux': [1.0]}), 1 * u.deg ** 2)  # survey name
    assert release['n_sources'].sum() == 1
    with pytest.raises(ValueError, match='does not convert'):
        source_counts(QTable({'total_flux': [1.0] * u.arcsec}), 1 * u.deg ** 2)
    bad = QTable({'total_flux': [1.0, np.nan, -2.0, 50.0] * u.mJy})
    counts = source_counts(bad, 1 * u.deg ** 2, bins=[0.5, 5] * u.mJy)
    assert counts['n_sources'].tolist() == [1]
    assert counts.meta['n_invalid'] == 2 and counts.meta['n_outside'] == 1
    no_units = Table({'total_flux': [0.001, 0.002]})            # taken as mJy, the schema unit
    assert source_counts(no_units, 1 * u.deg ** 2)['flux_low'][0] <= 0.001 * u.mJy


# ------------------------------------------------------- unresolved sources
def test_resolved_envelope_limits():
    a, b, snr0, power = DR2_ENVELOPE
    assert resolved_envelope(1e9) == pytest.approx(a)
    assert resolved_envelope(0.0) == pytest.approx(a + b)
    assert resolved_envelope(snr0) == pytest.approx(a + b / 2)
    assert np.isnan(resolved_envelope(-3.0))


def test_is_unresolved_follows_the_envelope():
    ratio = np.array([1.0, 1.4, 1.6, 3.0, 4.0, 5.0])
    snr = np.array([1000, 1000, 1000, 5, 5, 5])
    table = QTable({'total_flux': ratio * u.mJy, 'peak_flux': np.ones(6) * u.mJy / u.beam,
                    'snr': snr})
    # ln(1.52) = 0.42 at high SNR, ln(4.48) = 1.5 at low SNR.
    assert is_unresolved(table).tolist() == [True, True, False, True, True, False]
    assert unresolved_fraction(table) == pytest.approx(4 / 6)
    table['local_rms'] = 1 / snr * u.mJy / u.beam         # the same SNR from the noise
    assert is_unresolved(table).tolist() == [True, True, False, True, True, False]
    table['total_flux_err'] = table['total_flux'] / 2      # SNR 2: all but the widest
    assert is_unresolved(table, snr='total').tolist() == [True] * 5 + [False]


def test_is_unresolved_masks_what_it_cannot_tell_and_asks_for_rms(sample):
    table = QTable({'total_flux': [1.0, np.nan, 1.0] * u.mJy,
                    'peak_flux': [1.0, 1.0, 0.0] * u.mJy / u.beam,
                    'local_rms': [0.1, 0.1, 0.1] * u.mJy / u.beam})
    flags = is_unresolved(table)
    assert flags.mask.tolist() == [False, True, True]
    with pytest.raises(ValueError, match='rms='):
        is_unresolved(sample)                         # the sky model has no noise
    flags = is_unresolved(sample, rms=83 * u.uJy / u.beam)
    assert not np.any(flags.mask)
    assert 0.8 < flags.mean() < 0.95
    with pytest.raises(ValueError, match='local_rms'):
        is_unresolved(QTable({'total_flux': [1.0] * u.mJy, 'peak_flux': [1.0] * u.mJy / u.beam}))
    with pytest.raises(ValueError, match="'peak', 'total'"):
        signal_to_noise(table, 'median')
    with pytest.raises(ValueError, match='Jy/beam'):
        signal_to_noise(table, rms=3 * u.arcsec)


def test_extracted_point_sources_are_unresolved():
    mosaic, truth = simulate_mosaic((1536, 1536), seed=4)
    catalog = DendroExtractor().extract(mosaic)
    truth = truth[~truth['artifact'] & truth['in_footprint']]
    index_catalog, index_truth, _ = match_one_to_one(catalog, truth, 6 * u.arcsec)
    flags = is_unresolved(catalog)
    point = ~truth['resolved'][index_truth]
    assert point.sum() > 200
    assert flags[index_catalog][point].mean() > 0.95
    summary = catalog_summary(catalog, mosaic)
    assert summary['unresolved_fraction'][0] == pytest.approx(flags.mean())
    assert u.isclose(summary.meta['area'], survey_area(mosaic))


# ------------------------------------------------------------------ S_Code
def test_s_code_fractions_of_a_dr2_query(local_vizier):
    dr2 = get_lotss_dr2(SAMPLE_CENTER, 15 * u.arcmin)
    table = s_code_fractions(dr2)
    assert table['s_code'][:3].tolist() == ['S', 'C', 'M']
    codes, n = np.unique(dr2['s_code'], return_counts=True)
    found = table[table['n_sources'] > 0]
    assert dict(zip(found['s_code'], found['n_sources'])) == dict(zip(codes, n))
    assert len(found) >= 2
    assert table['fraction'].sum() == pytest.approx(1.0)
    assert table.meta['n_without_code'] == 0


def test_s_code_fractions_of_a_release_file_and_of_tables_without_codes(sample):
    dr1 = normalise_catalog(QTable.read(get_path('lotss-dr1-sources')))
    table = s_code_fractions(dr1)
    assert table['n_sources'].tolist() == [len(dr1), 0, 0]
    assert table['fraction'].tolist() == [1.0, 0.0, 0.0]
    none = s_code_fractions(sample)                 # masked codes
    assert np.all(np.isnan(none['fraction'])) and none.meta['n_without_code'] == len(sample)
    assert s_code_fractions(QTable({'ra': [1.0] * u.deg})).meta['n_without_code'] == 1


# ----------------------------------------------------------------- summary
def test_catalog_summary_by_s_code(local_vizier):
    radius = 25 * u.arcmin
    dr2 = get_lotss_dr2(SAMPLE_CENTER, radius)
    summary = catalog_summary(dr2, by='s_code')
    assert summary['group'][0] == 'all' and summary['n_sources'][0] == len(dr2)
    assert summary['n_sources'][1:].sum() == len(dr2)
    assert summary['fraction'][1:].sum() == pytest.approx(1.0)
    assert u.isclose(summary['density'][0], len(dr2) / cone_area(radius))
    assert u.isclose(summary['median_major_fwhm'][0], np.median(dr2['major_fwhm']))
    multi = summary[summary['group'] == 'M']
    assert u.isclose(multi['median_total_flux'][0],
                     np.median(dr2['total_flux'][dr2['s_code'] == 'M']))
    assert summary['median_local_rms'].unit == u.mJy / u.beam
    assert np.all((summary['unresolved_fraction'] >= 0) & (summary['unresolved_fraction'] <= 1))


def test_catalog_summary_without_area_or_columns():
    table = QTable({'total_flux': [1.0, 2.0, 4.0] * u.mJy})
    summary = catalog_summary(table)
    assert np.isnan(summary['density'][0]) and summary['density'].unit == u.deg ** -2
    assert summary['median_total_flux'][0] == 2 * u.mJy
    assert np.isnan(summary['median_major_fwhm'][0])
    assert summary['median_major_fwhm'].unit == u.arcsec
    assert np.isnan(summary['unresolved_fraction'][0])
    with pytest.raises(ValueError, match="no 's_code' column"):
        catalog_summary(table, by='s_code')
    empty = catalog_summary(table[:0], 1 * u.deg ** 2)
    assert empty['n_sources'][0] == 0 and np.isnan(empty['median_total_flux'][0])
