"""Components and sources: from fitted Gaussians to a survey-style catalogue.

A *component* is one fitted Gaussian (`component_table`); a *source* is a
set of components that belong to one radio source (`make_sources`). The two
tables are linked by ``source_id`` and each source gets the LoTSS/PyBDSF
structure code ``s_code``:

``S``
    a single component, alone in its island;
``C``
    a single component in an island that holds other sources;
``M``
    several components (in one island, or associated across islands).

How components are grouped into sources
---------------------------------------
1. **Inside an island** (PyBDSF's rule, with the LoTSS settings
   ``group_tol=10``, ``thresh_isl=4``). Two Gaussians of an island belong
   to the same source when the sum of the island's Gaussians along the
   segment joining their centres never drops below ``island_threshold``
   times the local rms (they would share a LoTSS island), and either the
   profile along the segment has no dip (it is monotonic between them) or
   (a) the dip is at most ``group_tol * island_threshold`` rms below the
   fainter peak and (b) the centres are closer than ``group_tol / 2`` times
   the sum of the two Gaussians' FWHM along the segment.
2. **Across islands: double radio sources** (``associate=True``). The lobes
   of a Fanaroff-Riley II source are often two islands 15"-90" apart, with
   or without a faint core between them. Two sources A and B (from step 1)
   are associated when they are closer than ``max_separation``, their flux
   ratio is at most ``max_flux_ratio``, and one of:

   * *lobes*: each is extended along the line joining them: its FWHM along
     that line exceeds the beam's by at least ``min_significance`` times
     its uncertainty (Condon errors), and exceeds its FWHM across the line.
     Unresolved sources almost never pass (about 1e-3 each at 3 sigma), so
     unrelated pairs of compact sources stay apart;
   * *core*: a third source K, fainter than both, lies near the segment AB
     (within ``max(beam, core_width * |AB|)`` of it, between 20% and 80% of
     the way), and A and B both extend along AB beyond the beam by at least
     ``core_significance`` (1) times their uncertainty: K joins the source
     as its core.

   Candidate pairs are taken closest first; a source joins at most one pair.

A source's flux is the sum of its components', its position their
flux-weighted centroid and its size and position angle the second moments
of the sum of its Gaussians (as PyBDSF does for ``M`` sources).
"""

import numpy as np
from astropy import units as u
from astropy.table import QTable
from astropy.wcs.utils import proj_plane_pixel_scales
from scipy.spatial import cKDTree

from ..stats.morphology import S_CODES
from .deconvolution import deconvolve_sizes, resolved_flag
from .measure import SIGMA_TO_FWHM, sky_position_angle
from .uncertainties import condon_errors

__all__ = ['component_table', 'group_components', 'make_sources']

_MJY_BEAM = u.mJy / u.beam
#: Points sampled along the segment joining two Gaussians.
_LINE_SAMPLES = 41


def _describe(table, descriptions):
    for name, text in descriptions.items():
        if name in table.colnames:
            table[name].info.description = text


_COMPONENT_DESCRIPTIONS = {
    'component_id': 'component number, 1, 2, ...',
    'island_id': 'island (dendrogram trunk) holding the component',
    'ra': 'right ascension of the Gaussian centre (ICRS)',
    'dec': 'declination of the Gaussian centre (ICRS)',
    'x': 'Gaussian centre, 0-based pixel column',
    'y': 'Gaussian centre, 0-based pixel row',
    'total_flux': 'integrated flux density of the Gaussian',
    'peak_flux': 'peak brightness of the Gaussian',
    'major_fwhm': 'fitted major axis FWHM (convolved with the beam)',
    'minor_fwhm': 'fitted minor axis FWHM (convolved with the beam)',
    'pa': 'position angle of the major axis, east of north',
    'local_rms': 'noise rms at the Gaussian centre',
    'snr': 'peak_flux / local_rms',
    'residual_rms': 'rms of (data - model) over the island',
    'chi2': 'reduced chi-square of the island fit',
    'fit_flag': 'FitFlag bits of the fit (0: clean fit; 1: moments fall-back)',
    'resolved': 'resolved by the LoTSS DR2 envelope (Shimwell et al. 2022, Sect. 3.1)',
    'source_id': 'source the component belongs to',
    's_code': 'structure code of its source: S, C or M',
}


def _pixel_scale(wcs):
    """Mean pixel size (arcsec) of a celestial WCS."""
    scales = proj_plane_pixel_scales(wcs.celestial) * u.Unit(wcs.celestial.wcs.cunit[0] or 'deg')
    return float(np.sqrt(np.prod(scales.to_value(u.arcsec))))


