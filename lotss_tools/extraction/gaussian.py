"""Elliptical Gaussian fits to the islands of a dendrogram, compiled with numba.

An *island* is a trunk of the dendrogram (a connected region above
``min_value``); its *leaves* are the significant peaks inside it. As PyBDSF
fits Gaussians inside its islands, `fit_islands` fits one elliptical
Gaussian per leaf (up to ``max_components``), all the Gaussians of an island
at once, by Levenberg-Marquardt least squares with an analytic Jacobian. Each
island is a small independent problem; the compiled fit releases the GIL and
chunks of islands run on threads, so tens of thousands of islands cost
seconds.

Everything here is in pixel units; `~lotss_tools.extraction.component_table`
turns a fit into sky units with uncertainties.
"""

import enum
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from .._numba import jit

from .measure import measure_structures

__all__ = ['FitFlag', 'IslandFit', 'fit_islands', 'gaussian_image']

#: Parameters per Gaussian: amplitude, x0, y0 and the inverse covariance (a, b, c).
_NPAR = 6
#: A Gaussian farther than this many sigma from a pixel is not evaluated there.
_CUTOFF_Q = 6.0 ** 2
#: A chi-square decrease (in units of the noise) small enough to stop iterating.
_CHI2_STEP = 1e-2


class FitFlag(enum.IntFlag):
    """Quality flags of a fitted component (bits; 0 means a clean fit).

    Attributes
    ----------
    OK : 0
        Converged fit, no bound reached.
    MOMENTS : 1
        The fit failed; the component holds the moment measurement of its
        leaf (`~lotss_tools.extraction.measure_structures`) instead.
    NOT_CONVERGED : 2
        The fit stopped at ``max_iter`` before converging (values kept).
    SIZE_AT_BOUND : 4
        A fitted size reached the lower (``min_size`` beams) or upper bound.
    COMPONENTS_DROPPED : 8
        The island had components the fit could not keep (negative or
        drifted out of the island, or more leaves than ``max_components``);
        the island was refitted without them.
    """

    OK = 0
    MOMENTS = 1
    NOT_CONVERGED = 2
    SIZE_AT_BOUND = 4
    COMPONENTS_DROPPED = 8


# ---------------------------------------------------------------------------
# Compiled kernels
# ---------------------------------------------------------------------------

@jit(nogil=True)
def _residuals(p, k, x, y, v, w, model):
    """Model of ``k`` Gaussians at the pixels and the weighted chi2."""
    chi2 = 0.0
    for i in range(x.size):
        m = 0.0
        for j in range(k):
            o = _NPAR * j
            dx = x[i] - p[o + 1]
            dy = y[i] - p[o + 2]
            q = p[o + 3] * dx * dx + 2.0 * p[o + 4] * dx * dy + p[o + 5] * dy * dy
            if q < _CUTOFF_Q:
                m += p[o] * math.exp(-0.5 * q)
        model[i] = m
        r = v[i] - m
        chi2 += w[i] * r * r
    return chi2


@jit(nogil=True)
def _normal_equations(p, k, x, y, v, w, jtj, jtr, row, active):
    """Accumulate J^T W J and J^T W r for ``k`` Gaussians; returns chi2."""
    n = _NPAR * k
    jtj[:n, :n] = 0.0
    jtr[:n] = 0.0
    chi2 = 0.0
    for i in range(x.size):
        m = 0.0
        na = 0
        for j in range(k):
            o = _NPAR * j
            dx = x[i] - p[o + 1]
            dy = y[i] - p[o + 2]
            q = p[o + 3] * dx * dx + 2.0 * p[o + 4] * dx * dy + p[o + 5] * dy * dy
            if q < _CUTOFF_Q:
                e = math.exp(-0.5 * q)
                g = p[o] * e
                m += g
                row[o] = e
                row[o + 1] = g * (p[o + 3] * dx + p[o + 4] * dy)
                row[o + 2] = g * (p[o + 4] * dx + p[o + 5] * dy)
                row[o + 3] = -0.5 * g * dx * dx
                row[o + 4] = -g * dx * dy
                row[o + 5] = -0.5 * g * dy * dy
                active[na] = j
                na += 1
        r = v[i] - m
        wi = w[i]
        chi2 += wi * r * r
        for ja in range(na):
            oa = _NPAR * active[ja]
            for s in range(_NPAR):
                ws = wi * row[oa + s]
                jtr[oa + s] += ws * r
                for jb in range(ja, na):
                    ob = _NPAR * active[jb]
                    start = s if jb == ja else 0
                    for t in range(start, _NPAR):
                        jtj[oa + s, ob + t] += ws * row[ob + t]
    # Only the upper triangle was accumulated (active components are in increasing order).
    for s in range(n):
        for t in range(s + 1, n):
            jtj[t, s] = jtj[s, t]
    return chi2


