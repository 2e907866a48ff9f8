"""Burst and near-duplicate stacking on synthetic times and codes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from album_app.albums.bursts import DEFAULT_THRESHOLD, BurstStacker, sharpness, stack_bursts
from album_app.albums.features import LibraryView

T0 = 1_700_000_000.0
DIM = 32


def make_view(rows: list[tuple[float, int, float]], seed: int = 0) -> tuple[LibraryView, np.ndarray]:
    """rows: (time or NaN, look id, jitter). Photos with one look id share a base code (plus jitter)."""
    rng = np.random.default_rng(seed)
    looks = {look: rng.normal(size=DIM) for look in {r[1] for r in rows}}
    codes = np.stack([looks[look] + jitter * rng.normal(size=DIM) for _, look, jitter in rows]).astype(np.float32)
    n = len(rows)
    nan = np.full(n, np.nan)
    view = LibraryView(np.arange(100, 100 + n), codes, np.array([r[0] for r in rows]), nan, nan, nan)
    return view, codes


def library() -> list[tuple[float, int, float]]:
    rows = [
        (T0 + 0.0, 1, 0.1),
        (T0 + 0.8, 1, 0.1),
        (T0 + 1.5, 1, 0.1),  # burst A: three frames
        (T0 + 2.5, 2, 0.1),  # a different photo a second later (the camera swung away)
        (T0 + 600.0, 3, 0.1),
        (T0 + 601.0, 3, 0.1),  # burst B: two frames, ten minutes later
        (T0 + 1200.0, 3, 0.1),  # the same look again, but twenty minutes later: not a burst
        (np.nan, 1, 0.02),  # a messenger copy of burst A (no time): a near-duplicate
        (np.nan, 4, 0.1),  # an unrelated photo without a time
    ]
    # Reference pairs (minutes apart, other looks) so that the threshold is calibrated, not the default.
    rows += [(T0 + 3600.0 + 120.0 * i, 10 + i, 0.1) for i in range(30)]
    return rows


def test_bursts_and_duplicates_are_stacked():
    view, _ = make_view(library())
    stacker = BurstStacker().fit(view)
    stacks = stacker.stacks_
    assert [s.photo_ids for s in stacks] == [(100, 101, 102, 107), (104, 105)]
    assert stacks[0].kind == "duplicates" and stacks[1].kind == "burst"
    assert stacks[0].cover_id == 101  # the middle of the timed frames
    assert stacks[0].span_s == pytest.approx(1.5)
    assert stacker.labels_[3] == -1 and stacker.labels_[6] == -1 and stacker.labels_[8] == -1  # rows
    assert stacker.threshold_ != DEFAULT_THRESHOLD  # calibrated on the reference pairs
    assert stacker.untimed_threshold_ > stacker.threshold_
    assert [s.photo_ids for s in stack_bursts(view)] == [s.photo_ids for s in stacks]


def test_one_odd_frame_does_not_split_a_burst():
    rows = [(T0, 1, 0.1), (T0 + 1, 5, 0.1), (T0 + 2, 1, 0.1)]  # the middle frame is someone walking by
    view, _ = make_view(rows)
    stacks = stack_bursts(view, threshold=0.8)
    assert [s.photo_ids for s in stacks] == [(100, 102)]


def test_a_slowly_changing_sequence_is_one_stack():
    # A time-lapse: one frame every 2 s for a minute, slowly changing. Neighbours look alike, so the run is
    # one stack (one tile that opens), though its ends look nothing alike.
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=DIM), rng.normal(size=DIM)
    frames = [a * (1 - t) + b * t for t in np.linspace(0, 1, 31)]
    others = list(rng.normal(size=(20, DIM)))  # the rest of the library, hours later
    n = len(frames) + len(others)
    nan = np.full(n, np.nan)
    times = np.concatenate([T0 + 2.0 * np.arange(len(frames)), T0 + 3600.0 * np.arange(1, 21)])
    view = LibraryView(np.arange(n), np.stack(frames + others), times, nan, nan, nan)
    stacks = stack_bursts(view, threshold=0.9)
    assert [s.photo_ids for s in stacks] == [tuple(range(len(frames)))]
    assert stacks[0].cover_id == 15 and stacks[0].span_s == pytest.approx(60.0)


def test_fixed_thresholds_and_sharpness_cover():
    view, _ = make_view(library())
    sharp = np.zeros(len(view))
    sharp[2] = 10.0  # the third frame of burst A is the sharpest
    stacks = stack_bursts(view, sharpness=sharp, threshold=0.5, untimed_threshold=0.999)
    first = stacks[0]
    assert first.cover_id == 102
    assert 107 not in first.photo_ids  # the copy needs 0.999 now


def test_too_few_reference_pairs_fall_back_to_the_default():
    view, _ = make_view(library()[:9])
    assert BurstStacker().fit(view).threshold_ == DEFAULT_THRESHOLD


def test_empty_and_untimed_libraries():
    empty = LibraryView(np.zeros(0), np.zeros((0, DIM)), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    assert stack_bursts(empty) == []
    view, _ = make_view([(np.nan, 1, 0.01), (np.nan, 1, 0.01), (np.nan, 2, 0.1)])
    stacks = stack_bursts(view)
    assert [s.photo_ids for s in stacks] == [(100, 101)]
    assert stacks[0].kind == "duplicates" and stacks[0].span_s == 0.0


def test_sharpness_prefers_the_sharp_image():
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    assert sharpness(image) > sharpness(image.filter(ImageFilter.GaussianBlur(2)))
    assert sharpness(Image.new("RGB", (2, 2))) == 0.0
