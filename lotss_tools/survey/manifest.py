"""The survey manifest: one record per mosaic, rewritten atomically after each mosaic.

The manifest is a JSON file (``manifest.json`` in the survey's output
folder). Only the process that drives the survey (and holds its
`~lotss_tools.survey.SurveyLock`) writes it, through
`lotss_tools.io.atomic_path`, so a killed run leaves either the previous or
the new version, never a truncated file.

A mosaic is *done* when its record says so, with the parameters of this
run, and both its input file and its output files still match the
fingerprints recorded when it was processed (`Manifest.why_not_done`,
`~lotss_tools.survey.fingerprint.check_fingerprint`). A resumed run skips
the mosaics that are done and processes the others again, saying why
(`NOT_DONE_REASONS`).
"""

import hashlib
import json
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import QTable

from .._params import describe_value
from ..io import atomic_path
from .fingerprint import check_fingerprint

__all__ = ['Manifest', 'MANIFEST_COLUMNS', 'NOT_DONE_REASONS', 'describe_parameters',
           'parameters_hash']

#: Name and version of the manifest format, written in the file. Version 2 adds the
#: fingerprints of each mosaic's input and outputs, and the record of the last merge.
MANIFEST_FORMAT = 'lotss_tools survey manifest'
MANIFEST_VERSION = 2

#: Why a mosaic is processed (again): key -> explanation (`Manifest.why_not_done`).
NOT_DONE_REASONS = {
    'new': 'not processed before',
    'failed': 'failed before',
    'parameters': 'processed before with other parameters',
    'input-changed': 'its input file changed since it was processed (other checksum)',
    'input-missing': 'its input file is missing',
    'input-unknown': 'no fingerprint of its input was recorded (manifest of an older version)',
    'outputs': 'its output files are missing or were changed since it was processed',
    'no-resume': 'resume=False: every mosaic is processed',
}

#: Columns of `Manifest.table`: name -> (unit or None, description).
MANIFEST_COLUMNS = {
    'mosaic': (None, 'name of the mosaic (file name without .fits)'),
    'status': (None, "'done' or 'failed'"),
    'n_detected': (None, 'sources found by the extractor'),
    'n_kept': (None, 'sources kept by the cleaner (rows of the catalogue file)'),
    'n_rejected': (None, 'sources rejected by the cleaner (rows of the rejected file)'),
    'n_reference': (None, 'reference sources on the valid pixels of the mosaic '
                          '(-1: no reference)'),
    'n_matched': (None, 'reference sources on the valid pixels matched one-to-one with a '
                        'kept source (-1: no reference)'),
    'recall': (None, 'n_matched / n_reference (NaN without a reference)'),
    'precision': (None, 'n_matched / n_kept (NaN without a reference)'),
    'f1': (None, 'harmonic mean of recall and precision (NaN without a reference)'),
    'n_tiles': (None, 'tiles the extractor processed the mosaic in (1: the whole mosaic at '
                      'once)'),
    'time': (u.s, 'wall-clock time of the mosaic, all its tasks added'),
    'worker_max_rss': (u.MiB, 'largest resident memory of the worker process so far '
                              '(getrusage ru_maxrss)'),
    'worker': (None, 'the Dask worker (or process) that ran the mosaic'),
    'finished': (None, 'UTC time at which the mosaic finished (ISO 8601)'),
    'error': (None, 'why the mosaic failed (exception type and message); empty when done'),
    'path': (None, 'the mosaic file'),
    'catalog': (None, 'catalogue of kept sources, relative to the output folder'),
    'rejected': (None, 'rejected sources, relative to the output folder'),
    'footprint': (None, 'valid-pixel mask of the mosaic (FITS), relative to the output folder'),
    'parameters_hash': (None, 'SHA-256 of the parameters (extractor, cleaner, reference, '
                              'matcher, tiling) the mosaic was processed with'),
    'input_size': (u.byte, 'size of the input file when it was processed (-1: unknown)'),
    'input_sha256': (None, 'SHA-256 of the input file\'s bytes when it was processed'),
    'n_negative': (None, 'kept detections on the negated image, SNR >= 5 (-1: not measured; '
                         'run_survey(false_detections=True))'),
    'false_detection_fraction': (None, 'n_negative / kept detections with SNR >= 5 (NaN: not '
                                       'measured)'),
}


