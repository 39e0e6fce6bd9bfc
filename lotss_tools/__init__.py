"""lotss_tools: source catalogues from LOFAR LoTSS mosaics that you can trust.

The pipeline is a chain of astropy-style classes: `Mosaic` (read an image),
`DendroExtractor` (find sources), `CatalogCleaner` (remove artifacts and
duplicates), `CrossMatcher` (compare with a reference such as LoTSS DR2);
`Pipeline` runs them in order.

The names below are imported when first used, so ``import lotss_tools`` is
quick and a script pays only for what it uses.
"""

import importlib

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - only without an installed package
    __version__ = '0.0.0'

#: Public name -> module that defines it (imported on first access).
_LAZY = {
    'Mosaic': 'mosaic',
    'DendroExtractor': 'extraction', 'Extraction': 'extraction',
    'CatalogCleaner': 'cleaning',
    'CrossMatcher': 'crossmatch', 'MatchResult': 'crossmatch',
    'chance_match_rate': 'crossmatch',
    'Pipeline': 'pipeline', 'PipelineResult': 'pipeline', 'score_against_truth': 'pipeline',
    'NoiseModel': 'noise', 'Footprint': 'footprint',
    'TrainingSet': 'training', 'TrainingSetBuilder': 'training',
    'LotssToolsError': 'exceptions', 'InvalidMosaicError': 'exceptions',
    'MissingBeamError': 'exceptions', 'MissingColumnError': 'exceptions',
    'NoiseModelMismatchError': 'exceptions', 'LotssToolsWarning': 'exceptions',
    'NoDetectionsWarning': 'exceptions', 'UndersampledBeamWarning': 'exceptions',
    'ThresholdBelowNoiseWarning': 'exceptions', 'SkippedStepWarning': 'exceptions',
    'DroppedRowsWarning': 'exceptions',
}

#: Subpackages and modules reachable as attributes (``lotss_tools.catalogs``).
_SUBMODULES = ('catalogs', 'cleaning', 'crossmatch', 'datasets', 'demo', 'exceptions',
               'extraction', 'footprint', 'io', 'mosaic', 'neighbours', 'noise', 'pipeline',
               'provenance', 'radii', 'schema', 'simulate', 'stats', 'survey', 'tiling',
               'training', 'visualization')

__all__ = sorted(_LAZY) + ['__version__']


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f'{__name__}.{_LAZY[name]}'), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
