"""Burst and near-duplicate stacking on synthetic times and codes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from album_app.albums import bursts
from album_app.albums.bursts import DEFAULT_THRESHOLD, UNTIMED_NEIGHBOURS, BurstStacker, sharpness, stack_bursts
from album_app.albums.features import LibraryView
from album_app.progress import Cancelled, CancelToken

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


# -- the near-duplicate search: exact, and cancellable ---------------------------------------------------


class BruteForceStacker(BurstStacker):
    """The near-duplicate search as first written (every similarity, each row's top k partially sorted, then
    the threshold): the reference the pruned search must agree with."""

    def _near_duplicates(self, unit, untimed, cancel=None):
        pairs = []
        k = min(UNTIMED_NEIGHBOURS + 1, len(unit))
        for start in range(0, len(untimed), 1024):
            rows = untimed[start : start + 1024]
            sims = unit[rows] @ unit.T
            sims[np.arange(len(rows)), rows] = -np.inf
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            for slot, row in enumerate(rows):
                for other in top[slot]:
                    if sims[slot, other] >= self.untimed_threshold_:
                        pairs.append((int(row), int(other)))
        return pairs


def synthetic_library(seed: int, n: int = 3000, dim: int = 48) -> LibraryView:
    """Events of look-alike scenes over a year, a fifth without a time; bursts; messenger copies (no time)
    of random photos, some barely alike and some nearly identical; crowds of copies of one photo (more than
    the neighbours looked at) and exact copies (ties)."""
    rng = np.random.default_rng(seed)
    scenes = rng.normal(size=(40, dim))
    scene = rng.integers(0, len(scenes), n)
    codes = scenes[scene] + rng.uniform(0.3, 1.0, (n, 1)) * rng.normal(size=(n, dim))
    ts = np.sort(rng.uniform(0, 365 * 86400.0, n)) + T0
    for start in rng.choice(n - 8, n // 40, replace=False):  # bursts: look-alike frames seconds apart
        for j in range(1, int(rng.integers(2, 7))):
            codes[start + j] = codes[start] + 0.1 * rng.normal(size=dim)
            ts[start + j] = ts[start] + 0.8 * j
    untimed = rng.permutation(n)[: n // 5]
    ts[untimed] = np.nan
    copies, crowd, exact = untimed[:150], untimed[150:190], untimed[190:200]
    for row in copies:
        codes[row] = codes[int(rng.integers(n))] + rng.choice([0.02, 0.1, 0.2, 0.3]) * rng.normal(size=dim)
    for group in crowd.reshape(4, 10):
        source = codes[int(rng.integers(n))]
        codes[group] = source + 0.05 * rng.normal(size=(len(group), dim))
    codes[exact] = codes[exact[0]]
    nan = np.full(n, np.nan)
    return LibraryView(np.arange(n) + 1000, codes.astype(np.float32), ts, nan, nan, nan)


def stacks_of(stacker: BurstStacker) -> list[tuple[object, ...]]:
    return [(s.photo_ids, s.cover_id, s.kind, s.span_s) for s in stacker.stacks_]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("untimed_threshold", [None, 0.9, 0.6])
def test_the_pruned_near_duplicate_search_finds_the_same_stacks(seed, untimed_threshold, monkeypatch):
    view = synthetic_library(seed)
    expected = BruteForceStacker(untimed_threshold=untimed_threshold).fit(view)
    monkeypatch.setattr(bursts, "BLOCK_SIMILARITIES", 40 * len(view))  # blocks of 40 rows: many slices
    found = BurstStacker(untimed_threshold=untimed_threshold).fit(view)
    assert any(s.kind == "duplicates" for s in expected.stacks_)
    assert found.untimed_threshold_ == expected.untimed_threshold_
    assert np.array_equal(found.labels_, expected.labels_)
    assert stacks_of(found) == stacks_of(expected)


def test_near_duplicate_pairs_are_each_rows_closest_above_the_threshold():
    view = synthetic_library(3)
    stacker = BurstStacker(untimed_threshold=0.6).fit(view)
    unit = stacker.space_.transform(view.codes)
    untimed = np.flatnonzero(np.isnan(view.taken_ts))
    found = stacker._near_duplicates(unit, untimed)
    sims = unit[untimed] @ unit.T
    sims[np.arange(len(untimed)), untimed] = -np.inf
    expected = set()
    for slot, row in enumerate(untimed):
        ranked = sorted(np.flatnonzero(sims[slot] >= 0.6), key=lambda other: (-sims[slot, other], other))
        expected.update((int(row), int(other)) for other in ranked[: UNTIMED_NEIGHBOURS + 1])
    assert len(found) == len(set(found)) and set(found) == expected
    crowded = np.bincount([row for row, _ in found], minlength=len(view))
    assert crowded.max() == UNTIMED_NEIGHBOURS + 1  # some rows had more candidates than are kept


@pytest.mark.parametrize("threshold", [0.6, 0.95, 0.995])
def test_pairs_apart_along_the_sorting_axis_are_found(threshold):
    # Rows spread along the first axis (the one the search sorts by), and pairs whose whole difference lies
    # along it, just alike enough: the bound on projections is tight for them.
    rng = np.random.default_rng(0)
    dim = 8
    spread = rng.uniform(1, 3, 400) * rng.choice([-1, 1], 400)
    background = np.column_stack([spread, 0.05 * rng.normal(size=(400, dim - 1))])
    half = np.arccos(threshold + 2e-4) / 2  # a·b = cos(2 * half)
    pairs = []
    for axis in range(1, dim):
        a, b = np.zeros(dim), np.zeros(dim)
        a[0], b[0] = np.sin(half), -np.sin(half)
        a[axis] = b[axis] = np.cos(half)
        pairs += [a, b]
    unit = bursts.l2_normalise(np.vstack([background, np.array(pairs)]))
    assert abs(bursts._principal_axis(unit)[0]) > 0.99
    untimed = np.arange(400, len(unit), 2)  # the first of each pair
    stacker = BurstStacker()
    stacker.untimed_threshold_ = threshold
    found = set(stacker._near_duplicates(unit, untimed))
    expected = set(BruteForceStacker._near_duplicates(stacker, unit, untimed))
    assert {(int(row), int(row) + 1) for row in untimed} <= expected
    assert found == expected


class CancelAfter(CancelToken):
    """Counts the checks; cancels at the ``limit``-th (None: never)."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = limit
        self.checks = 0

    def raise_if_cancelled(self) -> None:
        self.checks += 1
        if self.limit is not None and self.checks >= self.limit:
            self.cancel()
        super().raise_if_cancelled()


def test_fit_stops_at_the_cancel_token(monkeypatch):
    view = synthetic_library(0)
    cancelled = CancelToken()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        BurstStacker().fit(view, cancel=cancelled)
    monkeypatch.setattr(bursts, "BLOCK_SIMILARITIES", 40 * len(view))
    counting = CancelAfter()
    BurstStacker().fit(view, cancel=counting)
    blocks = -(-int(np.isnan(view.taken_ts).sum()) // 40)
    assert counting.checks > blocks  # at least once per block of the near-duplicate search
    late = CancelAfter(counting.checks - 3)  # in the near-duplicate search's last blocks
    with pytest.raises(Cancelled):
        BurstStacker().fit(view, cancel=late)
    assert late.checks == counting.checks - 3


def test_roots_are_every_find():
    union = bursts._UnionFind(10)
    for a, b in [(3, 7), (7, 9), (1, 2), (9, 4), (5, 5)]:
        union.join(a, b)
    assert union.roots().tolist() == [union.find(i) for i in range(10)] == [0, 1, 1, 3, 3, 5, 6, 3, 8, 3]
