"""A local VizieR look-alike on 127.0.0.1 for offline tests of lotss_tools.catalogs.

It answers what astroquery sends: the VizieR cone query (POST or GET on
``/viz-bin/votable`` with ``-source``, ``-c``, ``-c.rs|rm|rd``, ``-out``,
``-out.max``) with a VOTable in VizieR's layout (a RESOURCE named after the
catalogue, a TABLE named after the table, FIELDs with VizieR's labels and
units, INFO warnings), and the CDS XMatch API (``/xmatch/api/v1/sync``: upload
of a CSV table matched against a served catalogue; ``.../tables``: the list of
tables).

Served tables
-------------
``J/A+A/659/A1/catalog``
    The 1,348 real LoTSS DR2 rows of ``tests/data/lotss-dr2-sample.sky``
    (name, position, total flux, deconvolved axes, orientation) under the
    VizieR labels of J/A+A/659/A1 (``Source``, ``RAJ2000``, ``DEJ2000``,
    ``Speak``, ``SpeakTot``, ``Maj``, ``Min``, ``DCMaj``, ``DCMin``, ``PA``,
    ``Islrms``, ``SCode``, ``Mosaic`` and errors). Convolved sizes and peaks
    follow from the 6 arcsec beam; ``Islrms``, the errors, ``SCode`` and
    ``Mosaic`` are not in the sky model and are made up (deterministic).
``II/328/allwise`` and ``VII/292/north``
    Synthetic: a uniform field (``ALLWISE_DENSITY``, ``DESI_DENSITY``) plus
    counterparts of some DR2 rows at known offsets (``COUNTERPARTS``).

Behaviours (``server.behaviour``): ``'normal'``, ``'timeout'`` (sleeps
``server.delay`` s before answering), ``'http500'``, ``'empty'`` (a valid
VOTable with a zero-row table), ``'error'`` (VizieR's ``INFO name="Error"``
answer), ``'garbage'`` (an HTML page), ``'wrong_table'`` (a well-formed answer
about another served table, as a misconfigured mirror or proxy could send),
``'trickle'`` (the correct answer, ``server.trickle_bytes`` bytes every
``server.trickle_interval`` s: each read is quick, the whole answer is not),
``'overflow'`` (at most 5 rows whatever ``-out.max`` says, with VizieR's
"truncated" warning).
Every request is recorded in ``server.requests``.
"""

import http.server
import io
import re
import ssl
import threading
import urllib.parse
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import ascii
from astropy.io.votable.tree import Info, Resource, TableElement, VOTableFile
from astropy.table import Table

from lotss_tools.catalogs.skymodel import read_skymodel
from lotss_tools.io import votable_to_xml

__all__ = ['VizierTestServer', 'make_test_certificate', 'lotss_dr2_rows', 'survey_rows',
           'COUNTERPARTS', 'SAMPLE_CENTER']

DATA_DIR = Path(__file__).parent / 'data'
SAMPLE_CENTER = SkyCoord(200.0188 * u.deg, 44.9928 * u.deg)
ALLWISE_DENSITY = 1.4e4 / u.deg ** 2
DESI_DENSITY = 2.0e4 / u.deg ** 2
FIELD_RADIUS = 0.6 * u.deg
#: For DR2 rows i % 10 == k: which counterparts are planted, at which offsets
#: (arcsec, towards north). 0: AllWISE at 2.5" (flag 1); 1: DESI at 1.5" (flag 1);
#: 2: DESI and AllWISE 0.5" apart at 4.5" (flag 2); others: none planted.
COUNTERPARTS = {0: {'allwise': 2.5}, 1: {'desi': 1.5}, 2: {'desi': 4.5, 'allwise': 5.0}}


