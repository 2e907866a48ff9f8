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

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from album_app.progress import CancelToken

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
#: The near-duplicate search computes at most this many similarities at once (float32: 128 MB).
BLOCK_SIMILARITIES = 1 << 25
#: Runs of timed photos linked between two looks at the cancel token.
RUNS_PER_CHECK = 1024


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

    def roots(self) -> np.ndarray:
        """``find`` of every element at once (pointer jumping: parents of parents until nothing moves)."""
        parent = self.parent.astype(np.int64)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent
            parent = grand


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
    ``cancel``: checked between steps (about every 0.1 s at 100k photos); raises progress.Cancelled.
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

    def fit(
        self, view: LibraryView, sharpness: np.ndarray | None = None, *, cancel: CancelToken | None = None
    ) -> BurstStacker:
        n = len(view)
        _check(cancel)
        self.space_ = _UnitSpace().fit(view.codes)
        unit = self.space_.transform(view.codes) if n else np.zeros((0, 1), np.float32)
        _check(cancel)
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
        for number, run in enumerate(np.split(order, np.flatnonzero(gaps > self.gap_s) + 1)):
            if number % RUNS_PER_CHECK == 0:
                _check(cancel)
            if len(run) > 1:
                self._link_run(run, ts, unit, union)
        untimed = np.flatnonzero(np.isnan(ts))
        if len(untimed) and n > 1:
            for row, other in self._near_duplicates(unit, untimed, cancel):
                union.join(row, other)
        _check(cancel)
        roots = union.roots()
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

    def _near_duplicates(
        self, unit: np.ndarray, untimed: np.ndarray, cancel: CancelToken | None = None
    ) -> list[tuple[int, int]]:
        """(row without time, other row) pairs: of the ``UNTIMED_NEIGHBOURS + 1`` rows most alike each row
        without a time, those at least ``untimed_threshold_`` alike (ties at the last place: the lower row).

        Exact, but only similarities that can reach the threshold are computed and ranked:
          * two unit rows at least t alike are at most sqrt(2 - 2t) apart, so are their projections on any
            unit axis. Rows are sorted by their projection on the principal axis, and each block of rows
            without a time is compared with the slice of rows that projects near it only (a third of the
            library for real codes at the calibrated thresholds);
          * similarities below the threshold are dropped before anything is ranked (the few pairs left are
            ranked, rather than every row of the block partially sorted).
        Blocks hold at most BLOCK_SIMILARITIES similarities: bounded memory at any library size.
        """
        n = len(unit)
        k = min(UNTIMED_NEIGHBOURS + 1, n)
        threshold = self.untimed_threshold_
        proj = unit @ _principal_axis(unit)
        finite = np.isfinite(proj)  # a row with a NaN code is like nothing (its similarities are NaN)
        order = np.flatnonzero(finite)[np.argsort(proj[finite], kind="stable")]
        sorted_proj, sorted_unit = proj[order], unit[order]
        position = np.empty(n, np.int64)
        position[order] = np.arange(len(order))
        queries = untimed[finite[untimed]]
        queries = queries[np.argsort(proj[queries], kind="stable")]
        # The bound plus room for float32 rounding (of norms, projections and dot products: about 1e-6).
        reach = math.sqrt(max(0.0, 2.0 - 2.0 * threshold) + 1e-4) + 1e-4
        block = max(1, min(1024, BLOCK_SIMILARITIES // n))
        pairs: list[tuple[int, int]] = []
        for start in range(0, len(queries), block):
            _check(cancel)
            rows = queries[start : start + block]
            lo = int(np.searchsorted(sorted_proj, proj[rows[0]] - reach, side="left"))
            hi = int(np.searchsorted(sorted_proj, proj[rows[-1]] + reach, side="right"))
            sims = unit[rows] @ sorted_unit[lo:hi].T
            sims[np.arange(len(rows)), position[rows] - lo] = -np.inf  # not itself
            hit = np.flatnonzero(sims.max(axis=1) >= threshold)
            if not len(hit):
                continue
            slot, column = np.divmod(np.flatnonzero(sims[hit] >= threshold), hi - lo)  # 1-D: faster than nonzero
            values = sims[hit[slot], column]
            others = order[lo + column]
            ranked = np.lexsort((others, -values, slot))  # per row: most alike first, then the lower row
            slot, others = slot[ranked], others[ranked]
            keep = np.arange(len(slot)) - np.searchsorted(slot, slot, side="left") < k
            pairs.extend(zip(rows[hit[slot[keep]]].tolist(), others[keep].tolist(), strict=True))
        return pairs


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _principal_axis(unit: np.ndarray) -> np.ndarray:
    """The unit axis along which the rows spread most (the near-duplicate search sorts rows along it)."""
    axis = np.zeros(unit.shape[1], np.float64)
    axis[0] = 1.0
    scatter = np.nan_to_num(unit.T @ unit, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float64)
    if np.any(scatter):
        _, vectors = np.linalg.eigh(scatter)
        axis = vectors[:, -1]
    return (axis / np.linalg.norm(axis)).astype(np.float32)


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
