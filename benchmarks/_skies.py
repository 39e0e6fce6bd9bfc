"""The skies and peer source finders that the quality benchmarks share.

Every quality figure of the benchmarks comes from one of three skies, so
that no default can be tuned to the sky it is measured on:

* ``'interferometer'``: `lotss_tools.validation.simulate_interferometer_sky`
  (LOFAR aperture synthesis: correlated anisotropic noise, artifacts of
  per-station gain errors with both signs), whose layers label each
  detection (`SkyLayers.classify`);
* ``'simulate_mosaic'``: the package's first simulator
  (`lotss_tools.simulate.simulate_mosaic`: radial knots of positive
  artifacts, labelled by its truth's ``artifact`` column);
* ``'real'``: the real LoTSS DR1 cutout shipped as ``lotss_tools.datasets``
  ``'lotss-cutout'`` (200 x 200 pixels of P218+55) with the 28 DR1 rows
  (``'lotss-dr1-sources'``, PyBDSF run on the same pixels by the survey) as
  the reference: not a truth.

The benchmarks use seeds `HELD_OUT_SEEDS` by default: the settings of the
default cleaner's image test were chosen on interferometer-made skies with
seeds `lotss_tools.cleaning.ARTIFACT_TUNING_SEEDS` (1-16), and on no
`simulate_mosaic` sky at all.

The peers (PyBDSF with the LoTSS DR2 settings, Aegean + BANE, photutils)
are defined once, in ``_peers.py``. Their catalogues are cached on disk
(``--cache``) by a hash of the image and of the peer's settings, with the
time the run took, since they take a minute or more per 2048 x 2048 image on
a shared machine.
"""

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import QTable

from lotss_tools import Mosaic
from lotss_tools.cleaning import ARTIFACT_TUNING_SEEDS
from lotss_tools.cleaning.scores import classify_detections
from lotss_tools.crossmatch import CrossMatcher
from lotss_tools.datasets import get_path
from lotss_tools.schema import catalog_coordinates, normalise_columns, read_column
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.validation import negated_mosaic, simulate_interferometer_sky

from _peers import PEERS, available_peers, settings_digest  # noqa: E402 (benchmarks folder)

__all__ = ['HELD_OUT_SEEDS', 'TUNING_SEEDS', 'FAMILIES', 'Sky', 'make_sky', 'real_cutout',
           'peer_catalog', 'label_counts', 'default_cache', 'available_peers']

#: Seeds of the benchmark skies: not those the defaults were chosen on.
HELD_OUT_SEEDS = (201, 202, 203, 204)
#: Seeds of the interferometer-made skies the cleaner's image test was tuned on.
TUNING_SEEDS = ARTIFACT_TUNING_SEEDS
FAMILIES = ('interferometer', 'simulate_mosaic')
_FAMILY_TEXT = {'interferometer': 'simulate_interferometer_sky',
                'simulate_mosaic': 'simulate_mosaic', 'real': 'real LoTSS DR1 cutout'}


@dataclass
class Sky:
    """One benchmark image, its reference and how to label detections on it."""

    family: str
    seed: object
    mosaic: Mosaic = field(repr=False)
    truth: QTable = field(repr=False)
    layers: object = field(default=None, repr=False)

    @property
    def name(self):
        return _FAMILY_TEXT[self.family] + ('' if self.seed is None else f' seed {self.seed}')

    def labels(self, catalog):
        """'source', 'artifact' or 'noise' for each detection (None for the real cutout).

        Interferometer skies: `SkyLayers.classify` (a true component of any
        brightness within 6 arcsec makes a detection a source, so an artifact
        knot on a 1-sigma true source counts as a source); `simulate_mosaic`:
        `lotss_tools.cleaning.classify_detections` (one-to-one match with a
        true source of any brightness).
        """
        if self.family == 'real':
            return None
        if self.layers is not None:
            return self.layers.classify(catalog)
        is_true, on_artifact = classify_detections(catalog, self.truth)
        return np.where(is_true, 'source', np.where(on_artifact, 'artifact', 'noise'))

    def detectable(self, catalog, min_snr=5.0):
        """Detections matched one-to-one (6 arcsec) to a true source with true SNR >= ``min_snr``.

        The same rule on both simulated skies, stricter than `labels`: the
        detections of real sources bright enough to be found.
        """
        real = np.asarray(self.truth['snr']) >= min_snr
        for name, wanted in (('in_footprint', True), ('artifact', False)):
            if name in self.truth.colnames:
                real &= np.asarray(self.truth[name], bool) == wanted
        found = np.zeros(len(catalog), bool)
        if len(catalog) and real.any():
            found[CrossMatcher().match(catalog, self.truth[real]).index_catalog] = True
        return found


