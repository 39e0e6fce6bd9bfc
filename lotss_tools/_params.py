"""The settings of an estimator: `ParamsMixin` gives ``get_params`` and ``__repr__``.

Estimators (``DendroExtractor``, ``CatalogCleaner``, ``CrossMatcher``,
``TrainingSetBuilder``, ``Pipeline``) hold their settings only, each in an attribute
named after its ``__init__`` parameter, as in scikit-learn and photutils.
The mixin reads them back by introspecting ``__init__``, so a repr, the
survey's parameter hash and each catalogue's ``meta`` describe an estimator
the same way.
"""

import functools
import inspect
import re
from pathlib import Path

import numpy as np
from astropy import units as u

__all__ = ['ParamsMixin', 'describe_value']


def describe_value(value):
    """A short, address-free, JSON-friendly description of a setting.

    Numbers, strings, booleans and None stay as they are; a Quantity
    becomes its string (``'6.0 arcsec'``); a function its name; a
    `functools.partial` its function and keywords; an estimator its class
    and its ``describe_params``; lists, tuples and dicts are described element by element.

    Examples
    --------
    >>> import functools
    >>> import astropy.units as u
    >>> from lotss_tools._params import describe_value
    >>> describe_value(functools.partial(round, ndigits=2))
    'round(ndigits=2)'
    >>> describe_value([6 * u.arcsec, None])
    ['6.0 arcsec', None]
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, u.Quantity):
        return value.to_string() if value.isscalar else [describe_value(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [describe_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe_value(v) for k, v in sorted(value.items())}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, functools.partial):
        args = [repr(describe_value(a)) for a in value.args]
        args += [f'{k}={describe_value(v)}' for k, v in value.keywords.items()]
        return f'{getattr(value.func, "__name__", repr(value.func))}({", ".join(args)})'
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return value.__name__
    if isinstance(value, ParamsMixin):
        return {'class': type(value).__name__, **value.describe_params()}
    return re.sub(r' at 0x[0-9a-fA-F]+', '', repr(value))


def _same(a, b):
    """Whether two settings are equal, for Quantities and arrays too."""
    try:
        equal = a == b
        return bool(np.all(equal)) if not isinstance(equal, bool) else equal
    except (TypeError, ValueError, u.UnitsError):
        return False


def _short(value):
    """A setting as it reads best in a repr: Quantities and functions described, others repr'd."""
    if isinstance(value, (u.Quantity, functools.partial)) or inspect.isfunction(value):
        return str(describe_value(value))
    return repr(value)


class ParamsMixin:
    """``get_params`` and ``__repr__`` for an estimator that stores each
    ``__init__`` parameter under its own name.

    ``_runtime_params`` names the settings that change how a result is
    computed but not the result (threads, progress bars); `describe_params`
    leaves them out, so that they do not change a survey's parameter hash.
    """

    _runtime_params = ()

    @classmethod
    def _param_defaults(cls):
        """``__init__`` parameter -> default, through subclasses that pass ``**kwargs`` on."""
        defaults = {}
        for klass in cls.__mro__:
            init = klass.__dict__.get('__init__')
            if init is None:
                continue
            if klass in (ParamsMixin, object):
                break
            parameters = inspect.signature(init).parameters.values()
            for p in parameters:
                if p.name != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    defaults.setdefault(p.name, p.default)
            if not any(p.kind == p.VAR_KEYWORD for p in parameters):
                break
        return defaults

    @classmethod
    def _param_names(cls):
        return list(cls._param_defaults())

    def get_params(self):
        """The settings of this estimator: ``__init__`` parameter name -> value.

        Returns
        -------
        params : dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def describe_params(self):
        """`get_params` as JSON-friendly values, without the runtime-only settings.

        This is what each catalogue's ``meta`` and the survey manifest record.
        """
        return {name: describe_value(value) for name, value in self.get_params().items()
                if name not in self._runtime_params}

    def with_params(self, **changes):
        """A new estimator with the same settings except ``changes``.

        Examples
        --------
        >>> from lotss_tools import DendroExtractor
        >>> DendroExtractor(min_npix=10).with_params(tile_size=512)
        DendroExtractor(min_npix=10, tile_size=512)
        """
        unknown = set(changes) - set(self._param_names())
        if unknown:
            raise TypeError(f'{type(self).__name__} has no setting {", ".join(sorted(unknown))}.')
        return type(self)(**{**self.get_params(), **changes})

    def __repr__(self):
        defaults = self._param_defaults()
        shown = [f'{name}={_short(value)}' for name, value in self.get_params().items()
                 if not _same(value, defaults[name])]
        return f'{type(self).__name__}({", ".join(shown)})'
