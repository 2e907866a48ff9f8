"""suggest_albums and place_new end to end on synthetic libraries (no files, no catalog)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from test_cluster import CITIES, DAY0, Event, H, make_library, standard_events

from album_app.albums import AUTO_METHOD, FusionWeights, LibraryView, place_new, suggest_albums


def test_albums_from_events_with_copies_placed_and_outliers_out():
    view, truth = make_library(standard_events(6), stripped=2, unrelated=3)
    result = suggest_albums(view)
    assert result.method == AUTO_METHOD
    assert adjusted_rand_score(truth, result.labels) > 0.95
    assert (result.labels[truth == -1] == -1).all()
    assert result.labels.max() == 5 and result.n_albums == 6
    assert len(result.reason) == len(view) and all(result.reason)
    assert ((result.confidence >= 0) & (result.confidence <= 1)).all()
    copies = np.flatnonzero(~view.has_time & (truth >= 0))
    assert all(result.reason[i].startswith("looks like photo") for i in copies)
    assert (result.look_alike[copies] >= 0).all()
    assert all(result.reason[i].startswith("fits no album") for i in np.flatnonzero(truth == -1))


@pytest.mark.parametrize("method", ["auto", "events", "affinity", "kmeans", "hdbscan"])
def test_every_method_gives_sane_albums(method):
    view, truth = make_library(standard_events(5), stripped=1, unrelated=2, seed=4)
    result = suggest_albums(view, method=method)
    labels = result.labels
    assert labels.shape == (len(view),)
    assert set(labels.tolist()) == set(range(result.n_albums)) | ({-1} if (labels < 0).any() else set())
    assert adjusted_rand_score(truth, labels) > 0.8
    assert result.method == (AUTO_METHOD if method == "auto" else method)


def test_albums_are_numbered_in_time_order():
    events = standard_events(4)[::-1]  # listed newest first
    view, _ = make_library(events)
    labels = suggest_albums(view).labels
    first = [view.taken_ts[labels == a].min() for a in range(labels.max() + 1)]
    assert first == sorted(first)


def test_a_photo_without_time_is_placed_by_look():
    view, truth = make_library(standard_events(4), stripped=1)
    hint = view.hint_ts.copy()
    hint[:] = np.nan  # no file-name date either: look alone
    view = LibraryView(view.photo_ids, view.codes, view.taken_ts, hint, view.lat, view.lon)
    result = suggest_albums(view)
    copies = np.flatnonzero(~view.has_time)
    for row in copies:
        own = result.labels[(truth == truth[row]) & view.has_time][0]
        assert result.labels[row] == own


def test_missing_is_not_zero_a_stripped_photo_does_not_bridge_events():
    """A photo with no time and no place, looking half like each of two events, must not join them."""
    hours = (9, 10, 11, 12, 13, 14)
    events = [Event(0, hours, CITIES[0]), Event(3, hours, CITIES[0])]  # one city, 67 h apart
    view, _ = make_library(events)
    bridge = (view.codes[0] + view.codes[6]) / 2
    view = LibraryView(
        np.append(view.photo_ids, 99),
        np.vstack([view.codes, bridge]),
        np.append(view.taken_ts, np.nan),
        np.append(view.hint_ts, np.nan),
        np.append(view.lat, np.nan),
        np.append(view.lon, np.nan),
    )
    for method in ("events", "affinity", "hdbscan"):
        labels = suggest_albums(view, method=method).labels
        assert labels[0] >= 0 and labels[6] >= 0 and labels[0] != labels[6], method


def test_an_outlier_goes_to_unsorted_with_a_reason():
    view, truth = make_library(standard_events(3), unrelated=1)
    result = suggest_albums(view)
    row = int(np.flatnonzero(truth == -1)[0])
    assert result.labels[row] == -1
    assert "× the usual distance" in result.reason[row] or "two albums" in result.reason[row]


def test_names_in_reasons_when_the_view_has_them():
    view, _ = make_library(standard_events(4), stripped=1)
    named = LibraryView(
        view.photo_ids,
        view.codes,
        view.taken_ts,
        view.hint_ts,
        view.lat,
        view.lon,
        names=[f"IMG_{i:04d}.jpg" for i in range(len(view))],
    )
    result = suggest_albums(named)
    copy = int(np.flatnonzero(~view.has_time)[0])
    assert result.reason[copy].startswith("looks like IMG_")


def test_content_only_weights_still_group_by_look():
    view, truth = make_library(standard_events(4))
    rng = np.random.default_rng(5)
    looks = rng.normal(size=(4, view.codes.shape[1]))[truth] + rng.normal(0, 0.05, view.codes.shape)
    view = LibraryView(view.photo_ids, looks, view.taken_ts, view.hint_ts, view.lat, view.lon)  # one look per event
    result = suggest_albums(view, weights=FusionWeights(time=0, place=0))
    assert result.method == "hdbscan"
    assert adjusted_rand_score(truth, result.labels) > 0.8


def test_empty_and_tiny_libraries():
    empty = LibraryView(np.zeros(0), np.zeros((0, 4)), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    assert suggest_albums(empty).labels.shape == (0,)
    view, _ = make_library([Event(0, (9,), CITIES[0])])
    assert suggest_albums(view).labels.tolist() == [-1]


def test_unknown_method():
    view, _ = make_library(standard_events(2))
    with pytest.raises(ValueError):
        suggest_albums(view, method="nope")


# --- incremental -------------------------------------------------------------------------------------


def grown_library():
    """Five events, then new photos: two into event 1, a new event, copies of event 3's scenes, a stranger."""
    events = [*standard_events(5), Event(60, (9, 10, 11, 12), CITIES[5])]
    view, truth = make_library(events, stripped=1, unrelated=1, seed=7)
    rows = np.arange(len(view))
    new = rows[(truth == 5) | (~view.has_time & (truth == 3)) | (truth == -1)]
    new = np.concatenate([new, rows[(truth == 1) & view.has_time][:2]])
    return view, truth, np.sort(new)


