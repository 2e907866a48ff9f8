"""Library in, suggested albums out: events → cluster → place EXIF-less photos → confidence and reasons.

Pure: no SQL, no Qt, no files. The catalog builds a `LibraryView`, this module returns a `Suggestion`,
and persistence (and the user's edits as constraints) happen around it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from . import ESTIMATORS, LIFE, METHODS
from .cluster import HDBSCANAlbums, make_estimator, renumber_by_time, scaled_threshold
from .events import GAP_HOURS, JUMP_KM, MIN_ALBUM_SIZE, EventTable, event_table, segment_hours
from .explain import explain, explain_placed, others_text
from .features import (
    CONTENT_START,
    DEFAULT_WEIGHTS,
    PLACE_COLS,
    TIME_COL,
    ContentSpace,
    FusionWeights,
    LibraryView,
    fused_matrix,
    geo_xyz_km,
    hours,
)
from .life_suggest import life_applies, suggest_life
from .place import Limits, Placement, calibrate_limits, place_by_content, placement_by_hint
from .screens import PLACED_BY_LOOK, SCREENSHOT, classify_files
from .suggestion import Suggestion

#: The method `auto` stands for in a library without a home (a library of events far apart): the one that
#: scored best on bench/albums_quality.py (see the README). A library lived around a home gets `life`.
AUTO_METHOD = "affinity"
#: Below this share of photos with a time, the library is mostly scans or downloads: photos that fit
#: no event are then grouped by their look alone rather than all left Unsorted.
LOOK_ONLY_SHARE = 0.5
#: Content components a density method uses when look is the only evidence (4 when it is one of three).
CONTENT_ONLY_DIMS = 16


_F = TypeVar("_F", bound=Callable[..., object])


def _single_threaded_blas(function: _F) -> _F:
    """Run with BLAS on one thread. The BLAS calls here are small (a 128 × 128 eigendecomposition, GEMMs
    of a few hundred rows), and a threaded OpenBLAS spends far longer synchronising than computing on a
    busy machine: the 128 × 128 eigh took 0.45 s with threads, 7 ms without; 100k photos 22 s → 17 s, an
    incremental add 2.4 s → 1.3 s. scikit-learn's heavy kernels (nearest neighbours, k-means) keep their
    own OpenMP threads; the limit is lifted when the call returns."""

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> object:
        with threadpool_limits(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def resolve_method(method: str) -> str:
    """The estimator behind a method name (``auto``: the event-library one; see `choose_method`)."""
    if method == "auto":
        return AUTO_METHOD
    if method not in ESTIMATORS:
        raise ValueError(f"unknown album method {method!r}; choose one of {', '.join(METHODS)}")
    return method


def choose_method(view: LibraryView, method: str, weights: FusionWeights = DEFAULT_WEIGHTS) -> str:
    """What ``method`` means for this library: ``auto`` is ``life`` when the library is lived around a home
    (life_suggest.life_applies), else AUTO_METHOD; any other name stands for itself."""
    if method == LIFE:
        return LIFE
    if method == "auto" and len(view) and life_applies(view, weights):
        return LIFE
    return resolve_method(method)


@_single_threaded_blas
def suggest_albums(
    view: LibraryView,
    *,
    method: str = "auto",
    k: int | None = None,
    weights: FusionWeights = DEFAULT_WEIGHTS,
    random_state: int = 0,
) -> Suggestion:
    """Suggested albums for a whole library (see module docstring)."""
    if choose_method(view, method, weights) == LIFE:
        return suggest_life(view, random_state=random_state)
    used = resolve_method(method)
    n = len(view)
    if n == 0:
        return Suggestion(np.zeros(0, np.int64), np.zeros(0), [], used, np.zeros(0, np.int64))
    if weights.time == 0 and weights.place == 0:
        used = "hdbscan"  # look alone: only a density method can find groups (and leave the rest out)
    content = ContentSpace(random_state=random_state).fit_transform(view.codes)
    X = fused_matrix(view, content)
    estimator = make_estimator(used, k=k, weights=weights, random_state=random_state)
    if weights.time == 0 and weights.place == 0:
        # Look is all there is: keep more of it, and merge no clusters (epsilon is in units of typical look).
        estimator.set_params(content_dims=CONTENT_ONLY_DIMS, cluster_selection_epsilon=0.0)
    estimator.fit(X)
    labels = np.asarray(estimator.labels_, dtype=np.int64).copy()
    considered = np.asarray(estimator.considered_, dtype=bool)
    events = getattr(estimator, "events_", np.full(n, -1))

    confidence = np.zeros(n)
    reasons = [""] * n
    look_alike = np.full(n, -1, dtype=np.int64)
    _explain_considered(view, X, labels, considered, events, estimator, confidence, reasons)

    limits = calibrate_limits(content[considered], labels[considered], random_state=random_state, library=content)
    rest, not_photos = _split_not_photos(view, np.flatnonzero(~considered), confidence, reasons)
    if len(rest):
        candidates, first_small = small_events_as_candidates(labels, considered, events)
        placement = _place(view, X, content, candidates, considered, rest, limits, weights)
        candidates[rest] = placement.labels
        labels = keep_grown_small_events(candidates, first_small, rest)
        placement.labels = labels[rest]
        explain_placed(view, rest, placement, labels, confidence, reasons, look_alike)
        _explain_completed(labels, considered, first_small, rest, confidence, reasons)
    if considered.mean() < LOOK_ONLY_SHARE:
        _group_by_look(X, labels, np.union1d(rest, not_photos), confidence, reasons, random_state)
    labels = renumber_by_time(labels, X[:, TIME_COL])
    return Suggestion(labels, np.clip(confidence, 0.0, 1.0), reasons, used, look_alike, float(limits.look))


def file_kinds(view: LibraryView) -> np.ndarray | None:
    """screens.py's kind per photo; None where the view lacks the names or the cameras to judge by."""
    if view.names is None or view.cameras is None:
        return None
    n = len(view)
    nan = np.full(n, np.nan)
    return classify_files(
        view.names,
        list(view.formats) if view.formats is not None else [None] * n,
        nan if view.width is None else view.width,
        nan if view.height is None else view.height,
        np.array([bool(c) for c in view.cameras], bool),
    )


