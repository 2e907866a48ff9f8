"""Album estimators over a fused matrix (scikit-learn conventions: ``fit(X)`` returns self, ``labels_``).

X is `features.fused_matrix`: [time h, place x/y/z km, content...] with NaN for missing evidence.
Every estimator labels the rows it can judge (``considered_``: rows with a time, or every row when
time is switched off) and leaves the rest at -1 for place.py; -1 among considered rows means the
photo fits no album.

  * ``events``   time/place segmentation alone (events.py), small events → -1.
  * ``affinity`` events as representatives, grouped by affinity propagation on a fused event distance
    (time gap beyond the split rule, place, mean look); two events merge when that distance is below
    ``merge_distance`` (a trip cut by a day without photos). Runs on blocks of at most ``max_representatives``
    events in time order, so memory stays bounded whatever the library size (sklearn's AP holds several
    n × n matrices: ~3 GB at 10k points).
  * ``kmeans``   events as points in fused space (k-POD: k-means that treats a missing place as
    unknown, not zero), k chosen by the silhouette of the photos (not of the events) unless given.
  * ``hdbscan``  density clusters of photos in a low-dimensional fused space (first content PCA
    components + time + place); noise → -1. Raw 68-d HDBSCAN took 390 s at 50k photos (FIELD-NOTES).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AffinityPropagation, KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score

from . import ESTIMATORS
from .atoms import Atoms, atom_distance2, look_scale, make_atoms, time_blocks, typical_distance
from .events import GAP_HOURS, JUMP_KM, MIN_ALBUM_SIZE, drop_small, event_table, segment_hours
from .features import (
    CONTENT_START,
    DEFAULT_WEIGHTS,
    PLACE_COLS,
    PLACE_SCALE_KM,
    TIME_COL,
    TIME_SCALE_H,
    FusionWeights,
)


def event_albums(events: np.ndarray, album_of_event: np.ndarray) -> np.ndarray:
    """Each photo's album through its event (-1 for photos in no event; with no event at all, every one)."""
    if len(album_of_event) == 0:  # no photo has a time: nothing was grouped here (place.py takes them all)
        return np.full(len(events), -1, dtype=np.int64)
    return np.where(events >= 0, album_of_event[np.maximum(events, 0)], -1)


def scaled_threshold(value: float, weight: float) -> float:
    """A split threshold under a user weight: weight 2 splits at half the distance, 0 never splits."""
    return math.inf if weight <= 0 else value / weight


class _AlbumBase(BaseEstimator, ClusterMixin):
    """Shared parameters; subclasses implement `fit`."""

    def _considered(self, X: np.ndarray) -> np.ndarray:
        if self.weights.time > 0:
            return ~np.isnan(X[:, TIME_COL])
        return np.ones(len(X), dtype=bool)

    def _events(self, X: np.ndarray) -> np.ndarray:
        """Raw events (no size filter) of the considered rows."""
        gap = scaled_threshold(self.gap_hours, self.weights.time)
        jump = scaled_threshold(self.jump_km, self.weights.place)
        time_h = X[:, TIME_COL]
        if self.weights.time <= 0:
            # Time switched off: photos are still walked in time order where known, but a gap never splits.
            time_h = np.where(np.isnan(time_h), 0.0, time_h)
        return segment_hours(time_h, X[:, PLACE_COLS], gap_hours=gap, jump_km=jump)


class EventAlbums(_AlbumBase):
    """Albums = time/place events with at least ``min_size`` photos."""

    def __init__(
        self,
        *,
        gap_hours: float = GAP_HOURS,
        jump_km: float = JUMP_KM,
        min_size: int = MIN_ALBUM_SIZE,
        weights: FusionWeights = DEFAULT_WEIGHTS,
    ) -> None:
        self.gap_hours = gap_hours
        self.jump_km = jump_km
        self.min_size = min_size
        self.weights = weights

    def fit(self, X: np.ndarray, y: None = None) -> EventAlbums:
        X = np.asarray(X, dtype=np.float64)
        self.considered_ = self._considered(X)
        self.events_ = self._events(X)
        self.labels_ = drop_small(self.events_, self.min_size)
        self.n_albums_ = int(self.labels_.max()) + 1 if len(X) else 0
        return self