def component_table(fit, wcs, beam, rms, *, unit=u.Jy / u.beam, flux_scale_error=0.0):
    """The fitted Gaussians of `fit_islands` in sky units, with uncertainties.

    Parameters
    ----------
    fit : `~lotss_tools.extraction.IslandFit`
        Result of `~lotss_tools.extraction.fit_islands`.
    wcs : `~astropy.wcs.WCS`
        Celestial WCS of the image that was fitted.
    beam : `radio_beam.Beam`
        Restoring beam.
    rms : `~numpy.ndarray` or float
        Noise rms map (or value) of the image, in ``unit``; read at each
        component's centre for its ``local_rms`` and errors. A 1-D array
        of one value per component is taken as it is.
    unit : `~astropy.units.Unit`
        Brightness unit of the fitted image (Jy/beam).
    flux_scale_error : float
        Fractional flux-scale error added in quadrature to the flux errors
        (see `~lotss_tools.extraction.condon_errors`; 0 by default).

    Returns
    -------
    components : `~astropy.table.QTable`
        One row per Gaussian: ``component_id``, ``island_id``, ``ra``,
        ``dec`` (deg), ``ra_err``, ``dec_err`` (arcsec), ``x``, ``y``,
        ``total_flux``, ``total_flux_err`` (mJy), ``peak_flux``,
        ``peak_flux_err`` (mJy/beam), ``major_fwhm``, ``major_fwhm_err``,
        ``minor_fwhm``, ``minor_fwhm_err`` (arcsec), ``pa``, ``pa_err``
        (deg, east of north), ``dc_major_fwhm``, ``dc_minor_fwhm``,
        ``dc_pa``, ``deconvolved`` (see `deconvolve_sizes`), ``resolved``
        (see `resolved_flag`), ``local_rms`` (mJy/beam), ``snr``,
        ``residual_rms`` (mJy/beam), ``chi2``, ``fit_flag``. Every column
        has a description.

    Examples
    --------
    >>> import numpy as np
    >>> from astropy.table import QTable
    >>> import astropy.units as u
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.extraction import compute_dendrogram, fit_islands, component_table
    >>> source = QTable({'x': [32.0], 'y': [32.0], 'total_flux': [2.0] * u.mJy,
    ...                  'dc_major_fwhm': [8.0] * u.arcsec, 'dc_minor_fwhm': [4.0] * u.arcsec,
    ...                  'pa': [30.0] * u.deg})
    >>> mosaic, truth = simulate_mosaic((64, 64), seed=1, sources=source, rms=0,
    ...                                 blank_edges=False, holes=False)
    >>> tree = compute_dendrogram(mosaic.data, 1e-5, 1e-5, 4)
    >>> sigma = np.array(mosaic.beam_fwhm_pixels) / 2.35482
    >>> fit = fit_islands(mosaic.data, 1e-4, tree.trunk_labels(), tree.leaf_labels(), sigma)
    >>> components = component_table(fit, mosaic.wcs, mosaic.beam, 1e-4)
    >>> row = components[0]
    >>> print(round(row['total_flux'], 3), round(row['pa'], 1), round(row['dc_major_fwhm'], 2))
    2.0 mJy 30.0 deg 8.0 arcsec
    """
    n = len(fit)
    shape_scale = _pixel_scale(wcs)
    to_mjy = u.Unit(unit).to(_MJY_BEAM)
    x, y = np.asarray(fit['x'], float), np.asarray(fit['y'], float)
    rms = np.asarray(rms, float)
    if rms.ndim == 0:
        local = np.full(n, float(rms))
    elif rms.ndim == 1:
        if rms.size != n:
            raise ValueError(f'rms has {rms.size} values for {n} components.')
        local = rms
    else:
        iy = np.clip(np.rint(y).astype(int), 0, rms.shape[0] - 1)
        ix = np.clip(np.rint(x).astype(int), 0, rms.shape[1] - 1)
        local = rms[iy, ix]
    table = QTable()
    table['component_id'] = np.arange(1, n + 1)
    table['island_id'] = np.asarray(fit['island'], int)
    if n:
        sky = wcs.pixel_to_world(x, y)
        table['ra'] = u.Quantity(sky.ra.to(u.deg))
        table['dec'] = u.Quantity(sky.dec.to(u.deg))
        pa = sky_position_angle(wcs, x, y, fit['theta'])
    else:
        table['ra'] = table['dec'] = np.zeros(0) * u.deg
        pa = np.zeros(0) * u.deg
    table['x'], table['y'] = x, y
    table['total_flux'] = np.asarray(fit['flux'], float) * to_mjy * u.mJy
    table['peak_flux'] = np.asarray(fit['peak'], float) * to_mjy * _MJY_BEAM
    table['major_fwhm'] = np.asarray(fit['sigma_major']) * SIGMA_TO_FWHM * shape_scale * u.arcsec
    table['minor_fwhm'] = np.asarray(fit['sigma_minor']) * SIGMA_TO_FWHM * shape_scale * u.arcsec
    table['pa'] = pa
    table['local_rms'] = local * to_mjy * _MJY_BEAM
    with np.errstate(divide='ignore', invalid='ignore'):
        table['snr'] = (table['peak_flux'] / table['local_rms']).to_value(u.one)
    taper = (getattr(fit, 'meta', None) or {}).get('taper', 0.0)
    errors = condon_errors(table['peak_flux'], table['total_flux'], table['major_fwhm'],
                           table['minor_fwhm'], table['pa'], table['local_rms'], beam,
                           flux_scale_error=flux_scale_error, taper=taper)
    sizes = deconvolve_sizes(table['major_fwhm'], table['minor_fwhm'], table['pa'], beam)
    table['residual_rms'] = np.asarray(fit['residual_rms'], float) * to_mjy * _MJY_BEAM
    table['chi2'] = np.asarray(fit['chi2'], float)
    table['fit_flag'] = np.asarray(fit['flag'], int)
    table['resolved'] = resolved_flag(table['total_flux'], table['peak_flux'], table['local_rms'])
    return _with_errors(table, errors, sizes)


