"""Homes over time: one home, a move, a trip that is no home, two homes, work, no home at all."""

from __future__ import annotations

import numpy as np
from life_arrays import ANNECY, LISBON, LYON, PARIS, Life

from album_app.albums.home import RADIUS_MAX_KM, RADIUS_MIN_KM, HomeFinder
from album_app.albums.life import photo_days


def fit(life: Life) -> tuple[HomeFinder, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    _, local, lat, lon, _, truth = life.arrays()
    day = photo_days(local)
    return HomeFinder().fit(day, lat, lon), day, lat, lon, truth


def test_one_home_with_a_long_trip_inside():
    life = Life(seed=1)
    life.everyday(0, 239, LYON, skip=set(range(100, 112)))
    life.trip(100, 12, LISBON, "trip")
    homes, day, lat, lon, truth = fit(life)
    assert len(homes.periods_) == 1
    home = homes.periods_[0]
    assert abs(home.lat - LYON[0]) < 0.1 and abs(home.lon - LYON[1]) < 0.1
    assert RADIUS_MIN_KM <= home.radius_km <= RADIUS_MAX_KM
    near = homes.near_home(day, lat, lon)
    assert near[truth == "everyday"].mean() > 0.97
    assert not near[truth == "trip"].any()


def test_a_move_switches_home_about_on_the_day():
    life = Life(seed=2)
    life.everyday(0, 199, LYON)
    life.everyday(200, 399, PARIS)
    homes, day, lat, lon, truth = fit(life)
    assert len(homes.periods_) == 2
    assert abs(homes.periods_[1].first_day - (homes.periods_[0].first_day + 200)) <= 6
    assert homes.near_home(day, lat, lon)[truth == "everyday"].mean() > 0.95


def test_one_trip_alone_is_no_home():
    life = Life(seed=3)
    life.trip(0, 10, LISBON, "trip")
    homes, day, lat, lon, _ = fit(life)
    assert homes.periods_ == []
    assert not homes.near_home(day, lat, lon).any()


def test_no_gps_at_all_finds_no_home():
    life = Life(seed=4)
    life.everyday(0, 100, LYON)
    _, local, lat, lon, _, _ = life.arrays()
    homes = HomeFinder().fit(photo_days(local), np.full_like(lat, np.nan), np.full_like(lon, np.nan))
    assert homes.periods_ == []
    assert (homes.period_of(photo_days(local)) == -1).all()


def test_two_homes_both_count_as_home():
    life = Life(seed=5)
    weekends = {d for d in range(300) if d % 7 in (5, 6)}
    life.everyday(0, 299, LYON, skip=weekends, share=0.8)
    life.everyday(0, 299, ANNECY, skip=set(range(300)) - weekends, share=0.8)
    homes, day, lat, lon, _ = fit(life)
    near = homes.near_home(day, lat, lon)
    assert near.mean() > 0.95  # weekdays in Lyon and weekends in Annecy alike


def test_work_far_across_the_region_is_part_of_the_home_area():
    life = Life(seed=6)
    work = (LYON[0] + 0.3, LYON[1])  # 33 km north
    weekdays = {d for d in range(200) if d % 7 < 5}
    life.everyday(0, 199, LYON, spread_km=1.0)
    life.everyday(0, 199, work, skip=set(range(200)) - weekdays, spread_km=0.5)
    homes, day, lat, lon, _ = fit(life)
    assert homes.near_home(day, lat, lon).mean() > 0.97


def test_radius_follows_the_persons_own_spread():
    tight, wide = Life(seed=7), Life(seed=7)
    tight.everyday(0, 199, LYON, spread_km=1.0)
    wide.everyday(0, 199, LYON, spread_km=12.0)
    assert fit(tight)[0].periods_[0].radius_km < fit(wide)[0].periods_[0].radius_km
