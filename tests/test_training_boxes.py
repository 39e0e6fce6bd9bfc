"""Tests of IoU and non-maximum suppression (lotss_tools.training.boxes)."""

import math

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from lotss_tools.simulate import simulate_mosaic
from lotss_tools.training import (ellipse_bounding_boxes, iou, nms, nms_across_mosaics,
                                  nms_across_patches)

# (box a, box b, classical IoU, centre-offset IoU), all computed by hand.
CASES = [
    # Shared 1x2 strip: intersection 2, union 6; centres 1 apart, enclosing 3x2 box.
    ((0, 0, 2, 2), (1, 0, 3, 2), 1 / 3, 1 / 3 - 1 / math.sqrt(13)),
    # B inside A: 4 / 16, same centre.
    ((0, 0, 4, 4), (1, 1, 3, 3), 0.25, 0.25),
    # Disjoint: centres (0.5, 0.5) and (2.5, 2.5), enclosing box 3x3.
    ((0, 0, 1, 1), (2, 2, 3, 3), 0.0, -math.sqrt(8) / math.sqrt(18)),
    # Touching edges: no area in common; centres 1 apart, enclosing 2x1.
    ((0, 0, 1, 1), (1, 0, 2, 1), 0.0, -1 / math.sqrt(5)),
    # Identical.
    ((2, 3, 7, 5), (2, 3, 7, 5), 1.0, 1.0),
    # Cross: a 4x1 and a 1x4 bar crossing at their centres: 1 / (4 + 4 - 1).
    ((0, 1.5, 4, 2.5), (1.5, 0, 2.5, 4), 1 / 7, 1 / 7),
]


@pytest.mark.parametrize('a, b, classical, offset', CASES)
def test_iou_hand_computed(a, b, classical, offset):
    assert iou(a, b)[0, 0] == pytest.approx(classical, abs=1e-12)
    assert iou(a, b, variant='centre_offset')[0, 0] == pytest.approx(offset, abs=1e-12)
    # Symmetric.
    assert iou(b, a)[0, 0] == pytest.approx(classical, abs=1e-12)


def test_iou_matrix_shape_and_values():
    a = np.array([c[0] for c in CASES], float)
    b = np.array([c[1] for c in CASES], float)
    matrix = iou(a, b)
    assert matrix.shape == (len(CASES), len(CASES))
    np.testing.assert_allclose(np.diag(matrix), [c[2] for c in CASES], atol=1e-12)
    np.testing.assert_allclose(iou(b, a), matrix.T)
    assert iou(np.zeros((0, 4)), b).shape == (0, len(CASES))


def test_iou_degenerate_and_invalid():
    assert iou([1, 1, 1, 1], [1, 1, 1, 1])[0, 0] == 0.0      # zero area: defined as 0
    with pytest.raises(ValueError, match='xmax >= xmin'):
        iou([2, 0, 1, 1], [0, 0, 1, 1])
    with pytest.raises(ValueError, match='shape'):
        iou([0, 0, 1], [0, 0, 1, 1])
    with pytest.raises(ValueError, match='NaN'):
        iou([0, 0, np.nan, 1], [0, 0, 1, 1])
    with pytest.raises(ValueError, match='variant'):
        iou([0, 0, 1, 1], [0, 0, 1, 1], variant='giou')


def test_nms_hand_computed():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 25, 25]]
    # IoU of the first two: 81 / 119 = 0.68.
    np.testing.assert_array_equal(nms(boxes, [0.9, 0.8, 0.5], 0.5), [0, 2])
    np.testing.assert_array_equal(nms(boxes, [0.9, 0.8, 0.5], 0.7), [0, 1, 2])
    # The best score comes first; the lower-scored copy goes.
    np.testing.assert_array_equal(nms(boxes, [0.1, 0.8, 0.5], 0.5), [1, 2])
    # Ties keep the first row.
    np.testing.assert_array_equal(nms(boxes, [1.0, 1.0, 1.0], 0.5), [0, 2])
    # min_score drops boxes before suppression (the research's 0.05).
    np.testing.assert_array_equal(nms(boxes, [0.04, 0.8, 0.5], 0.5, min_score=0.05), [1, 2])


def test_nms_is_greedy_through_chains():
    # A overlaps B (IoU 0.82), B overlaps C (0.82), A and C overlap less (0.67):
    # B is suppressed by A, so C survives at threshold 0.7.
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [2, 0, 12, 10]]
    np.testing.assert_array_equal(nms(boxes, [3, 2, 1], 0.7), [0, 2])


def test_nms_variants_differ():
    # IoU 0.6, centres 2 apart in a 10x10 enclosing box: 0.6 - 2 / sqrt(200) = 0.459.
    boxes = [[0, 0, 10, 10], [0, 0, 10, 6]]
    np.testing.assert_array_equal(nms(boxes, [2, 1], 0.5), [0])
    np.testing.assert_array_equal(nms(boxes, [2, 1], 0.5, variant='centre_offset'), [0, 1])


