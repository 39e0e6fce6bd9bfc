"""Equivalence of the compiled dendrogram backend with astrodendro."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from lotss_tools.extraction import DendrogramStructures, compute_dendrogram

astrodendro = pytest.importorskip('astrodendro')

PARAMS = [  # (min_value, min_delta, min_npix)
    (0.5, 0.0, 0), (0.5, 0.0, 1), (1.0, 0.3, 3), (0.0, 1.0, 8),
    (2.0, 3.0, 8), (-0.5, 0.5, 50), (1.0, 100.0, 1), (1.0, 0.5, 10_000),
]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _reference(data, min_value, min_delta, min_npix):
    return astrodendro.Dendrogram.compute(data, min_value=min_value,
                                          min_delta=min_delta, min_npix=min_npix)


def _pixel_set(index_map, sid):
    return frozenset(np.flatnonzero(index_map.ravel() == sid).tolist())


def _relations(index_map, parent):
    """(own pixel set, parent's own pixel set or None) for all structures."""
    own = [_pixel_set(index_map, s) for s in range(len(parent))]
    return {(own[s], own[p] if p >= 0 else None) for s, p in enumerate(parent)}, own


def assert_equivalent(data, min_value, min_delta, min_npix):
    """Compare the fast backend with astrodendro, id-free and by id."""
    ref = _reference(data, min_value, min_delta, min_npix)
    res = compute_dendrogram(data, min_value, min_delta, min_npix)
    n = len(ref)
    ref_parent = [-1 if ref[i].parent is None else ref[i].parent.idx for i in range(n)]

    # id-independent comparison: pixel sets, leaves and parent relations
    ref_rel, ref_own = _relations(ref.index_map, ref_parent)
    res_rel, res_own = _relations(res.index_map, res.parent)
    assert set(res_own) == set(ref_own)
    assert ({ref_own[s.idx] for s in ref.leaves}
            == {res_own[i] for i in res.leaves})
    assert res_rel == ref_rel

    # ids are astrodendro's idx
    assert res.n_structures == n
    np.testing.assert_array_equal(res.index_map, ref.index_map)
    np.testing.assert_array_equal(res.parent, ref_parent)
    np.testing.assert_array_equal(res.is_leaf, [ref[i].is_leaf for i in range(n)])
    np.testing.assert_array_equal(res.trunk, sorted(s.idx for s in ref.trunk))
    for i in range(n):
        s = ref[i]
        assert (res.vmax[i], res.vmin[i], res.height[i]) == (s.vmax, s.vmin, s.height)
        assert res.npix[i] == s.get_npix(subtree=False)
        assert res.npix_subtree[i] == s.get_npix(subtree=True)
        assert res.peak_value[i] == s.get_peak(subtree=True)[1]
        assert sorted(res.children(i)) == sorted(c.idx for c in s.children)
        ref_sub = np.ravel_multi_index(s.indices(subtree=True), data.shape)
        np.testing.assert_array_equal(np.sort(res.structure_pixels(i, subtree=True)),
                                      np.sort(ref_sub))
    return res


def _smooth_noise(rng, shape, sigma=1.5):
    x = gaussian_filter(rng.normal(size=shape), sigma)
    return x / x.std()


def _blobs(rng, shape, n=12):
    x = 0.3 * rng.normal(size=shape)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    for _ in range(n):
        y0, x0 = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        sig, amp = rng.uniform(1, 6), rng.uniform(0.5, 8)
        x += amp * np.exp(-0.5 * ((yy - y0) ** 2 + (xx - x0) ** 2) / sig ** 2)
    return x


def _shape(rng, low=1, high=150):
    return int(rng.integers(low, high)), int(rng.integers(low, high))


# ---------------------------------------------------------------------------
# Equivalence with astrodendro
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('seed', range(12))
@pytest.mark.parametrize('params', PARAMS)
def test_white_noise(seed, params):
    rng = np.random.default_rng(seed)
    assert_equivalent(rng.normal(size=_shape(rng, 1, 70)), *params)


@pytest.mark.parametrize('seed', range(24))
def test_smoothed_noise(seed):
    rng = np.random.default_rng(100 + seed)
    params = PARAMS[seed % len(PARAMS)]
    assert_equivalent(_smooth_noise(rng, _shape(rng, 20)), *params)


@pytest.mark.parametrize('seed', range(20))
def test_blobs(seed):
    rng = np.random.default_rng(200 + seed)
    data = _blobs(rng, _shape(rng, 30))
    assert_equivalent(data, 0.6, float(rng.choice([0.2, 1.0, 3.0])),
                      int(rng.choice([0, 5, 20])))


@pytest.mark.parametrize('seed', range(20))
@pytest.mark.parametrize('levels', [2, 4, 9])
def test_ties_integer_valued(seed, levels):
    """Plateaus: the order of equal values must follow np.argsort exactly."""
    rng = np.random.default_rng(300 + seed)
    data = rng.integers(0, levels, _shape(rng, 5, 100)).astype(float)
    params = [(0.5, 0.0, 0), (0.5, 1.0, 0), (-1.0, 1.0, 3), (1.5, 0.0, 2)][seed % 4]
    assert_equivalent(data, *params)


@pytest.mark.parametrize('seed', range(4))
def test_ties_smooth_quantised(seed):
    rng = np.random.default_rng(350 + seed)
    data = np.round(4 * _smooth_noise(rng, (120, 110), 2.0)) / 4
    assert_equivalent(data, 0.1, [0.0, 0.25, 0.5, 1.0][seed], 4)


def test_regular_pattern_ties():
    data = np.zeros((60, 70))
    data[::3] = 1.0
    data[:, ::5] = 2.0
    data[20:30, 20:30] = 3.0
    for params in [(0.5, 0.0, 0), (0.5, 1.0, 0), (1.5, 0.5, 5)]:
        assert_equivalent(data, *params)


@pytest.mark.parametrize('seed', range(6))
def test_nan_regions(seed):
    rng = np.random.default_rng(400 + seed)
    data = _blobs(rng, (90, 80)) if seed % 2 else _smooth_noise(rng, (90, 80))
    data[rng.random(data.shape) < 0.05] = np.nan
    data[10:30, 40:55] = np.nan
    data[:, :3] = np.nan
    assert_equivalent(data, 0.3, [0.0, 0.5, 1.0][seed % 3], [0, 4][seed % 2])


@pytest.mark.parametrize('seed', range(6))
def test_float32(seed):
    rng = np.random.default_rng(500 + seed)
    data = _blobs(rng, _shape(rng, 30)).astype(np.float32)
    data[rng.random(data.shape) < 0.01] = np.nan
    assert_equivalent(data, 0.5, 0.7, 3)          # python float: float32 compare
    assert_equivalent(data, 0.5, np.float64(0.7), 3)  # float64 compare


@pytest.mark.skipif(np.lib.NumpyVersion(np.__version__) < '2.0.0',
                    reason='NEP 50 promotion rules (numpy >= 2)')
def test_float32_delta_rounding():
    """``peak - value`` is computed in float32 and compared as numpy does.

    The height is exactly ``float32(0.7)``, slightly below 0.7: a Python
    float ``min_delta`` is compared in float32 (independent leaves), a
    ``np.float64`` one in float64 (leaves merged, then removed).
    """
    base = np.float32(0.25)
    data = np.zeros((3, 9), np.float32)
    data[1, 2:7] = base
    data[1, 1] = data[1, 7] = base + np.float32(0.7)
    counts = [assert_equivalent(data, 0.1, delta, 0).n_structures
              for delta in (0.7, np.float64(0.7), np.float32(0.7), 0.6999999, 0.7000001)]
    assert counts == [3, 0, 3, 3, 0]


@pytest.mark.parametrize('dtype', [np.int16, np.int32, np.int64, np.uint8])
def test_integer_data(dtype):
    rng = np.random.default_rng(600)
    data = rng.integers(0, 12, (70, 60)).astype(dtype)
    assert_equivalent(data, 3, 2.0, 2)
    assert_equivalent(data, 2.5, 0, 0)


@pytest.mark.parametrize('shape', [(1, 1), (1, 7), (7, 1), (2, 2), (3, 5)])
def test_tiny_images(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(20):
        data = rng.normal(size=shape)
        assert_equivalent(data, -0.5, float(rng.choice([0.0, 0.5])),
                          int(rng.choice([0, 1, 2])))


def test_min_value_min():
    rng = np.random.default_rng(700)
    data = _smooth_noise(rng, (40, 50))
    data[5:9, 5:9] = np.nan
    assert_equivalent(data, 'min', 0.5, 3)


def test_non_native_layouts():
    rng = np.random.default_rng(800)
    data = _blobs(rng, (60, 50))
    assert_equivalent(np.asfortranarray(data), 0.5, 0.5, 3)
    assert_equivalent(data[::2, ::-1], 0.5, 0.5, 3)
    assert_equivalent(data.astype('>f8'), 0.5, 0.5, 3)


# ---------------------------------------------------------------------------
# Empty results, validation and the result object
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('data', [np.zeros((20, 30)), np.full((5, 5), np.nan),
                                  np.zeros((0, 4))])
def test_nothing_above_threshold(data):
    res = compute_dendrogram(data, 1.0, 0.5, 2)
    assert res.n_structures == 0 and len(res) == 0
    assert res.index_map.shape == data.shape
    assert (res.index_map == -1).all()
    assert res.leaves.size == 0 and res.trunk.size == 0
    assert (res.leaf_labels() == 0).all() and (res.trunk_labels() == 0).all()
    if data.size:
        np.testing.assert_array_equal(res.index_map,
                                      _reference(data, 1.0, 0.5, 2).index_map)


def test_all_leaves_pruned():
    data = np.zeros((10, 10))
    data[4, 4] = 5.0
    res = compute_dendrogram(data, 1.0, 0.5, 2)  # one pixel < min_npix
    assert res.n_structures == 0 and (res.index_map == -1).all()


@pytest.mark.parametrize('kwargs, match', [
    (dict(min_delta=-1.0), 'min_delta'),
    (dict(min_delta=np.nan), 'min_delta'),
    (dict(min_delta=np.inf), 'min_delta'),
    (dict(min_delta='1'), 'min_delta'),
    (dict(min_npix=-1), 'min_npix'),
    (dict(min_npix=2.5), 'min_npix'),
    (dict(min_npix=True), 'min_npix'),
    (dict(min_value=np.nan), 'min_value'),
    (dict(min_value='max'), 'min_value'),
    (dict(min_value=None), 'min_value'),
])
def test_invalid_parameters(kwargs, match):
    params = dict(min_value=0.0, min_delta=0.5, min_npix=2) | kwargs
    with pytest.raises(ValueError, match=match):
        compute_dendrogram(np.ones((4, 4)), **params)


def test_invalid_data():
    with pytest.raises(ValueError, match='2-D'):
        compute_dendrogram(np.ones(5), 0.0)
    with pytest.raises(ValueError, match='2-D'):
        compute_dendrogram(np.ones((2, 3, 4)), 0.0)
    with pytest.raises(TypeError, match='real numeric'):
        compute_dendrogram(np.ones((3, 3), bool), 0.0)
    with pytest.raises(TypeError, match='real numeric'):
        compute_dendrogram(np.ones((3, 3), complex), 0.0)
    with pytest.raises(ValueError, match='finite'):
        compute_dendrogram(np.full((3, 3), np.nan), 'min')


def test_accepts_numpy_scalars():
    rng = np.random.default_rng(900)
    data = _blobs(rng, (40, 40))
    a = compute_dendrogram(data, np.float64(0.5), np.float32(0.5), np.int64(3))
    b = compute_dendrogram(data, 0.5, 0.5, 3)
    np.testing.assert_array_equal(a.index_map, b.index_map)
    assert isinstance(a, DendrogramStructures) and a.min_npix == 3


def test_result_helpers():
    rng = np.random.default_rng(1000)
    data = _blobs(rng, (120, 130), n=20)
    res = compute_dendrogram(data, 0.6, 0.5, 5)
    assert res.is_leaf.sum() > 3 and (~res.is_leaf).any()

    leaf_lab = res.leaf_labels()
    assert leaf_lab.dtype == np.int32 and leaf_lab.max() == res.leaves.size
    for j, sid in enumerate(res.leaves):
        np.testing.assert_array_equal(leaf_lab == j + 1, res.index_map == sid)

    trunk_lab = res.trunk_labels()
    np.testing.assert_array_equal(trunk_lab > 0, res.index_map >= 0)
    for j, sid in enumerate(res.trunk):
        mask = np.zeros(data.size, bool)
        mask[res.structure_pixels(sid, subtree=True)] = True
        np.testing.assert_array_equal(trunk_lab.ravel() == j + 1, mask)
        assert mask.sum() == res.npix_subtree[sid]

    structure_of = res.index_map.ravel()
    for sid in range(res.n_structures):
        own = res.structure_pixels(sid, subtree=False)
        assert (structure_of[own] == sid).all() and own.size == res.npix[sid]
        assert np.all(np.diff(own) > 0)
        sub = res.structure_pixels(sid)
        assert (res.ancestor[structure_of[sub]] == res.ancestor[sid]).all()
        assert data.ravel()[res.peak_pixel[sid]] == res.peak_value[sid]
        assert res.peak_value[sid] == data.ravel()[sub].max()
        rows, cols = res.structure_indices(sid)
        assert rows.size == sub.size
    assert (res.ancestor[res.trunk] == res.trunk).all()

    with pytest.raises(IndexError):
        res.structure_pixels(res.n_structures)
    with pytest.raises(ValueError):
        res.subtree_labels([res.n_structures])
    with pytest.raises(ValueError):
        res.parent[0] = 3  # read-only arrays


# ---------------------------------------------------------------------------
# isolated_floor: the height of a structure that never merges, from a floor
# ---------------------------------------------------------------------------

def test_isolated_floor_keeps_single_pixel_sources():
    """astrodendro's rule drops a lone bright pixel (vmax - vmin = 0); the floor keeps it."""
    data = np.zeros((9, 9))
    data[4, 4] = 10.0
    assert compute_dendrogram(data, 2.5, 2.5, 1).n_structures == 0
    kept = compute_dendrogram(data, 2.5, 2.5, 1, isolated_floor=2.5)
    assert kept.n_structures == 1 and kept.npix[0] == 1
    assert compute_dendrogram(data, 2.5, 8.0, 1, isolated_floor=2.5).n_structures == 0
    with pytest.raises(ValueError, match='isolated_floor'):
        compute_dendrogram(data, 2.5, 2.5, 1, isolated_floor=np.inf)


@pytest.mark.parametrize('seed', range(6))
def test_isolated_floor_equals_astrodendro_with_the_same_test(seed):
    """The compiled floor rule and astrodendro's is_independent version agree, by id."""
    from lotss_tools.extraction.extractor import _astrodendro
    rng = np.random.default_rng(seed)
    data = rng.normal(size=_shape(rng, 20, 90))          # undersampled: independent pixels
    for _ in range(20):
        data[rng.integers(data.shape[0]), rng.integers(data.shape[1])] += rng.uniform(3, 30)
    for min_value, min_delta, min_npix in ((2.5, 2.5, 1), (1.0, 0.5, 2), (3.0, 4.0, 1)):
        ref = _astrodendro(data, min_value, min_delta, min_npix, isolated_floor=min_value)
        res = compute_dendrogram(data, min_value, min_delta, min_npix, isolated_floor=min_value)
        np.testing.assert_array_equal(res.index_map, ref.index_map)
        assert res.n_structures == len(ref)
        # The floor only ever keeps more: astrodendro's own rule is a subset.
        plain = compute_dendrogram(data, min_value, min_delta, min_npix)
        assert plain.n_structures <= res.n_structures
