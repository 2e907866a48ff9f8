"""Time/place segmentation: trips stay whole, far-apart same-day events split, no-GPS photos join by time."""

from __future__ import annotations

import numpy as np

from album_app.albums.events import GAP_HOURS, drop_small, event_table, segment_events
from album_app.albums.features import geo_xyz_km

H = 3600.0
DAY0 = 1_717_200_000.0  # 2024-06-01 00:00 UTC
LISBON = (38.7223, -9.1393)
MADRID = (40.4168, -3.7038)  # ~500 km from Lisbon


def shots(day: float, hours: list[float], place: tuple[float, float] | None) -> tuple[list, list, list]:
    t = [DAY0 + (day * 24 + h) * H for h in hours]
    lat = [np.nan if place is None else place[0] + 0.001 * i for i in range(len(t))]
    lon = [np.nan if place is None else place[1] for _ in t]
    return t, lat, lon


def stack(*parts: tuple[list, list, list]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.array([v for p in parts for v in p[i]], dtype=float) for i in range(3))


def test_three_day_trip_stays_one_event():
    days = [shots(d, [9, 11.5, 14, 17, 20.5], LISBON) for d in range(3)]  # nights of ~12.5 h between
    labels = segment_events(*stack(*days))
    assert set(labels.tolist()) == {0}


def test_a_gap_longer_than_the_rule_splits():
    first = shots(0, [10, 12], LISBON)
    later = shots(0, [12 + GAP_HOURS + 1, 14 + GAP_HOURS + 1], LISBON)  # gap: GAP_HOURS + 1
    labels = segment_events(*stack(first, later))
    assert labels.tolist() == [0, 0, 1, 1]


def test_two_events_on_one_day_500_km_apart_split():
    morning = shots(0, [9, 10, 11, 12], LISBON)
    evening = shots(0, [17, 18, 19], MADRID)
    labels = segment_events(*stack(morning, evening))
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_camera_without_gps_joins_by_time():
    phone = shots(0, [9, 12, 15, 18], LISBON)
    camera = shots(0, [10, 13.5, 16], None)  # time, no place
    evening = shots(0, [21, 22], MADRID)
    labels = segment_events(*stack(phone, camera, evening))
    assert labels[:7].tolist() == [0] * 7
    assert labels[7:].tolist() == [1, 1]


def test_event_entirely_without_gps_is_one_event():
    labels = segment_events(*stack(*[shots(d, [9, 13, 19], None) for d in range(2)]))
    assert set(labels.tolist()) == {0}


def test_a_single_gps_glitch_does_not_split():
    t, lat, lon = stack(shots(0, [9, 10, 11, 12, 13], LISBON))
    lat[2], lon[2] = MADRID  # one bad fix in the middle
    assert set(segment_events(t, lat, lon).tolist()) == {0}


def test_photos_without_time_are_not_segmented():
    t, lat, lon = stack(shots(0, [9, 10], LISBON))
    t = np.append(t, np.nan)
    labels = segment_events(t, np.append(lat, LISBON[0]), np.append(lon, LISBON[1]))
    assert labels.tolist() == [0, 0, -1]


def test_event_order_follows_time_not_input_order():
    late, early = shots(5, [9, 10], LISBON), shots(0, [9, 10], MADRID)
    assert segment_events(*stack(late, early)).tolist() == [1, 1, 0, 0]


def test_drop_small_and_table():
    labels = np.array([0, 0, 0, 1, 2, 2, 2, -1])
    kept = drop_small(labels, 3)
    assert kept.tolist() == [0, 0, 0, -1, 1, 1, 1, -1]
    t = np.arange(8, dtype=float)
    xyz = geo_xyz_km(np.full(8, LISBON[0]), np.full(8, LISBON[1]))
    xyz[4:] = np.nan
    table = event_table(labels, t, xyz)
    assert table.size.tolist() == [3, 1, 3]
    assert table.start_h.tolist() == [0, 3, 4] and table.end_h.tolist() == [2, 3, 6]
    assert np.isnan(table.centre_xyz[2]).all() and not np.isnan(table.centre_xyz[0]).any()