def test_place_new_keeps_old_labels_and_places_new_photos():
    view, truth, new = grown_library()
    old = np.setdiff1d(np.arange(len(view)), new)
    base = suggest_albums(view.subset(old))
    labels = np.full(len(view), -1)
    labels[old] = base.labels
    result = place_new(view, labels, new)
    assert np.array_equal(result.labels[old], labels[old])  # nothing old moved
    album_of = {e: labels[old][(truth[old] == e) & view.has_time[old]][0] for e in range(5)}
    for row in new:
        if truth[row] in (1, 3):
            assert result.labels[row] == album_of[truth[row]], result.reason[row]
    fresh = result.labels[new[truth[new] == 5]]
    assert len(set(fresh.tolist())) == 1 and fresh[0] == labels.max() + 1  # a new album, next number
    assert result.labels[new[truth[new] == -1]].tolist() == [-1]
    assert result.method == "incremental"


def test_place_new_never_merges_existing_albums():
    # New photos fill the 40 h gap between two albums in one city: each joins its nearer album.
    events = [Event(0, (9, 10, 11), CITIES[0]), Event(2.2, (9, 10, 11), CITIES[0])]
    view, _ = make_library(events)
    labels = np.array([0, 0, 0, 1, 1, 1])
    bridge_t = DAY0 + np.array([30.0, 45.0]) * H
    grown = LibraryView(
        np.arange(8),
        np.vstack([view.codes, view.codes[:2]]),
        np.append(view.taken_ts, bridge_t),
        np.append(view.hint_ts, [np.nan, np.nan]),
        np.append(view.lat, view.lat[:2]),
        np.append(view.lon, view.lon[:2]),
    )
    result = place_new(grown, np.append(labels, [-1, -1]), np.array([6, 7]))
    assert result.labels.tolist() == [0, 0, 0, 1, 1, 1, 0, 1]


def test_place_new_with_nothing_new_changes_nothing():
    view, _ = make_library(standard_events(2))
    labels = suggest_albums(view).labels
    result = place_new(view, labels, np.array([], dtype=int))
    assert np.array_equal(result.labels, labels)
    with pytest.raises(ValueError):
        place_new(view, labels[:-1], np.array([0]))


