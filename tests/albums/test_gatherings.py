"""Gatherings: a session well above the person's own pace; bursts count once; lulls do not split."""

from __future__ import annotations

import numpy as np

from album_app.albums.gatherings import MIN_MOMENTS, find_gatherings


def everyday(days: int, per_day: int, rng: np.random.Generator) -> list[float]:
    """Hours of ``per_day`` snaps a day spread over waking hours."""
    return [d * 24.0 + float(h) for d in range(days) for h in rng.uniform(7, 23, per_day)]


def run(hours: list[float]) -> tuple[np.ndarray, list[np.ndarray]]:
    t = np.sort(np.array(hours))
    return t, find_gatherings(t, np.floor((t - 4) / 24).astype(int))


def party(day: int, start_h: float, photos: int, rng: np.random.Generator, lull_at: int | None = None) -> list[float]:
    t = day * 24.0 + start_h
    out = []
    for index in range(photos):
        t += float(rng.uniform(2, 9)) / 60.0 + (0.8 if index == lull_at else 0.0)
        out.append(t)
    return out


def test_a_party_among_everyday_snaps_is_found_whole():
    rng = np.random.default_rng(0)
    snaps = [h for h in everyday(60, 3, rng) if not 30 * 24 + 17 <= h <= 31 * 24 + 4]  # a quiet day before it
    evening = party(30, 19.0, 30, rng, lull_at=15)  # a 48-minute lull in the middle
    t, found = run(snaps + evening)
    assert len(found) == 1
    assert set(t[found[0]].tolist()) == set(evening)


def test_the_threshold_follows_the_persons_rate():
    rng = np.random.default_rng(1)
    evening = party(30, 19.0, 15, rng)
    light = run(everyday(60, 2, rng) + evening)[1]
    # Someone who shoots sessions of a dozen photos every day: fifteen photos in an evening is ordinary.
    heavy_days = [h for d in range(60) for h in party(d, 12.0, 12, rng)]
    heavy = run(heavy_days + evening)[1]
    assert len(light) == 1 and heavy == []


def test_a_burst_is_one_moment_not_a_gathering():
    rng = np.random.default_rng(2)
    burst = [40 * 24 + 15 + s / 3600.0 for s in range(40)]  # forty frames in forty seconds
    _t, found = run(everyday(60, 3, rng) + burst)
    assert found == []


def test_too_few_photos_find_nothing():
    assert find_gatherings(np.arange(MIN_MOMENTS - 1, dtype=float), np.zeros(MIN_MOMENTS - 1, int)) == []
    assert find_gatherings(np.zeros(0), np.zeros(0, int)) == []


def test_a_snap_well_before_the_party_is_trimmed_but_an_opening_burst_stays():
    rng = np.random.default_rng(3)
    snaps = [h for h in everyday(60, 2, rng) if not 30 * 24 + 12 <= h <= 31 * 24 + 4]
    evening = party(30, 19.0, 30, rng)
    afternoon = [30 * 24 + 16.9, 30 * 24 + 17.0]  # two snaps two hours before it
    opening = [30 * 24 + 18.6 + s / 3600.0 for s in range(5)]  # a burst 25 minutes before the first shot
    t, found = run(snaps + evening + afternoon + opening)
    assert len(found) == 1
    got = set(t[found[0]].tolist())
    assert set(evening) | set(opening) <= got and not set(afternoon) & got
