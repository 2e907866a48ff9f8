"""Photos without a time (messenger copies, scans, downloads): placed by their look, or left out.

The calibration (FIELD-NOTES, "Albums") found that
  * the nearest single EXIF photo (1-NN) places a stripped copy better than album centroids (an event
    holds several scenes, and a centroid blurs them) and better than a 5-NN vote;
  * a distance threshold at about the 90th percentile of leave-one-out nearest-neighbour distances
    among the EXIF photos keeps unrelated photos out while placing most copies (the 95th and 99th
    let outliers in);
  * a messenger date in the file name helps when it is close to the event and misleads when the photo
    was sent weeks later, so it is a soft prior, never a hard window.

How a photo is judged here. Each candidate album (the albums of its nearest look-alikes, and the
albums its file-name date makes plausible) gets an *effective distance*
``e = sqrt(d² + cost · threshold²)``: the content distance ``d`` to the album's nearest photo, plus the
date prior's cost in units of threshold². The best candidate is accepted when
  * ``e <= threshold`` and it is distinctive: ``e <= DISTINCT_RATIO`` × the effective distance of the
    best *other* album (Lowe's ratio test: a photo about as close to two albums, e.g. a blurry or
    generic one, goes to Unsorted; a wrong album is worse than none), or
  * its album's span fits the file-name date and ``d`` is within the wider dated threshold (two
    independent clues together are stronger than either alone).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from .atoms import typical_distance

#: Quantile of leave-one-out NN distances among EXIF photos that marks "looks like nothing here".
OUTLIER_QUANTILE = 0.90
#: ...and the quantile that bounds a look-alike whose album also fits the photo's file-name date.
DATED_QUANTILE = 0.99
#: The limits never go below these quantiles of the distance from a photo to the nearest photo of another
#: album, every album weighing the same (one big album must not speak for the small ones). Why: an encoder
#: fine-tuned on the library (trainer fit) packs each event tight, so the 90th percentile of
#: nearest-neighbour distances falls (0.59 -> 0.31 on the --friend event library, seed 2) while friends'
#: copies of a scene stay further out. The limit must follow how far apart albums are, not only how tight
#: each one is. A photo accepted only thanks to this floor (further from its album than the album's own
#: spread) must pass the ratio test twice over (DISTINCT_RATIO², in _place_once).
#: Chosen on the seed-0 fine-tuned library: friend's copies placed 0.60 without the floor, 0.72 with it
#: (0.15-0.25 alike), unrelated photos kept out unchanged (0.83). With the bundled encoder on the event
#: library the LOO quantiles are the larger ones (bench/albums_quality.py unchanged over 5 seeds).
CROSS_QUANTILE = 0.2
#: ...and only with at least this many albums, so that the quantile has two albums below it. With a few very
#: different albums (a new library, or bench/album_models_quality.py's six), "how near different albums
#: come" is about as far as anything is, and the floor would let unrelated photos in (0.88 kept out instead
#: of 1.0 there; in tests, a plain yellow photo joined a brown album of three).
MIN_FLOOR_ALBUMS = 10
CROSS_DATED_QUANTILE = 0.5
#: With fewer albums than that, nothing says how near photos of different albums come, and one loose album
#: (a walk through a town: nine photos of different scenes) has a spread as wide as the whole library's; its
#: 90th percentile then let 30 of 32 unrelated downloads in (issue 12). So a look-alike must also be nearer
#: than this share of the typical distance between two photos of the library: look says "like this album"
#: only where it says more than "like any photo here".
FEW_ALBUMS_SHARE = 0.5
#: A file-name date this many hours before an album's first photo still fits (the date is midnight of
#: the day the photo arrived, and clocks and time zones differ by up to a day).
HINT_EARLY_H = 30.0
#: ...and photos are usually sent within two days of the album's last photo.
HINT_LATE_H = 48.0
#: Prior cost, in units of threshold², per doubling of lateness beyond HINT_LATE_H (weeks late: ~0.5).
HINT_LATE_COST = 0.15
#: ...and per day of a date that lies before the album began (rarer: a wrong clock, not a late send).
HINT_EARLY_COST = 0.5
#: The prior never outweighs a clear look-alike on its own.
HINT_MAX_COST = 1.5
#: Albums whose date cost is below this are candidates even when none of their photos is among the
#: nearest look-alikes (up to DATED_ALBUMS of them, cheapest first).
PLAUSIBLE_COST = 0.6
DATED_ALBUMS = 4
#: The date window those costs allow (hours after an album's end / before its start), and how many
#: albums in time order a photo looks at within it.
MAX_LATE_H = HINT_LATE_H * 2 ** (PLAUSIBLE_COST / HINT_LATE_COST)
MAX_EARLY_H = HINT_EARLY_H + 24.0 * PLAUSIBLE_COST / HINT_EARLY_COST
WINDOW = 64
#: Look-alikes considered per photo.
CANDIDATES = 10
#: Ratio test (see the module docstring). Calibration on the event library: the 1-NN album was right
#: for 81% of stripped copies with a ratio <= 0.8 and for 32% of those above it.
DISTINCT_RATIO = 0.8


def loo_nn_distances(content: np.ndarray, *, sample: int = 1000, random_state: int = 0) -> np.ndarray:
    """Distance from (a sample of) rows to their nearest *other* row of ``content``."""
    return nn_distances(content, sample=sample, random_state=random_state)[0]


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: tuple[float, ...]) -> list[float]:
    """The smallest value at which the cumulative weight reaches each quantile (inverted CDF)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(np.asarray(weights, np.float64)[order])
    cumulative /= cumulative[-1]
    at = np.searchsorted(cumulative, np.asarray(quantiles) - 1e-12, side="left")
    return [float(values[order][min(int(i), len(values) - 1)]) for i in at]