def _with_errors(table, errors, sizes):
    """Interleave value and error columns in the survey's order; add sizes."""
    out = QTable()
    for name in table.colnames:
        out[name] = table[name]
        if f'{name}_err' in errors.colnames:
            out[f'{name}_err'] = errors[f'{name}_err']
        if name == 'pa':
            for size in sizes.colnames:
                out[size] = sizes[size]
    for name in ('ra', 'dec'):
        if f'{name}_err' not in out.colnames:
            out[f'{name}_err'] = errors[f'{name}_err']
    _describe(out, _COMPONENT_DESCRIPTIONS)
    return out


# ---------------------------------------------------------------------------
# Geometry on the sky, in a local tangent plane (arcsec)
# ---------------------------------------------------------------------------

def _offsets(ra, dec, ra0, dec0):
    """(east, north) offsets in arcsec of positions from a reference (small fields)."""
    east = ((ra - ra0 + 180.0) % 360.0 - 180.0) * np.cos(np.radians(dec0)) * 3600.0
    return east, (dec - dec0) * 3600.0


def _covariance(major, minor, pa_deg):
    """Covariance matrices (n, 2, 2) in (east, north) arcsec^2 of Gaussians (FWHM, PA)."""
    s_maj, s_min = major / SIGMA_TO_FWHM, minor / SIGMA_TO_FWHM
    pa = np.radians(pa_deg)
    u_e, u_n = np.sin(pa), np.cos(pa)          # major-axis direction (east, north)
    cov = np.empty(np.shape(major) + (2, 2))
    cov[..., 0, 0] = s_maj ** 2 * u_e ** 2 + s_min ** 2 * u_n ** 2
    cov[..., 1, 1] = s_maj ** 2 * u_n ** 2 + s_min ** 2 * u_e ** 2
    cov[..., 0, 1] = cov[..., 1, 0] = (s_maj ** 2 - s_min ** 2) * u_e * u_n
    return cov


def _shape_from_covariance(cov):
    """Major, minor FWHM and PA (deg east of north) of covariances (n, 2, 2)."""
    a, b, c = cov[..., 0, 0], cov[..., 0, 1], cov[..., 1, 1]
    half = 0.5 * (a + c)
    root = np.sqrt(np.maximum(0.25 * (a - c) ** 2 + b * b, 0))
    major = SIGMA_TO_FWHM * np.sqrt(np.maximum(half + root, 0))
    minor = SIGMA_TO_FWHM * np.sqrt(np.maximum(half - root, 0))
    # Major-axis eigenvector angle from east towards north, then PA from north towards east.
    angle_from_east = 0.5 * np.arctan2(2 * b, a - c)
    pa = (90.0 - np.degrees(angle_from_east)) % 180.0
    return major, minor, pa


def _fwhm_along(cov, direction):
    """FWHM of Gaussians along unit directions: the chord of their half-maximum ellipse."""
    inv = np.linalg.inv(cov)
    q = np.einsum('...i,...ij,...j->...', direction, inv, direction)
    return np.sqrt(8 * np.log(2) / q)


def _model_along(points, centres, peaks, inv_cov):
    """Sum of Gaussians (peaks, centres, inverse covariances) at points (m, 2)."""
    d = points[:, None, :] - centres[None, :, :]
    q = np.einsum('mki,kij,mkj->mk', d, inv_cov, d)
    return (peaks[None, :] * np.exp(-0.5 * q)).sum(axis=1)


