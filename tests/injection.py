"""Small injectors of known sources for the measurement tests and benchmarks.

Double radio sources (two elongated lobes, with or without a core) and pairs
of unrelated point sources, one per cell of a grid so that they do not touch,
rendered by `lotss_tools.simulate.simulate_mosaic` into beam-correlated
noise. ``benchmarks/bench_measurement.py`` uses the same functions.
"""

import numpy as np
from astropy import units as u
from astropy.table import QTable, vstack

from lotss_tools.extraction import (compute_dendrogram, component_table, fit_islands,
                                    make_sources)
from lotss_tools.simulate import simulate_mosaic

__all__ = ['BEAM', 'PIXEL', 'RMS', 'grid_sky', 'double_source', 'point_pair', 'extract',
           'grouping_outcome', 'calibration_grid']

#: Beam FWHM, pixel size (arcsec) and noise (mJy/beam) of the injected skies.
BEAM, PIXEL, RMS = 6.0, 1.5, 0.08


def double_source(rng, separation, *, core, lobe_snr=(15, 150)):
    """Components of a Fanaroff-Riley II double, relative to its centre.

    Two lobes ``separation`` arcsec apart, on an axis of random PA. Each
    lobe is an elliptical Gaussian elongated along the axis (deconvolved
    major FWHM 25-45% of the separation, at least 4", axis ratio 0.3-0.7,
    PA within ~10 deg of the axis), with a peak SNR drawn log-uniformly in
    ``lobe_snr`` and a lobe flux ratio up to 3. ``core=True`` adds a point
    source between them (arm-length ratio up to 1.5) with 3-20% of the lobe
    flux.

    Returns a dict of arrays: ``east``, ``north`` (arcsec), ``flux`` (mJy),
    ``dc_major``, ``dc_minor`` (arcsec), ``pa`` (deg), ``role``.
    """
    axis = rng.uniform(0, 180)
    ux, uy = np.sin(np.radians(axis)), np.cos(np.radians(axis))
    share = rng.uniform(0.4, 0.6)                       # core position along the axis
    offsets = np.array([-share, 1 - share]) * separation
    major = np.maximum(rng.uniform(0.25, 0.45, 2) * separation, 4.0)
    minor = major * rng.uniform(0.3, 0.7, 2)
    pa = (axis + rng.normal(0, 10, 2)) % 180
    snr = np.exp(rng.uniform(*np.log(lobe_snr), 2))
    ratio = np.exp(rng.uniform(0, np.log(3)))
    snr[1] = snr[0] / ratio if rng.random() < 0.5 else snr[0] * ratio
    snr = np.clip(snr, *lobe_snr)
    peak = snr * RMS
    flux = peak * np.hypot(major, BEAM) * np.hypot(minor, BEAM) / BEAM ** 2
    out = dict(east=offsets * ux, north=offsets * uy, flux=flux, dc_major=major, dc_minor=minor,
               pa=pa, role=np.array(['lobe', 'lobe']))
    if core:
        c = rng.uniform(0.03, 0.2) * flux.sum()
        for key, value in (('east', 0.0), ('north', 0.0), ('flux', c), ('dc_major', 0.0),
                           ('dc_minor', 0.0), ('pa', 0.0), ('role', 'core')):
            out[key] = np.append(out[key], value)
    return out


def point_pair(rng, separation, *, snr=(15, 300)):
    """Two unrelated point sources ``separation`` arcsec apart, independent fluxes."""
    axis = np.radians(rng.uniform(0, 180))
    half = separation / 2 * np.array([-1, 1])
    flux = np.exp(rng.uniform(*np.log(snr), 2)) * RMS
    return dict(east=half * np.sin(axis), north=half * np.cos(axis), flux=flux,
                dc_major=np.zeros(2), dc_minor=np.zeros(2), pa=np.zeros(2),
                role=np.array(['point', 'point']))


