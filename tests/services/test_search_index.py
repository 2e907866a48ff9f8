"""Search over the in-memory index: each kind of term, AND across kinds, OR within one, on hand-made facts."""

from __future__ import annotations

from datetime import date

import numpy as np

from album_app.catalog.search import NO_DAY, PhotoTable
from album_app.services.places import PlaceNames
from album_app.services.search import AlbumFacts, SearchIndex, album_kind

EPOCH = date(1970, 1, 1)


def day(y: int, m: int, d: int) -> int:
    return (date(y, m, d) - EPOCH).days


def index() -> SearchIndex:
    # photo: 1 Lisbon iPhone 12 Apr 2024 (accepted) · 2 Lisbon iPhone 14 Apr 2024 (accepted)
    #        3 Porto Canon 2 May 2024 (suggested) · 4 New York no camera 2023 (mine)
    #        5 screenshot, file-name date 14 Apr 2024 (Unsorted) · 6 no date, no place (Unsorted)
    table = PhotoTable(
        ids=np.array([1, 2, 3, 4, 5, 6]),
        paths=["/p/a.jpg", "/p/b.jpg", "/p/c.jpg", "/p/d.jpg", "/p/Screenshot_20240414.png", "/p/scan.jpg"],
        formats=["JPEG", "JPEG", "JPEG", "JPEG", "PNG", "JPEG"],
        days=np.array([day(2024, 4, 12), day(2024, 4, 14), day(2024, 5, 2), day(2023, 7, 1), day(2024, 4, 14), NO_DAY]),
        exif_time=np.array([True, True, True, True, False, False]),
        lat=np.array([38.7, 38.7, 41.1, 40.7, np.nan, np.nan]),
        lon=np.array([-9.1, -9.1, -8.6, -74.0, np.nan, np.nan]),
        camera=np.array([0, 0, 1, -1, -1, -1], np.int32),
        cameras=["Apple iPhone 12", "Canon EOS 80D"],
        width=np.zeros(6, np.int32),
        height=np.zeros(6, np.int32),
    )
    vocabulary = ["Lisbon", "Porto", "New York City", "Portugal", "United States", "New York"]
    names = PlaceNames(
        vocabulary,
        city=np.array([0, 0, 1, 2, -1, -1], np.int32),
        state=np.array([-1, -1, -1, 5, -1, -1], np.int32),
        country=np.array([3, 3, 3, 4, -1, -1], np.int32),
    )
    albums = [
        AlbumFacts(10, "Lisbon · 12–14 Apr 2024", album_kind(True, False, False)),
        AlbumFacts(11, "Porto · 2 May 2024", album_kind(False, True, False)),
        AlbumFacts(12, "Big Apple", album_kind(False, False, True)),
        AlbumFacts(None, "Unsorted", ""),
    ]
    album_of = {1: 10, 2: 10, 3: 11, 4: 12, 5: None, 6: None}
    return SearchIndex.build(table, names, albums, album_of)


def test_place_prefix_at_word_starts():
    search = index().search
    assert search("lis") == [1, 2]
    assert search("port") == [1, 2, 3]  # Porto, and Portugal (the country of all three)
    assert search("york") == [4]  # a word inside "New York City"
    assert search('"new york"') == [4]
    assert search("ork") == []  # not at a word's start
    assert search("place:big") == []  # "Big Apple" is an album, not a place
    assert search("big") == [4]


def test_dates_and_ranges():
    search = index().search
    assert search("2024") == [1, 2, 3, 5]
    assert search("Apr 2024") == [1, 2, 5]
    assert search("13–20 Apr 2024") == [2, 5]
    assert search("2023 May 2024") == [3, 4]  # two dates: either


def test_cameras_kinds_and_flags():
    search = index().search
    assert search("camera:iphone") == [1, 2]
    assert search("camera:canon camera:iphone") == [1, 2, 3]  # within a kind: either
    assert search("accepted") == [1, 2] and search("suggested") == [3] and search("mine") == [4]
    assert search("unsorted") == [5, 6]
    assert search("screenshots") == [5]
    assert search("no exif time") == [5, 6]
    assert search("undated") == [6]
    assert search("unsorted -screenshots") == [6]


def test_terms_combine_with_and():
    search = index().search
    assert search("portugal Apr 2024") == [1, 2]
    assert search("portugal Apr 2024 camera:canon") == []
    assert search("14 Apr 2024 unsorted") == [5]


def test_an_empty_query_matches_everything_in_time_order():
    assert index().search("") == [1, 2, 3, 4, 5, 6]


def test_on_this_day_looks_back_only():
    years = index().on_this_day(date(2025, 4, 14))
    assert years == {2024: [2, 5]}
    assert index().on_this_day(date(2024, 4, 14)) == {}  # this year's photos are not "earlier years"