def lotss_dr2_rows():
    """The real sample rows in VizieR's J/A+A/659/A1 layout."""
    sky = read_skymodel(DATA_DIR / 'lotss-dr2-sample.sky')
    n = len(sky)
    rng = np.random.default_rng(2022)
    rms = rng.uniform(0.06, 0.12, n)
    snr = np.maximum(sky['peak_flux'].value / rms, 1.0)
    table = Table()
    table['Source'] = np.array(sky['source_name'], dtype='U22')
    table['RAJ2000'] = sky['ra']
    table['DEJ2000'] = sky['dec']
    table['e_RAdeg'] = np.round(sky['major_fwhm'].value / snr, 2) * u.arcsec
    table['e_DEdeg'] = np.round(sky['minor_fwhm'].value / snr, 2) * u.arcsec
    table['Speak'] = np.round(sky['peak_flux'].value, 3) * u.mJy / u.beam
    table['e_Speak'] = np.round(rms, 3) * u.mJy / u.beam
    table['SpeakTot'] = np.round(sky['total_flux'].value, 3) * u.mJy
    table['e_SpeakTot'] = np.round(rms * sky['major_fwhm'].value / 6.0, 3) * u.mJy
    table['Maj'] = np.round(sky['major_fwhm'].value, 2) * u.arcsec
    table['e_Maj'] = np.round(sky['major_fwhm'].value / snr, 2) * u.arcsec
    table['Min'] = np.round(sky['minor_fwhm'].value, 2) * u.arcsec
    table['e_Min'] = np.round(sky['minor_fwhm'].value / snr, 2) * u.arcsec
    table['DCMaj'] = np.round(sky['dc_major_fwhm'].value, 2) * u.arcsec
    table['DCMin'] = np.round(sky['dc_minor_fwhm'].value, 2) * u.arcsec
    table['PA'] = np.round(sky['pa'].value, 2) * u.deg
    table['e_PA'] = np.round(np.minimum(90.0, 30.0 / snr), 2) * u.deg
    table['Islrms'] = np.round(rms, 3) * u.mJy / u.beam
    table['SCode'] = np.where(sky['dc_major_fwhm'].value > 15, 'M', 'S')
    table['Mosaic'] = np.full(n, 'P200+45', dtype='U11')
    return table


def _field(density, rng):
    n = rng.poisson((density * np.pi * FIELD_RADIUS ** 2).decompose().value)
    separation = np.arccos(rng.uniform(np.cos(FIELD_RADIUS), 1.0, n)) * u.rad
    return SAMPLE_CENTER.directional_offset_by(rng.uniform(0, 360, n) * u.deg, separation)


def _counterparts(dr2, survey):
    coords = SkyCoord(dr2['RAJ2000'], dr2['DEJ2000'])
    rows = np.arange(len(dr2))
    positions = []
    for remainder, planted in COUNTERPARTS.items():
        if survey in planted:
            chosen = coords[rows % 10 == remainder]
            positions.append(chosen.directional_offset_by(0 * u.deg, planted[survey] * u.arcsec))
    ra = np.concatenate([p.ra.deg for p in positions])
    dec = np.concatenate([p.dec.deg for p in positions])
    return SkyCoord(ra * u.deg, dec * u.deg)


def survey_rows(dr2):
    """Synthetic AllWISE and DESI Legacy tables (VizieR labels)."""
    rng = np.random.default_rng(328)
    tables = {}
    for vizier_id, survey, density in (('II/328/allwise', 'allwise', ALLWISE_DENSITY),
                                       ('VII/292/north', 'desi', DESI_DENSITY)):
        field = _field(density, rng)
        planted = _counterparts(dr2, survey)
        ra = np.concatenate([planted.ra.deg, field.ra.deg])
        dec = np.concatenate([planted.dec.deg, field.dec.deg])
        table = Table()
        if survey == 'allwise':
            table['AllWISE'] = [f'J{i:07d}' for i in range(len(ra))]
        else:
            table['objID'] = np.arange(len(ra), dtype=np.int64) + 10 ** 15
        table['RAJ2000'] = ra * u.deg
        table['DEJ2000'] = dec * u.deg
        table['mag'] = np.round(rng.uniform(14, 22, len(ra)), 3) * u.mag
        table.meta['planted'] = len(planted)
        tables[vizier_id] = table
    return tables