@dataclass(frozen=True)
class Limits:
    """What `place_by_content` needs from a library, in content units (see calibrate_limits)."""

    look: float  # a look-alike this near may join its album
    dated: float  # ...this near, when its file-name date fits the album too
    spread: float  # how near photos of one album usually are: further than this, the ratio test is stricter


def calibrate_limits(
    content: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    sample: int = 1000,
    random_state: int = 0,
    library: np.ndarray | None = None,
) -> Limits:
    """The app's limits: quantiles of leave-one-out nearest-neighbour distances (OUTLIER_QUANTILE,
    DATED_QUANTILE; inf with fewer than 2 rows), raised, given the rows' album ``labels`` (-1: none), to
    the cross-album floor (CROSS_QUANTILE: why a packed library needs it), or, with too few albums for that
    floor, capped at FEW_ALBUMS_SHARE of the typical distance between two photos of the ``library`` (every
    photo's content, the rows to place too); and the first quantile alone as the albums' own spread. One
    pass over the distances."""
    labels = None if labels is None else np.asarray(labels)
    loo, cross, cross_labels = nn_distances(content, labels, sample=sample, random_state=random_state)
    if len(loo) == 0:
        return Limits(float("inf"), float("inf"), float("inf"))
    own = [float(max(np.quantile(loo, q), 1e-6)) for q in (OUTLIER_QUANTILE, DATED_QUANTILE)]
    if len(np.unique(cross_labels)) >= MIN_FLOOR_ALBUMS:
        look, dated = _with_cross_floor(own, cross, cross_labels, (CROSS_QUANTILE, CROSS_DATED_QUANTILE))
    elif library is not None and len(library) >= 2:
        cap = FEW_ALBUMS_SHARE * typical_distance(np.asarray(library, np.float64), random_state=random_state)
        look, dated = (min(limit, cap) for limit in own)
    else:
        look, dated = own
    return Limits(look, dated, own[0])


def _with_cross_floor(
    limits: list[float], cross: np.ndarray, cross_labels: np.ndarray, cross_quantiles: tuple[float, ...]
) -> list[float]:
    # Every album counts alike, whatever its size: one big album's photos (far from the few others) must
    # not set the limit for all of them (bench/album_models_quality.py, 100:1 imbalance).
    _, album, sizes = np.unique(cross_labels, return_inverse=True, return_counts=True)
    floors = weighted_quantiles(cross, 1.0 / sizes[album], cross_quantiles)
    return [max(limit, floor) for limit, floor in zip(limits, floors, strict=False)]


