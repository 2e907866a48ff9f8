"""The whole roll: kinds, screenshots apart, downloads Unsorted, a friend's copy placed, names, sections."""

from __future__ import annotations

import numpy as np
from life_arrays import LISBON, LYON, PORTO, Life, local_ts

from album_app.albums.roll import SCREENSHOT_KIND, RollView, roll_albums


def make_view(seed: int = 0) -> tuple[RollView, np.ndarray]:
    life = Life(seed=seed)
    life.everyday(0, 200, LYON, skip=set(range(100, 108)))
    life.trip(100, 8, LISBON, "trip", second=PORTO, empty=(3,), offset_h=0.0, camera_share=0.2)
    life.gathering(150, 19, 40, LYON, "party")
    time_h, local_h, lat, lon, device, truth = life.arrays()
    rng = np.random.default_rng(seed)
    looks = {"everyday": rng.normal(size=32), "trip": rng.normal(size=32), "party": rng.normal(size=32)}
    codes = [looks[label] + 0.3 * rng.normal(size=32) for label in truth]
    names = [f"PXL_{i:05d}.jpg" if d == 0 else f"DSCF{i:04d}.JPG" for i, d in enumerate(device)]
    extra = [  # (name, format, size, look, hint day, truth)
        ("Screenshot_20230301-101010.png", "PNG", (1080, 2400), "everyday", None, "screenshot"),
        ("IMG_4001.PNG", "PNG", (1170, 2532), "trip", None, "screenshot"),
        ("download (2).jpg", "JPEG", (720, 720), "trip", None, "download"),
        ("IMG-20230415-WA0001.jpg", "JPEG", (1280, 960), "trip", 103, "friend"),
        ("photo_2023-06-01_22-10-00.jpg", "JPEG", (1280, 960), "party", 150, "friend"),
    ]
    for name, _fmt, _, look, _hint, label in extra:
        names.append(name)
        codes.append(looks[look] + 0.3 * rng.normal(size=32))
        truth = np.append(truth, label)
    n_extra = len(extra)
    nan = np.full(n_extra, np.nan)
    hints = [np.nan if hint is None else local_ts(hint, 20) for *_, hint, _ in extra]
    view = RollView(
        names=names, formats=["JPEG"] * len(time_h) + [e[1] for e in extra],
        width=np.concatenate([np.full(len(time_h), 4032.0), [e[2][0] for e in extra]]),
        height=np.concatenate([np.full(len(time_h), 3024.0), [e[2][1] for e in extra]]),
        has_camera=np.concatenate([np.ones(len(time_h), bool), np.zeros(n_extra, bool)]),
        device=np.concatenate([device, np.full(n_extra, 9)]),
        taken_ts=np.concatenate([time_h * 3600, nan]), local_ts=np.concatenate([local_h * 3600, nan]),
        hint_ts=np.concatenate([np.full(len(time_h), np.nan), hints]),
        lat=np.concatenate([lat, nan]), lon=np.concatenate([lon, nan]), codes=np.array(codes, np.float32),
    )
    return view, truth


def test_a_roll_becomes_albums_of_kinds():
    view, truth = make_view()
    result = roll_albums(view)
    kinds = [album.kind for album in result.albums]
    assert kinds.count("trip") == 1 and kinds.count("gathering") == 1 and kinds.count(SCREENSHOT_KIND) == 1
    trip = next(a for a in result.albums if a.kind == "trip")
    assert set(truth[trip.rows]) <= {"trip", "friend"} and (truth[trip.rows] == "trip").sum() == (truth == "trip").sum()
    assert trip.name.startswith("Lisbon & Porto · ")
    assert [s.label.split(" · ")[1] for s in trip.sections][:1] == ["Lisbon"]
    assert sum(len(s.rows) for s in trip.sections) == (truth == "trip").sum()
    screens = next(a for a in result.albums if a.kind == SCREENSHOT_KIND)
    assert set(truth[screens.rows]) == {"screenshot"} and screens.name == "Screenshots"
    assert result.labels[truth == "download"].tolist() == [-1]  # looks like the trip, stays Unsorted
    everyday = [a for a in result.albums if a.kind == "everyday"]
    assert everyday and all(a.name.startswith("Lyon · ") for a in everyday)


def test_a_friends_copy_joins_its_event_by_look_and_date():
    view, truth = make_view(seed=1)
    result = roll_albums(view)
    friends = np.flatnonzero(truth == "friend")
    kinds = [result.albums[label].kind if label >= 0 else None for label in result.labels[friends]]
    assert kinds == ["trip", "gathering"]


def test_an_empty_roll():
    empty = RollView([], [], np.zeros(0), np.zeros(0), np.zeros(0, bool), np.zeros(0, int), np.zeros(0),
                     np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros((0, 8), np.float32))
    result = roll_albums(empty)
    assert result.albums == [] and len(result.labels) == 0


def test_a_library_view_gives_instants_and_wall_clocks():
    """A time with its offset is both; one without is a wall clock taken at the offset most photos carry; a
    video's UTC stamp is an instant whose wall clock is taken at that offset too; cameras become devices."""
    from album_app.albums.features import LibraryView

    hour = 3600.0
    wall = np.array([10, 11, 12, np.nan, np.nan]) * hour  # what the catalog read from each time's text
    offset = np.array([2, 2, np.nan, np.nan, np.nan]) * hour
    stored = np.array([8, 9, 12, 13, np.nan]) * hour  # taken_ts: UTC with an offset, else the wall clock
    view = LibraryView(np.arange(5), np.zeros((5, 4), np.float32), stored, np.full(5, np.nan), np.full(5, np.nan),
                       np.full(5, np.nan), ["a.jpg", "b.jpg", "c.jpg", "d.mov", "e.jpg"], local_ts=wall,
                       offset_s=offset, cameras=["Pixel 7", "Pixel 7", "X100V", "", ""])
    roll = RollView.from_library(view)
    assert (roll.taken_ts[:4] / hour).tolist() == [8, 9, 10, 13]
    assert (roll.local_ts[:4] / hour).tolist() == [10, 11, 12, 15]
    assert np.isnan(roll.taken_ts[4]) and np.isnan(roll.local_ts[4])
    assert roll.has_camera.tolist() == [True, True, True, False, False]
    assert roll.device[0] == roll.device[1] != roll.device[2]