def _group_reasons(reasons):
    """Reason -> mosaics, for the mosaics done before that are processed again."""
    grouped = {}
    for name, reason in reasons.items():
        if reason not in ('new', 'failed', 'no-resume'):
            grouped.setdefault(reason, []).append(name)
    return grouped


def describe_parameters(**objects):
    """Describe the objects of a survey run as a JSON-friendly dict.

    An estimator of the package is described by its class and its settings
    (``describe_params``: every ``__init__`` parameter, without those that
    only change how fast it runs, such as ``n_jobs``); another object with
    its own ``__repr__`` by it (memory addresses removed), others by their
    class and public attributes. Two runs with equal descriptions compute
    the same catalogues.

    Parameters
    ----------
    **objects
        Name -> object (extractor, cleaner, matcher, reference description...).

    Returns
    -------
    parameters : dict

    Examples
    --------
    >>> from lotss_tools import DendroExtractor
    >>> from lotss_tools.survey.manifest import describe_parameters
    >>> parameters = describe_parameters(extractor=DendroExtractor(min_value=3.0))
    >>> parameters['extractor']['class']
    'lotss_tools.extraction.extractor.DendroExtractor'
    >>> parameters['extractor']['min_value']
    3.0
    """
    described = {}
    for name, obj in objects.items():
        cls = type(obj)
        if obj is None or isinstance(obj, (bool, int, float, str, u.Quantity, Path, list, tuple,
                                           dict)):
            described[name] = describe_value(obj)
        elif callable(getattr(obj, 'describe_params', None)):
            described[name] = {'class': f'{cls.__module__}.{cls.__qualname__}',
                               **obj.describe_params()}
        elif cls.__repr__ is not object.__repr__:
            described[name] = {'class': f'{cls.__module__}.{cls.__qualname__}',
                               'repr': describe_value(obj)}
        else:
            attributes = {k: describe_value(v) for k, v in sorted(vars(obj).items())
                          if not k.startswith('_') and not k.endswith('_')}
            described[name] = {'class': f'{cls.__module__}.{cls.__qualname__}', **attributes}
    return described


