"""The cleaner's artifact rule from the image (``artifact_level``) and its fallback."""

import warnings

import numpy as np
import pytest
from astropy import units as u
from scipy import ndimage

from lotss_tools import CatalogCleaner, DendroExtractor, Mosaic
from lotss_tools.cleaning import REJECTION_REASONS, artifact_level
from lotss_tools.exceptions import NoiseModelMismatchError, SkippedStepWarning
from lotss_tools.noise import NoiseModel
from lotss_tools.schema import catalog_coordinates
from lotss_tools.simulate import simulate_mosaic

RMS = 1e-4                                  # Jy/beam
SIGMA = 6 / 1.5 / np.sqrt(8 * np.log(2))    # the 6 arcsec beam's sigma in 1.5 arcsec pixels
CENTER = (256, 256)
#: The faint real neighbour: 10 sigma, elongated and pointing at the bright
#: source from 160 pixels (4 arcmin), inside the catalogue-only rule's reach.
NEIGHBOUR = (256 + 160 * np.cos(np.radians(160)), 256 + 160 * np.sin(np.radians(160)))


def _blob(image, x, y, peak, sigma_x=SIGMA, angle=0.0):
    yy, xx = np.mgrid[:image.shape[0], :image.shape[1]]
    c, s = np.cos(angle), np.sin(angle)
    along, across = (xx - x) * c + (yy - y) * s, -(xx - x) * s + (yy - y) * c
    image += peak * np.exp(-0.5 * ((along / sigma_x) ** 2 + (across / SIGMA) ** 2))


def artifact_field(artifacts=True, negatives=True, seed=0):
    """512^2 pixels of correlated noise, a 0.5 Jy/beam source and the artifacts of a phase error.

    Six radial knots of 15 sigma at 30-80 pixels from the bright source, each
    with its negative twin across the source (the odd pattern of a phase
    error; ``negatives=False`` leaves the twins out), and a real 10 sigma
    neighbour 160 pixels away.
    """
    template, _ = simulate_mosaic((512, 512), seed=1, holes=False, blank_edges=False)
    noise = ndimage.gaussian_filter(np.random.default_rng(seed).normal(size=(512, 512)),
                                    SIGMA / np.sqrt(2))
    image = noise / noise.std() * RMS
    _blob(image, *CENTER, 0.5)
    if artifacts:
        for r, angle in zip((30, 40, 50, 60, 70, 80), np.radians([10, 70, 130, 200, 250, 320])):
            for sign in ((1, -1) if negatives else (1,)):
                _blob(image, CENTER[0] + sign * r * np.cos(angle),
                      CENTER[1] + sign * r * np.sin(angle), sign * 15 * RMS, 2.5 * SIGMA, angle)
    _blob(image, *NEIGHBOUR, 10 * RMS, 2 * SIGMA, np.radians(160))
    return Mosaic(image.astype(np.float32), wcs=template.wcs, unit=template.unit,
                  beam=template.beam, meta=template.meta, name='artifact-field')


@pytest.fixture(scope='module')
def field():
    mosaic = artifact_field()
    extraction = DendroExtractor().run(mosaic)
    return mosaic, extraction


def _roles(catalog):
    """Index of the bright source, of the neighbour, and mask of the knots."""
    x, y = np.asarray(catalog['x']), np.asarray(catalog['y'])
    bright = int(np.argmin(np.hypot(x - CENTER[0], y - CENTER[1])))
    neighbour = int(np.argmin(np.hypot(x - NEIGHBOUR[0], y - NEIGHBOUR[1])))
    knots = np.ones(len(catalog), bool)
    knots[[bright, neighbour]] = False
    return bright, neighbour, knots


def test_rejects_symmetric_artifacts_and_keeps_a_real_faint_neighbour(field):
    mosaic, extraction = field
    catalog = extraction.catalog
    bright, neighbour, knots = _roles(catalog)
    assert knots.sum() == 6
    with warnings.catch_warnings():
        warnings.simplefilter('error', SkippedStepWarning)     # nothing skipped with the image
        kept, rejected = CatalogCleaner().clean(catalog, mosaic=mosaic, noise=extraction.noise)
    ids = np.asarray(catalog['id'])
    assert set(kept['id']) == {ids[bright], ids[neighbour]}
    assert set(rejected['id']) == set(ids[knots])
    assert set(rejected['reason']) == {'artifact_level'}
    assert (rejected['rejected_by'] == -1).all()
    assert 'artifact_level' in REJECTION_REASONS
    assert kept.meta['artifact_rule'] == 'image' and kept.meta['skipped_tests'] == []


def test_measures_the_noise_itself_when_not_given(field):
    mosaic, extraction = field
    with_noise = CatalogCleaner().clean(extraction.catalog, mosaic=mosaic,
                                        noise=extraction.noise)[1]
    without = CatalogCleaner().clean(extraction.catalog, mosaic=mosaic)[1]
    assert without['id'].tolist() == with_noise['id'].tolist()