@jit(nogil=True)
def _cholesky_solve(a, b, n, out):
    """Solve ``a x = b`` for a symmetric positive definite ``a`` (n x n); False if not SPD."""
    lower = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            s = a[i, j]
            for m in range(j):
                s -= lower[i, m] * lower[j, m]
            if i == j:
                if not s > 0.0:
                    return False
                lower[i, i] = math.sqrt(s)
            else:
                lower[i, j] = s / lower[j, j]
    for i in range(n):
        s = b[i]
        for m in range(i):
            s -= lower[i, m] * out[m]
        out[i] = s / lower[i, i]
    for i in range(n - 1, -1, -1):
        s = out[i]
        for m in range(i + 1, n):
            s -= lower[m, i] * out[m]
        out[i] = s / lower[i, i]
    return True


@jit(nogil=True)
def _project_shape(p, o, lam_min, lam_max):
    """Clip the eigenvalues of the inverse covariance of component ``o`` into
    [lam_min, lam_max]; returns True if it had to clip."""
    a, b, c = p[o + 3], p[o + 4], p[o + 5]
    t = 0.5 * (a + c)
    d = math.sqrt(0.25 * (a - c) ** 2 + b * b)
    l1, l2 = t + d, t - d
    if l1 <= lam_max and l2 >= lam_min:
        return False
    phi = 0.5 * math.atan2(2.0 * b, a - c)
    l1 = min(max(l1, lam_min), lam_max)
    l2 = min(max(l2, lam_min), lam_max)
    cs, sn = math.cos(phi), math.sin(phi)
    p[o + 3] = l1 * cs * cs + l2 * sn * sn
    p[o + 5] = l1 * sn * sn + l2 * cs * cs
    p[o + 4] = (l1 - l2) * sn * cs
    return True


@jit(nogil=True)
def _levenberg_marquardt(p, k, x, y, v, w, lam_min, lam_max, max_iter, tol):
    """Fit ``k`` Gaussians (parameters ``p``, modified in place).

    Returns (status, iterations, chi2): status 0 converged, 1 stopped at
    ``max_iter``, 2 numerical failure.
    """
    n = _NPAR * k
    jtj = np.empty((n, n))
    jtr = np.empty(n)
    row = np.empty(n)
    active = np.empty(k, np.int64)
    step = np.empty(n)
    trial = np.empty(n)
    model = np.empty(x.size)
    a = np.empty((n, n))
    lam = 1e-3
    new_chi2 = 0.0
    for o in range(0, n, _NPAR):
        _project_shape(p, o, lam_min, lam_max)
    chi2 = _normal_equations(p, k, x, y, v, w, jtj, jtr, row, active)
    if not math.isfinite(chi2):
        return 2, 0, chi2
    for it in range(1, max_iter + 1):
        dmax = 0.0
        for s in range(n):
            dmax = max(dmax, jtj[s, s])
        if not dmax > 0.0:
            return 2, it, chi2
        accepted = False
        while lam < 1e12:
            for s in range(n):
                for t in range(n):
                    a[s, t] = jtj[s, t]
                a[s, s] += lam * max(jtj[s, s], 1e-9 * dmax)
            if not _cholesky_solve(a, jtr, n, step):
                lam *= 10.0
                continue
            for s in range(n):
                trial[s] = p[s] + step[s]
            valid = True
            for o in range(0, n, _NPAR):
                _project_shape(trial, o, lam_min, lam_max)
                det = trial[o + 3] * trial[o + 5] - trial[o + 4] ** 2
                if not (det > 0.0 and trial[o + 3] > 0.0 and math.isfinite(trial[o])):
                    valid = False
            new_chi2 = _residuals(trial, k, x, y, v, w, model) if valid else np.inf
            if new_chi2 <= chi2:
                accepted = True
                break
            lam *= 10.0
        if not accepted:
            return 0, it, chi2          # no step lowers chi2: at the minimum
        small = True
        for s in range(n):
            scale = abs(p[s]) + 1e-3
            if abs(trial[s] - p[s]) > tol * scale:
                small = False
            p[s] = trial[s]
        decrease = chi2 - new_chi2
        lam = max(lam * 0.1, 1e-9)
        chi2 = _normal_equations(p, k, x, y, v, w, jtj, jtr, row, active)
        if small or decrease <= tol * chi2 or decrease < _CHI2_STEP:
            return 0, it, chi2
    return 1, max_iter, chi2