def _named(view: LibraryView, names: list[str], cameras: list[str]) -> LibraryView:
    return LibraryView(
        view.photo_ids, view.codes, view.taken_ts, view.hint_ts, view.lat, view.lon, names=names, cameras=cameras
    )


def test_downloads_and_screenshots_never_join_an_event_by_look():
    """The rule of method life (screens.py) holds for every method: a download that looks like an album's
    photo stays Unsorted; the same look under a messenger's name is a friend's copy and joins."""
    view, truth = make_library(standard_events(4), stripped=1)
    copies = np.flatnonzero(~view.has_time)
    names = [f"IMG_{i:04d}.JPG" for i in range(len(view))]
    cameras = ["Canon EOS" if view.has_time[i] else "" for i in range(len(view))]
    names[copies[0]], names[copies[1]] = "download (3).jpg", "Screenshot_20240612-153012.jpg"
    for row in copies[2:]:
        names[row] = "IMG-20240612-WA0007.jpg"
    result = suggest_albums(_named(view, names, cameras))
    assert result.labels[copies[0]] == -1 and "a download or a meme" in result.reason[copies[0]]
    assert result.labels[copies[1]] == -1 and result.reason[copies[1]].startswith("a screenshot")
    for row in copies[2:]:
        assert result.labels[row] == result.labels[(truth == truth[row]) & view.has_time][0]


def test_an_event_too_small_for_an_album_becomes_one_with_a_friends_copy():
    """Two photos of a dinner and a friend's copy of it: an album of three. One photo alone stays Unsorted."""
    events = [*standard_events(3), Event(30.0, (20, 21), CITIES[3]), Event(40.0, (12,), CITIES[4])]
    view, truth = make_library(events)
    rng = np.random.default_rng(9)
    dinner = np.flatnonzero(truth == 3)
    copy_code = view.codes[dinner[0]] + rng.normal(0, 0.05, view.codes.shape[1])
    grown = LibraryView(
        np.arange(len(view) + 1),
        np.vstack([view.codes, copy_code]),
        np.append(view.taken_ts, np.nan),
        np.append(view.hint_ts, view.taken_ts[dinner[0]] + 86400.0),
        np.append(view.lat, np.nan),
        np.append(view.lon, np.nan),
    )
    result = suggest_albums(grown)
    album = result.labels[dinner[0]]
    assert album >= 0 and (result.labels[dinner] == album).all() and result.labels[-1] == album
    assert result.reason[dinner[0]] == "an event of 2 photos, made an album by look-alikes without EXIF (one photo)"
    assert (result.labels[np.flatnonzero(truth == 4)] == -1).all()
    assert result.n_albums == 4
    alone = suggest_albums(view)
    assert (alone.labels[dinner] == -1).all() and alone.n_albums == 3


def test_place_new_completes_a_small_event_but_never_with_a_photo_the_user_decided_about():
    events = [*standard_events(3), Event(30.0, (20, 21), CITIES[3])]
    view, truth = make_library(events)
    dinner = np.flatnonzero(truth == 3)
    rng = np.random.default_rng(3)
    grown = LibraryView(
        np.arange(len(view) + 1),
        np.vstack([view.codes, view.codes[dinner[0]] + rng.normal(0, 0.05, view.codes.shape[1])]),
        np.append(view.taken_ts, np.nan),
        np.append(view.hint_ts, view.taken_ts[dinner[0]] + 86400.0),
        np.append(view.lat, np.nan),
        np.append(view.lon, np.nan),
    )
    labels = np.append(suggest_albums(view).labels, -1)
    assert (labels[dinner] == -1).all()
    result = place_new(grown, labels, [len(view)])
    album = result.labels[-1]
    assert album == labels.max() + 1 and (result.labels[dinner] == album).all()
    assert (result.labels[: len(view)][labels[: len(view)] >= 0] == labels[: len(view)][labels[: len(view)] >= 0]).all()
    decided = np.zeros(len(grown), bool)
    decided[dinner[1]] = True  # the user took it out of an album once
    held = place_new(grown, labels, [len(view)], decided=decided)
    assert (held.labels[dinner] == -1).all() and held.labels[-1] == -1