# ---------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------

def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent, i, j):
    ri, rj = _find(parent, i), _find(parent, j)
    if ri != rj:
        parent[max(ri, rj)] = min(ri, rj)


def _group_in_islands(comp, parent, group_tol, island_threshold):
    """PyBDSF's grouping of the Gaussians of each island (see the module docstring)."""
    islands = comp['island_id']
    order = np.argsort(islands, kind='stable')
    bounds = np.flatnonzero(np.diff(islands[order])) + 1
    t = np.linspace(0.0, 1.0, _LINE_SAMPLES)
    for members in np.split(order, bounds):
        if members.size < 2:
            continue
        ra0, dec0 = comp['ra'][members[0]], comp['dec'][members[0]]
        east, north = _offsets(comp['ra'][members], comp['dec'][members], ra0, dec0)
        centres = np.stack([east, north], axis=1)
        cov = _covariance(comp['major'][members], comp['minor'][members], comp['pa'][members])
        inv = np.linalg.inv(cov)
        peaks = comp['peak'][members]
        rms = comp['rms'][members]
        for a in range(members.size):
            for b in range(a + 1, members.size):
                step = centres[b] - centres[a]
                dist = np.hypot(*step)
                if dist == 0:
                    _union(parent, members[a], members[b])
                    continue
                profile = _model_along(centres[a] + t[:, None] * step, centres, peaks, inv)
                noise = 0.5 * (rms[a] + rms[b])
                lowest = profile.min()
                if lowest < island_threshold * noise:
                    continue            # not connected at the island level
                ends = (0, t.size - 1)
                monotonic = profile.argmin() in ends and profile.argmax() in ends
                shallow = min(peaks[a], peaks[b]) - lowest <= group_tol * island_threshold * noise
                direction = step / dist
                reach = _fwhm_along(cov[[a, b]], direction[None, :]).sum()
                if monotonic or (shallow and dist <= 0.5 * group_tol * reach):
                    _union(parent, members[a], members[b])


def _summarise(comp, labels):
    """Flux, centroid, moment covariance and peak of each group of components (for association)."""
    n = labels.max() + 1
    flux = np.bincount(labels, comp['flux'], n)
    order = np.lexsort((comp['flux'], labels))        # by group, brightest last
    brightest = order[np.append(np.flatnonzero(np.diff(labels[order])), labels.size - 1)]
    ra0, dec0 = comp['ra'][brightest], comp['dec'][brightest]
    east, north = _offsets(comp['ra'], comp['dec'], ra0[labels], dec0[labels])
    w = comp['flux'] / flux[labels]
    ce = np.bincount(labels, w * east, n)
    cn = np.bincount(labels, w * north, n)
    de, dn = east - ce[labels], north - cn[labels]
    cov_k = _covariance(comp['major'], comp['minor'], comp['pa'])
    cov = np.zeros((n, 2, 2))
    for i, j, extra in ((0, 0, de * de), (0, 1, de * dn), (1, 1, dn * dn)):
        cov[:, i, j] = np.bincount(labels, w * (cov_k[:, i, j] + extra), n)
    cov[:, 1, 0] = cov[:, 0, 1]
    dec = dec0 + cn / 3600.0
    ra = (ra0 + ce / 3600.0 / np.cos(np.radians(dec0))) % 360.0
    return dict(flux=flux, ra=ra, dec=dec, cov=cov, brightest=brightest)


def _unit_vectors(ra, dec):
    ra, dec = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=1)


