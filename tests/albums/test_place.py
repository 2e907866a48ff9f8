"""Placing photos without a time: 1-NN by look, a soft date prior, outliers and ambiguous photos left out."""

from __future__ import annotations

import numpy as np
import pytest

from album_app.albums.place import (
    DATED_QUANTILE,
    DISTINCT_RATIO,
    HINT_LATE_H,
    HINT_MAX_COST,
    MIN_FLOOR_ALBUMS,
    OUTLIER_QUANTILE,
    calibrate_limits,
    hint_agrees,
    hint_cost,
    loo_nn_distances,
    nn_distances,
    place_by_content,
    place_by_hint,
    weighted_quantiles,
)

DAY = 24.0


def anchors_two_albums(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two albums of 3 scenes × 4 shots each, in 8-d: shots of a scene 0.05 apart, scenes ~1.4 apart."""
    scenes = rng.normal(size=(6, 8))
    scenes /= np.linalg.norm(scenes, axis=1, keepdims=True)
    shots = np.repeat(scenes, 4, axis=0) + rng.normal(0, 0.02, (24, 8))
    labels = np.repeat([0, 0, 0, 1, 1, 1], 4)
    return shots, labels


def test_limits_are_quantiles_of_leave_one_out_distances():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    d = loo_nn_distances(x)
    assert len(d) == 300 and (d > 0).all()  # never a photo with itself
    limits = calibrate_limits(x)
    assert limits.look == pytest.approx(np.quantile(d, OUTLIER_QUANTILE)) and limits.spread == limits.look
    assert limits.dated == pytest.approx(np.quantile(d, DATED_QUANTILE))
    assert limits.look < limits.dated
    assert calibrate_limits(x[:1]).look == float("inf")


def test_packed_albums_widen_the_limit_to_how_far_apart_albums_are():
    rng = np.random.default_rng(3)
    centres = np.eye(12)  # twelve albums, sqrt(2) apart
    x = np.repeat(centres, 10, axis=0) + rng.normal(0, 0.01, (120, 12))
    labels = np.repeat(np.arange(12), 10)
    loo_only = calibrate_limits(x)
    limits = calibrate_limits(x, labels)
    assert loo_only.look < 0.1  # each album is tight...
    assert limits.look == pytest.approx(np.sqrt(2), abs=0.1)  # ...but the albums lie far apart
    assert limits.dated >= limits.look
    assert limits.spread == pytest.approx(loo_only.look)
    # Loose albums: their own spread is the larger limit and stands.
    loose = np.repeat(centres, 10, axis=0) + rng.normal(0, 0.6, (120, 12))
    assert calibrate_limits(loose, labels) == calibrate_limits(loose)
    # Too few albums to tell how near different albums come: no floor.
    few = labels < MIN_FLOOR_ALBUMS - 1
    assert calibrate_limits(x[few], labels[few]) == calibrate_limits(x[few])


def test_cross_album_distances_skip_unsorted_rows_and_need_two_albums():
    x = np.array([[0.0], [0.1], [1.0], [5.0]])
    loo, cross, albums = nn_distances(x, np.array([0, 0, 1, -1]))
    assert loo.tolist() == pytest.approx([0.1, 0.1, 0.9, 4.0])
    assert cross.tolist() == pytest.approx([1.0, 0.9, 0.9])  # the unsorted row is neither side
    assert albums.tolist() == [0, 0, 1]
    assert len(nn_distances(x, np.array([0, 0, 0, -1]))[1]) == 0


def test_a_big_album_does_not_outvote_small_ones_in_the_cross_album_floor():
    # One album of 200 photos far from everything, eleven small albums of 4 close to one another: the floor
    # follows the small albums' spacing (every album weighs the same), not the big album's isolation.
    rng = np.random.default_rng(5)
    big = np.array([10.0, 0.0]) + rng.normal(0, 0.01, (200, 2))
    spots = np.array([[0.3 * (i % 4), 0.3 * (i // 4)] for i in range(11)])
    small = np.repeat(spots, 4, axis=0) + rng.normal(0, 0.01, (44, 2))
    x = np.vstack([big, small])
    labels = np.concatenate([np.zeros(200, int), np.repeat(np.arange(1, 12), 4)])
    assert 0.2 < calibrate_limits(x, labels).look < 0.5


def test_beyond_the_albums_spread_the_ratio_test_is_stricter():
    # A photo 0.5 from album 0 and 0.7 from album 1 (ratio 0.71): fine within the albums' spread, too
    # close a call beyond it.
    anchors = np.array([[0.0, 0.0], [0.0, 0.01], [1.2, 0.0], [1.2, 0.01]])
    labels = np.array([0, 0, 1, 1])
    query = np.array([[0.5, 0.0]])
    spans = (np.array([0.0, 10 * DAY]), np.array([DAY, 11 * DAY]))
    nan = np.array([np.nan])
    assert place_by_content(query, nan, anchors, labels, *spans, threshold=1.0).labels.tolist() == [0]
    strict = place_by_content(query, nan, anchors, labels, *spans, threshold=1.0, spread=0.3)
    assert strict.labels.tolist() == [-1] and strict.ambiguous[0]


def test_weighted_quantiles_follow_the_weights():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantiles(values, np.ones(4), (0.25, 0.5, 1.0)) == [1.0, 2.0, 4.0]
    assert weighted_quantiles(values, np.array([1.0, 1.0, 1.0, 7.0]), (0.3, 0.31)) == [3.0, 4.0]


def test_a_tight_album_holding_every_candidate_does_not_fail_the_ratio_test():
    # Thirty shots of one scene, packed within 0.01 (a fine-tuned encoder), and another album far away: a
    # friend's copy 0.1 from the scene is as far from all thirty, but far nearer this album than any other.
    rng = np.random.default_rng(4)
    scene = np.zeros(8)
    scene[0] = 1.0
    other = np.zeros(8)
    other[1] = 1.0
    anchors = np.vstack([scene + rng.normal(0, 0.003, (30, 8)), other + rng.normal(0, 0.003, (30, 8))])
    labels = np.repeat([0, 1], 30)
    copy = scene.copy()
    copy[2] = 0.1
    spans = (np.array([0.0, 10 * DAY]), np.array([DAY, 11 * DAY]))
    placed = place_by_content(copy[None], np.array([np.nan]), anchors, labels, *spans, threshold=0.5)
    assert placed.labels.tolist() == [0] and not placed.ambiguous[0]


def test_exact_duplicates_do_not_fool_leave_one_out():
    x = np.vstack([np.zeros((2, 3)), np.ones((1, 3))])
    assert loo_nn_distances(x).tolist() == pytest.approx([0.0, 0.0, np.sqrt(3)])


def test_a_copy_joins_the_album_of_its_look_alike():
    rng = np.random.default_rng(1)
    anchors, labels = anchors_two_albums(rng)
    copy = anchors[17] + rng.normal(0, 0.02, 8)  # a shot of album 1's first scene
    spans = (np.array([0.0, 100 * DAY]), np.array([DAY, 101 * DAY]))
    placed = place_by_content(copy[None], np.array([np.nan]), anchors, labels, *spans, threshold=0.3)
    assert placed.labels.tolist() == [1]
    assert placed.anchor[0] in range(12, 24)


def test_an_unrelated_photo_fits_no_album():
    rng = np.random.default_rng(2)
    anchors, labels = anchors_two_albums(rng)
    stranger = -anchors[:12].mean(axis=0)
    spans = (np.array([0.0, 100 * DAY]), np.array([DAY, 101 * DAY]))
    placed = place_by_content(stranger[None], np.array([np.nan]), anchors, labels, *spans, threshold=0.3)
    assert placed.labels.tolist() == [-1] and placed.ratio[0] > 1


def test_a_photo_halfway_between_two_albums_is_ambiguous():
    a = np.zeros((3, 2))
    b = np.tile([1.0, 0.0], (3, 1))
    anchors, labels = np.vstack([a, b]), np.array([0, 0, 0, 1, 1, 1])
    spans = (np.array([0.0, 10 * DAY]), np.array([DAY, 11 * DAY]))
    middle = np.array([[0.5, 0.0]])
    placed = place_by_content(middle, np.array([np.nan]), anchors, labels, *spans, threshold=1.0)
    assert placed.labels.tolist() == [-1] and placed.ambiguous[0]
    near_a = np.array([[0.5 * DISTINCT_RATIO - 0.05, 0.0]])  # clearly nearer one album
    assert place_by_content(near_a, np.array([np.nan]), anchors, labels, *spans, threshold=1.0).labels[0] == 0


def test_the_file_name_date_breaks_a_tie_between_look_alikes():
    anchors = np.array([[0.0, 0.0], [0.0, 0.0], [0.02, 0.0], [0.02, 0.0]])
    labels = np.array([0, 0, 1, 1])
    start, end = np.array([0.0, 200 * DAY]), np.array([DAY, 201 * DAY])  # album 1 is 200 days later
    query = np.array([[0.01, 0.0], [0.01, 0.0]])
    hint = np.array([202 * DAY, 2 * DAY])  # sent the day after album 1 / after album 0
    placed = place_by_content(query, hint, anchors, labels, start, end, threshold=0.5)
    assert placed.labels.tolist() == [1, 0]
    assert placed.hint_agrees.tolist() == [True, True]


def test_a_fitting_date_widens_the_limit_but_never_admits_a_stranger():
    anchors = np.zeros((4, 2))
    labels = np.zeros(4, np.int64)
    start, end = np.array([0.0]), np.array([DAY])
    query = np.array([[1.2, 0.0], [1.2, 0.0], [5.0, 0.0]])
    hint = np.array([DAY + 5, np.nan, DAY + 5])
    placed = place_by_content(query, hint, anchors, labels, start, end, threshold=1.0, hint_threshold=1.5, rounds=1)
    assert placed.labels.tolist() == [0, -1, -1]  # dated and near: in; undated: out; far: out


def test_a_twin_of_a_placed_photo_follows_it_in_the_next_round():
    anchors = np.zeros((4, 2))
    labels = np.zeros(4, np.int64)
    start, end = np.array([0.0]), np.array([24.0])
    query = np.array([[1.2, 0.0], [1.25, 0.0], [5.0, 0.0]])  # a dated copy, its undated twin, a stranger
    hint = np.array([30.0, np.nan, np.nan])
    placed = place_by_content(query, hint, anchors, labels, start, end, threshold=1.0, hint_threshold=1.5)
    assert placed.labels.tolist() == [0, 0, -1]
    assert placed.anchor[1] == len(anchors) + 0  # placed by query 0, in the "n_anchors + query" convention


def test_twins_never_carry_a_photo_beyond_reach_of_the_album_itself():
    """Look-alikes among the downloads (a row of sea photos) must not walk into an album one twin at a time."""
    anchors = np.zeros((4, 2))
    labels = np.zeros(4, np.int64)
    start, end = np.array([0.0]), np.array([24.0])
    query = np.array([[0.9, 0.0], [1.4, 0.0], [1.9, 0.0]])  # near enough; 1.4 and 1.9 out, a twin 0.5 apart each
    hint = np.full(3, np.nan)
    placed = place_by_content(query, hint, anchors, labels, start, end, threshold=1.0, hint_threshold=1.5, rounds=3)
    assert placed.labels.tolist() == [0, 0, -1]  # 1.4 is within reach (1.5) of the album, 1.9 is not


def test_date_prior_costs():
    assert hint_cost(np.array(10.0), np.array(0.0), np.array(20.0)) == 0  # inside the span
    assert hint_cost(np.array(20.0 + HINT_LATE_H - 1), 0.0, 20.0) == 0  # sent within two days
    late_week = hint_cost(np.array(20.0 + 7 * DAY), 0.0, 20.0)
    late_month = hint_cost(np.array(20.0 + 30 * DAY), 0.0, 20.0)
    assert 0 < late_week < late_month <= HINT_MAX_COST  # weeks late: soft, growing
    before = hint_cost(np.array(-5 * DAY), 0.0, 20.0)
    assert before > late_week  # received days before the album began is less plausible than late
    assert hint_cost(np.array(np.nan), 0.0, 20.0) == 0  # no date: no evidence
    assert hint_agrees(np.array([10.0, 500.0]), 0.0, 20.0).tolist() == [True, False]


def test_place_by_hint_needs_a_single_fitting_album():
    start, end = np.array([0.0, 10 * DAY, 11 * DAY]), np.array([DAY, 10.5 * DAY, 11.5 * DAY])
    hints = np.array([DAY + 3, 10.8 * DAY, 50 * DAY, np.nan])
    assert place_by_hint(hints, start, end).tolist() == [0, -1, -1, -1]  # second fits two albums
