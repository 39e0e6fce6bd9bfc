"""How a catalogue was made: the checksum of its mosaic and the metadata every catalogue carries.

Every catalogue the package makes records, in its ``meta``, the estimator
that made it and all its settings, the package version, the mosaic (name,
file and SHA-256 checksum of its pixels and header) and the UTC date
(`provenance_meta`). The values are plain strings and numbers, so they
survive ECSV, FITS and VOTable files alike.
"""

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

__all__ = ['mosaic_checksum', 'file_sha256', 'provenance_meta']


def mosaic_checksum(mosaic):
    """SHA-256 (hex) of a mosaic's pixels, mask and FITS header.

    Two mosaics with the same checksum hold the same data and are described
    by the same header (WCS, beam, unit, other cards), so they give the same
    catalogue. The cost is one pass over the pixels (about 0.3 s for an
    8192 x 8192 mosaic).

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`

    Returns
    -------
    checksum : str
        64 hexadecimal digits.

    Examples
    --------
    >>> from lotss_tools.provenance import mosaic_checksum
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> a, _ = simulate_mosaic((64, 64), seed=1)
    >>> b, _ = simulate_mosaic((64, 64), seed=1)
    >>> mosaic_checksum(a) == mosaic_checksum(b), len(mosaic_checksum(a))
    (True, 64)
    """
    digest = hashlib.sha256()
    data = np.ascontiguousarray(mosaic.data)
    digest.update(f'{data.dtype.str}{data.shape}'.encode())
    digest.update(memoryview(data).cast('B'))
    if mosaic.mask is not None:
        digest.update(np.packbits(np.ascontiguousarray(mosaic.mask, bool)).tobytes())
    digest.update(mosaic.header.tostring().encode())
    return digest.hexdigest()


def file_sha256(path, chunk_size=1 << 20):
    """SHA-256 (hex) of a file's bytes, read in chunks (what was supplied, before any reading).

    About 1 s per GB. Used for the provenance of pinned catalogue files and
    for the survey's input and output fingerprints
    (`~lotss_tools.survey.file_fingerprint`).

    Parameters
    ----------
    path : str or `os.PathLike`
    chunk_size : int
        Bytes read at a time.

    Returns
    -------
    checksum : str
        64 hexadecimal digits.

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.provenance import file_sha256
    >>> path = tempfile.mkstemp()[1]
    >>> _ = open(path, 'wb').write(b'abc')
    >>> file_sha256(path)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        while block := stream.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def provenance_meta(mosaic, **estimators):
    """The ``meta`` entries that say how a catalogue of ``mosaic`` was made.

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
    **estimators
        Role -> estimator with ``describe_params`` (``extractor=...``).

    Returns
    -------
    meta : dict
        ``<role>`` (the estimator's repr), ``<role>_params`` (all its
        settings as a JSON string), ``lotss_tools_version``, ``mosaic``
        (name), ``mosaic_file`` (file name, empty for a mosaic made in
        memory), ``mosaic_sha256`` (`mosaic_checksum`) and ``date`` (UTC,
        ISO 8601). Only strings: every table format keeps them.
    """
    from . import __version__
    path = getattr(mosaic, 'path', None)
    meta = {}
    for role, estimator in estimators.items():
        meta[role] = repr(estimator)
        meta[f'{role}_params'] = json.dumps(estimator.describe_params(), sort_keys=True)
    meta.update(lotss_tools_version=str(__version__), mosaic=str(mosaic.name or ''),
                mosaic_file=Path(path).name if path else '',
                mosaic_sha256=mosaic_checksum(mosaic),
                date=datetime.now(timezone.utc).isoformat(timespec='seconds'))
    return meta