def make_sky(family, seed, size=2048):
    """A benchmark sky of ``family`` ('interferometer' or 'simulate_mosaic')."""
    if family == 'interferometer':
        mosaic, truth, layers = simulate_interferometer_sky((size, size), seed=seed,
                                                            return_layers=True)
        return Sky(family, seed, mosaic, truth, layers)
    if family == 'simulate_mosaic':
        mosaic, truth = simulate_mosaic((size, size), seed=seed)
        return Sky(family, seed, mosaic, truth)
    raise ValueError(f'unknown sky family {family!r}')


def real_cutout():
    """The real cutout and, as its reference, the DR1 rows on its pixels."""
    mosaic = Mosaic.read(get_path('lotss-cutout'))
    dr1 = normalise_columns(QTable.read(get_path('lotss-dr1-sources')))
    x, y = mosaic.wcs.world_to_pixel(catalog_coordinates(dr1))
    ny, nx = mosaic.shape
    inside = (x > -0.5) & (x < nx - 0.5) & (y > -0.5) & (y < ny - 0.5)
    dr1 = dr1[inside]
    dr1['snr'] = (read_column(dr1, 'peak_flux', u.mJy / u.beam)
                  / read_column(dr1, 'island_rms', u.mJy / u.beam)).to_value(u.one)
    return Sky('real', None, mosaic, dr1)


def label_counts(labels, rejected):
    """(artifacts rejected, artifacts, true sources rejected, true sources) of one cleaning."""
    artifact, source = labels == 'artifact', labels == 'source'
    return np.array([(artifact & rejected).sum(), artifact.sum(), (source & rejected).sum(),
                     source.sum()])


# ------------------------------------------------------------------- peers
def peer_catalog(name, mosaic, *, negated=False, cache=None):
    """The catalogue of peer ``name`` on ``mosaic`` (or on ``-mosaic``), cached by image hash.

    Columns ``ra``, ``dec``, ``total_flux``, ``peak_flux`` and ``snr``
    (peak over the peer's own rms). Returns ``(catalog, seconds)``: the
    wall-clock time of the run, also when the catalogue comes from the cache
    (the time of the run that made it; NaN for a cache file without one).
    """
    import time
    image = negated_mosaic(mosaic) if negated else mosaic
    digest = hashlib.sha1(np.ascontiguousarray(image.data).tobytes()).hexdigest()[:16]
    slug = f'{name.split()[0].lower()}-{settings_digest(PEERS[name][2])}'
    path = None if cache is None else Path(cache) / f'{slug}-{digest}.ecsv'
    if path is not None and path.exists():
        catalog = QTable.read(path)
        return catalog, float(catalog.meta.get('seconds', np.nan))
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter('ignore')
        fits_path = image.write(Path(tmp) / 'image.fits')
        start = time.perf_counter()
        catalog = PEERS[name][1](fits_path)
        seconds = time.perf_counter() - start
    catalog.meta['seconds'] = seconds
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog.write(path, overwrite=True)
    return catalog, seconds


def default_cache():
    """The peers' cache folder: ``$LOTSS_BENCH_CACHE`` or a folder in the temporary directory."""
    return Path(os.environ.get('LOTSS_BENCH_CACHE',
                               Path(tempfile.gettempdir()) / 'lotss_tools_bench_cache'))