def _votable_bytes(tables, infos=()):
    """A VizieR-like VOTable: one RESOURCE per catalogue, one TABLE per table."""
    document = VOTableFile()
    for name, value in infos:
        document.infos.append(Info(name=name, value=value))
    for table_id, table in tables:
        catalogue = table_id.rsplit('/', 1)[0] if table_id.count('/') > 1 else table_id
        resource = Resource(name=catalogue)
        # astropy's writer leaves out a RESOURCE's name; VizieR names it after the catalogue
        resource.extra_attributes['name'] = catalogue
        document.resources.append(resource)
        if table is None:
            continue
        element = TableElement.from_table(document, table)
        element.name = table_id
        element.ID = table_id.replace('/', '_').replace('+', '_')
        resource.tables.append(element)
    stream = io.BytesIO()
    votable_to_xml(document, stream)  # TABLEDATA like VizieR, without the C writer
    return stream.getvalue()


def _parse_script(text):
    params = {}
    for line in text.splitlines():
        key, _, value = line.partition('=')
        params[key.strip()] = value.strip()
    return params


class _Handler(http.server.BaseHTTPRequestHandler):
    # One request per connection, and a socket time-out: no handler thread is
    # left blocked in a (TLS) read when the server closes, so closing joins
    # them all and no socket is torn down under a running thread.
    protocol_version = 'HTTP/1.0'
    timeout = 10

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status, body, content_type='application/x-votable+xml'):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        server = self.server.owner
        if server.behaviour != 'trickle':
            self.wfile.write(body)
            return
        for start in range(0, len(body), server.trickle_bytes):
            self.wfile.write(body[start:start + server.trickle_bytes])
            self.wfile.flush()
            if server.closing.wait(server.trickle_interval):
                return

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def do_GET(self):
        self._dispatch('GET', b'')

    def do_POST(self):
        self._dispatch('POST', self._body())

    def _dispatch(self, method, body):
        server = self.server.owner
        parsed = urllib.parse.urlparse(self.path)
        record = {'method': method, 'path': parsed.path}
        server.requests.append(record)
        if server.behaviour == 'timeout':
            server.closing.wait(server.delay)
            if server.closing.is_set():
                return None
        if server.behaviour == 'http500':
            return self._send(500, b'<html><body>Internal Server Error</body></html>', 'text/html')
        if server.behaviour == 'garbage':
            return self._send(200, b'<html><body>Service under maintenance</body></html>',
                              'text/html')
        if parsed.path.endswith('/viz-bin/votable'):
            if method == 'GET':
                params = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
            else:
                params = _parse_script(body.decode())
            record['params'] = params
            return self._send(200, server.answer_vizier(params))
        if parsed.path.endswith('/xmatch/api/v1/sync/tables'):
            text = '\n'.join(server.tables).encode()
            return self._send(200, text, 'text/plain')
        if parsed.path.endswith('/xmatch/api/v1/sync'):
            message = BytesParser(policy=HTTP).parsebytes(
                b'Content-Type: ' + self.headers['Content-Type'].encode() + b'\r\n\r\n' + body)
            form = {}
            for part in message.iter_parts():
                content = part.get_content()
                if isinstance(content, bytes):
                    content = content.decode()
                form[part.get_param('name', header='content-disposition')] = content
            record['form'] = form
            status, answer = server.answer_xmatch(form)
            return self._send(status, answer)
        return self._send(404, b'not found', 'text/plain')


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def handle_error(self, request, client_address):
        # A client that timed out closes its socket before the delayed answer;
        # the broken pipe is expected and must not print from a daemon thread.
        pass