def _brute_force_nms(boxes, scores, threshold, variant):
    order = np.argsort(-scores, kind='stable')
    matrix = iou(boxes, boxes, variant)
    kept = []
    for i in order:
        if all(matrix[i, j] <= threshold for j in kept):
            kept.append(i)
    return np.array(kept)


@pytest.mark.parametrize('variant', ['classical', 'centre_offset'])
@pytest.mark.parametrize('threshold', [0.0, 0.3, 0.6])
def test_nms_matches_brute_force(variant, threshold):
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 100, (400, 2))
    size = rng.uniform(1, 12, (400, 2))
    boxes = np.hstack([xy, xy + size])
    scores = rng.random(400)
    np.testing.assert_array_equal(nms(boxes, scores, threshold, variant),
                                  _brute_force_nms(boxes, scores, threshold, variant))


def test_nms_empty_and_invalid():
    assert nms(np.zeros((0, 4)), [], 0.5).size == 0
    with pytest.raises(ValueError, match='one score per box'):
        nms([[0, 0, 1, 1]], [1, 2], 0.5)
    with pytest.raises(ValueError, match='threshold'):
        nms([[0, 0, 1, 1]], [1], 1.5)
    with pytest.raises(ValueError, match='NaN'):
        nms([[0, 0, 1, 1]], [np.nan], 0.5)


def test_nms_across_patches_merges_overlap_copies():
    # Patches 240 pixels apart; the same source is seen at x = 250 by both.
    boxes = [[247, 10, 253, 16],      # patch at x0 = 0
             [7, 10, 13, 16],         # patch at x0 = 240: the same box
             [100, 100, 104, 104]]    # another source
    origins = [(0, 0), (0, 240), (0, 240)]
    np.testing.assert_array_equal(nms_across_patches(boxes, [0.5, 0.9, 0.1], origins), [1, 2])
    # Without the shift the two copies would not overlap at all.
    np.testing.assert_array_equal(nms(boxes, [0.5, 0.9, 0.1], 0.5), [1, 0, 2])
    with pytest.raises(ValueError, match='one origin per box'):
        nms_across_patches(boxes, [1, 1, 1], [(0, 0)])


def test_nms_across_mosaics_keeps_one_copy_per_source():
    mosaic, _ = simulate_mosaic((200, 200), seed=2, holes=False)
    # Two overlapping cutouts: the first covers x = 40..159, the second x = 80..199.
    first = mosaic.cutout((99.5, 99.5), (200, 120)).wcs
    second = mosaic.cutout((139.5, 99.5), (200, 120)).wcs
    # Sources 15 pixels apart (boxes ~5 pixels), so they never overlap each other.
    x, y = np.meshgrid(np.arange(50, 191, 15.0), np.arange(10, 191, 15.0))
    coords = mosaic.wcs.pixel_to_world(x.ravel(), y.ravel())
    n = len(coords)
    shape = ([8] * n * u.arcsec, [6] * n * u.arcsec, [30] * n * u.deg)
    rng = np.random.default_rng(1)
    seen, sets, scores = [], [], []
    for wcs in (first, second):
        px, py, boxes = ellipse_bounding_boxes(coords, *shape, wcs)
        inside = np.flatnonzero((px > 0) & (px < 119) & (py > 0) & (py < 199))
        seen.append(inside)
        sets.append(boxes[inside])
        scores.append(rng.random(inside.size))
    keep = nms_across_mosaics(sets, scores, [first, second], threshold=0.5)
    kept = np.concatenate([seen[0][keep[0]], seen[1][keep[1]]])
    # Every source once ...
    assert sorted(kept.tolist()) == sorted(set(np.concatenate(seen).tolist()))
    # ... and of a source seen twice, the copy with the higher score.
    both = np.intersect1d(seen[0], seen[1])
    assert both.size >= 40
    for source in both:
        s0 = scores[0][np.searchsorted(seen[0], source)]
        s1 = scores[1][np.searchsorted(seen[1], source)]
        assert (source in seen[0][keep[0]]) == (s0 >= s1)
    with pytest.raises(ValueError, match='every mosaic'):
        nms_across_mosaics(sets, scores[:1], [first, second])


def test_ellipse_boxes_follow_position_angle():
    mosaic, _ = simulate_mosaic((64, 64), seed=0)
    centre = SkyCoord([mosaic.center.ra] * 3, [mosaic.center.dec] * 3)
    _, _, boxes = ellipse_bounding_boxes(centre, [12] * 3 * u.arcsec, [6] * 3 * u.arcsec,
                                         [0, 90, 45] * u.deg, mosaic.wcs)
    size = boxes[:, 2:] - boxes[:, :2]
    np.testing.assert_allclose(size[0], [4, 8], atol=1e-3)    # north-south: tall
    np.testing.assert_allclose(size[1], [8, 4], atol=1e-3)    # east-west: wide
    # 45 degrees: both sides 2 * sqrt((a^2 + b^2) / 2), a = 4, b = 2 pixels.
    np.testing.assert_allclose(size[2], 2 * math.sqrt(10), atol=1e-3)