def nn_distances(
    content: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    sample: int = 1000,
    random_state: int = 0,
    chunk: int = 128,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For (a sample of) rows: the distance to the nearest *other* row, and, given album ``labels``, to the
    nearest row of another album with the album of each such row (rows in an album only; empty with fewer
    than two albums).
    One chunked pass over the distances: (chunk × rows) at a time, whatever the library's size."""
    n = len(content)
    if n < 2:
        return np.empty(0), np.empty(0), np.empty(0, np.int64)
    content = np.asarray(content, np.float32)
    rng = np.random.default_rng(random_state)
    rows = np.arange(n) if n <= sample else np.sort(rng.choice(n, sample, replace=False))
    with_cross = labels is not None and len(np.unique(labels[labels >= 0])) >= 2
    loo, cross = np.empty(len(rows)), np.full(len(rows), np.nan)
    for begin in range(0, len(rows), chunk):
        part = rows[begin : begin + chunk]
        d = _distances(content[part], content)
        d[np.arange(len(part)), part] = np.inf  # never a photo with itself (an exact duplicate still counts)
        loo[begin : begin + chunk] = d.min(axis=1)
        if with_cross:
            assert labels is not None
            d[(labels[None, :] == labels[part, None]) | (labels[None, :] < 0)] = np.inf
            cross[begin : begin + chunk] = np.where(labels[part] >= 0, d.min(axis=1), np.nan)
    found = np.isfinite(cross)
    cross_labels = labels[rows][found] if labels is not None else np.empty(0, np.int64)
    return loo, cross[found], cross_labels


def hint_cost(hint_h: np.ndarray, start_h: np.ndarray, end_h: np.ndarray) -> np.ndarray:
    """Soft prior cost of a file-name date against an album's time span (0 inside the plausible window).

    Broadcasts; a missing hint or a span without time costs nothing (no evidence either way).
    """
    hint_h, start_h, end_h = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (hint_h, start_h, end_h)))
    late = hint_h - end_h
    early = start_h - hint_h
    with np.errstate(invalid="ignore", divide="ignore"):
        late_cost = np.where(late > HINT_LATE_H, HINT_LATE_COST * np.log2(np.maximum(late, 1e-9) / HINT_LATE_H), 0.0)
        early_cost = np.where(early > HINT_EARLY_H, HINT_EARLY_COST * (early - HINT_EARLY_H) / 24.0, 0.0)
    cost = np.minimum(np.nan_to_num(late_cost) + np.nan_to_num(early_cost), HINT_MAX_COST)
    return cost


def hint_agrees(hint_h: np.ndarray, start_h: np.ndarray, end_h: np.ndarray) -> np.ndarray:
    """True where a file-name date lies in the plausible window around an album's span."""
    hint_h, start_h, end_h = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (hint_h, start_h, end_h)))
    with np.errstate(invalid="ignore"):
        return (hint_h >= start_h - HINT_EARLY_H) & (hint_h <= end_h + HINT_LATE_H)


@dataclass
class Placement:
    """Where each query photo goes. ``anchor`` indexes the anchors given to `place_by_content`."""

    labels: np.ndarray  # (Q,) album label, -1 = fits no album
    anchor: np.ndarray  # (Q,) the chosen look-alike (-1: none)
    distance: np.ndarray  # (Q,) content distance to it
    ratio: np.ndarray  # (Q,) distance / threshold
    hint_agrees: np.ndarray  # (Q,) the file-name date fits the chosen album
    margin: np.ndarray  # (Q,) how the best test came out: accepted when <= 1
    ambiguous: np.ndarray  # (Q,) close enough, but about as close to another album


