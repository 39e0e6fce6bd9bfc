"""The peer source finders, as LoTSS and their authors run them: one definition.

Every benchmark that compares with a peer calls these functions, so that a
"PyBDSF with LoTSS settings" figure means the same settings everywhere:

* PyBDSF with the settings of the LoTSS DR2 mosaics (``PYBDSF_LOTSS``, from
  the ddf-pipeline's mosaic source finding: ``thresh_isl=4``,
  ``thresh_pix=5``, ``rms_box=(150, 15)``, ``rms_box_bright=(60, 15)``,
  ``adaptive_rms_box`` with ``adaptive_thresh=150``, ``mean_map='zero'``,
  ``group_by_isl=False``, ``group_tol=10``, ``flag_maxsize_fwhm=0.5``, and
  the wavelet decomposition ``atrous_do=True, atrous_jmax=4``);
* Aegean with BANE's background and noise (seed 5 sigma, flood 4 sigma,
  positive sources only: by default Aegean also reports negative islands);
* photutils with its own `~photutils.background.Background2D` (boxes of 100
  pixels) and ``detect_sources`` at 5 sigma with 8 pixels, deblended when
  scikit-image is installed.

Each returns a `~astropy.table.QTable` in the package's column names and
units (``ra``, ``dec``, ``total_flux``, ``peak_flux``, their errors where the
peer gives them, ``major_fwhm``, ``minor_fwhm``, ``pa``) and ``snr``, the
peak over the peer's own rms.

The wavelet decomposition (``PYBDSF_ATROUS``) adds Gaussians for diffuse
emission; on a 2048 x 2048 interferometer-made sky (seed 201) it doubles
PyBDSF's time (40 s instead of 20 s) and finds 410 sources instead of 368.
``LOTSS_BENCH_ATROUS=0`` leaves it out, for quick runs (the peers' cache
keys include the settings, and the benchmarks print them).
"""

import contextlib
import hashlib
import io
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import QTable

from lotss_tools import Mosaic
from lotss_tools.schema import normalise_columns, read_column, read_text

__all__ = ['PYBDSF_LOTSS', 'PYBDSF_ATROUS', 'pybdsf_settings', 'run_pybdsf', 'run_aegean',
           'run_photutils', 'PEERS', 'available_peers', 'settings_digest', 'describe_settings']

#: PyBDSF settings of the LoTSS DR2 mosaics (ddf-pipeline), wavelets apart.
PYBDSF_LOTSS = dict(thresh_isl=4.0, thresh_pix=5.0, rms_box=(150, 15), rms_map=True,
                    mean_map='zero', ini_method='intensity', adaptive_rms_box=True,
                    adaptive_thresh=150, rms_box_bright=(60, 15), group_by_isl=False,
                    group_tol=10.0, flagging_opts=True, flag_maxsize_fwhm=0.5,
                    advanced_opts=True, blank_limit=None, frequency=144e6, quiet=True)
#: The wavelet settings LoTSS DR2 also used (off with ``LOTSS_BENCH_ATROUS=0``).
PYBDSF_ATROUS = dict(atrous_do=True, atrous_jmax=4)

_MJY_BEAM = u.mJy / u.beam
_EMPTY = {'ra': u.deg, 'dec': u.deg, 'total_flux': u.mJy, 'peak_flux': _MJY_BEAM}


def pybdsf_settings():
    """The PyBDSF settings of this run: `PYBDSF_LOTSS` and `PYBDSF_ATROUS` (unless turned off)."""
    settings = dict(PYBDSF_LOTSS)
    if os.environ.get('LOTSS_BENCH_ATROUS', '1') not in ('', '0'):
        settings.update(PYBDSF_ATROUS)
    return settings


def describe_settings():
    """One line naming the peers' settings, for the benchmarks' output."""
    atrous = 'with' if 'atrous_do' in pybdsf_settings() else 'WITHOUT (LOTSS_BENCH_ATROUS=0)'
    return (f'peers: PyBDSF with the LoTSS DR2 settings (ddf-pipeline; thresh_isl 4, thresh_pix 5, '
            f'rms_box (150, 15), rms_box_bright (60, 15), adaptive_thresh 150, group_tol 10) '
            f'{atrous} the wavelet decomposition; Aegean + BANE (seed 5, flood 4, positive only); '
            f'photutils (Background2D boxes of 100 px, 5 sigma, 8 px)')


def settings_digest(name):
    """A short hash of peer ``name``'s settings, for cache keys."""
    settings = {'pybdsf': pybdsf_settings(), 'aegean': {'innerclip': 5, 'outerclip': 4,
                                                         'nonegative': True},
                'photutils': {'box': 100, 'nsigma': 5, 'npixels': 8}}[name]
    return hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:8]


def _empty():
    table = QTable({name: [] * unit for name, unit in _EMPTY.items()})
    table['snr'] = np.zeros(0)
    return table


