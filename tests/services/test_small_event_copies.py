"""A dinner of two photos is no album; a friend's copy of it, sent later, makes it one (issue 15)."""

from __future__ import annotations

from datetime import datetime

from cli_library import album_of, albums, run

BERLIN = (52.52, 13.405)
DINNER = datetime(2024, 6, 1, 20)


def _dinner(make_photo, photos):
    return [make_photo(photos / "dinner" / f"D{i}.jpg", seed=300 + i, taken=DINNER.replace(minute=10 * i),
                       gps=BERLIN, look=2) for i in range(2)]


def _copy(make_photo, photos):
    return make_photo(photos / "WhatsApp Images" / "IMG-20240602-WA0001.jpg", seed=310, look=2)


def test_a_friends_copy_sent_later_makes_the_dinner_an_album(clustered, make_photo):
    library, photos, *_ = clustered
    dinner = _dinner(make_photo, photos)
    run(library, "scan", str(photos), "--quiet", "--workers", "0")
    run(library, "cluster", "--new-only")
    state = albums(library)
    assert len(state["albums"]) == 2 and {str(p) for p in dinner} <= set(state["unsorted"])  # two photos: no album
    copy = _copy(make_photo, photos)
    run(library, "scan", str(photos), "--quiet", "--workers", "0")
    run(library, "cluster", "--new-only")
    state = albums(library)
    album = album_of(state, dinner[0])
    assert album is not None and album == album_of(state, dinner[1]) == album_of(state, copy)
    assert len(state["albums"]) == 3
    run(library, "cluster")  # a full re-clustering finds the same album
    again = albums(library)
    assert album_of(again, dinner[0]) == album_of(again, copy) is not None


def test_a_full_clustering_makes_the_same_album_at_once(clustered, make_photo):
    library, photos, *_ = clustered
    dinner, copy = _dinner(make_photo, photos), _copy(make_photo, photos)
    run(library, "scan", str(photos), "--quiet", "--workers", "0")
    run(library, "cluster")
    state = albums(library)
    assert album_of(state, dinner[0]) == album_of(state, dinner[1]) == album_of(state, copy) is not None