def place_by_content(
    query: np.ndarray,
    query_hint_h: np.ndarray,
    anchors: np.ndarray,
    anchor_labels: np.ndarray,
    album_start_h: np.ndarray,
    album_end_h: np.ndarray,
    threshold: float,
    *,
    hint_threshold: float | None = None,
    spread: float | None = None,
    candidates: int = CANDIDATES,
    rounds: int = 2,
) -> Placement:
    """Place photos without a time by look and file-name date (see the module docstring).

    ``anchors`` are the content vectors of photos with a time, ``anchor_labels`` their albums (-1 for an
    anchor that is itself unsorted: a photo that looks most like it stays out too), ``album_*_h`` each
    album's span in hours, indexed by label. ``hint_threshold`` defaults to 1.25 × ``threshold``. A photo
    further from its look-alike than ``spread`` (the albums' own look-alike distance; default
    ``threshold``) passes the ratio test only at DISTINCT_RATIO² (see `calibrate_limits`).

    With ``rounds`` > 1, photos placed in a round become anchors for the next (two copies of one scene
    sent together: one resembles the album's photos, the other mainly its twin). Each later placement
    passes the same tests and must also lie within ``hint_threshold`` of a photo of the album itself; an
    ``anchor`` index ``>= len(anchors)`` then names the query photo ``anchor - len(anchors)`` that it was
    placed by.
    """
    once = functools.partial(
        _place_once,
        album_start_h=album_start_h,
        album_end_h=album_end_h,
        threshold=threshold,
        hint_threshold=hint_threshold,
        spread=spread,
        candidates=candidates,
    )
    out = once(query, query_hint_h, anchors, anchor_labels)
    n_anchors = len(anchors)
    reach = 1.25 * threshold if hint_threshold is None else hint_threshold
    for _ in range(rounds - 1):
        placed = np.flatnonzero(out.labels >= 0)
        pending = np.flatnonzero(out.labels < 0)
        if len(placed) == 0 or len(pending) == 0:
            break
        more = once(
            query[pending],
            np.asarray(query_hint_h)[pending],
            np.vstack([anchors, query[placed]]),
            np.concatenate([np.asarray(anchor_labels), out.labels[placed]]),
        )
        took = (more.labels >= 0) & _within_reach(query[pending], more, anchors, anchor_labels, reach)
        if not took.any():
            break
        # Re-express anchors that are earlier queries in the "n_anchors + query index" convention.
        via_query = more.anchor >= n_anchors
        more.anchor = np.where(via_query, n_anchors + placed[np.maximum(more.anchor - n_anchors, 0)], more.anchor)
        for name in ("labels", "anchor", "distance", "ratio", "hint_agrees", "margin", "ambiguous"):
            getattr(out, name)[pending[took]] = getattr(more, name)[took]
    return out


def _within_reach(
    query: np.ndarray, placement: Placement, anchors: np.ndarray, anchor_labels: np.ndarray, reach: float
) -> np.ndarray:
    """Whether each photo placed by a twin (an earlier-placed photo) is also within ``reach`` of a photo of the
    album itself. A twin extends a look-alike's reach, never without bound: eight downloaded sea photos must not
    follow the one that came near a walk's album into it one by one (issue 15: unrelated photos kept out)."""
    ok = np.ones(len(query), bool)
    by_twin = np.flatnonzero((placement.labels >= 0) & (placement.anchor >= len(anchors)))
    anchor_labels = np.asarray(anchor_labels)
    for label in np.unique(placement.labels[by_twin]):
        rows = by_twin[placement.labels[by_twin] == label]
        members = np.flatnonzero(anchor_labels == label)
        ok[rows] = _distances(query[rows], anchors[members]).min(axis=1) <= reach if len(members) else False
    return ok