class VizierTestServer:
    """A threaded HTTP(S) server on 127.0.0.1 answering like VizieR and CDS XMatch.

    Parameters
    ----------
    certificate : tuple of (str, str), optional
        ``(certfile, keyfile)`` to serve HTTPS instead of HTTP.
    """

    def __init__(self, certificate=None):
        dr2 = lotss_dr2_rows()
        self.tables = {'J/A+A/659/A1/catalog': dr2, **survey_rows(dr2)}
        self.behaviour = 'normal'
        self.delay = 2.0
        self.trickle_bytes = 64
        self.trickle_interval = 0.5
        self.requests = []
        self.closing = threading.Event()
        self.httpd = _QuietServer(('127.0.0.1', 0), _Handler)
        self.httpd.owner = self
        self.scheme = 'http'
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = 'https'
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def host(self):
        """``127.0.0.1:PORT``, as astroquery's ``vizier_server``."""
        return f'127.0.0.1:{self.port}'

    @property
    def vizier_url(self):
        """Base URL for ``lotss_tools.conf.conf.vizier_url``."""
        return f'{self.scheme}://{self.host}/viz-bin'

    @property
    def xmatch_url(self):
        return f'{self.scheme}://{self.host}/xmatch/api/v1/sync'

    def reset(self):
        self.behaviour = 'normal'
        self.delay = 2.0
        self.trickle_bytes = 64
        self.trickle_interval = 0.5
        self.requests.clear()

    def close(self):
        self.closing.set()  # wakes handlers that simulate a slow server
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------- answers
    def answer_vizier(self, params):
        source = params.get('-source', '')
        if self.behaviour == 'wrong_table' and source in self.tables:
            source = next(name for name in self.tables if name != source)
        if self.behaviour == 'error' or source not in self.tables:
            return _votable_bytes([], infos=[('Error', f'+++ No catalogue or table {source!r} '
                                              'in VizieR')])
        table = self.tables[source]
        infos = [('queryParameters', str(len(params)))]
        if self.behaviour == 'empty':
            return _votable_bytes([(source, table[:0])], infos)
        match = re.fullmatch(r'([0-9.]+)([+-][0-9.]+)', params.get('-c', ''))
        radii = {'-c.rs': u.arcsec, '-c.rm': u.arcmin, '-c.rd': u.deg}
        radius = [float(params[key]) * unit for key, unit in radii.items() if key in params]
        if not match or not radius:
            return _votable_bytes([], infos=[('Error', 'only cone queries are served here')])
        center = SkyCoord(float(match[1]) * u.deg, float(match[2]) * u.deg)
        coords = SkyCoord(table['RAJ2000'], table['DEJ2000'])
        rows = table[coords.separation(center) <= radius[0]]
        wanted = [c for c in params.get('-out', '').split(',') if c and c != '*']
        if wanted:
            for name in wanted:
                if name not in rows.colnames:
                    infos.append(('Warning', f"Column '{name}' unknown in '{source}'"))
            rows = rows[[name for name in wanted if name in rows.colnames]]
        limit = '5' if self.behaviour == 'overflow' else params.get('-out.max', '50')
        if limit != 'unlimited' and len(rows) > int(limit):
            rows = rows[:int(limit)]
            infos.append(('Warning', f'(truncated to {limit} rows)'))
        return _votable_bytes([(source, rows if len(rows) else None)], infos)

    def answer_xmatch(self, form):
        """Match an uploaded CSV against a served table (all pairs within distMaxArcsec)."""
        target = str(form.get('cat2', '')).removeprefix('vizier:')
        if target not in self.tables:
            return 400, _votable_bytes([], infos=[('QUERY_STATUS', f'unknown table {target}')])
        upload = ascii.read(form['cat1'], format='csv')
        radius = float(form['distMaxArcsec']) * u.arcsec
        reference = self.tables[target]
        a = SkyCoord(upload[form['colRA1']] * u.deg, upload[form['colDec1']] * u.deg)
        b = SkyCoord(reference['RAJ2000'], reference['DEJ2000'])
        ia, ib, sep, _ = b.search_around_sky(a, radius) if len(a) else ([], [], [], None)
        result = Table()
        result['angDist'] = np.asarray(getattr(sep, 'arcsec', sep), float)
        for name in upload.colnames:
            result[name] = np.asarray(upload[name])[ia] if len(ia) else upload[name][:0]
        for name in reference.colnames:
            result[name] = reference[name][ib] if len(ib) else reference[name][:0]
        return 200, _votable_bytes([('xmatch', result)])


def make_test_certificate(folder):
    """A self-signed certificate for 127.0.0.1 (files ``cert.pem``, ``key.pem``)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    folder = Path(folder)
    cert_path, key_path = folder / 'cert.pem', folder / 'key.pem'
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)