def run_pybdsf(path, catalog_type='srl'):
    """PyBDSF (LoTSS DR2 settings) on a FITS image: its source ('srl') or Gaussian ('gaul') list."""
    import bdsf
    logging.getLogger('PyBDSF').setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        out = Path(tmp) / f'{catalog_type}.fits'
        image = bdsf.process_image(str(path), **pybdsf_settings())
        image.write_catalog(outfile=str(out), format='fits', catalog_type=catalog_type,
                            clobber=True)
        if not out.exists():                     # no source: PyBDSF writes nothing
            return _empty()
        found = normalise_columns(QTable.read(out))
    table = QTable()
    for name, unit in (('ra', u.deg), ('dec', u.deg), ('ra_err', u.arcsec),
                       ('dec_err', u.arcsec), ('total_flux', u.mJy), ('total_flux_err', u.mJy),
                       ('peak_flux', _MJY_BEAM), ('peak_flux_err', _MJY_BEAM),
                       ('major_fwhm', u.arcsec), ('major_fwhm_err', u.arcsec),
                       ('minor_fwhm', u.arcsec), ('minor_fwhm_err', u.arcsec),
                       ('pa', u.deg), ('pa_err', u.deg), ('island_rms', _MJY_BEAM)):
        table[name] = read_column(found, name, unit)
    table['snr'] = (table['peak_flux'] / table['island_rms']).to_value(u.one)
    table['s_code'] = read_text(found, 's_code')
    return table


def run_aegean(path, cores=1):
    """BANE background and noise, then Aegean (seed 5 sigma, flood 4 sigma, positive only)."""
    from AegeanTools.BANE import filter_image
    from AegeanTools.source_finder import SourceFinder
    logging.getLogger('AegeanTools').setLevel(logging.ERROR)
    if not hasattr(np.linalg, 'linalg'):
        # AegeanTools 2.3.5 catches np.linalg.linalg.LinAlgError, which NumPy 2 removed.
        np.linalg.linalg = np.linalg
    with tempfile.TemporaryDirectory() as tmp:
        base = str(Path(tmp) / 'image')
        filter_image(str(path), out_base=base, cores=cores)
        found = SourceFinder().find_sources_in_image(
            str(path), rmsin=f'{base}_rms.fits', bkgin=f'{base}_bkg.fits', innerclip=5,
            outerclip=4, cores=cores, nonegative=True, progress=False)
    if not found:
        return _empty()

    def column(name, scale=1.0):
        values = np.array([getattr(s, name) for s in found], float) * scale
        return np.where(values < 0, np.nan, values)       # Aegean marks missing errors with -1
    table = QTable()
    table['ra'], table['dec'] = column('ra') * u.deg, column('dec') * u.deg
    table['ra_err'] = column('err_ra', 3600) * u.arcsec
    table['dec_err'] = column('err_dec', 3600) * u.arcsec
    table['total_flux'] = column('int_flux', 1e3) * u.mJy
    table['total_flux_err'] = column('err_int_flux', 1e3) * u.mJy
    table['peak_flux'] = column('peak_flux', 1e3) * _MJY_BEAM
    table['peak_flux_err'] = column('err_peak_flux', 1e3) * _MJY_BEAM
    for ours, axis in (('major_fwhm', 'a'), ('minor_fwhm', 'b')):
        table[ours] = column(axis) * u.arcsec
        table[f'{ours}_err'] = column(f'err_{axis}') * u.arcsec
    table['pa'] = np.array([s.pa for s in found], float) % 180 * u.deg
    table['pa_err'] = column('err_pa') * u.deg
    table['snr'] = column('peak_flux') / column('local_rms')
    return table


def run_photutils(path):
    """photutils: Background2D (100-pixel boxes), detect_sources at 5 sigma with 8 pixels."""
    from astropy.stats import SigmaClip
    from photutils.background import Background2D, MADStdBackgroundRMS, MedianBackground
    from photutils.segmentation import SourceCatalog, deblend_sources, detect_sources
    mosaic = Mosaic.read(path)
    data = mosaic.data.astype(float)
    background = Background2D(data, 100, filter_size=3, coverage_mask=~mosaic.footprint,
                              sigma_clip=SigmaClip(3.0), bkg_estimator=MedianBackground(),
                              bkg_rms_estimator=MADStdBackgroundRMS(), fill_value=np.nan)
    signal = np.where(mosaic.footprint, data - background.background, 0.0)
    rms = np.where(mosaic.footprint, background.background_rms, np.inf)
    segments = detect_sources(signal, 5 * rms, npixels=8)
    if segments is None:
        return _empty()
    try:                                       # photutils deblends with scikit-image
        import skimage  # noqa: F401
        segments = deblend_sources(signal, segments, npixels=8, nlevels=32, contrast=0.001,
                                   progress_bar=False)
    except ImportError:
        pass
    catalog = SourceCatalog(signal, segments, wcs=mosaic.wcs)
    to_mjy = mosaic.unit.to(_MJY_BEAM)
    sky = catalog.sky_centroid
    peak_x, peak_y = (np.round(v).astype(int) for v in (catalog.maxval_xindex,
                                                          catalog.maxval_yindex))
    table = QTable()
    table['ra'], table['dec'] = sky.ra.to(u.deg), sky.dec.to(u.deg)
    table['total_flux'] = (catalog.segment_flux * to_mjy
                           / mosaic.beam_area.to_value(u.pix ** 2)) * u.mJy
    table['peak_flux'] = catalog.max_value * to_mjy * _MJY_BEAM
    table['snr'] = catalog.max_value / background.background_rms[peak_y, peak_x]
    return table


#: Peer name -> (module that must be importable, function of a FITS path, settings key).
PEERS = {'PyBDSF (LoTSS settings)': ('bdsf', run_pybdsf, 'pybdsf'),
         'Aegean + BANE': ('AegeanTools', run_aegean, 'aegean'),
         'photutils': ('photutils', run_photutils, 'photutils')}


def available_peers(names=None):
    """Peer name -> function of a FITS path, for the peers that are installed."""
    chosen = {}
    for name, (module, function, _) in PEERS.items():
        if names is not None and name not in names:
            continue
        try:
            __import__(module)
            chosen[name] = function
        except ImportError:
            print(f'{name}: {module} is not installed, left out')
    return chosen
