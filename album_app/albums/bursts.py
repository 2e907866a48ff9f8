"""Bursts and near-duplicates: shots seconds apart that look alike become one stack with one cover photo.

Two photos are stacked when
  * both have an EXIF time, lie in one run of shots each at most ``gap_s`` seconds after the previous,
    at most ``PAIR_WINDOW_S`` apart, and their codes' cosine similarity is at least ``threshold_`` (any
    pair of the run, not only neighbours: one odd frame does not split a burst); or
  * one has no EXIF time (a messenger copy, a download) and it is a near-duplicate of the other: similarity
    at least ``untimed_threshold_``, which is stricter (without a clock, look is the only evidence).
Stacks are the connected groups of such pairs. The cover is the sharpest member when sharpness is given
(`sharpness`), else the middle one in time.

The threshold is calibrated on the library itself, because a retrained encoder moves every similarity:
consecutive photos minutes to hours apart (``REFERENCE_GAP_S``) are "same outing, not a burst" (other
scenes, or the same scene re-framed), and a burst must look more alike than nearly all of them
(``REFERENCE_QUANTILE``). Similarity is measured on codes centred by the library's mean and put on the unit
sphere (the shared component of all codes would make every pair look alike).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .features import LibraryView, l2_normalise

#: Consecutive shots at most this many seconds apart can be one burst (phones shoot 3–30 frames/s; people
#: re-press the shutter within a second or two).
BURST_GAP_S = 3.0
#: Two shots of one run are compared only when at most this many seconds apart: bounds the work on a long
#: run (a time-lapse). Look-alike neighbours still chain, so a slowly changing sequence is one stack.
PAIR_WINDOW_S = 10.0
#: Pairs of consecutive photos this far apart (seconds) calibrate the threshold: same outing, not a burst.
REFERENCE_GAP_S = (60.0, 6 * 3600.0)
#: A burst must look more alike than this share of those reference pairs. Calibration (bench/bursts_quality.py,
#: seeds 5-6): the 0.9 quantile kept 89 % of consecutive burst pairs and 9 % of different photos shot
#: seconds apart; 0.95 kept 84 % and 0 %.
REFERENCE_QUANTILE = 0.9
#: The calibrated threshold is kept in this range, and replaced by DEFAULT_THRESHOLD with too few pairs.
THRESHOLD_RANGE = (0.5, 0.97)
MIN_REFERENCE_PAIRS = 20
DEFAULT_THRESHOLD = 0.8
#: Without a time: this share of the way from the timed threshold to identical (1.0). Stricter, because
#: nothing else says the two photos were taken together (messenger copies of a shot: cosine >= 0.95; other
#: photos of the same kind of scene: up to 0.97 in the calibration streams).
UNTIMED_TIGHTEN = 0.85
#: Near-duplicate candidates looked at per photo without a time.
UNTIMED_NEIGHBOURS = 5


@dataclass(frozen=True)
class Stack:
    """One burst or set of near-duplicates, shown as one tile."""

    photo_ids: tuple[int, ...]  # members: timed ones in time order, then those without a time
    cover_id: int
    kind: str  # "burst": all timed; "duplicates": at least one member has no time
    span_s: float  # seconds from the first to the last timed member (0 with fewer than two)

    @property
    def size(self) -> int:
        return len(self.photo_ids)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = int(self.parent[root])
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, int(self.parent[i])
        return root

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class _UnitSpace:
    """Codes → centred, unit-length rows (cosine similarity = dot product)."""

    def fit(self, codes: np.ndarray) -> _UnitSpace:
        codes = np.asarray(codes, np.float32)
        self.mean_ = codes.mean(axis=0) if len(codes) else np.zeros(codes.shape[1], np.float32)
        return self

    def transform(self, codes: np.ndarray) -> np.ndarray:
        return l2_normalise(np.asarray(codes, np.float32) - self.mean_)


class BurstStacker:
    """Stacks of a library (scikit-learn conventions): ``fit(view)`` sets ``labels_`` ((N,) stack number or
    -1), ``stacks_``, ``threshold_``, ``untimed_threshold_`` and ``space_``.

    ``threshold`` / ``untimed_threshold``: fixed cosine thresholds instead of the calibrated ones.
    ``sharpness``: per-row sharpness (e.g. `sharpness` of each thumbnail) to choose covers; None = middle.
    """

    def __init__(
        self,
        *,
        gap_s: float = BURST_GAP_S,
        threshold: float | None = None,
        untimed_threshold: float | None = None,
        reference_quantile: float = REFERENCE_QUANTILE,
    ) -> None:
        self.gap_s = gap_s
        self.threshold = threshold
        self.untimed_threshold = untimed_threshold
        self.reference_quantile = reference_quantile

    def fit(self, view: LibraryView, sharpness: np.ndarray | None = None) -> BurstStacker:
        n = len(view)
        self.space_ = _UnitSpace().fit(view.codes)
        unit = self.space_.transform(view.codes) if n else np.zeros((0, 1), np.float32)
        ts = view.taken_ts
        timed = np.flatnonzero(~np.isnan(ts))
        order = timed[np.argsort(ts[timed], kind="stable")]
        gaps = np.diff(ts[order])
        # Similarity of each photo to the next one in time.
        next_sim = np.einsum("ij,ij->i", unit[order[:-1]], unit[order[1:]]) if len(order) > 1 else np.zeros(0)
        self.threshold_ = float(self.threshold) if self.threshold is not None else self._calibrate(gaps, next_sim)
        self.untimed_threshold_ = (
            float(self.untimed_threshold)
            if self.untimed_threshold is not None
            else self.threshold_ + (1.0 - self.threshold_) * UNTIMED_TIGHTEN
        )
        union = _UnionFind(n)
        for run in np.split(order, np.flatnonzero(gaps > self.gap_s) + 1):
            if len(run) > 1:
                self._link_run(run, ts, unit, union)
        untimed = np.flatnonzero(np.isnan(ts))
        if len(untimed) and n > 1:
            for row, other in self._near_duplicates(unit, untimed):
                union.join(row, other)
        roots = np.array([union.find(i) for i in range(n)], dtype=np.int64)
        sizes = np.bincount(roots, minlength=n) if n else np.zeros(0, np.int64)
        self.labels_ = np.full(n, -1, np.int64)
        self.stacks_: list[Stack] = []
        members_by_root: dict[int, list[int]] = {}
        for row in np.flatnonzero(sizes[roots] > 1):
            members_by_root.setdefault(int(roots[row]), []).append(int(row))
        ranked = sorted(members_by_root.values(), key=lambda rows: _first_time(ts, rows))
        for number, rows in enumerate(ranked):
            self.labels_[rows] = number
            self.stacks_.append(_make_stack(view, rows, sharpness))
        return self

    def _link_run(self, run: np.ndarray, ts: np.ndarray, unit: np.ndarray, union: _UnionFind) -> None:
        """Join every pair of one run that is close enough in time and alike enough."""
        times = ts[run]
        ends = np.searchsorted(times, times + PAIR_WINDOW_S, side="right")
        for i in range(len(run) - 1):
            later = run[i + 1 : ends[i]]
            if len(later):
                sims = unit[later] @ unit[run[i]]
                for other in later[sims >= self.threshold_]:
                    union.join(int(run[i]), int(other))

    def _calibrate(self, gaps: np.ndarray, next_sim: np.ndarray) -> float:
        low, high = REFERENCE_GAP_S
        reference = next_sim[(gaps >= low) & (gaps <= high)]
        if len(reference) < MIN_REFERENCE_PAIRS:
            return DEFAULT_THRESHOLD
        return float(np.clip(np.quantile(reference, self.reference_quantile), *THRESHOLD_RANGE))

    def _near_duplicates(self, unit: np.ndarray, untimed: np.ndarray) -> list[tuple[int, int]]:
        """(row without time, any other row) pairs at least ``untimed_threshold_`` alike. Blocked matrix
        products: 20k photos without a time against 100k take a few seconds and bounded memory."""
        pairs = []
        k = min(UNTIMED_NEIGHBOURS + 1, len(unit))
        for start in range(0, len(untimed), 1024):
            rows = untimed[start : start + 1024]
            sims = unit[rows] @ unit.T
            sims[np.arange(len(rows)), rows] = -np.inf  # not itself
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            for slot, row in enumerate(rows):
                for other in top[slot]:
                    if sims[slot, other] >= self.untimed_threshold_:
                        pairs.append((int(row), int(other)))
        return pairs


def _first_time(ts: np.ndarray, rows: list[int]) -> float:
    times = ts[rows]
    return float(np.nanmin(times)) if np.isfinite(times).any() else float("inf")


def _make_stack(view: LibraryView, rows: list[int], sharpness: np.ndarray | None) -> Stack:
    ts = view.taken_ts[rows]
    timed = [r for r, t in zip(rows, ts, strict=True) if np.isfinite(t)]
    timed.sort(key=lambda r: (view.taken_ts[r], r))
    untimed = sorted(r for r in rows if not np.isfinite(view.taken_ts[r]))
    ordered = timed + untimed
    if sharpness is not None:
        values = np.asarray(sharpness, np.float64)[ordered]
        cover = ordered[int(np.nanargmax(values))] if np.isfinite(values).any() else ordered[len(ordered) // 2]
    else:
        pool = timed or ordered
        cover = pool[(len(pool) - 1) // 2]  # the middle shot: the one most likely framed as intended
    span = float(view.taken_ts[timed[-1]] - view.taken_ts[timed[0]]) if len(timed) > 1 else 0.0
    return Stack(
        photo_ids=tuple(int(view.photo_ids[r]) for r in ordered),
        cover_id=int(view.photo_ids[cover]),
        kind="burst" if not untimed else "duplicates",
        span_s=span,
    )


def stack_bursts(view: LibraryView, *, sharpness: np.ndarray | None = None, **params: float | None) -> list[Stack]:
    """The stacks of a library (photo ids, a cover each), in time order. See `BurstStacker` for ``params``."""
    return BurstStacker(**params).fit(view, sharpness).stacks_  # type: ignore[arg-type]


def sharpness(image: Image.Image, side: int = 256) -> float:
    """Variance of the Laplacian of the grey image at about ``side`` px: higher = sharper (for covers)."""
    grey = image.convert("L")
    if max(grey.size) > side:
        grey.thumbnail((side, side), Image.Resampling.BILINEAR)
    g = np.asarray(grey, np.float32)
    if g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4.0 * g[1:-1, 1:-1]
    return float(lap.var())