class AffinityAlbums(_AlbumBase):
    """Affinity propagation over events (representatives), never over raw photos.

    ``merge_distance`` (fused units) sets AP's preference to ``-merge_distance²``: two events merge when
    their fused distance is below it, so an event that is its own best exemplar stays an album.
    """

    def __init__(
        self,
        *,
        merge_distance: float = 1.0,
        max_representatives: int = 1000,
        damping: float = 0.7,
        gap_hours: float = GAP_HOURS,
        jump_km: float = JUMP_KM,
        min_size: int = MIN_ALBUM_SIZE,
        time_scale_h: float = TIME_SCALE_H,
        place_scale_km: float = PLACE_SCALE_KM,
        content_scale: float | None = None,
        weights: FusionWeights = DEFAULT_WEIGHTS,
        random_state: int = 0,
    ) -> None:
        self.merge_distance = merge_distance
        self.max_representatives = max_representatives
        self.damping = damping
        self.gap_hours = gap_hours
        self.jump_km = jump_km
        self.min_size = min_size
        self.time_scale_h = time_scale_h
        self.place_scale_km = place_scale_km
        self.content_scale = content_scale
        self.weights = weights
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: None = None) -> AffinityAlbums:
        X = np.asarray(X, dtype=np.float64)
        self.considered_ = self._considered(X)
        self.events_ = self._events(X)
        atoms = make_atoms(X, self.events_)
        self.n_representatives_ = len(atoms)
        self.content_scale_ = self.content_scale or look_scale(X, atoms, self.random_state)
        group = np.arange(len(atoms))
        self.largest_block_ = 0
        for block in time_blocks(atoms.start_h, self.max_representatives):
            self.largest_block_ = max(self.largest_block_, len(block))
            if len(block) < 2:
                continue
            d2 = atom_distance2(
                atoms,
                block,
                weights=self.weights,
                gap_hours=scaled_threshold(self.gap_hours, self.weights.time),
                time_scale_h=self.time_scale_h,
                place_scale_km=self.place_scale_km,
                content_scale=self.content_scale_,
            )
            local = self._propagate(-d2)
            group[block] = block[local]  # each event joins its exemplar (an event index)
        self.event_album_ = group
        album = event_albums(self.events_, group)
        self.labels_ = renumber_by_time(drop_small(album, self.min_size), X[:, TIME_COL])
        self.n_albums_ = int(self.labels_.max()) + 1 if len(X) else 0
        return self

    def _propagate(self, similarity: np.ndarray) -> np.ndarray:
        """Exemplar (block position) for each event; every event its own when AP does not converge."""
        model = AffinityPropagation(
            affinity="precomputed",
            preference=-(self.merge_distance**2),
            damping=self.damping,
            max_iter=400,
            convergence_iter=20,
            random_state=self.random_state,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # Two events give "mutually equal similarities": sklearn then decides by the preference alone,
            # which is exactly the merge rule, and says so in a warning nobody needs to see.
            warnings.filterwarnings("ignore", "All samples have mutually equal similarities")
            model.fit(similarity)
        centres = model.cluster_centers_indices_
        if centres is None or len(centres) == 0 or (model.labels_ < 0).any():
            return np.arange(len(similarity))
        return np.asarray(centres)[model.labels_]


class KMeansAlbums(_AlbumBase):
    """k-means over events in fused space; k by silhouette over a range unless ``n_clusters`` is given.

    A missing place is handled as in k-POD (Chi, Chi & Baraniuk 2016): start from the mean, then
    repeatedly fill it with the assigned centre's place and refit, so it never pulls a cluster.
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        n_candidates: int = 8,
        gap_hours: float = GAP_HOURS,
        jump_km: float = JUMP_KM,
        min_size: int = MIN_ALBUM_SIZE,
        time_scale_h: float = TIME_SCALE_H,
        place_scale_km: float = PLACE_SCALE_KM,
        content_scale: float | None = None,
        weights: FusionWeights = DEFAULT_WEIGHTS,
        random_state: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.n_candidates = n_candidates
        self.gap_hours = gap_hours
        self.jump_km = jump_km
        self.min_size = min_size
        self.time_scale_h = time_scale_h
        self.place_scale_km = place_scale_km
        self.content_scale = content_scale
        self.weights = weights
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: None = None) -> KMeansAlbums:
        X = np.asarray(X, dtype=np.float64)
        self.considered_ = self._considered(X)
        self.events_ = self._events(X)
        atoms = make_atoms(X, self.events_)
        self.content_scale_ = self.content_scale or look_scale(X, atoms, self.random_state)
        # Events too small to be albums stay out: k-means has no notion of noise and would fold a lone
        # photo into whatever cluster lies nearest, however far.
        big = np.flatnonzero(atoms.size >= self.min_size)
        points, weight = self._points(atoms)[big], atoms.size[big]
        n = len(big)
        self.scores_: dict[int, float] = {}
        if n <= 2:
            local = np.arange(n)
            self.k_, self.silhouette_ = n, float("nan")
        elif self.n_clusters is not None:
            self.k_ = int(min(max(self.n_clusters, 1), n))
            local = kpod(points, self.k_, weight, self.random_state)[0] if self.k_ < n else np.arange(n)
            self.silhouette_ = float("nan")
        else:
            local = self._choose_k(X, big, points, weight)
        group = np.full(len(atoms), -1, dtype=np.int64)
        group[big] = local
        album = event_albums(self.events_, group)
        self.labels_ = renumber_by_time(drop_small(album, self.min_size), X[:, TIME_COL])
        self.n_albums_ = int(self.labels_.max()) + 1 if len(X) else 0
        return self

    def _choose_k(self, X: np.ndarray, big: np.ndarray, points: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """The candidate k whose labelling has the best silhouette, measured over photos, not events:
        with events as points most albums would be single points, whose silhouette is 0 by definition,
        and merging would always look better."""
        n = len(big)
        position = np.full(int(self.events_.max()) + 1, -1, dtype=np.int64)
        position[big] = np.arange(n)
        member = np.flatnonzero((self.events_ >= 0) & (position[np.maximum(self.events_, 0)] >= 0))
        rng = np.random.default_rng(self.random_state)
        sample = member if len(member) <= 3000 else np.sort(rng.choice(member, 3000, replace=False))
        photo_points = fused_photo_points(
            X,
            self.events_,
            sample,
            weights=self.weights,
            time_scale_h=self.time_scale_h,
            place_scale_km=self.place_scale_km,
            content_dims=4,
            content_scale=None,
            random_state=self.random_state,
        )
        best = None
        for k in self._candidates(n):
            labels = np.arange(n) if k >= n else kpod(points, k, weight, self.random_state)[0]
            per_photo = labels[position[self.events_[sample]]]
            if len(np.unique(per_photo)) < 2 or len(np.unique(per_photo)) >= len(sample):
                continue
            score = float(silhouette_score(photo_points, per_photo))
            self.scores_[k] = score
            if best is None or score > best[0]:
                best = (score, k, labels)
        if best is None:
            self.k_, self.silhouette_ = n, float("nan")
            return np.arange(n)
        self.silhouette_, self.k_, labels = best
        return labels

    def _points(self, atoms: Atoms) -> np.ndarray:
        w = self.weights
        mid = (atoms.start_h + atoms.end_h) / 2
        columns = [
            w.time * np.nan_to_num(mid - np.nanmin(mid) if len(mid) else mid)[:, None] / self.time_scale_h,
            w.place * atoms.centre_xyz / self.place_scale_km,
            w.content * atoms.look / self.content_scale_,
        ]
        return np.hstack(columns)

    def _candidates(self, n: int) -> list[int]:
        """A geometric grid from a quarter of the events to all of them (k = n: every event its own album)."""
        low, high = max(2, n // 4), n
        if high <= low:
            return [high]
        grid = np.unique(np.round(np.geomspace(low, high, self.n_candidates)).astype(int))
        return [int(k) for k in grid]


def kpod(points: np.ndarray, k: int, sample_weight: np.ndarray, random_state: int, rounds: int = 20):
    """k-means with missing values (NaN): labels and the filled-in points.

    Missing entries start at the column mean, then take the value of the assigned centre, and the
    model is refitted from its own centres, until the filled values settle (k-POD's fixed point).
    """
    missing = np.isnan(points)
    col_mean = np.nanmean(np.where(missing.all(axis=0), 0.0, points), axis=0) if len(points) else np.zeros(0)
    filled = np.where(missing, np.nan_to_num(col_mean), points)
    # k-means++ seeds one centre per Python-level step: fine for tens of albums, minutes for thousands
    # (100k photos ≈ 2.5k events). Beyond a few hundred, random events as seeds, one run.
    few = k <= 256
    model = KMeans(
        n_clusters=k, init="k-means++" if few else "random", n_init=3 if few else 1, random_state=random_state
    ).fit(filled, sample_weight=sample_weight)
    if not missing.any():
        return model.labels_, filled
    spread = float(np.nanstd(points)) or 1.0
    for _ in range(rounds):
        refill = np.where(missing, model.cluster_centers_[model.labels_], points)
        change = float(np.max(np.abs(refill - filled)))
        filled = refill
        model = KMeans(n_clusters=k, init=model.cluster_centers_, n_init=1).fit(filled, sample_weight=sample_weight)
        if change < 1e-3 * spread:
            break
    return model.labels_, filled


class HDBSCANAlbums(_AlbumBase):
    """HDBSCAN on photos in a small fused space: time, place, and the first ``content_dims`` content
    components (PCA order). Low dimension keeps it fast (the kd-tree Borůvka MST works there) and lets
    time and place, which separate events, dominate. A photo without a place borrows its event's centre
    (it joined that event by time), or the place of the photo nearest in time when its event has none."""

    def __init__(
        self,
        *,
        min_cluster_size: int = 5,
        min_samples: int | None = 3,
        cluster_selection_epsilon: float = 1.0,
        min_probability: float = 0.1,
        content_dims: int = 4,
        gap_hours: float = GAP_HOURS,
        jump_km: float = JUMP_KM,
        min_size: int = MIN_ALBUM_SIZE,
        time_scale_h: float = TIME_SCALE_H,
        place_scale_km: float = PLACE_SCALE_KM,
        content_scale: float | None = None,
        weights: FusionWeights = DEFAULT_WEIGHTS,
        random_state: int = 0,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.min_probability = min_probability
        self.content_dims = content_dims
        self.gap_hours = gap_hours
        self.jump_km = jump_km
        self.min_size = min_size
        self.time_scale_h = time_scale_h
        self.place_scale_km = place_scale_km
        self.content_scale = content_scale
        self.weights = weights
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: None = None) -> HDBSCANAlbums:
        import hdbscan  # 1–3 s import: only when this method runs

        X = np.asarray(X, dtype=np.float64)
        self.considered_ = self._considered(X)
        self.events_ = self._events(X)
        rows = np.flatnonzero(self.considered_)
        self.labels_ = np.full(len(X), -1, dtype=np.int64)
        self.probabilities_ = np.zeros(len(X))
        if len(rows) < max(self.min_cluster_size, 2):
            self.n_albums_ = 0
            return self
        points = self._points(X, rows)
        model = hdbscan.HDBSCAN(
            min_cluster_size=self.min_cluster_size,
            min_samples=self.min_samples,
            cluster_selection_epsilon=self.cluster_selection_epsilon,
            core_dist_n_jobs=1,
        ).fit(points)
        # A photo on the fringe of a cluster (it joined long after the cluster formed: a lone photo days
        # away) counts as noise.
        self.labels_[rows] = np.where(model.probabilities_ >= self.min_probability, model.labels_, -1)
        self.probabilities_[rows] = model.probabilities_
        self.labels_ = renumber_by_time(drop_small(self.labels_, self.min_size), X[:, TIME_COL])
        self.n_albums_ = int(self.labels_.max()) + 1
        return self

    def _points(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return fused_photo_points(
            X,
            self.events_,
            rows,
            weights=self.weights,
            time_scale_h=self.time_scale_h,
            place_scale_km=self.place_scale_km,
            content_dims=self.content_dims,
            content_scale=self.content_scale,
            random_state=self.random_state,
        )


def fused_photo_points(
    X: np.ndarray,
    events: np.ndarray,
    rows: np.ndarray,
    *,
    weights: FusionWeights,
    time_scale_h: float,
    place_scale_km: float,
    content_dims: int,
    content_scale: float | None,
    random_state: int = 0,
) -> np.ndarray:
    """Photos as points of a small Euclidean space: days, 50-km units and the first content components
    in units of their typical spread, each times its weight (a zero weight drops the columns)."""
    columns = []
    if weights.time > 0:
        t = X[rows, TIME_COL]
        columns.append(weights.time * (t - np.nanmin(t))[:, None] / time_scale_h)
    if weights.place > 0:
        columns.append(weights.place * impute_place(X, events)[rows] / place_scale_km)
    if weights.content > 0:
        content = X[rows, CONTENT_START : CONTENT_START + content_dims]
        scale = content_scale or typical_distance(content, random_state=random_state)
        columns.append(weights.content * content / scale)
    return np.nan_to_num(np.hstack(columns))


def impute_place(X: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Place x/y/z for every row: its own, else its event's centre (it joined that event by time), else,
    for an event without any place, the place of the photo nearest in time to the event's start (one
    place for the whole event, so that imputation never splits it), else the library's mean."""
    xyz = X[:, PLACE_COLS].copy()
    missing = np.isnan(xyz[:, 0])
    if not missing.any():
        return xyz
    if (~missing).sum() == 0:
        return np.zeros_like(xyz)
    t = X[:, TIME_COL]
    table = event_table(events, t, X[:, PLACE_COLS])
    centre = table.centre_xyz.copy()
    placeless = np.flatnonzero(np.isnan(centre[:, 0]) & ~np.isnan(table.start_h))
    known = np.flatnonzero(~missing & ~np.isnan(t))
    if len(placeless) and len(known):
        order = known[np.argsort(t[known])]
        times = t[order]
        pos = np.clip(np.searchsorted(times, table.start_h[placeless]), 0, len(order) - 1)
        prev = np.clip(pos - 1, 0, len(order) - 1)
        nearer = np.where(
            np.abs(times[prev] - table.start_h[placeless]) <= np.abs(times[pos] - table.start_h[placeless]), prev, pos
        )
        centre[placeless] = xyz[order[nearer]]
    in_event = missing & (events >= 0)
    xyz[in_event] = centre[events[in_event]]
    still = np.isnan(xyz[:, 0])
    xyz[still] = np.nanmean(X[:, PLACE_COLS], axis=0)
    return xyz


def renumber_by_time(labels: np.ndarray, time_h: np.ndarray) -> np.ndarray:
    """Albums numbered 0..K-1 in order of their first photo (albums without any time last)."""
    labels = np.asarray(labels, dtype=np.int64)
    valid = labels >= 0
    if not valid.any():
        return labels.copy()
    n = int(labels.max()) + 1
    first = np.full(n, np.inf)
    t = np.where(np.isnan(time_h), np.inf, time_h)
    np.minimum.at(first, labels[valid], t[valid])
    present = np.bincount(labels[valid], minlength=n) > 0
    order = [g for g in np.argsort(first, kind="stable") if present[g]]
    remap = np.full(n, -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    out = labels.copy()
    out[valid] = remap[labels[valid]]
    return out


def make_estimator(
    method: str, *, k: int | None = None, weights: FusionWeights = DEFAULT_WEIGHTS, random_state: int = 0
) -> _AlbumBase:
    """The estimator behind a method name (``auto`` is resolved by the pipeline)."""
    if method == "events":
        return EventAlbums(weights=weights)
    if method == "affinity":
        return AffinityAlbums(weights=weights, random_state=random_state)
    if method == "kmeans":
        return KMeansAlbums(k, weights=weights, random_state=random_state)
    if method == "hdbscan":
        return HDBSCANAlbums(weights=weights, random_state=random_state)
    raise ValueError(f"unknown album method {method!r}; choose one of {', '.join(ESTIMATORS)}")