def _split_not_photos(
    view: LibraryView, rows: np.ndarray, confidence: np.ndarray, reasons: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` (no time) split into those placed by look and the screenshots, downloads and memes, which
    never join an event by look (screens.py; the same rule as method life). The latter get their reason."""
    kinds = file_kinds(view)
    if kinds is None or len(rows) == 0:
        return rows, rows[:0]
    photo = np.isin(kinds[rows], PLACED_BY_LOOK)
    for row in rows[~photo]:
        confidence[row], reasons[row] = explain("screenshot_kept_out" if kinds[row] == SCREENSHOT else "download")
    return rows[photo], rows[~photo]


def small_events_as_candidates(
    labels: np.ndarray, considered: np.ndarray, events: np.ndarray
) -> tuple[np.ndarray, int]:
    """The albums, plus each event too small to be an album (fewer than MIN_ALBUM_SIZE photos with a time, all
    unsorted) as a candidate numbered from the returned first label on. Why: a friend's copies of an event the
    person took only one or two photos of (a dinner, a view) have no album to go to, and together with them
    the event is an album (issue 15: the real places with one or two owner's photos placed 0.08)."""
    candidates = np.asarray(labels, np.int64).copy()
    first = int(candidates.max()) + 1 if (candidates >= 0).any() else 0
    timed_events = considered & (events >= 0)
    if not timed_events.any():
        return candidates, first
    sizes = np.bincount(events[timed_events])
    in_album = np.zeros(len(sizes), bool)
    in_album[events[timed_events & (candidates >= 0)]] = True
    small = timed_events & ~in_album[np.maximum(events, 0)] & (sizes[np.maximum(events, 0)] < MIN_ALBUM_SIZE)
    if small.any():
        _, provisional = np.unique(events[small], return_inverse=True)
        candidates[small] = first + provisional
    return candidates, first


def keep_grown_small_events(candidates: np.ndarray, first: int, placed_rows: np.ndarray) -> np.ndarray:
    """The labels once each small-event candidate (label ``first`` on) is kept as an album, when it has at least
    MIN_ALBUM_SIZE photos with the ``placed_rows`` it took, one of them at least (an event of two photos and
    one look-alike is an album of three), or dissolved: its photos, placed ones too, back to -1."""
    labels = np.asarray(candidates, np.int64).copy()
    small = labels >= first
    if not small.any():
        return labels
    n_small = int(labels.max()) + 1 - first
    sizes = np.bincount(labels[small] - first, minlength=n_small)
    placed = labels[placed_rows]
    grown = np.bincount(placed[placed >= first] - first, minlength=n_small)
    kept = (sizes >= MIN_ALBUM_SIZE) & (grown > 0)
    labels[small] = np.where(kept[labels[small] - first], labels[small], -1)
    return labels


def _explain_completed(
    labels: np.ndarray,
    considered: np.ndarray,
    first_small: int,
    placed_rows: np.ndarray,
    confidence: np.ndarray,
    reasons: list[str],
) -> None:
    completed = np.flatnonzero(considered & (labels >= first_small))
    if len(completed) == 0:
        return
    sizes = np.bincount(labels[labels >= 0])
    copies = np.bincount(labels[placed_rows][labels[placed_rows] >= 0], minlength=len(sizes))
    for row in completed:
        album = labels[row]
        owners = _photos_text(int(sizes[album] - copies[album]))
        confidence[row], reasons[row] = explain("small_event", owners=owners, copies=_photos_text(int(copies[album])))


def _photos_text(count: int) -> str:
    return "one photo" if count == 1 else f"{count} photos"


def _place(
    view: LibraryView,
    X: np.ndarray,
    content: np.ndarray,
    labels: np.ndarray,
    considered: np.ndarray,
    rows: np.ndarray,
    limits: Limits,
    weights: FusionWeights,
) -> Placement:
    """Place ``rows`` (no time) against the considered photos and their current albums."""
    anchors = np.flatnonzero(considered)
    spans = event_table(labels, X[:, TIME_COL], X[:, PLACE_COLS])
    return _place_rows(
        content[rows], hours(view.hint_ts[rows]), content[anchors], labels, anchors, rows, spans, limits, weights
    )


def _place_rows(
    query: np.ndarray,
    hint_h: np.ndarray,
    anchor_content: np.ndarray,
    labels: np.ndarray,
    anchors: np.ndarray,
    rows: np.ndarray,
    spans: EventTable,
    limits: Limits,
    weights: FusionWeights,
) -> Placement:
    """Photos ``rows`` without a time, by look (limits in units of the content weight) and file-name date,
    or by the date alone when look is switched off; anchors are given as view rows."""
    if weights.content <= 0:
        return placement_by_hint(hint_h, spans.start_h, spans.end_h)
    placement = place_by_content(
        query,
        hint_h,
        anchor_content,
        labels[anchors],
        spans.start_h,
        spans.end_h,
        limits.look / weights.content,
        hint_threshold=limits.dated / weights.content,
        spread=limits.spread / weights.content,
    )
    placement.anchor = _anchor_rows(placement.anchor, anchors, rows)
    return placement


def _anchor_rows(anchor: np.ndarray, anchors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Placement anchor indices → view rows (an index past the anchors names an earlier-placed query)."""
    rows = np.concatenate([anchors, queries])
    return np.where(anchor >= 0, rows[np.clip(anchor, 0, len(rows) - 1)], -1)


def _explain_considered(
    view: LibraryView,
    X: np.ndarray,
    labels: np.ndarray,
    considered: np.ndarray,
    events: np.ndarray,
    estimator: object,
    confidence: np.ndarray,
    reasons: list[str],
) -> None:
    has_place = view.has_place
    sizes = np.bincount(labels[labels >= 0], minlength=max(int(labels.max()) + 1, 0)) if (labels >= 0).any() else []
    event_sizes = np.bincount(events[events >= 0]) if (events >= 0).any() else np.zeros(0, np.int64)
    density = isinstance(estimator, HDBSCANAlbums)
    probabilities = getattr(estimator, "probabilities_", None)
    for row in np.flatnonzero(considered):
        label = labels[row]
        if label >= 0:
            others = int(sizes[label]) - 1
            if density:
                strength = 0.5 + 0.5 * float(probabilities[row]) if probabilities is not None else None
                confidence[row], reasons[row] = explain("dense_group", strength, others=others)
            else:
                key = "time_and_place" if has_place[row] else "time_only"
                confidence[row], reasons[row] = explain(key, others=others)
        else:
            event = events[row]
            count = int(event_sizes[event]) if event >= 0 else 1
            if density and count >= MIN_ALBUM_SIZE:
                confidence[row], reasons[row] = explain("no_dense_group")
            else:
                confidence[row], reasons[row] = explain("too_few_around", few=others_text(count))


def _group_by_look(
    X: np.ndarray, labels: np.ndarray, rest: np.ndarray, confidence: np.ndarray, reasons: list[str], seed: int
) -> None:
    """Mostly-undated library: photos that fit no event form albums among themselves by look alone."""
    left = rest[labels[rest] < 0]
    if len(left) < 2 * MIN_ALBUM_SIZE:
        return
    look = X[left].copy()
    look[:, :CONTENT_START] = np.nan  # neither time nor place: the estimator sees only content
    only_look = FusionWeights(content=1.0, time=0.0, place=0.0)
    model = HDBSCANAlbums(
        weights=only_look, content_dims=CONTENT_ONLY_DIMS, cluster_selection_epsilon=0.0, random_state=seed
    ).fit(look)
    found = model.labels_
    offset = int(labels.max()) + 1 if (labels >= 0).any() else 0
    for slot, row in enumerate(left):
        if found[slot] >= 0:
            labels[row] = offset + found[slot]
            strength = 0.5 + 0.5 * float(model.probabilities_[slot])
            confidence[row], reasons[row] = explain("grouped_by_look", strength)


# --- incremental --------------------------------------------------------------------------------------


@_single_threaded_blas
def place_new(
    view: LibraryView,
    labels: np.ndarray,
    new_index: np.ndarray,
    *,
    weights: FusionWeights = DEFAULT_WEIGHTS,
    decided: np.ndarray | None = None,
) -> Suggestion:
    """Albums for new photos, leaving every other photo where it is, except that an event too small for an
    album (old unsorted photos with a time) becomes one when the new photos without a time it draws bring it
    to MIN_ALBUM_SIZE, as in `suggest_albums` (a friend's copies of a dinner arrive after the dinner's two
    photos were clustered). ``decided`` (bool per row) marks photos the user decided about (removed from an
    album, a rejected suggestion): they never join such an album.

    New photos with a time are segmented together with the old photos in their time windows: they join
    the album of the old photos they share an event with (the nearest in time when an event touches two
    albums: existing albums are never merged), or form a new album (numbered from ``max(labels) + 1``)
    when they make an event of their own of at least MIN_ALBUM_SIZE photos. New photos without a time
    are placed by look, as in `suggest_albums`. Cost: a sort of the times and one nearest-neighbour
    search for the new photos; no re-clustering.
    """
    n = len(view)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} rows, the view has {n}")
    new_rows = np.unique(np.asarray(new_index, dtype=np.int64).reshape(-1))
    is_new = np.zeros(n, dtype=bool)
    is_new[new_rows] = True
    out = labels.copy()
    out[is_new] = -1
    confidence = np.ones(n)
    reasons = [explain("kept" if label >= 0 else "kept_unsorted")[1] for label in labels]
    look_alike = np.full(n, -1, dtype=np.int64)
    if len(new_rows) == 0:
        return Suggestion(out, confidence, reasons, "incremental", look_alike)
    next_label = int(labels[~is_new].max()) + 1 if (~is_new).any() and (labels[~is_new] >= 0).any() else 0

    time_h = hours(view.taken_ts)
    timed = ~np.isnan(time_h)  # with time weighted 0 a gap never splits (see _join_events), but order still helps
    new_timed = new_rows[timed[new_rows]]
    if len(new_timed):
        next_label = _join_events(view, out, is_new, new_timed, time_h, timed, weights, next_label, confidence, reasons)

    new_untimed, _ = _split_not_photos(view, new_rows[~timed[new_rows]], confidence, reasons)
    threshold = float("nan")
    if len(new_untimed):
        sample = _content_sample(n, new_untimed)
        space = ContentSpace().fit(view.codes[sample])
        anchors = np.flatnonzero(timed)
        anchor_content = space.transform(view.codes[anchors])
        # 300 sampled queries against every anchor (~0.2 s at 100k photos on two busy cores): enough for the
        # 90th percentile, rougher for the 99th; the full run (suggest_albums) uses 1000.
        limits = calibrate_limits(anchor_content, out[anchors], sample=300)
        threshold = limits.look
        open_to = timed & (np.ones(n, bool) if decided is None else ~np.asarray(decided, bool))
        candidates, first_small = small_events_as_candidates(out, open_to, _timed_events(view, time_h, weights))
        spans = event_table(candidates, time_h, np.full((n, 3), np.nan))
        placement = _place_rows(
            space.transform(view.codes[new_untimed]),
            hours(view.hint_ts[new_untimed]),
            anchor_content,
            candidates,
            anchors,
            new_untimed,
            spans,
            limits,
            weights,
        )
        candidates[new_untimed] = placement.labels
        out = keep_grown_small_events(candidates, first_small, new_untimed)
        placement.labels = out[new_untimed]
        explain_placed(view, new_untimed, placement, out, confidence, reasons, look_alike)
        _explain_completed(out, timed, first_small, new_untimed, confidence, reasons)
    return Suggestion(out, np.clip(confidence, 0, 1), reasons, "incremental", look_alike, threshold)


def _timed_events(view: LibraryView, time_h: np.ndarray, weights: FusionWeights) -> np.ndarray:
    """Events of the photos with a time (the estimators' gap and jump at these weights); -1 without a time."""
    gap, jump = _event_limits(weights)
    return segment_hours(time_h, geo_xyz_km(view.lat, view.lon), gap_hours=gap, jump_km=jump)


def _event_limits(weights: FusionWeights) -> tuple[float, float]:
    """The gap (hours) and jump (km) that end an event under these weights, as the estimators scale them."""
    return scaled_threshold(GAP_HOURS, weights.time), scaled_threshold(JUMP_KM, weights.place)


def _join_events(
    view: LibraryView,
    out: np.ndarray,
    is_new: np.ndarray,
    new_timed: np.ndarray,
    time_h: np.ndarray,
    timed: np.ndarray,
    weights: FusionWeights,
    next_label: int,
    confidence: np.ndarray,
    reasons: list[str],
) -> int:
    """Segment the new timed photos with the old timed photos around them; returns the next free label."""
    gap, jump = _event_limits(weights)
    old_timed = np.flatnonzero(timed & ~is_new & ~np.isnan(time_h))
    old_sorted = old_timed[np.argsort(time_h[old_timed], kind="stable")]
    old_times = time_h[old_sorted]
    # Old photos within reach: a window of a few gaps around each new photo catches every event the new
    # photos can touch (an event is a chain of photos with gaps below `gap`). Clipped to a week.
    reach = min(gap * 3, 24.0 * 7) if np.isfinite(gap) else np.inf
    t_new = time_h[new_timed]
    if np.isfinite(reach) and len(old_sorted):
        lo = np.searchsorted(old_times, t_new - reach, side="left")
        hi = np.searchsorted(old_times, t_new + reach, side="right")
        marks = np.zeros(len(old_sorted) + 1, np.int64)
        np.add.at(marks, lo, 1)
        np.add.at(marks, hi, -1)
        nearby = old_sorted[np.cumsum(marks)[:-1] > 0]
    else:
        nearby = old_sorted
    rows = np.concatenate([nearby, new_timed])
    events = segment_hours(time_h[rows], geo_xyz_km(view.lat[rows], view.lon[rows]), gap_hours=gap, jump_km=jump)
    old_part = np.zeros(len(rows), dtype=bool)
    old_part[: len(nearby)] = True
    for event in np.unique(events[~old_part]):
        members = np.flatnonzero(events == event)
        olds = members[old_part[members] & (out[rows[members]] >= 0)]
        news = members[~old_part[members]]
        if len(olds):
            # Each new photo joins the album of the old photo nearest in time within its event.
            order = olds[np.argsort(time_h[rows[olds]])]
            times = time_h[rows[order]]
            pos = np.clip(np.searchsorted(times, time_h[rows[news]]), 0, len(order) - 1)
            prev = np.clip(pos - 1, 0, len(order) - 1)
            pick = np.where(
                np.abs(times[prev] - time_h[rows[news]]) <= np.abs(times[pos] - time_h[rows[news]]), prev, pos
            )
            for slot, member in enumerate(news):
                row = rows[member]
                out[row] = out[rows[order[pick[slot]]]]
                key = "joined_time_only" if np.isnan(view.lat[row]) else "joined_time_and_place"
                confidence[row], reasons[row] = explain(key)
        else:
            count = len(members)  # new photos plus old unsorted ones around them
            fresh = count >= MIN_ALBUM_SIZE
            for member in news:
                row = rows[member]
                if fresh:
                    out[row] = next_label
                    key = "new_event_time_only" if np.isnan(view.lat[row]) else "new_event"
                    confidence[row], reasons[row] = explain(key, others=count - 1)
                else:
                    confidence[row], reasons[row] = explain("too_few_around", few=others_text(count))
            if fresh:
                next_label += 1
    return next_label


def _content_sample(n: int, new_rows: np.ndarray, size: int = 5000) -> np.ndarray:
    """Rows to fit the look space on: the new photos plus a fixed-seed sample of the rest."""
    rng = np.random.default_rng(0)
    others = np.flatnonzero(np.isin(np.arange(n), new_rows, invert=True))
    if len(others) > size:
        others = np.sort(rng.choice(others, size, replace=False))
    return np.union1d(others, new_rows)