def grid_sky(objects, *, cell=160.0, seed=0):
    """Render objects (dicts of `double_source`/`point_pair`) one per grid cell.

    Parameters
    ----------
    objects : list of dict
    cell : float
        Cell size in arcsec (larger than the largest object plus a few beams).
    seed : int
        Seed of the noise.

    Returns
    -------
    mosaic : `~lotss_tools.Mosaic`
    truth : `~astropy.table.QTable`
        One row per injected component with ``object`` (index in
        ``objects``), ``role``, ``x``, ``y`` and the injected quantities.
    """
    per_side = int(np.ceil(np.sqrt(len(objects))))
    cell_pix = cell / PIXEL
    size = int(np.ceil(per_side * cell_pix))
    rows = []
    for k, obj in enumerate(objects):
        cy, cx = divmod(k, per_side)
        x0, y0 = (cx + 0.5) * cell_pix, (cy + 0.5) * cell_pix
        # East is -x and north +y in the simulator's north-up, RA---SIN header.
        rows.append(QTable({'object': np.full(obj['flux'].size, k), 'role': obj['role'],
                            'x': x0 - obj['east'] / PIXEL, 'y': y0 + obj['north'] / PIXEL,
                            'total_flux': obj['flux'] * u.mJy,
                            'dc_major_fwhm': obj['dc_major'] * u.arcsec,
                            'dc_minor_fwhm': obj['dc_minor'] * u.arcsec,
                            'pa': obj['pa'] * u.deg}))
    sources = vstack(rows)
    mosaic, truth = simulate_mosaic((size, size), seed=seed, sources=sources,
                                    rms=RMS * 1e3 * u.uJy / u.beam, rms_variation=1.0,
                                    holes=False, blank_edges=False, n_artifact_sources=0,
                                    beam=BEAM * u.arcsec, pixel_scale=PIXEL * u.arcsec)
    truth['object'] = sources['object']
    truth['role'] = sources['role']
    return mosaic, truth


def extract(mosaic, **grouping):
    """Islands from the S/N image (as `~lotss_tools.DendroExtractor` makes them),
    Gaussian fits, components and sources."""
    bkg = mosaic.background(box_size=25)
    flux = np.where(mosaic.footprint, mosaic.data - bkg.background, np.nan)
    rms = bkg.background_rms
    with np.errstate(invalid='ignore', divide='ignore'):
        snr = (flux / rms).astype(np.float32)
    tree = compute_dendrogram(snr, 2.5, 2.5, 8)
    sigma = np.array(mosaic.beam_fwhm_pixels) / np.sqrt(8 * np.log(2))
    fit = fit_islands(flux, rms, tree.trunk_labels(), tree.leaf_labels(), sigma)
    components = component_table(fit, mosaic.wcs, mosaic.beam, rms)
    return make_sources(components, mosaic.beam, **grouping)


def grouping_outcome(truth, components, sources, *, flux_fraction=0.9):
    """Per injected object: did its components end in the expected sources?

    Returns a QTable with ``object``, ``kind`` ('double' or 'pair'),
    ``separation`` (arcsec) and ``success``: for a double, one source holds
    components within a beam of both lobes and at least ``flux_fraction``
    of the injected flux; for a pair, the components nearest the two points
    belong to different sources.
    """
    rows = []
    cx, cy = np.asarray(components['x']), np.asarray(components['y'])
    source_flux = dict(zip(sources['source_id'], sources['total_flux'].to_value(u.mJy)))
    for k in np.unique(truth['object']):
        parts = truth[truth['object'] == k]
        main = parts[parts['role'] != 'core']
        sep = np.hypot(*(np.diff(main['x']), np.diff(main['y'])))[0] * PIXEL
        ids = []
        for row in main:
            d = np.hypot(cx - row['x'], cy - row['y']) * PIXEL
            near = d < max(BEAM, 0.6 * row['dc_major_fwhm'].to_value(u.arcsec))
            ids.append(set(components['source_id'][near]) if near.any() else set())
        if parts['role'][0] == 'point':
            a = [components['source_id'][np.argmin(np.hypot(cx - r['x'], cy - r['y']))]
                 for r in main]
            rows.append((k, 'pair', sep, bool(a[0] != a[1])))
            continue
        common = ids[0] & ids[1]
        injected = parts['total_flux'].to_value(u.mJy).sum()
        ok = any(source_flux[s] >= flux_fraction * injected for s in common)
        rows.append((k, 'double', sep, bool(ok)))
    return QTable(rows=rows, names=('object', 'kind', 'separation', 'success'))


def calibration_grid(rng, *, n_side, size, extended=False):
    """Isolated sources on a jittered grid for error calibration: SNR 5-300.

    ``n_side`` x ``n_side`` sources over ``size`` pixels, point sources or
    resolved ones (deconvolved FWHM 3-15 arcsec, axis ratio 0.3-1, random
    position angle); a `simulate_mosaic` ``sources`` table.
    """
    step = size / n_side
    g = (np.arange(n_side) + 0.5) * step
    x, y = (v.ravel() + rng.uniform(-3, 3, n_side ** 2) for v in np.meshgrid(g, g))
    snr = np.exp(rng.uniform(np.log(5), np.log(300), x.size))
    major = rng.uniform(3, 15, x.size) if extended else np.zeros(x.size)
    minor = major * rng.uniform(0.3, 1.0, x.size)
    flux = snr * RMS * np.hypot(major, BEAM) * np.hypot(minor, BEAM) / BEAM ** 2
    return QTable({'x': x, 'y': y, 'total_flux': flux * u.mJy,
                   'dc_major_fwhm': major * u.arcsec, 'dc_minor_fwhm': minor * u.arcsec,
                   'pa': rng.uniform(0, 180, x.size) * u.deg})