def _place_once(
    query: np.ndarray,
    query_hint_h: np.ndarray,
    anchors: np.ndarray,
    anchor_labels: np.ndarray,
    album_start_h: np.ndarray,
    album_end_h: np.ndarray,
    threshold: float,
    *,
    hint_threshold: float | None,
    spread: float | None,
    candidates: int,
) -> Placement:
    q = len(query)
    out = Placement(
        np.full(q, -1, np.int64),
        np.full(q, -1, np.int64),
        np.full(q, np.inf),
        np.full(q, np.inf),
        np.zeros(q, bool),
        np.full(q, np.inf),
        np.zeros(q, bool),
    )
    if q == 0 or len(anchors) == 0:
        return out
    hint_threshold = 1.25 * threshold if hint_threshold is None else hint_threshold
    anchor_labels = np.asarray(anchor_labels, np.int64)
    start_h = np.asarray(album_start_h, np.float64)
    end_h = np.asarray(album_end_h, np.float64)
    hint = np.asarray(query_hint_h, np.float64)
    k = int(min(candidates, len(anchors)))
    dist, idx = nearest_anchors(query, anchors, k)
    extra_dist, extra_idx = _dated_candidates(query, hint, anchors, anchor_labels, start_h, end_h)
    dist = np.hstack([dist, extra_dist])
    idx = np.hstack([idx, extra_idx])

    valid = idx >= 0
    labels = np.where(valid, anchor_labels[np.maximum(idx, 0)], -1)
    labelled = labels >= 0
    safe = np.maximum(labels, 0)
    start = np.where(labelled, start_h[safe] if len(start_h) else np.nan, np.nan)
    end = np.where(labelled, end_h[safe] if len(end_h) else np.nan, np.nan)
    cost = np.where(labelled, hint_cost(hint[:, None], start, end), 0.0)
    fits = labelled & hint_agrees(hint[:, None], start, end)
    effective = np.where(valid, np.sqrt(dist**2 + cost * threshold**2), np.inf)

    # Best rival of each candidate: the smallest effective distance among candidates of another label.
    # Where every candidate shares one label (a tight album holding all k look-alikes), the rival lies
    # beyond the top k and is looked up exactly: the k-th distance is only a lower bound, and within a
    # packed album it is about the query's own distance, so the ratio test would turn a clear member away.
    other = (labels[:, :, None] != labels[:, None, :]) & valid[:, None, :]
    rival = np.where(other, effective[:, None, :], np.inf).min(axis=2)
    lone = np.flatnonzero((~other.any(axis=2) | ~valid).all(axis=1))
    if len(lone):
        only = labels[lone, 0]
        rival[lone] = np.minimum(
            rival[lone],
            _nearest_other_album(query[lone], hint[lone], only, anchors, anchor_labels, start_h, end_h, threshold)[
                :, None
            ],
        )
    # Further from its album than the album's photos usually are from one another (accepted only thanks to
    # the cross-album floor): it must be clearly nearer this album than any other, the ratio test twice over.
    beyond_spread = effective > (threshold if spread is None else spread)
    ratio_bound = np.where(beyond_spread, DISTINCT_RATIO**2, DISTINCT_RATIO)
    undated = np.maximum(effective / threshold, effective / (ratio_bound * rival))
    dated = np.where(fits, dist / hint_threshold, np.inf)
    margin = np.where(valid, np.minimum(undated, dated), np.inf)
    # The candidate that passes its test most comfortably; if none passes, the nearest in effect.
    best = np.lexsort((effective, margin), axis=1)[:, 0]
    rows = np.arange(q)
    chosen_margin = margin[rows, best]
    out.anchor = idx[rows, best]
    out.distance = dist[rows, best]
    out.ratio = out.distance / threshold
    out.hint_agrees = fits[rows, best]
    out.margin = chosen_margin
    out.ambiguous = (chosen_margin > 1.0) & (effective[rows, best] <= threshold)
    out.labels = np.where(chosen_margin <= 1.0, labels[rows, best], -1)
    return out


def _nearest_other_album(
    query: np.ndarray,
    hint: np.ndarray,
    label: np.ndarray,
    anchors: np.ndarray,
    anchor_labels: np.ndarray,
    start_h: np.ndarray,
    end_h: np.ndarray,
    threshold: float,
    *,
    chunk: int = 512,
) -> np.ndarray:
    """Effective distance from each query to its nearest anchor whose label differs from ``label``
    (the date prior included, as for candidates); inf where there is none. Chunked: (chunk × anchors)."""
    out = np.full(len(query), np.inf)
    labelled = anchor_labels >= 0
    safe = np.maximum(anchor_labels, 0)
    a_start = np.where(labelled, start_h[safe] if len(start_h) else np.nan, np.nan)
    a_end = np.where(labelled, end_h[safe] if len(end_h) else np.nan, np.nan)
    for begin in range(0, len(query), chunk):
        rows = slice(begin, begin + chunk)
        d2 = _distances(query[rows], anchors) ** 2
        if not np.isnan(hint[rows]).all():
            cost = np.where(labelled[None, :], hint_cost(hint[rows, None], a_start[None, :], a_end[None, :]), 0.0)
            d2 = d2 + cost * threshold**2
        d2[anchor_labels[None, :] == label[rows, None]] = np.inf
        out[rows] = np.sqrt(d2.min(axis=1)) if d2.shape[1] else np.inf
    return out