def test_without_the_image_falls_back_to_the_catalogue_rule_with_a_warning(field):
    mosaic, extraction = field
    catalog = extraction.catalog
    bright, neighbour, knots = _roles(catalog)
    with pytest.warns(SkippedStepWarning, match='no mosaic given'):
        kept, rejected = CatalogCleaner().clean(catalog)
    # The radial-streak rule also takes the elongated, radial real neighbour.
    assert kept['id'].tolist() == [catalog['id'][bright]]
    assert set(rejected['reason']) == {'near_bright'}
    assert set(rejected['rejected_by']) == {catalog['id'][bright]}
    assert kept.meta['skipped_tests'] == ['artifact_level']
    assert kept.meta['artifact_rule'] == 'catalog'


def test_without_peak_flux_the_image_test_is_skipped(field):
    mosaic, extraction = field
    catalog = extraction.catalog.copy()
    catalog.remove_column('peak_flux')
    with pytest.warns(SkippedStepWarning, match='artifact_level'):
        kept, rejected = CatalogCleaner().clean(catalog, mosaic=mosaic)
    assert set(rejected['reason']) == {'near_bright'}
    assert kept.meta['artifact_rule'] == 'catalog'


def test_one_signed_structure_is_not_an_artifact():
    """Knots without negative twins are as positive as real sources: the image rule keeps them."""
    mosaic = artifact_field(negatives=False)
    extraction = DendroExtractor().run(mosaic)
    kept, rejected = CatalogCleaner().clean(extraction.catalog, mosaic=mosaic,
                                            noise=extraction.noise)
    assert len(rejected) == 0 and len(kept) == 8


def test_near_bright_always_adds_the_catalogue_rule(field):
    mosaic, extraction = field
    cleaner = CatalogCleaner(near_bright='always')
    kept, rejected = cleaner.clean(extraction.catalog, mosaic=mosaic, noise=extraction.noise)
    reasons = dict(zip(rejected['id'].tolist(), rejected['reason'].tolist()))
    _, neighbour, _ = _roles(extraction.catalog)
    assert reasons[extraction.catalog['id'][neighbour]] == 'near_bright'
    assert set(reasons.values()) == {'artifact_level', 'near_bright'}
    assert kept.meta['artifact_rule'] == 'image+catalog'


def test_research_presets_ignore_the_image(field):
    mosaic, extraction = field
    for cleaner in (CatalogCleaner.research_2023(), CatalogCleaner.research_2024()):
        with warnings.catch_warnings():
            warnings.simplefilter('error', SkippedStepWarning)
            with_image = cleaner.clean(extraction.catalog, mosaic=mosaic)[1]
            without = cleaner.clean(extraction.catalog)[1]
        assert with_image['id'].tolist() == without['id'].tolist()
        assert 'artifact_level' not in set(with_image['reason'])


def test_a_noise_model_of_another_image_is_refused(field):
    mosaic, extraction = field
    other, _ = simulate_mosaic((256, 256), seed=2)
    with pytest.raises(NoiseModelMismatchError):
        CatalogCleaner().clean(extraction.catalog, mosaic=mosaic,
                               noise=NoiseModel.from_mosaic(other))


def test_artifact_level_is_the_negative_peak_around_each_position(field):
    mosaic, extraction = field
    catalog = extraction.catalog
    bright, neighbour, knots = _roles(catalog)
    level = artifact_level(mosaic, catalog_coordinates(catalog), noise=extraction.noise)
    # Each knot's twin (15 sigma) lies in the 16-beam box of some knot...
    assert np.all(level[knots] > 10)
    # ...and none near the neighbour, where the level is the noise's extreme.
    assert 2 < level[neighbour] < 5
    # A smaller box around the bright source misses the twins (30-80 px away).
    small = artifact_level(mosaic, catalog_coordinates(catalog[[bright]]), box=3 * u.arcsec)
    assert small[0] < 5
    # Off the image: NaN.
    far = catalog_coordinates(catalog[[0]]).directional_offset_by(0 * u.deg, 2 * u.deg)
    assert np.isnan(artifact_level(mosaic, far))


def test_invalid_image_settings():
    with pytest.raises(ValueError, match='artifact_margin'):
        CatalogCleaner(artifact_margin=0)
    with pytest.raises(ValueError, match='artifact_snr'):
        CatalogCleaner(artifact_snr=-1)
    with pytest.raises(ValueError, match='artifact_box'):
        CatalogCleaner(artifact_box='big')
    with pytest.raises(ValueError, match='artifact_box'):
        CatalogCleaner(artifact_box=3 * u.mJy)
    with pytest.raises(ValueError, match='near_bright'):
        CatalogCleaner(near_bright='sometimes')