def _associate(comp, labels, beam_fwhm, max_separation, max_flux_ratio, min_significance,
               core_width, core_significance):
    """Pairs of groups that form double sources (see the module docstring); returns a
    list of tuples of group labels to merge."""
    groups = _summarise(comp, labels)
    n = groups['flux'].size
    if n < 2:
        return []
    xyz = _unit_vectors(groups['ra'], groups['dec'])
    chord = 2 * np.sin(np.radians(max_separation / 3600.0) / 2)
    tree = cKDTree(xyz)
    pairs = tree.query_pairs(chord, output_type='ndarray')
    if pairs.size == 0:
        return []
    a, b = pairs[:, 0], pairs[:, 1]
    fa, fb = groups['flux'][a], groups['flux'][b]
    ratio_ok = np.maximum(fa, fb) <= max_flux_ratio * np.minimum(fa, fb)
    a, b, fa, fb = a[ratio_ok], b[ratio_ok], fa[ratio_ok], fb[ratio_ok]
    if a.size == 0:
        return []
    east, north = _offsets(groups['ra'][b], groups['dec'][b], groups['ra'][a], groups['dec'][a])
    dist = np.hypot(east, north)
    direction = np.stack([east, north], axis=1) / np.maximum(dist, 1e-9)[:, None]
    across = np.stack([-direction[:, 1], direction[:, 0]], axis=1)

    # Lobes: each group extended along the joining line, significantly beyond the beam.
    major_err = _group_size_error(comp, labels, groups)
    lobes = np.ones(a.size, bool)
    marginal = np.ones(a.size, bool)
    for g in (a, b):
        cov = groups['cov'][g]
        along = _fwhm_along(cov, direction)
        width = _fwhm_along(cov, across)
        excess = along - beam_fwhm
        lobes &= (excess >= min_significance * major_err[g]) & (along >= width)
        # With a core, lobes need only be extended beyond the beam at 1 sigma: three
        # unresolved sources that happen to line up stay apart (both pass by chance 2.5%).
        marginal &= excess >= core_significance * major_err[g]

    # Cores: a fainter third group near the segment, between 20% and 80% of the way
    # (looked for in lobe pairs too, so that it joins their source).
    core = np.full(a.size, -1)
    mid = _unit_vectors(*_midpoints(groups, a, b))
    candidates = tree.query_ball_point(mid, chord / 2 + 1e-12)
    for p, near in enumerate(candidates):
        best, best_flux = -1, np.inf
        for k in near:
            if k in (a[p], b[p]) or groups['flux'][k] >= min(fa[p], fb[p]):
                continue
            e, nn = _offsets(groups['ra'][k], groups['dec'][k], groups['ra'][a[p]],
                             groups['dec'][a[p]])
            t = (e * direction[p, 0] + nn * direction[p, 1]) / dist[p]
            off = abs(e * across[p, 0] + nn * across[p, 1])
            if 0.2 <= t <= 0.8 and off <= max(beam_fwhm, core_width * dist[p]):
                if groups['flux'][k] < best_flux:
                    best, best_flux = k, groups['flux'][k]
        core[p] = best

    accepted, used = [], np.zeros(n, bool)
    for p in np.argsort(dist, kind='stable'):
        if not (lobes[p] or (core[p] >= 0 and marginal[p])) or used[a[p]] or used[b[p]]:
            continue
        members = [a[p], b[p]] + ([core[p]] if core[p] >= 0 and not used[core[p]] else [])
        used[members] = True
        accepted.append(tuple(members))
    return accepted


def _midpoints(groups, a, b):
    east, north = _offsets(groups['ra'][b], groups['dec'][b], groups['ra'][a], groups['dec'][a])
    dec = groups['dec'][a] + north / 2 / 3600.0
    ra = groups['ra'][a] + east / 2 / 3600.0 / np.cos(np.radians(groups['dec'][a]))
    return ra % 360.0, dec


def _group_size_error(comp, labels, groups):
    """Uncertainty of a group's size: its brightest component's major-axis error, scaled
    by the group's moment size (relative errors of sizes do not change under grouping)."""
    b = groups['brightest']
    major, _, _ = _shape_from_covariance(groups['cov'])
    return comp['major_err'][b] / comp['major'][b] * major