@jit(nogil=True)
def _fit_island(x, y, v, w, p0, k0, lam_min, lam_max, box, max_iter, tol, p_out, keep):
    """Fit an island, dropping failed components and refitting the others.

    ``p0`` holds ``k0`` initial guesses (brightest first); ``keep[j]`` says
    which to fit on entry and which were kept on return, ``p_out`` their
    parameters. A
    component fails when its peak is not positive or its centre leaves the
    island's box; all failed components are dropped at once and the others
    refitted from where they ended. Returns (status, iterations, chi2, dropped).
    """
    dropped = False
    n_ok = 0
    for j in range(k0):
        if keep[j]:
            if x.size >= _NPAR * (n_ok + 1):
                n_ok += 1
            else:
                keep[j] = False
                dropped = True
        for t in range(_NPAR):
            p_out[_NPAR * j + t] = p0[_NPAR * j + t]
    total_iter = 0
    while True:
        k = 0
        for j in range(k0):
            if keep[j]:
                k += 1
        if k == 0:
            return 2, total_iter, np.inf, dropped
        p = np.empty(_NPAR * k)
        i = 0
        for j in range(k0):
            if keep[j]:
                for t in range(_NPAR):
                    p[_NPAR * i + t] = p_out[_NPAR * j + t]
                i += 1
        status, n_iter, chi2 = _levenberg_marquardt(p, k, x, y, v, w, lam_min, lam_max,
                                                    max_iter, tol)
        total_iter += n_iter
        if status == 2:
            # A numerical failure does not tell which component is wrong: retry
            # without the faintest, all from their initial guesses.
            last = -1
            for j in range(k0):
                if keep[j]:
                    last = j
                    for t in range(_NPAR):
                        p_out[_NPAR * j + t] = p0[_NPAR * j + t]
            keep[last] = False
            dropped = True
            continue
        n_bad = 0
        i = 0
        for j in range(k0):
            if not keep[j]:
                continue
            o = _NPAR * i
            for t in range(_NPAR):
                p_out[_NPAR * j + t] = p[o + t]
            if not (p[o] > 0.0 and box[0] <= p[o + 1] <= box[1] and box[2] <= p[o + 2] <= box[3]):
                keep[j] = False
                n_bad += 1
            i += 1
        if n_bad == 0:
            return status, total_iter, chi2, dropped
        dropped = True


@jit(nogil=True)
def _tapered(p, keep, k0, x, y, w, taper, out):
    """Weights ``w`` times the largest ``exp(-taper q / 2)`` of the kept Gaussians ``p``."""
    for i in range(x.size):
        best = 0.0
        for j in range(k0):
            if not keep[j]:
                continue
            o = _NPAR * j
            dx = x[i] - p[o + 1]
            dy = y[i] - p[o + 2]
            q = p[o + 3] * dx * dx + 2.0 * p[o + 4] * dx * dy + p[o + 5] * dy * dy
            best = max(best, math.exp(-0.5 * taper * q))
        out[i] = w[i] * best


@jit(nogil=True)
def _fit_range(first, last, pix_start, px, py, pv, pw, comp_start, p0, lam_min, lam_max, boxes,
               max_iter, tol, taper, p_out, keep, status, n_iter, chi2, dropped):
    """Fit islands ``first`` to ``last - 1`` (releases the GIL: run on threads)."""
    # lam_min (per island) and lam_max bound the inverse-covariance eigenvalues.
    for isl in range(first, last):
        a, b = pix_start[isl], pix_start[isl + 1]
        c0, c1 = comp_start[isl], comp_start[isl + 1]
        k0 = c1 - c0
        if k0 == 0:
            continue
        # Work in units of the island's brightest guess, around its first guess.
        scale = 0.0
        for j in range(c0, c1):
            scale = max(scale, abs(p0[j, 0]))
        if not scale > 0.0:
            scale = 1.0
        xr, yr = p0[c0, 1], p0[c0, 2]
        m = b - a
        x, y, v, w = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
        for i in range(m):
            x[i] = px[a + i] - xr
            y[i] = py[a + i] - yr
            v[i] = pv[a + i] / scale
            w[i] = pw[a + i] * scale * scale
        guess = np.empty(_NPAR * k0)
        for j in range(k0):
            for t in range(_NPAR):
                guess[_NPAR * j + t] = p0[c0 + j, t]
            guess[_NPAR * j] /= scale
            guess[_NPAR * j + 1] -= xr
            guess[_NPAR * j + 2] -= yr
        box = np.empty(4)
        box[0], box[1] = boxes[isl, 0] - xr, boxes[isl, 1] - xr
        box[2], box[3] = boxes[isl, 2] - yr, boxes[isl, 3] - yr
        out = np.zeros(_NPAR * k0)
        kept = np.ones(k0, np.bool_)
        weights = w.copy()
        total_iter, any_dropped = 0, False
        # Tapered weights come from the initial guesses, then from the first fit.
        for fit_pass in range(2 if taper > 0 else 1):
            if taper > 0:
                _tapered(guess, kept, k0, x, y, w, taper, weights)
            s, it, c2, dr = _fit_island(x, y, v, weights, guess, k0, lam_min[isl], lam_max,
                                        box, max_iter, tol, out, kept)
            total_iter += it
            any_dropped = any_dropped or dr
            n_kept = 0
            for j in range(k0):
                if kept[j]:
                    n_kept += 1
            if n_kept == 0:
                break
            for t in range(_NPAR * k0):
                guess[t] = out[t]
        status[isl], n_iter[isl], chi2[isl], dropped[isl] = s, total_iter, c2, any_dropped
        for j in range(k0):
            keep[c0 + j] = kept[j]
            if kept[j]:
                p_out[c0 + j, 0] = out[_NPAR * j] * scale
                p_out[c0 + j, 1] = out[_NPAR * j + 1] + xr
                p_out[c0 + j, 2] = out[_NPAR * j + 2] + yr
                for t in range(3, _NPAR):
                    p_out[c0 + j, t] = out[_NPAR * j + t]