def parameters_hash(parameters):
    """SHA-256 (hex) of a parameters dict from `describe_parameters`.

    Examples
    --------
    >>> from lotss_tools.survey import parameters_hash
    >>> parameters_hash({'a': 1, 'b': [2, 3]}) == parameters_hash({'b': [2, 3], 'a': 1})
    True
    """
    text = json.dumps(parameters, sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(text.encode()).hexdigest()


class Manifest:
    """The per-mosaic records of a survey, kept in a JSON file.

    Parameters
    ----------
    path : str or `os.PathLike`
        The JSON file. It is read if it exists (see `load`) and written by
        `record`.

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.survey import Manifest
    >>> folder = tempfile.mkdtemp()
    >>> manifest = Manifest(f'{folder}/manifest.json')
    >>> manifest.record({'mosaic': 'P1', 'status': 'failed', 'error': 'MissingBeamError: ...'})
    >>> Manifest.load(f'{folder}/manifest.json').records['P1']['status']
    'failed'
    >>> manifest.table()['status'].tolist()
    ['failed']
    """

    def __init__(self, path, records=None, merged=None):
        self.path = Path(path)
        self.records = dict(records or {})
        #: What the last merge of the survey catalogue was made from (or None).
        self.merged = merged

    @classmethod
    def load(cls, path):
        """Read a manifest file; a missing file gives an empty manifest.

        Raises
        ------
        ValueError
            If the file is not a survey manifest (the message names it).
        """
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            content = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f'{path}: cannot read the survey manifest ({exc}); remove it or '
                             f'pass resume=False to start again.') from exc
        if not isinstance(content, dict) or content.get('format') != MANIFEST_FORMAT:
            raise ValueError(f'{path}: is not a lotss_tools survey manifest.')
        version = content.get('version')
        if not isinstance(version, int) or version > MANIFEST_VERSION:
            raise ValueError(f'{path}: survey manifest version {version!r} is newer than this '
                             f'lotss_tools reads ({MANIFEST_VERSION}); upgrade lotss_tools.')
        return cls(path, content.get('mosaics', {}), content.get('merged'))

    def record(self, record):
        """Add or replace the record of one mosaic and rewrite the file atomically."""
        self.records[record['mosaic']] = dict(record)
        self.save()

    def save(self):
        """Write the manifest atomically."""
        content = {'format': MANIFEST_FORMAT, 'version': MANIFEST_VERSION,
                   'mosaics': {k: self.records[k] for k in sorted(self.records)},
                   'merged': self.merged}
        text = json.dumps(content, indent=1, sort_keys=True, default=describe_value)
        with atomic_path(self.path, overwrite=True) as tmp:
            tmp.write_text(text + '\n')
        return self.path

    def why_not_done(self, mosaic, path, parameters_hash, output_dir):
        """Why ``mosaic`` must be processed (again), or None if it is done.

        A mosaic is done when its record has status ``'done'`` and
        ``parameters_hash``, its input file ``path`` still matches the
        recorded fingerprint and so does each of its output files in
        ``output_dir``. A file whose size and times are as recorded is not
        read; one whose size is the same but times moved is hashed again,
        and if its checksum is unchanged the record takes its new
        fingerprint (call `save` to keep it).

        Parameters
        ----------
        mosaic : str
            Its name in the survey.
        path : str or `os.PathLike`
            Its input file in this run.
        parameters_hash : str
            The parameters of this run (`parameters_hash`).
        output_dir : str or `os.PathLike`
            The survey's output folder.

        Returns
        -------
        reason : str or None
            A key of `NOT_DONE_REASONS`, or None.
        """
        record = self.records.get(mosaic)
        if not record:
            return 'new'
        if record.get('status') != 'done':
            return 'failed'
        if record.get('parameters_hash') != parameters_hash:
            return 'parameters'
        state, current = check_fingerprint(path, record.get('input'))
        if state in ('unknown', 'missing', 'changed'):
            return {'unknown': 'input-unknown', 'missing': 'input-missing',
                    'changed': 'input-changed'}[state]
        if current is not None:
            record['input'] = current
        outputs = record.get('outputs') or {}
        for name in ('catalog', 'rejected', 'footprint'):
            if not record.get(name):
                return 'outputs'
            state, current = check_fingerprint(Path(output_dir) / record[name], outputs.get(name))
            if state not in ('unchanged', 'same-content'):
                return 'outputs'
            if current is not None:
                outputs[name] = current
        return None

    def table(self, mosaics=None):
        """The records as a `~astropy.table.QTable` (columns `MANIFEST_COLUMNS`).

        Parameters
        ----------
        mosaics : sequence of str, optional
            Only these mosaics, in this order (default: all, sorted).
        """
        names = sorted(self.records) if mosaics is None else [m for m in mosaics
                                                              if m in self.records]
        rows = [self.records[name] for name in names]
        table = QTable()
        for column, (unit, description) in MANIFEST_COLUMNS.items():
            if column.startswith('input_'):
                values = [(row.get('input') or {}).get(column[len('input_'):]) for row in rows]
            else:
                values = [row.get(column) for row in rows]
            if column in ('recall', 'precision', 'f1', 'time', 'worker_max_rss',
                          'false_detection_fraction'):
                data = np.array([np.nan if v is None else float(v) for v in values])
            elif column.startswith('n_') or column == 'input_size':
                default = 1 if column == 'n_tiles' else -1
                data = np.array([default if v is None else int(v) for v in values], dtype=int)
            else:
                data = np.array(['' if v is None else str(v) for v in values], dtype=str)
                if data.size == 0:
                    data = data.astype('U1')
            table[column] = data * unit if unit is not None else data
            table[column].info.description = description
        return table

    def __len__(self):
        return len(self.records)

    def __repr__(self):
        done = sum(r.get('status') == 'done' for r in self.records.values())
        return f'<Manifest {self.path}: {done} done, {len(self.records) - done} failed>'