def group_components(components, beam, *, group_tol=10.0, island_threshold=4.0,
                     by_island=False, associate=True, max_separation=90 * u.arcsec,
                     max_flux_ratio=5.0, min_significance=3.0, core_width=0.1,
                     core_significance=1.0):
    """Which source each component belongs to.

    Parameters
    ----------
    components : `~astropy.table.QTable`
        A `component_table` (or a table with its columns, as in
        `make_sources`).
    beam : `radio_beam.Beam`
        Restoring beam.
    group_tol : float
        PyBDSF's ``group_tol`` (LoTSS: 10): larger values group more.
    island_threshold : float
        PyBDSF's ``thresh_isl`` in rms (LoTSS: 4): Gaussians of an island
        are grouped only if connected above this level.
    by_island : bool
        All the Gaussians of an island are one source (PyBDSF's
        ``group_by_isl=True``), instead of step 1 of the module docstring.
    associate : bool
        Also associate separate sources into double radio sources.
    max_separation : `~astropy.units.Quantity`
        Largest separation of associated lobes.
    max_flux_ratio : float
        Largest flux ratio of associated lobes.
    min_significance : float
        How many sigma beyond the beam each lobe must extend along the line
        joining the lobes (when no core is seen).
    core_width : float
        Half-width of the core search strip around the lobe axis, as a
        fraction of the lobe separation (at least one beam).
    core_significance : float
        With a core, how many sigma beyond the beam each lobe must extend
        along the lobe axis (so that three aligned unresolved sources stay
        apart).

    Returns
    -------
    source_id : `~numpy.ndarray` of int
        1, 2, ... for each component, numbered by decreasing source flux.

    See Also
    --------
    make_sources : the component and source tables.

    Examples
    --------
    Two compact sources 50" apart stay apart; two lobes extended along the
    line that joins them are one source:

    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from radio_beam import Beam
    >>> from lotss_tools.extraction import group_components
    >>> def pair(major, pa):
    ...     return QTable({'island_id': [1, 2], 'ra': [150.0, 150.0] * u.deg,
    ...                    'dec': [2.0, 2.0 + 50 / 3600] * u.deg,
    ...                    'total_flux': [20.0, 15.0] * u.mJy,
    ...                    'peak_flux': [20.0, 15.0] * u.mJy / u.beam * 36 / (6 * major),
    ...                    'major_fwhm': [major, major] * u.arcsec,
    ...                    'minor_fwhm': [6.0, 6.0] * u.arcsec, 'pa': [pa, pa] * u.deg,
    ...                    'local_rms': [0.1, 0.1] * u.mJy / u.beam})
    >>> group_components(pair(6.0, 0.0), Beam(6 * u.arcsec)).tolist()
    [1, 2]
    >>> group_components(pair(20.0, 0.0), Beam(6 * u.arcsec)).tolist()
    [1, 1]
    >>> group_components(pair(20.0, 90.0), Beam(6 * u.arcsec)).tolist()  # across the line
    [1, 2]
    """
    comp = _component_arrays(_complete(components, beam))
    n = comp['flux'].size
    if n == 0:
        return np.zeros(0, int)
    parent = np.arange(n)
    if by_island:
        parent = np.unique(comp['island_id'], return_index=True)[1][
            np.unique(comp['island_id'], return_inverse=True)[1]]
    else:
        _group_in_islands(comp, parent, group_tol, island_threshold)
    labels = np.array([_find(parent, i) for i in range(n)])
    labels = np.unique(labels, return_inverse=True)[1]
    if associate:
        beam_fwhm = float(np.sqrt((beam.major * beam.minor).to_value(u.arcsec ** 2)))
        separation = u.Quantity(max_separation, u.arcsec).to_value(u.arcsec)
        groups = np.arange(labels.max() + 1)
        for members in _associate(comp, labels, beam_fwhm, separation, max_flux_ratio,
                                  min_significance, core_width, core_significance):
            groups[list(members)] = min(members)
        labels = np.unique(groups[labels], return_inverse=True)[1]
    flux = np.bincount(labels, comp['flux'])
    rank = np.empty(flux.size, int)
    rank[np.argsort(-flux, kind='stable')] = np.arange(1, flux.size + 1)
    return rank[labels]


def _component_arrays(components):
    def value(name, unit):
        return np.asarray(u.Quantity(components[name]).to_value(unit), float)
    return dict(island_id=np.asarray(components['island_id']), ra=value('ra', u.deg),
                dec=value('dec', u.deg), flux=value('total_flux', u.mJy),
                peak=value('peak_flux', _MJY_BEAM), major=value('major_fwhm', u.arcsec),
                minor=value('minor_fwhm', u.arcsec), pa=value('pa', u.deg),
                rms=value('local_rms', _MJY_BEAM), major_err=value('major_fwhm_err', u.arcsec),
                flux_err=value('total_flux_err', u.mJy), ra_err=value('ra_err', u.arcsec),
                dec_err=value('dec_err', u.arcsec))


_SOURCE_DESCRIPTIONS = {
    'source_id': 'source number, 1, 2, ... by decreasing total flux',
    'ra': 'flux-weighted centroid of the components (ICRS)',
    'dec': 'flux-weighted centroid of the components (ICRS)',
    'ra_err': 'RA uncertainty (arcsec on the sky)',
    'dec_err': 'Dec uncertainty (arcsec)',
    'total_flux': 'sum of the components\' integrated flux densities',
    'total_flux_err': 'quadratic sum of the components\' flux errors',
    'peak_flux': 'highest brightness of the sum of the components\' Gaussians',
    'peak_flux_err': 'peak brightness uncertainty',
    'major_fwhm': 'major axis FWHM from the second moments of the components',
    'major_fwhm_err': 'major axis FWHM uncertainty, Condon (1997)',
    'minor_fwhm': 'minor axis FWHM from the second moments of the components',
    'minor_fwhm_err': 'minor axis FWHM uncertainty, Condon (1997)',
    'pa': 'position angle of the major axis, east of north',
    'pa_err': 'position angle uncertainty, Condon (1997)',
    'local_rms': 'noise rms at the brightest component',
    'snr': 'peak_flux / local_rms',
    'resolved': 'resolved by the LoTSS DR2 envelope (Shimwell et al. 2022, Sect. 3.1)',
    's_code': 'S: one Gaussian alone in its island; C: one Gaussian in an island with other '
              'sources; M: several Gaussians',
    'n_components': 'number of components',
    'island_id': 'island of the brightest component',
    'n_islands': 'number of islands the components lie in',
}


