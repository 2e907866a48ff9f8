"""The camera-roll bench's judge: F1 per event, chunk albums, district names, the peers' rules."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from roll_score import peer_labels, score_albums


def photo(kind: str, event: str | None, local: str, home: str = "Lyon", lat: float = 45.76, lon: float = 4.84) -> dict:
    return {"kind": kind, "event": event, "local": local, "home": home, "lat": lat, "lon": lon}


def truth() -> dict:
    photos = {f"t{i}": photo("trip", "t1", f"2024-04-1{i}T12:00:00", lat=38.72, lon=-9.14) for i in range(4)}
    photos.update({f"f{i}": photo("friend", "t1", "2024-04-11T12:00:00") for i in range(2)})
    photos.update({f"e{i}": photo("everyday", None, f"2024-03-{i + 10}T09:00:00") for i in range(5)})
    photos["s0"] = photo("screenshot", None, "2024-03-12T10:00:00")
    events = {"t1": {"kind": "trip", "cities": ["Lisbon"], "country": "Portugal", "countries": ["Portugal"]}}
    return {"photos": photos, "events": events}


def test_a_perfect_labelling_scores_perfectly():
    albums = [
        {"name": "Lisbon · 10–13 Apr 2024", "kind": "trip", "photos": ["t0", "t1", "t2", "t3", "f0", "f1"]},
        {"name": "Lyon · March 2024", "kind": "everyday", "photos": [f"e{i}" for i in range(5)]},
        {"name": "Screenshots", "kind": "screenshots", "photos": ["s0"]},
    ]
    score = score_albums(albums, truth())
    assert score["f1_trip"] == 1.0 and score["events_found"] == 1.0 and score["friends_placed"] == 1.0
    assert score["everyday_in_events"] == 0.0 and score["screens_in_events"] == 0.0
    assert score["chunks"] == 0.0 and score["trips_named"] == 1.0 and score["district_names"] == 0.0


def test_a_run_of_everyday_days_is_a_chunk_and_pollutes_the_trip():
    albums = [
        {"name": "Ciutat Vella · 10–13 Apr 2024", "photos": ["t0", "t1", "t2", "t3", "e4", "s0"], "kind": None},
        {"name": "Lyon · 10–12 Mar 2024", "photos": ["e0", "e1", "e2"], "kind": None},
    ]
    score = score_albums(albums, truth())
    assert score["f1_trip"] == 2 * (4 / 6) * 1.0 / (4 / 6 + 1.0)
    assert score["everyday_in_events"] == 0.2 and score["screens_in_events"] == 1.0
    assert score["chunks"] == 1.0  # three days of March: neither one day nor the month (3 of its 5)
    assert score["trips_named"] == 0.0 and score["friends_placed"] == 0.0


def test_district_names_are_caught_near_their_city():
    photos = {"p": photo("everyday", None, "2024-03-10T09:00:00", lat=59.315, lon=18.071)}
    albums = [{"name": "Södermalm · 10 Mar 2024", "photos": ["p"], "kind": None}]
    assert score_albums(albums, {"photos": photos, "events": {}})["district_names"] == 1.0
    albums[0]["name"] = "Stockholm · 10 Mar 2024"
    assert score_albums(albums, {"photos": photos, "events": {}})["district_names"] == 0.0


def test_peer_rules():
    hours = np.array([0.0, 1.0, 6.0, 7.0, 8.0, 19.0, 60.0])
    nan = np.full(len(hours), np.nan)
    assert peer_labels("shotwell", hours, nan, nan).tolist() == [0, 0, 1, 1, 1, 2, 3]  # 4 h gap, 12 h span
    assert peer_labels("librephotos", hours, nan, nan).tolist() == [0, 0, 0, 0, 0, 0, 1]  # one 36 h gap
    labels = peer_labels("nextcloud", hours, np.full(len(hours), 45.76), np.full(len(hours), 4.84))
    assert labels.tolist() == [0, 0, 0, 0, 0, -1, -1]  # near home a new event after 6 h; groups under 5 dropped
