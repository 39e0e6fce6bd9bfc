"""Tests of the shared estimator conventions: settings only, get_params, repr, with_params."""

import functools

import pytest
from astropy import units as u

from lotss_tools import CatalogCleaner, CrossMatcher, DendroExtractor, Pipeline
from lotss_tools._params import describe_value
from lotss_tools.survey.manifest import describe_parameters, parameters_hash
from lotss_tools.training import TrainingSetBuilder

ESTIMATORS = (DendroExtractor, CatalogCleaner, CrossMatcher, TrainingSetBuilder, Pipeline)


@pytest.mark.parametrize('cls', ESTIMATORS)
def test_every_estimator_shares_get_params_and_repr(cls):
    default = cls()
    params = default.get_params()
    assert list(params) == cls._param_names()
    if cls is Pipeline:           # its parts are shown: they are what it runs
        assert repr(default) == ('Pipeline(extractor=DendroExtractor(), '
                                 'cleaner=CatalogCleaner(), matcher=CrossMatcher())')
    else:
        assert repr(default) == f'{cls.__name__}()'
    assert repr(cls(**params)) == repr(default)               # settings round-trip
    assert describe_parameters(x=default)['x']['class'].endswith(cls.__name__)


def test_repr_shows_the_changed_settings():
    assert repr(DendroExtractor(min_npix=10, tile_size=512)) == \
        'DendroExtractor(min_npix=10, tile_size=512)'
    assert repr(CrossMatcher(radius=12)) == 'CrossMatcher(radius=12.0 arcsec)'
    assert 'rejection_radius=rejection_radius(r2=600.0 arcsec' in repr(
        CatalogCleaner.research_2023())
    assert repr(Pipeline(DendroExtractor.research_2023())).startswith(
        'Pipeline(extractor=DendroExtractor(threshold=')
    assert describe_value(functools.partial(round, ndigits=2)) == 'round(ndigits=2)'
    with pytest.raises(TypeError, match='no setting colour'):
        DendroExtractor().with_params(colour='red')


def test_manifest_hash_follows_settings_not_threads():
    base = parameters_hash(describe_parameters(extractor=DendroExtractor()))
    assert parameters_hash(describe_parameters(extractor=DendroExtractor(n_jobs=2,
                                                                         progress=True))) == base
    assert parameters_hash(describe_parameters(extractor=DendroExtractor(min_npix=9))) != base
    cleaner = describe_parameters(cleaner=CatalogCleaner(duplicate_radius=3 * u.arcsec))
    assert cleaner['cleaner']['duplicate_radius'] == '3.0 arcsec'


def test_training_builder_takes_keywords_only():
    with pytest.raises(TypeError):
        TrainingSetBuilder(128, 112)
    builder = TrainingSetBuilder(patch_size=128, patch_shift=112)
    assert builder.get_params()['patch_size'] == 128