@jit(nogil=True)
def _model_at(pix_start, px, py, comp_start, p, keep, out):
    """Sum of the kept Gaussians of each island at that island's pixels."""
    n_islands = pix_start.size - 1
    for isl in range(n_islands):
        for i in range(pix_start[isl], pix_start[isl + 1]):
            m = 0.0
            for j in range(comp_start[isl], comp_start[isl + 1]):
                if not keep[j]:
                    continue
                dx = px[i] - p[j, 1]
                dy = py[i] - p[j, 2]
                q = p[j, 3] * dx * dx + 2.0 * p[j, 4] * dx * dy + p[j, 5] * dy * dy
                if q < _CUTOFF_Q:
                    m += p[j, 0] * math.exp(-0.5 * q)
            out[i] = m


@jit(nogil=True)
def _group_by_label(labels, n_labels):
    """Stable counting sort: order of ``labels`` grouped by label, and group starts."""
    counts = np.zeros(n_labels + 2, np.int64)
    for i in range(labels.size):
        counts[labels[i] + 1] += 1
    for k in range(1, n_labels + 2):
        counts[k] += counts[k - 1]
    starts = counts.copy()          # starts[k]: first position of label k; size n_labels + 2
    order = np.empty(labels.size, np.int64)
    for i in range(labels.size):
        order[counts[labels[i]]] = i
        counts[labels[i]] += 1
    return order, starts