def _dated_candidates(
    query: np.ndarray,
    hint: np.ndarray,
    anchors: np.ndarray,
    anchor_labels: np.ndarray,
    start_h: np.ndarray,
    end_h: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each dated query, the nearest anchor of each of the (at most DATED_ALBUMS) albums whose date
    cost is below PLAUSIBLE_COST: its best look-alike may be another scene of the same event, beyond the
    global top few. (Q, DATED_ALBUMS) distances (inf) and anchor indices (-1) where there is none."""
    q = len(query)
    dist = np.full((q, DATED_ALBUMS), np.inf)
    idx = np.full((q, DATED_ALBUMS), -1, np.int64)
    dated = np.flatnonzero(~np.isnan(hint))
    if len(dated) == 0 or len(start_h) == 0:
        return dist, idx
    members_of = _members_by_label(anchor_labels, len(start_h))
    # Only albums in a time window around the date can be plausible: those ending at most MAX_LATE_H
    # before it (and starting at most MAX_EARLY_H after it). Albums sorted by end; a query looks at the
    # WINDOW albums from the first one that ends late enough, so the work is (queries × WINDOW).
    has_span = ~np.isnan(start_h) & ~np.isnan(end_h)
    by_end = np.flatnonzero(has_span)[np.argsort(end_h[has_span], kind="stable")]
    if len(by_end) == 0:
        return dist, idx
    first = np.searchsorted(end_h[by_end], hint[dated] - MAX_LATE_H, side="left")
    window = first[:, None] + np.arange(min(WINDOW, len(by_end)))[None, :]
    inside = window < len(by_end)
    albums = by_end[np.minimum(window, len(by_end) - 1)]
    cost = hint_cost(hint[dated, None], start_h[albums], end_h[albums])
    cost = np.where(inside, cost, np.inf)
    order = np.argsort(cost, axis=1, kind="stable")[:, :DATED_ALBUMS]
    cheapest = np.take_along_axis(albums, order, axis=1)
    plausible = np.take_along_axis(cost, order, axis=1) < PLAUSIBLE_COST
    for slot in range(cheapest.shape[1]):
        for album in np.unique(cheapest[plausible[:, slot], slot]):
            members = members_of[album]
            if len(members) == 0:
                continue
            asking = dated[(cheapest[:, slot] == album) & plausible[:, slot]]
            d = _distances(query[asking], anchors[members])
            nearest = np.argmin(d, axis=1)
            dist[asking, slot] = d[np.arange(len(asking)), nearest]
            idx[asking, slot] = members[nearest]
    return dist, idx


def nearest_anchors(query: np.ndarray, anchors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest anchors of each query, sorted: (distances, indices). Exact brute force in float32
    (scikit-learn's chunked GEMM kernel): 20k photos without EXIF against 80k with take a few seconds
    on two busy cores. An inverted-file index was tried and lost on clustered codes (unbalanced cells)."""
    query = np.asarray(query, np.float32)
    anchors = np.asarray(anchors, np.float32)
    k = int(min(k, len(anchors)))
    return NearestNeighbors(n_neighbors=k, algorithm="brute").fit(anchors).kneighbors(query)


def _members_by_label(labels: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of a and b, via the Gram matrix (no (|a|, |b|, d) temporary)."""
    sq = np.sum(a * a, axis=1)[:, None] + np.sum(b * b, axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0))


def place_by_hint(query_hint_h: np.ndarray, album_start_h: np.ndarray, album_end_h: np.ndarray) -> np.ndarray:
    """With content switched off: the one album whose plausible window holds the file-name date, else -1."""
    if len(album_start_h) == 0:
        return np.full(len(query_hint_h), -1, np.int64)
    fits = hint_agrees(np.asarray(query_hint_h)[:, None], album_start_h[None, :], album_end_h[None, :])
    single = fits.sum(axis=1) == 1
    return np.where(single, np.argmax(fits, axis=1), -1).astype(np.int64)


def placement_by_hint(query_hint_h: np.ndarray, album_start_h: np.ndarray, album_end_h: np.ndarray) -> Placement:
    """`place_by_hint` as a Placement (no look-alike, no distances)."""
    labels = place_by_hint(query_hint_h, album_start_h, album_end_h)
    q = len(labels)
    inf = np.full(q, np.inf)
    return Placement(
        labels,
        np.full(q, -1, np.int64),
        inf,
        inf.copy(),
        labels >= 0,
        np.where(labels >= 0, 0.0, np.inf),
        np.zeros(q, bool),
    )