def make_sources(components, beam, *, flux_scale_error=0.0, **grouping):
    """Group components into sources: the component and source tables of a catalogue.

    Parameters
    ----------
    components : `~astropy.table.QTable`
        A `component_table`, or any table with its ``island_id``, ``ra``,
        ``dec``, ``total_flux``, ``peak_flux``, ``major_fwhm``,
        ``minor_fwhm``, ``pa`` and ``local_rms`` columns (missing error
        columns are computed with `~lotss_tools.extraction.condon_errors`).
    beam : `radio_beam.Beam`
        Restoring beam.
    flux_scale_error : float
        Fractional flux-scale error for the shape uncertainties of
        multi-component sources (as in `component_table`; the flux errors of
        a source are the sum of its components', which already include it).
    **grouping
        Options of `group_components`.

    Returns
    -------
    components : `~astropy.table.QTable`
        The input with ``source_id`` and ``s_code`` columns added.
    sources : `~astropy.table.QTable`
        One row per source: ``source_id``, ``ra``, ``dec``, ``ra_err``,
        ``dec_err``, ``total_flux``, ``total_flux_err``, ``peak_flux``,
        ``peak_flux_err``, ``major_fwhm``, ``major_fwhm_err``,
        ``minor_fwhm``, ``minor_fwhm_err``, ``pa``, ``pa_err``,
        ``dc_major_fwhm``, ``dc_minor_fwhm``, ``dc_pa``, ``deconvolved``,
        ``resolved``, ``local_rms``, ``snr``, ``s_code``, ``n_components``,
        ``island_id``, ``n_islands``; described columns.

    Notes
    -----
    A single-component source copies its component. For several components
    (``M``): the flux is their sum and its error their quadratic sum (as
    PyBDSF); the position is their flux-weighted centroid, with errors
    propagated from the components' position and flux errors; the size and
    position angle are the second moments of the sum of their Gaussians,
    with Condon errors computed for that ellipse; the peak is the largest
    value of the sum of Gaussians at the components' centres, with the local
    rms as error (as PyBDSF).

    Examples
    --------
    >>> import numpy as np, astropy.units as u
    >>> from radio_beam import Beam
    >>> from astropy.table import QTable
    >>> from lotss_tools.extraction import make_sources
    >>> comps = QTable({'island_id': [1, 1, 2],
    ...                 'ra': [150.0, 150.0005, 150.1] * u.deg, 'dec': [2.0, 2.0, 2.0] * u.deg,
    ...                 'total_flux': [10.0, 8.0, 3.0] * u.mJy,
    ...                 'peak_flux': [9.0, 7.0, 3.0] * u.mJy / u.beam,
    ...                 'major_fwhm': [7.0, 7.0, 6.0] * u.arcsec,
    ...                 'minor_fwhm': [6.0, 6.0, 6.0] * u.arcsec, 'pa': [90, 90, 0] * u.deg,
    ...                 'local_rms': [0.1, 0.1, 0.1] * u.mJy / u.beam})
    >>> components, sources = make_sources(comps, Beam(6 * u.arcsec))
    >>> components['source_id'].tolist(), sources['s_code'].tolist()
    ([1, 1, 2], ['M', 'S'])
    >>> sources['total_flux']
    <Quantity [18.,  3.] mJy>
    """
    components = _complete(components, beam)
    source_id = group_components(components, beam, **grouping)
    comp = _component_arrays(components)
    n_src = int(source_id.max()) if source_id.size else 0
    labels = source_id - 1
    n_comp = np.bincount(labels, minlength=n_src) if n_src else np.zeros(0, int)

    # Code: M for several components, C if its island holds other sources, else S.
    island_sources = {}
    for isl, sid in zip(comp['island_id'], source_id):
        island_sources.setdefault(isl, set()).add(sid)
    shared = np.array([len(island_sources[isl]) > 1 for isl in comp['island_id']], bool)
    codes = np.where(n_comp[labels] > 1, 'M', np.where(shared, 'C', 'S'))
    components['source_id'] = source_id
    components['s_code'] = codes
    _describe(components, _COMPONENT_DESCRIPTIONS)

    sources = _source_rows(components, comp, labels, n_src, beam, flux_scale_error)
    sources['s_code'] = codes[sources.meta.pop('first')] if n_src else np.zeros(0, str)
    sources['n_components'] = n_comp
    sources['island_id'] = comp['island_id'][sources.meta.pop('brightest')] if n_src else []
    pairs = np.unique(np.stack([labels, comp['island_id']]), axis=1) if n_src else np.zeros((2, 0))
    sources['n_islands'] = np.bincount(pairs[0].astype(int), minlength=n_src)
    _describe(sources, _SOURCE_DESCRIPTIONS)
    sources.meta['s_codes'] = S_CODES
    return components, sources


