"""Life segmentation: one album per trip, outings, gatherings, everyday months; edge cases."""

from __future__ import annotations

import numpy as np
from life_arrays import ANNECY, LISBON, LYON, PARIS, PORTO, TOKYO, Life, groups_of

from album_app.albums.life import EVERYDAY, GATHERING, OUTING, TRIP, away_gap_hours, segment_life


def segment(life: Life, *, drop_place: bool = False):
    time_h, local_h, lat, lon, device, truth = life.arrays()
    if drop_place:
        lat, lon = np.full_like(lat, np.nan), np.full_like(lon, np.nan)
    return segment_life(time_h, local_h, lat, lon, device), truth


def a_year(seed: int = 0) -> Life:
    life = Life(seed=seed)
    trip_days = set(range(120, 131))
    life.everyday(0, 364, LYON, skip=trip_days | {60, 200})
    # Two cities, a border, empty days, a camera without GPS for a third of the photos.
    life.trip(120, 11, LISBON, "trip", empty=(3, 4), offset_h=0.0, second=PORTO, camera_share=0.3)
    life.outing(60, ANNECY, 25, "outing")
    life.gathering(200, 19, 40, (LYON[0] + 0.01, LYON[1]), "party")
    return life


def test_a_year_gives_one_trip_one_outing_one_gathering_and_months():
    result, truth = segment(a_year())
    trip, outing, party = (groups_of(result.labels, truth, label) for label in ("trip", "outing", "party"))
    assert len(trip) == 1 and result.kinds[trip.pop()] == TRIP
    assert len(outing) == 1 and result.kinds[outing.pop()] == OUTING
    assert len(party) == 1 and result.kinds[party.pop()] == GATHERING
    everyday = result.labels[truth == "everyday"]
    kinds = {result.kinds[g] for g in everyday if g >= 0}
    assert kinds == {EVERYDAY}
    assert (everyday >= 0).mean() > 0.97
    months = {result.month[g] for g in set(everyday.tolist()) if g >= 0}
    assert len(months) in (12, 13)  # one group per calendar month the year touches


def test_every_trip_photo_is_in_the_trip_even_without_gps():
    result, truth = segment(a_year(seed=1))
    trip_labels = result.labels[truth == "trip"]
    assert len(set(trip_labels.tolist())) == 1 and trip_labels[0] >= 0
    assert (result.labels == trip_labels[0]).sum() == (truth == "trip").sum()


def test_a_trip_across_time_zones_is_one_trip():
    life = Life(seed=2)
    life.everyday(0, 200, LYON, skip=set(range(80, 92)))
    life.trip(80, 12, TOKYO, "trip", offset_h=9.0, empty=(5,))
    result, truth = segment(life)
    assert len(groups_of(result.labels, truth, "trip")) == 1


def test_summer_time_at_home_changes_nothing():
    life = Life(seed=3)
    life.everyday(0, 180, LYON)
    life.offset_h = [1.0 if t < life.local[0] + 85 * 86400 else 2.0 for t in life.local]
    result, _truth = segment(life)
    assert set(result.kinds) == {EVERYDAY}
    assert (result.labels >= 0).mean() > 0.99


def test_a_library_of_one_trip_is_one_trip():
    life = Life(seed=4)
    life.trip(0, 6, LISBON, "trip", empty=(2,))
    result, _truth = segment(life)
    assert result.kinds == [TRIP]
    assert (result.labels == 0).all()


def test_a_move_makes_no_trip():
    life = Life(seed=5)
    life.everyday(0, 199, LYON)
    life.everyday(200, 399, PARIS)
    result, _ = segment(life)
    assert TRIP not in result.kinds and OUTING not in result.kinds


def test_no_gps_at_all_still_finds_the_gathering_and_months():
    result, truth = segment(a_year(seed=6), drop_place=True)
    assert TRIP not in result.kinds  # nothing says the person was away
    party = groups_of(result.labels, truth, "party")
    assert len(party) == 1 and result.kinds[party.pop()] == GATHERING


def test_rows_without_a_time_stay_out():
    life = a_year(seed=7)
    time_h, local_h, lat, lon, device, _ = life.arrays()
    time_h[:5] = np.nan
    result = segment_life(time_h, local_h, lat, lon, device)
    assert (result.labels[:5] == -1).all()
    empty = segment_life(np.full(3, np.nan), np.full(3, np.nan), np.full(3, np.nan), np.full(3, np.nan))
    assert (empty.labels == -1).all() and empty.kinds == []


def test_away_gap_follows_the_persons_photo_days():
    sparse = np.arange(0, 400, 3)  # a photo every third day
    dense = np.arange(0, 400)
    assert away_gap_hours(sparse) > away_gap_hours(dense)