@jit(nogil=True)
def _margins(labels, starts, pixels, wanted, margin, out_start, out_pixels, fill):
    """Pixels within ``margin`` (square window) of each wanted island that belong to no
    island. Counts them into ``out_start`` (``fill=False``) or writes them into
    ``out_pixels`` after ``out_start`` (``fill=True``)."""
    ny, nx = labels.shape
    for w in range(wanted.size):
        isl = wanted[w]
        a, b = starts[isl], starts[isl + 1]
        r0, r1, c0, c1 = ny, -1, nx, -1
        for i in range(a, b):
            r, c = pixels[i] // nx, pixels[i] % nx
            r0, r1, c0, c1 = min(r0, r), max(r1, r), min(c0, c), max(c1, c)
        h, wd = r1 - r0 + 1 + 2 * margin, c1 - c0 + 1 + 2 * margin
        inside = np.zeros((h, wd), np.bool_)
        for i in range(a, b):
            inside[pixels[i] // nx - r0 + margin, pixels[i] % nx - c0 + margin] = True
        rows = np.zeros((h, wd), np.bool_)          # dilation along x, then along y
        for r in range(h):
            for c in range(wd):
                if inside[r, c]:
                    for d in range(max(c - margin, 0), min(c + margin + 1, wd)):
                        rows[r, d] = True
        n = 0
        for c in range(wd):
            for r in range(h):
                near = False
                for d in range(max(r - margin, 0), min(r + margin + 1, h)):
                    if rows[d, c]:
                        near = True
                        break
                if not near or inside[r, c]:
                    continue
                gr, gc = r + r0 - margin, c + c0 - margin
                if gr < 0 or gr >= ny or gc < 0 or gc >= nx or labels[gr, gc] != 0:
                    continue
                if fill:
                    out_pixels[out_start[w] + n] = gr * nx + gc
                n += 1
        if not fill:
            out_start[w] = n


# ---------------------------------------------------------------------------
# Shape conversions (vectorised)
# ---------------------------------------------------------------------------

def _shape_to_precision(sigma_major, sigma_minor, theta):
    """Inverse covariance (a, b, c) of Gaussians with the given sigmas and angle from +x."""
    c, s = np.cos(theta), np.sin(theta)
    l1, l2 = 1.0 / sigma_major ** 2, 1.0 / sigma_minor ** 2
    return l1 * c * c + l2 * s * s, (l1 - l2) * s * c, l1 * s * s + l2 * c * c


def _precision_to_shape(a, b, c):
    """Sigmas (major, minor) and major-axis angle from +x of inverse covariances."""
    t = 0.5 * (a + c)
    d = np.sqrt(0.25 * (a - c) ** 2 + b * b)
    with np.errstate(divide='ignore', invalid='ignore'):
        sigma_major = 1.0 / np.sqrt(t - d)     # smallest eigenvalue of the precision
        sigma_minor = 1.0 / np.sqrt(t + d)
    # The major axis is the eigenvector of the smallest precision eigenvalue.
    theta = 0.5 * np.arctan2(-2.0 * b, c - a)
    return sigma_major, sigma_minor, np.mod(theta + np.pi / 2, np.pi) - np.pi / 2


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------

class IslandFit(dict):
    """Result of `fit_islands`: a dict of per-component arrays (pixel units).

    One entry per component (an accepted Gaussian, or a moment fall-back),
    ordered by island then by decreasing initial peak:

    ``island``
        Label of the island (in the ``islands`` image) the component belongs to.
    ``leaf``
        Label of the leaf (in the ``leaves`` image) that seeded it.
    ``x``, ``y``
        Centre, 0-based pixels.
    ``peak``
        Peak brightness (unit of the image).
    ``flux``
        Integrated flux, ``2 pi peak sigma_major sigma_minor / beam_area``
        (the image unit times beam, i.e. Jy for a Jy/beam image).
    ``sigma_major``, ``sigma_minor``
        Standard deviations along the axes, pixels (FWHM / 2.3548).
    ``theta``
        Angle of the major axis from +x, counter-clockwise, radians in
        [-pi/2, pi/2).
    ``residual_rms``
        Rms of (data - model) over the island's own pixels (image unit),
        the same for every component of an island.
    ``chi2``
        Reduced chi-square of the island's fit, ``sum(((data - model) /
        rms)**2) / (n_pixels - n_parameters)``; noise correlated over a beam
        does not change its expectation (1), only its spread.
    ``n_pixels``
        Pixels fitted (island plus margin).
    ``n_iter``
        Levenberg-Marquardt iterations spent on the island.
    ``flag``
        `FitFlag` bits.

    ``meta`` (attribute) records the parameters of the fit.
    """

    meta = None

    def __len__(self):
        return int(self['island'].size) if 'island' in self else 0

    def __repr__(self):
        return f'<IslandFit: {len(self)} components in {np.unique(self["island"]).size} islands>'


def _as_image(array, shape, name):
    array = np.asarray(array)
    if array.ndim == 0:
        return np.broadcast_to(array.astype(float), shape)
    if array.shape != shape:
        raise ValueError(f'{name} has shape {array.shape}, the image has {shape}.')
    return array


def _at(image, pixels):
    """Values of a 2-D image at flat (C-order) pixel indices, without copying the image."""
    if image.flags.c_contiguous:
        return image.ravel()[pixels]
    return image[np.divmod(pixels, image.shape[1])]


def _ranges(starts, counts):
    """Concatenated ``arange(start, start + count)`` for each pair."""
    counts = np.asarray(counts, np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(np.asarray(starts, np.int64) - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(total)


def _run_chunks(kernel, args, pix_start, n_jobs):
    """Run ``kernel(first, last, *args)`` over chunks of islands on ``n_jobs`` threads.

    Chunks hold similar numbers of pixels (the cost of a fit grows with them),
    several per thread so that a slow island does not leave threads idle.
    """
    n_islands = pix_start.size - 1
    workers = os.cpu_count() if n_jobs == -1 else int(n_jobs)
    n_chunks = 1 if workers == 1 else min(n_islands, 8 * workers)
    if n_chunks <= 1:
        kernel(0, n_islands, *args)
        return
    targets = np.linspace(0, pix_start[-1], n_chunks + 1)[1:-1]
    bounds = np.unique(np.concatenate(([0], np.searchsorted(pix_start, targets), [n_islands])))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(kernel, a, b, *args) for a, b in zip(bounds[:-1], bounds[1:])]:
            future.result()


def fit_islands(flux, rms, islands, leaves, beam_sigma, *, margin=2, taper=1.0,
                max_components=15, min_size=0.5, max_iter=100, tol=1e-4, moments=None,
                n_jobs=-1):
    """Fit elliptical Gaussians to the islands of an image, seeded by their leaves.

    Parameters
    ----------
    flux : `~numpy.ndarray`
        Background-subtracted image (e.g. Jy/beam); NaN pixels are ignored.
    rms : `~numpy.ndarray` or float
        Noise rms map (same unit) or a single value. Pixels are weighted by
        ``1 / rms**2``.
    islands : `~numpy.ndarray` of int
        Island labels (0 = background), e.g.
        ``compute_dendrogram(...).trunk_labels()``.
    leaves : `~numpy.ndarray` of int
        Leaf labels of the same dendrogram (``leaf_labels()``): each leaf
        inside an island seeds one Gaussian.
    beam_sigma : tuple of two floats
        Restoring beam ``(sigma_major, sigma_minor)`` in pixels (FWHM /
        2.3548). Sets the total-flux scale (the beam area) and the size
        bounds.
    margin : int
        Pixels around each island (within this many pixels, in no island)
        also fitted, so the fit sees the wings of a source below the island
        boundary instead of only the pixels that noise lifted above it
        (which biases faint sources up). A margin pixel near two islands
        serves both fits. 0 fits the island's pixels only, as PyBDSF.
    taper : float
        Weight each pixel by ``exp(-taper * q / 2)`` besides ``1 / rms**2``,
        where ``q`` is the quadratic form of the nearest fitted Gaussian (its
        squared distance in sigmas): 1 (default) weights the pixels by the
        source's own profile, 0 weights them uniformly. In noise correlated
        over the beam, uniform weights let the faint wings, whose noise is
        correlated with that of the core, degrade the fit: for unresolved
        sources the taper shrinks the position errors by 16% and the size
        errors by 25% (and changes little for sources twice the beam). The
        weights come from the initial guesses, then the fit is repeated
        with weights from its first result. The uncertainties of
        `~lotss_tools.extraction.condon_errors` follow the same weighting.
    max_components : int
        Most Gaussians per island: the brightest leaves seed them, the other
        leaves are left out (flag ``COMPONENTS_DROPPED``).
    min_size : float
        Lower bound of a fitted sigma, in units of the beam's minor sigma.
        The fitted sizes are free down to half the beam by default (a
        numerical guard only), so that the sizes of unresolved sources
        scatter symmetrically around the beam and their uncertainties are
        calibrated; 1 floors every Gaussian at the beam.
    max_iter : int
        Levenberg-Marquardt iterations per attempt.
    tol : float
        The fit stops when no parameter changes by more than ``tol`` times
        itself, or the chi-square (in units of the noise) decreases by less
        than ``tol`` times itself or by less than 0.01.
    moments : dict, optional
        ``measure_structures(flux, leaves)`` if already computed.
    n_jobs : int
        Threads fitting islands at the same time (-1: one per core). The
        compiled fit releases the GIL.

    Returns
    -------
    fit : `IslandFit`
        Per-component arrays (see `IslandFit`).

    Notes
    -----
    Each leaf starts a Gaussian at its flux-weighted centroid with its peak
    brightness and its (truncation-corrected) second moments, floored at the
    beam. All the Gaussians of an island are fitted together by
    Levenberg-Marquardt (analytic Jacobian, Marquardt damping) on the
    parameters ``(peak, x0, y0, a, b, c)`` with the model ``peak * exp(-(a
    dx**2 + 2 b dx dy + c dy**2) / 2)``: the inverse covariance has no
    angle degeneracy for round sources; its eigenvalues are kept between the
    size bounds by projection. A component that ends with a non-positive
    peak or outside the island's bounding box is dropped and the island is
    refitted; an island whose last Gaussian fails keeps the moment
    measurement of its brightest leaf (flag ``MOMENTS``). Nothing is ever
    silently NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from lotss_tools.extraction import compute_dendrogram, fit_islands
    >>> yy, xx = np.mgrid[:40, :40]
    >>> image = 10 * np.exp(-((xx - 20.3) ** 2 / 2 / 3.0 ** 2 + (yy - 18.6) ** 2 / 2 / 2.0 ** 2))
    >>> tree = compute_dendrogram(image, 0.5, 0.5, 4)
    >>> fit = fit_islands(image, 0.01, tree.trunk_labels(), tree.leaf_labels(), (1.7, 1.7))
    >>> print(np.round([fit['x'][0], fit['y'][0], fit['peak'][0]], 3))
    [20.3 18.6 10. ]
    >>> print(np.round([fit['sigma_major'][0], fit['sigma_minor'][0]], 3), int(fit['flag'][0]))
    [3. 2.] 0
    """
    flux = np.asarray(flux)
    if flux.ndim != 2:
        raise ValueError(f'flux must be a 2-D image, not {flux.ndim}-D.')
    if flux.dtype.kind != 'f':
        flux = flux.astype(float)
    shape = flux.shape
    scalar_rms = np.ndim(rms) == 0
    rms = _as_image(rms, shape, 'rms')
    islands = np.ascontiguousarray(_as_image(islands, shape, 'islands'))
    leaves = np.asarray(_as_image(leaves, shape, 'leaves'))
    if islands.dtype.kind not in 'iu' or leaves.dtype.kind not in 'iu':
        raise TypeError('islands and leaves must be integer label images.')
    sig_maj, sig_min = (float(s) for s in beam_sigma)
    if not (sig_maj > 0 and sig_min > 0):
        raise ValueError(f'beam_sigma must be two positive sizes in pixels, not {beam_sigma!r}.')
    if int(max_components) != max_components or max_components < 1:
        raise ValueError(f'max_components must be a positive integer, not {max_components!r}.')
    if not min_size > 0:
        raise ValueError(f'min_size must be positive, not {min_size!r}.')
    if not (np.isscalar(taper) and taper >= 0):
        raise ValueError(f'taper must be a number >= 0, not {taper!r}.')
    if not (n_jobs == -1 or (int(n_jobs) == n_jobs and n_jobs >= 1)):
        raise ValueError(f'n_jobs must be a positive integer or -1, not {n_jobs!r}.')
    if int(margin) != margin or margin < 0:
        raise ValueError(f'margin must be a non-negative integer, not {margin!r}.')
    margin = int(margin)
    beam_area = 2 * np.pi * sig_maj * sig_min
    meta = dict(margin=margin, taper=float(taper), max_components=int(max_components),
                min_size=float(min_size), max_iter=int(max_iter), tol=float(tol),
                beam_sigma=(sig_maj, sig_min))

    # Island pixels with a usable value and noise (the dendrogram never holds NaN,
    # but other label images may).
    flat_islands = islands.ravel()
    island_pixels = np.flatnonzero(flat_islands)
    value = _at(flux, island_pixels)
    noise = np.broadcast_to(rms.flat[0], value.shape) if scalar_rms else _at(rms, island_pixels)
    usable = np.isfinite(value) & np.isfinite(noise) & (noise > 0)
    if not usable.all():
        bad = island_pixels[~usable]
        island_pixels = island_pixels[usable]
        leaves = leaves.copy()
        leaves.ravel()[bad] = 0
        moments = None
    if moments is None:
        moments = measure_structures(flux, leaves)
    n_leaves = moments['label'].size
    if n_leaves == 0 or island_pixels.size == 0:
        return _empty_fit(meta)
    usable_label = np.zeros(int(flat_islands.max()) + 1, bool)
    usable_label[flat_islands[island_pixels]] = True

    # Leaves -> islands (the island under each leaf's peak), brightest first.
    leaf_island = flat_islands[moments['peak_y'] * shape[1] + moments['peak_x']].astype(np.int64)
    leaf_island[~usable_label[leaf_island]] = 0
    order = np.lexsort((-moments['peak'], leaf_island))
    order = order[leaf_island[order] > 0]
    leaf_island = leaf_island[order]
    rank = np.arange(order.size) - np.searchsorted(leaf_island, leaf_island)
    too_many = np.unique(leaf_island[rank >= max_components])
    order, leaf_island = order[rank < max_components], leaf_island[rank < max_components]
    island_ids, comp_start = np.unique(leaf_island, return_index=True)
    comp_start = np.append(comp_start, leaf_island.size).astype(np.int64)
    n_comp = order.size

    # Pixels of each island, then its margin, grouped by island.
    labels = flat_islands[island_pixels].astype(np.int64)
    grouping, starts = _group_by_label(labels, usable_label.size - 1)
    island_pixels = island_pixels[grouping]
    margin_count = np.zeros(island_ids.size + 1, np.int64)
    if margin:
        _margins(islands, starts, island_pixels, island_ids, margin, margin_count,
                 island_pixels[:0], False)
    margin_start = np.concatenate(([0], np.cumsum(margin_count[:-1])))
    margin_pixels = np.empty(margin_start[-1], np.int64)
    if margin_pixels.size:
        _margins(islands, starts, island_pixels, island_ids, margin, margin_start,
                 margin_pixels, True)
        # Keep the margin pixels with a usable value and noise.
        noise = (np.broadcast_to(rms.flat[0], margin_pixels.shape) if scalar_rms
                 else _at(rms, margin_pixels))
        usable = np.isfinite(_at(flux, margin_pixels)) & np.isfinite(noise) & (noise > 0)
        owner = np.repeat(np.arange(island_ids.size), np.diff(margin_start))
        margin_pixels = margin_pixels[usable]
        margin_count = np.bincount(owner[usable], minlength=island_ids.size)
    else:
        margin_count = np.zeros(island_ids.size, np.int64)
    own_count = starts[island_ids + 1] - starts[island_ids]
    pix_start = np.concatenate(([0], np.cumsum(own_count + margin_count))).astype(np.int64)
    pixels = np.empty(pix_start[-1], np.int64)
    own = np.zeros(pixels.size, bool)
    own_index = _ranges(pix_start[:-1], own_count)
    pixels[own_index] = island_pixels[_ranges(starts[island_ids], own_count)]
    own[own_index] = True
    pixels[_ranges(pix_start[:-1] + own_count, margin_count)] = margin_pixels
    py, px = np.divmod(pixels, shape[1])
    px, py = px.astype(float), py.astype(float)
    pv = _at(flux, pixels).astype(float)
    noise = np.full(pixels.size, float(rms.flat[0])) if scalar_rms else _at(rms, pixels)
    pw = 1.0 / noise.astype(float) ** 2
    boxes = np.empty((island_ids.size, 4))
    for k, fn in enumerate((np.minimum, np.maximum)):
        boxes[:, k] = fn.reduceat(px, pix_start[:-1]) + (margin + 0.5) * (2 * k - 1)
        boxes[:, 2 + k] = fn.reduceat(py, pix_start[:-1]) + (margin + 0.5) * (2 * k - 1)

    # Initial guesses from the leaves' moments, sizes floored at the beam.
    lo = min_size * sig_min
    extent = np.maximum(boxes[:, 1] - boxes[:, 0], boxes[:, 3] - boxes[:, 2])
    hi = np.maximum(3 * extent, 4 * sig_maj)          # per island
    comp_island = np.repeat(np.arange(island_ids.size), np.diff(comp_start))
    hi_comp = hi[comp_island]
    s_maj = np.clip(np.nan_to_num(moments['sigma_major'][order], nan=sig_maj), sig_maj, hi_comp)
    s_min = np.clip(np.nan_to_num(moments['sigma_minor'][order], nan=sig_min), sig_min, hi_comp)
    s_min = np.minimum(s_min, s_maj)
    theta = np.nan_to_num(moments['theta'][order])
    p0 = np.empty((n_comp, _NPAR))
    p0[:, 0] = moments['peak'][order]
    x0, y0 = moments['x'][order], moments['y'][order]
    p0[:, 1] = np.where(np.isfinite(x0), x0, moments['peak_x'][order])
    p0[:, 2] = np.where(np.isfinite(y0), y0, moments['peak_y'][order])
    p0[:, 3], p0[:, 4], p0[:, 5] = _shape_to_precision(s_maj, s_min, theta)

    p_out = p0.copy()
    keep = np.zeros(n_comp, np.bool_)
    status = np.zeros(island_ids.size, np.int64)
    n_iter = np.zeros(island_ids.size, np.int64)
    chi2 = np.zeros(island_ids.size)
    dropped = np.zeros(island_ids.size, np.bool_)
    args = (pix_start, px, py, pv, pw, comp_start, p0, 1.0 / hi ** 2, 1.0 / lo ** 2, boxes,
            int(max_iter), float(tol), float(taper), p_out, keep, status, n_iter, chi2, dropped)
    _run_chunks(_fit_range, args, pix_start, n_jobs)

    # Islands that lost every Gaussian keep their brightest leaf's moments.
    failed = np.flatnonzero(~np.logical_or.reduceat(keep, comp_start[:-1]))
    fallback = np.zeros(n_comp, bool)
    fallback[comp_start[failed]] = True
    keep |= fallback
    p_out[fallback] = p0[fallback]

    model = np.empty(pixels.size)
    _model_at(pix_start, px, py, comp_start, p_out, keep, model)
    resid = pv - model
    isl_of_pix = np.repeat(np.arange(island_ids.size), np.diff(pix_start))
    n_own = np.bincount(isl_of_pix, own, island_ids.size)
    residual_rms = np.sqrt(np.bincount(isl_of_pix, own * resid ** 2, island_ids.size)
                           / np.maximum(n_own, 1))
    n_pix = np.diff(pix_start)
    n_kept = np.add.reduceat(keep.astype(int), comp_start[:-1])
    dof = np.maximum(n_pix - _NPAR * n_kept, 1)
    red_chi2 = np.bincount(isl_of_pix, pw * resid ** 2, island_ids.size) / dof

    sigma_major, sigma_minor, theta = _precision_to_shape(p_out[:, 3], p_out[:, 4], p_out[:, 5])
    flag = np.zeros(n_comp, np.int64)
    flag[fallback] |= FitFlag.MOMENTS
    flag[(status[comp_island] == 1) & ~fallback] |= FitFlag.NOT_CONVERGED
    at_bound = ((np.minimum(sigma_minor, sigma_major) <= lo * (1 + 1e-6))
                | (np.maximum(sigma_major, sigma_minor) >= hi_comp * (1 - 1e-6)))
    flag[at_bound & ~fallback] |= FitFlag.SIZE_AT_BOUND
    lost = dropped | np.isin(island_ids, too_many)
    flag[lost[comp_island]] |= FitFlag.COMPONENTS_DROPPED

    peak = p_out[:, 0]
    total = 2 * np.pi * peak * sigma_major * sigma_minor / beam_area
    # A moment fall-back keeps the moment flux of its leaf.
    total = np.where(fallback, moments['flux'][order] / beam_area, total)
    rows = np.flatnonzero(keep)
    result = IslandFit(
        island=island_ids[comp_island][rows], leaf=moments['label'][order][rows],
        x=p_out[rows, 1], y=p_out[rows, 2], peak=peak[rows], flux=total[rows],
        sigma_major=sigma_major[rows], sigma_minor=sigma_minor[rows], theta=theta[rows],
        residual_rms=residual_rms[comp_island][rows], chi2=red_chi2[comp_island][rows],
        n_pixels=n_pix[comp_island][rows], n_iter=n_iter[comp_island][rows], flag=flag[rows])
    result.meta = meta
    return result


def _empty_fit(meta):
    floats = ('x', 'y', 'peak', 'flux', 'sigma_major', 'sigma_minor', 'theta', 'residual_rms',
              'chi2')
    ints = ('island', 'leaf', 'n_pixels', 'n_iter', 'flag')
    result = IslandFit({**{k: np.zeros(0) for k in floats},
                        **{k: np.zeros(0, np.int64) for k in ints}})
    result.meta = meta
    return result


def gaussian_image(shape, x, y, peak, sigma_major, sigma_minor, theta):
    """Image of a sum of elliptical Gaussians (pixel units), e.g. a fit's model.

    Parameters
    ----------
    shape : tuple of two int
        Image shape ``(ny, nx)``.
    x, y, peak, sigma_major, sigma_minor, theta : array-like
        Centres (0-based pixels), peaks, sigmas (pixels) and major-axis
        angles from +x (radians), as in an `IslandFit`.

    Returns
    -------
    image : `~numpy.ndarray`

    Examples
    --------
    >>> from lotss_tools.extraction import gaussian_image
    >>> image = gaussian_image((9, 9), [4.0], [4.0], [2.0], [2.0], [1.0], [0.0])
    >>> float(image[4, 4]), round(float(image[4, 6] / image[6, 4]), 3)
    (2.0, 4.482)
    """
    image = np.zeros(shape)
    yy, xx = np.indices(shape, dtype=float)
    a, b, c = _shape_to_precision(np.asarray(sigma_major, float), np.asarray(sigma_minor, float),
                                  np.asarray(theta, float))
    for args in zip(np.ravel(x), np.ravel(y), np.ravel(peak), np.ravel(a), np.ravel(b),
                    np.ravel(c)):
        x0, y0, amp, ai, bi, ci = args
        dx, dy = xx - x0, yy - y0
        image += amp * np.exp(-0.5 * (ai * dx * dx + 2 * bi * dx * dy + ci * dy * dy))
    return image

