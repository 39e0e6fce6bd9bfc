"""HTTP requests to VizieR and CDS XMatch under one wall-clock deadline.

`requests` bounds each socket operation, not a whole answer: a server that
sends a few bytes every half second keeps a ``timeout=3`` request alive for
minutes. `http_request` streams the answer and gives up when the deadline
passes, however the bytes arrive. It never reads or writes a cache.
"""

import time
from dataclasses import dataclass

import requests
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from .exceptions import VizierError

__all__ = []

#: Bytes asked for per read of the answer.
_CHUNK = 65536


@dataclass(frozen=True)
class HTTPAnswer:
    """Status, reason and complete body of an answer."""

    status: int
    reason: str
    content: bytes


def new_session():
    """A `requests.Session` identifying lotss_tools (and astroquery, which builds the queries)."""
    from .cache import software_versions
    versions = software_versions()
    session = requests.Session()
    session.headers['User-Agent'] = (f'lotss_tools/{versions["lotss_tools"]} '
                                     f'astroquery/{versions["astroquery"]} '
                                     f'{requests.utils.default_user_agent()}')
    return session


def _limit_next_read(response, seconds):
    """Make the next socket read of ``response`` wait at most ``seconds``."""
    connection = getattr(response.raw, 'connection', None)
    sock = getattr(connection, 'sock', None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def http_request(session, method, url, *, catalog, timeout, deadline=None, service='VizieR',
                 **kwargs):
    """Send a request and read the whole answer before a wall-clock deadline.

    Parameters
    ----------
    session : `requests.Session`
    method, url : str
    catalog : str
        Catalogue named in the error messages.
    timeout : float
        Seconds allowed for the whole request: connecting, waiting and
        reading every byte of the answer.
    deadline : float, optional
        `time.monotonic` value by which the answer must be complete (for
        several requests sharing one budget); default now + ``timeout``.
    service : str
        Name used in the messages (``'VizieR'``, ``'XMatch'``).
    **kwargs
        Passed to `requests.Session.request` (``data``, ``files``, ``params``).

    Returns
    -------
    answer : `HTTPAnswer`
        Whatever the status; the caller decides what an HTTP error means.

    Raises
    ------
    VizierError
        Time-out or deadline passed, server unreachable, answer cut off.
    """
    if deadline is None:
        deadline = time.monotonic() + timeout
    advice = 'time-out; raise conf.timeout or pass timeout='
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise VizierError(catalog, url, f'no time left for {service} within {timeout:g} s '
                          f'({advice})')
    try:
        response = session.request(method, url, timeout=(remaining, remaining), stream=True,
                                    **kwargs)
    except requests.exceptions.Timeout:
        raise VizierError(catalog, url, f'no answer within {timeout:g} s ({advice})') from None
    except requests.exceptions.ConnectionError as err:
        raise VizierError(catalog, url, f'the {service} server is unreachable '
                          f'({_first_line(err)})') from None
    except requests.exceptions.RequestException as err:
        raise VizierError(catalog, url, f'the request failed ({_first_line(err)})') from None
    chunks, received = [], 0
    with response:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VizierError(catalog, url, f'the answer was not complete within '
                                  f'{timeout:g} s ({received} bytes received; {advice})')
            _limit_next_read(response, remaining)
            try:
                chunk = response.raw.read1(_CHUNK, decode_content=True)
            except ReadTimeoutError:
                raise VizierError(catalog, url, f'the answer was not complete within '
                                  f'{timeout:g} s ({received} bytes received; {advice})') from None
            except ProtocolError as err:
                raise VizierError(catalog, url, f'the answer was cut off after {received} '
                                  f'bytes ({_first_line(err)})') from None
            except (Urllib3Error, OSError) as err:
                raise VizierError(catalog, url, f'reading the answer failed after {received} '
                                  f'bytes ({_first_line(err)})') from None
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        return HTTPAnswer(response.status_code, response.reason or '', b''.join(chunks))


def _first_line(err):
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