def _source_rows(components, comp, labels, n_src, beam, flux_scale_error):
    """The measured columns of the source table."""
    groups = _summarise(comp, labels) if n_src else None
    table = QTable()
    table['source_id'] = np.arange(1, n_src + 1)
    if not n_src:
        for name in ('ra', 'dec'):
            table[name] = np.zeros(0) * u.deg
        table.meta.update(first=np.zeros(0, int), brightest=np.zeros(0, int))
        return table
    counts = np.bincount(labels, minlength=n_src)
    brightest = groups['brightest']
    first = np.unique(labels, return_index=True)[1]
    single = counts == 1
    major, minor, pa = _shape_from_covariance(groups['cov'])

    # Peak: the sum of the source's Gaussians, at its components' centres.
    peak = np.zeros(n_src)
    for s in np.flatnonzero(~single):
        members = np.flatnonzero(labels == s)
        e, nn = _offsets(comp['ra'][members], comp['dec'][members], groups['ra'][s],
                         groups['dec'][s])
        centres = np.stack([e, nn], axis=1)
        inv = np.linalg.inv(_covariance(comp['major'][members], comp['minor'][members],
                                        comp['pa'][members]))
        peak[s] = _model_along(centres, centres, comp['peak'][members], inv).max()
    peak[single] = comp['peak'][brightest[single]]
    rms = comp['rms'][brightest]

    # Position errors: propagated from the components' positions and fluxes.
    w = comp['flux'] / groups['flux'][labels]
    east, north = _offsets(comp['ra'], comp['dec'], groups['ra'][labels], groups['dec'][labels])
    relative_flux_err = comp['flux_err'] / groups['flux'][labels]
    ra_err = np.sqrt(np.bincount(labels, (w * comp['ra_err']) ** 2
                                 + (east * relative_flux_err) ** 2, n_src))
    dec_err = np.sqrt(np.bincount(labels, (w * comp['dec_err']) ** 2
                                  + (north * relative_flux_err) ** 2, n_src))
    flux_err = np.sqrt(np.bincount(labels, comp['flux_err'] ** 2, n_src))
    shape_err = condon_errors(peak * _MJY_BEAM, groups['flux'] * u.mJy, major * u.arcsec,
                              minor * u.arcsec, pa * u.deg, rms * _MJY_BEAM, beam,
                              flux_scale_error=flux_scale_error)

    def pick(name, multi):
        """Component value for single sources, ``multi`` for the others."""
        single_value = np.asarray(u.Quantity(components[name][brightest]).value)
        return np.where(single, single_value, multi)

    table['ra'] = pick('ra', groups['ra']) * u.deg
    table['dec'] = pick('dec', groups['dec']) * u.deg
    table['ra_err'] = pick('ra_err', ra_err) * u.arcsec
    table['dec_err'] = pick('dec_err', dec_err) * u.arcsec
    table['total_flux'] = groups['flux'] * u.mJy
    table['total_flux_err'] = flux_err * u.mJy
    table['peak_flux'] = peak * _MJY_BEAM
    table['peak_flux_err'] = pick('peak_flux_err', rms if not flux_scale_error else
                                  np.hypot(rms, flux_scale_error * peak)) * _MJY_BEAM
    for name, multi in (('major_fwhm', major), ('minor_fwhm', minor), ('pa', pa)):
        table[name] = pick(name, multi) * components[name].unit
        err = f'{name}_err'
        table[err] = pick(err, shape_err[err].value) * components[err].unit
    sizes = deconvolve_sizes(table['major_fwhm'], table['minor_fwhm'], table['pa'], beam)
    for name in sizes.colnames:
        table[name] = sizes[name]
    table['resolved'] = resolved_flag(table['total_flux'], table['peak_flux'], rms * _MJY_BEAM)
    table['local_rms'] = rms * _MJY_BEAM
    table['snr'] = peak / rms
    table.meta.update(first=first, brightest=brightest)
    return table


def _complete(components, beam):
    """A copy of a component table, with Condon errors where its error columns are missing."""
    components = QTable(components, copy=True)
    if all(f'{n}_err' in components.colnames for n in ('ra', 'dec', 'total_flux', 'major_fwhm')):
        return components
    errors = condon_errors(components['peak_flux'], components['total_flux'],
                           components['major_fwhm'], components['minor_fwhm'],
                           components['pa'], components['local_rms'], beam)
    for name in errors.colnames:
        if name not in components.colnames:
            components[name] = errors[name]
    return components
