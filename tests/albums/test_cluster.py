"""Album estimators: scikit-learn conventions, sane labels per method, AP on representatives only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from album_app.albums import cluster
from album_app.albums.atoms import time_blocks
from album_app.albums.cluster import (
    AffinityAlbums,
    EventAlbums,
    HDBSCANAlbums,
    KMeansAlbums,
    impute_place,
    kpod,
    make_estimator,
    renumber_by_time,
)
from album_app.albums.features import ContentSpace, FusionWeights, LibraryView, fused_matrix

H = 3600.0
DAY0 = 1_717_200_000.0  # 2024-06-01 00:00 UTC
CITIES = [(38.72, -9.14), (40.42, -3.70), (48.86, 2.35), (52.52, 13.40), (41.90, 12.50), (50.08, 14.44)]


@dataclass
class Event:
    day: float
    hours: tuple[float, ...]  # photo times, hours after the day's midnight (may run into later days)
    place: tuple[float, float] | None


def make_library(events: list[Event], *, stripped: int = 0, unrelated: int = 0, seed: int = 0, dim: int = 16):
    """A view with known truth: each event has its own scenes (3, each shot alike), ``stripped`` copies
    per event without time (file-name date the next day), ``unrelated`` photos with random codes."""
    rng = np.random.default_rng(seed)
    codes, taken, hint, lat, lon, truth = [], [], [], [], [], []
    for number, event in enumerate(events):
        scenes = rng.normal(size=(3, dim))
        for i, hour in enumerate(event.hours):
            codes.append(scenes[i % 3] + rng.normal(0, 0.05, dim))
            taken.append(DAY0 + (event.day * 24 + hour) * H)
            hint.append(np.nan)
            lat.append(np.nan if event.place is None else event.place[0] + rng.normal(0, 0.01))
            lon.append(np.nan if event.place is None else event.place[1] + rng.normal(0, 0.01))
            truth.append(number)
        for i in range(stripped):
            codes.append(scenes[i % 3] + rng.normal(0, 0.05, dim))
            taken.append(np.nan)
            hint.append(DAY0 + (event.day + 1 + max(event.hours) // 24) * 24 * H)
            lat.append(np.nan)
            lon.append(np.nan)
            truth.append(number)
    for _ in range(unrelated):
        codes.append(rng.normal(0, 3, dim))
        taken.append(np.nan)
        hint.append(np.nan)
        lat.append(np.nan)
        lon.append(np.nan)
        truth.append(-1)
    view = LibraryView(
        np.arange(len(codes)), np.array(codes), np.array(taken), np.array(hint), np.array(lat), np.array(lon)
    )
    return view, np.array(truth)


def standard_events(n: int = 6) -> list[Event]:
    """n events a week apart in different cities; every third one a three-day trip."""
    out = []
    for i in range(n):
        hours = (9, 10, 11, 13, 15, 17) if i % 3 else (9, 13, 18, 33, 37, 42, 57, 61, 66)
        out.append(Event(7.0 * i, hours, CITIES[i % len(CITIES)]))
    return out


def fused(view: LibraryView) -> np.ndarray:
    return fused_matrix(view, ContentSpace().fit_transform(view.codes))


@pytest.mark.parametrize("method", ["events", "affinity", "kmeans", "hdbscan"])
def test_each_method_recovers_events_on_a_small_library(method):
    view, truth = make_library(standard_events(6))
    estimator = make_estimator(method)
    assert estimator.fit(fused(view)) is estimator  # fit returns self
    labels = estimator.labels_
    assert labels.shape == (len(view),) and labels.dtype.kind == "i"
    assert adjusted_rand_score(truth, labels) > 0.9
    assert estimator.considered_.all()
    assert set(labels.tolist()) <= set(range(estimator.n_albums_)) | {-1}


def test_rows_without_time_are_left_for_placement():
    view, _ = make_library(standard_events(3), stripped=2)
    for method in ("events", "affinity", "kmeans", "hdbscan"):
        est = make_estimator(method).fit(fused(view))
        untimed = ~view.has_time
        assert (est.labels_[untimed] == -1).all() and not est.considered_[untimed].any()


def test_small_groups_are_not_albums():
    events = [*standard_events(2), Event(30, (12, 13), CITIES[3])]  # a two-photo outing
    view, truth = make_library(events)
    labels = EventAlbums().fit(fused(view)).labels_
    assert (labels[truth == 2] == -1).all() and labels.max() == 1


def test_affinity_merges_a_trip_split_by_a_day_without_photos():
    # Four days in one city, nothing on day two: the gap (~52 h) splits the events, AP joins them back.
    trip = Event(0, (9, 12, 16, 57, 60, 64, 81, 85, 88), CITIES[0])
    view, _ = make_library([trip, *standard_events(3)[1:]])
    codes = view.codes.copy()
    codes[3:9] = codes[[0, 1, 2, 0, 1, 2]]  # the same scenes all trip long
    view = LibraryView(view.photo_ids, codes, view.taken_ts, view.hint_ts, view.lat, view.lon)
    x = fused(view)
    assert len(set(EventAlbums().fit(x).labels_[:9].tolist())) == 2
    assert len(set(AffinityAlbums().fit(x).labels_[:9].tolist())) == 1


def test_affinity_never_builds_a_photo_by_photo_matrix(monkeypatch):
    """N = 5000 photos in 250 events: AP must see at most max_representatives rows, never N × N."""
    rng = np.random.default_rng(3)
    events = [Event(4.0 * i, tuple(np.sort(rng.uniform(8, 20, 20))), CITIES[i % 6]) for i in range(250)]
    view, _ = make_library(events, dim=8)
    assert len(view) == 5000
    seen: list[tuple[int, int]] = []
    original = cluster.AffinityPropagation.fit

    def spy(self, X, y=None):
        seen.append(np.shape(X))
        return original(self, X, y)

    monkeypatch.setattr(cluster.AffinityPropagation, "fit", spy)
    est = AffinityAlbums(max_representatives=100).fit(fused(view))
    assert est.n_representatives_ == 250
    assert seen and max(s[0] for s in seen) <= 100 and all(s[0] == s[1] for s in seen)
    assert est.n_albums_ == 250


def test_time_blocks_cut_at_wide_gaps_and_cover_everything():
    starts = np.array([0, 1, 2, 50, 51, 52, 53, 100, 101, 102], float)
    blocks = time_blocks(starts, 5)
    assert sorted(np.concatenate(blocks).tolist()) == list(range(10))
    assert all(len(b) <= 5 for b in blocks)
    assert blocks[0].tolist() == [0, 1, 2]  # cut at the 48 h gap, not mid-cluster


def test_kmeans_honours_a_given_k():
    view, _ = make_library(standard_events(6))
    est = KMeansAlbums(n_clusters=3).fit(fused(view))
    assert est.k_ == 3 and est.n_albums_ <= 3


def test_kmeans_picks_k_by_silhouette():
    view, _ = make_library(standard_events(6))
    est = KMeansAlbums().fit(fused(view))
    assert est.scores_ and est.k_ == max(est.scores_, key=est.scores_.get)


def test_kpod_treats_missing_as_unknown_not_zero():
    points = np.array([[0.0, 0.0], [0.1, np.nan], [10.0, 10.0], [10.1, np.nan]])
    labels, filled = kpod(points, 2, np.ones(4), 0)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    assert filled[3, 1] == pytest.approx(10.0, abs=0.5)  # filled from its own cluster, not zero


def test_hdbscan_leaves_a_lone_photo_out():
    events = [*standard_events(3), Event(60, (12,), CITIES[4])]
    view, truth = make_library(events)
    est = HDBSCANAlbums().fit(fused(view))
    assert (est.labels_[truth == 3] == -1).all()
    assert est.n_albums_ == 3


def test_imputed_place_keeps_a_gps_less_event_in_one_place():
    events = [Event(0, (9, 10, 11), CITIES[0]), Event(3, (9, 12, 15, 18), None), Event(6, (9, 10), CITIES[1])]
    view, _ = make_library(events)
    x = fused(view)
    xyz = impute_place(x, EventAlbums(min_size=1).fit(x).events_)
    assert not np.isnan(xyz).any()
    assert np.allclose(xyz[3:7], xyz[3])  # one place for the whole event


def test_weights_switch_evidence_off():
    view, truth = make_library(standard_events(4))
    x = fused(view)
    no_place = EventAlbums(weights=FusionWeights(place=0)).fit(x)
    assert adjusted_rand_score(truth, no_place.labels_) > 0.9  # time alone still separates them
    content_only = HDBSCANAlbums(weights=FusionWeights(time=0, place=0)).fit(x)
    assert content_only.considered_.all()


def test_renumber_by_time():
    labels = np.array([5, 5, 2, -1, 2])
    t = np.array([10.0, 11.0, 1.0, 0.0, 2.0])
    assert renumber_by_time(labels, t).tolist() == [1, 1, 0, -1, 0]


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown album method"):
        make_estimator("spectral")
