"""A camera roll cut the way a life goes: trips, day outings, gatherings, and everyday months.

Input is one row per photo with a trusted time: the instant (hours, for order and gaps), the local wall
clock (hours, for calendar days and months), the place (NaN: none) and a device number (which camera).
  1. **Homes** (home.py) from the days: every placed photo is *near home* or *away*.
     A photo without a place takes the state of the nearest placed photo of the same device in time; a
     device that never records a place (a camera without GPS) is cut into sessions, and each session
     takes the state most placed photos of other devices have during it, so it joins by time.
  2. **Away runs**: photos away from home, one after another, with no photo near home in between and no
     silence longer than the person's own long silences (``away_gap_hours``). A run that spans a night
     (its first and last photo on different days) is a **trip** (one, however many cities, borders, time
     zones and empty days it holds); one within a day is an **outing**.
  3. **Gatherings** (gatherings.py): near home, a session of photos well above the person's everyday rate.
  4. **Everyday**: the rest near home, one group per home period and calendar month.
With no home at all (a library of one trip, a new user) every placed photo is away, so a trip is still a
trip; with no place at all, nothing is away and only gatherings and everyday months are found.
Days run from 04:00 to 04:00 local time (``DAY_START_H``): a party that ends at 1 am is one day's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .gatherings import find_gatherings
from .home import HomeFinder
from .kinds import EVERYDAY, GATHERING, OUTING, TRIP

DAY_START_H = 4.0
#: A trip needs this many photos (spanning a night away is strong evidence); an outing, a few more, because a
#: handful of photos just beyond the home area on one day is often everyday life.
MIN_TRIP_PHOTOS = 3
MIN_OUTING_PHOTOS = 5
#: An away run is cut at a silence longer than this quantile of the gaps between the person's photo days,
#: never shorter than ``AWAY_GAP_MIN_H`` (a day without photos on a trip) nor longer than ``AWAY_GAP_MAX_H``.
AWAY_GAP_QUANTILE = 0.95
AWAY_GAP_MIN_H = 48.0
AWAY_GAP_MAX_H = 120.0
#: A device without places is cut into sessions at gaps longer than this.
DEVICE_SESSION_GAP_H = 12.0


@dataclass
class LifeSegmentation:
    """``labels[i]``: the group of photo i (-1: none); ``kinds[g]``: trip/outing/gathering/everyday;
    ``month[g]``: (year, month) of an everyday group, else None; ``near_home[i]``: its state."""

    labels: np.ndarray
    kinds: list[str] = field(default_factory=list)
    month: list[tuple[int, int] | None] = field(default_factory=list)
    near_home: np.ndarray | None = None
    homes: HomeFinder | None = None

    @property
    def n_groups(self) -> int:
        return len(self.kinds)


def photo_days(local_h: np.ndarray) -> np.ndarray:
    """Calendar day number of each photo (days start at DAY_START_H local), -1 without a time."""
    local_h = np.asarray(local_h, np.float64)
    out = np.full(len(local_h), -1, np.int64)
    ok = np.isfinite(local_h)
    out[ok] = np.floor((local_h[ok] - DAY_START_H) / 24.0).astype(np.int64)
    return out


def segment_life(time_h: np.ndarray, local_h: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                 device: np.ndarray | None = None, *, homes: HomeFinder | None = None) -> LifeSegmentation:
    """Groups for every photo with a time (module docstring); rows without a time stay -1."""
    time_h = np.asarray(time_h, np.float64)
    local_h = np.where(np.isfinite(np.asarray(local_h, np.float64)), local_h, time_h)
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    n = len(time_h)
    device = np.zeros(n, np.int64) if device is None else np.asarray(device, np.int64)
    day = photo_days(local_h)
    homes = homes or HomeFinder().fit(day, lat, lon)
    labels = np.full(n, -1, np.int64)
    result = LifeSegmentation(labels, homes=homes)
    timed = np.flatnonzero(np.isfinite(time_h))
    if len(timed) == 0:
        result.near_home = np.zeros(n, bool)
        return result
    order = timed[np.argsort(time_h[timed], kind="stable")]
    placed = np.isfinite(lat)
    home_state = np.zeros(n, np.int8)  # +1 near home, -1 away, 0 unknown
    if placed.any():
        near = homes.near_home(day, lat, lon) if homes.periods_ else np.zeros(n, bool)
        home_state[placed] = np.where(near[placed], 1, -1)
        _fill_unplaced(home_state, order, time_h, placed, device)
    result.near_home = home_state >= 0
    gap_h = away_gap_hours(day[timed])
    for run in _away_runs(order, home_state, time_h, gap_h):
        nights = int(day[run[-1]] - day[run[0]])
        kind = TRIP if nights >= 1 else OUTING
        if len(run) >= (MIN_TRIP_PHOTOS if kind == TRIP else MIN_OUTING_PHOTOS):
            _add_group(result, run, kind)
    near_rows = order[home_state[order] >= 0]
    for gathering in find_gatherings(time_h[near_rows], day[near_rows]):
        _add_group(result, near_rows[gathering], GATHERING)
    _everyday_months(result, near_rows, local_h, day, homes)
    return result


def away_gap_hours(days: np.ndarray) -> float:
    """How long a silence may last inside one away run, from the person's own gaps between photo days."""
    unique = np.unique(np.asarray(days)[np.asarray(days) >= 0])
    if len(unique) < 3:
        return AWAY_GAP_MIN_H
    quantile = float(np.quantile(np.diff(unique), AWAY_GAP_QUANTILE)) * 24.0
    return float(np.clip(quantile, AWAY_GAP_MIN_H, AWAY_GAP_MAX_H))


def _add_group(result: LifeSegmentation, rows: np.ndarray, kind: str, month: tuple[int, int] | None = None) -> None:
    result.labels[rows] = len(result.kinds)
    result.kinds.append(kind)
    result.month.append(month)


def _fill_unplaced(state: np.ndarray, order: np.ndarray, time_h: np.ndarray, placed: np.ndarray,
                   device: np.ndarray) -> None:
    """Unplaced timed photos take a state by time (module docstring, step 1)."""
    placed_order = order[placed[order]]
    placed_t = time_h[placed_order]
    devices_with_place = set(np.unique(device[placed_order]).tolist())
    for dev in np.unique(device[order]):
        rows = order[(device[order] == dev) & ~placed[order]]
        if len(rows) == 0:
            continue
        if dev in devices_with_place:  # a phone that lost its fix: the nearest placed photo of that phone
            own = placed_order[device[placed_order] == dev]
            state[rows] = state[own[_nearest(time_h[own], time_h[rows])]]
            continue
        cuts = np.flatnonzero(np.diff(time_h[rows]) > DEVICE_SESSION_GAP_H) + 1
        for session in np.split(rows, cuts):
            lo = np.searchsorted(placed_t, time_h[session[0]], side="left")
            hi = np.searchsorted(placed_t, time_h[session[-1]], side="right")
            during = state[placed_order[lo:hi]]
            if len(during):
                state[session] = 1 if (during > 0).sum() >= (during < 0).sum() else -1
            else:
                state[session] = state[placed_order[_nearest(placed_t, time_h[session])]]


def _nearest(sorted_t: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index into ``sorted_t`` of the value nearest each ``t``."""
    pos = np.clip(np.searchsorted(sorted_t, t), 0, len(sorted_t) - 1)
    prev = np.clip(pos - 1, 0, len(sorted_t) - 1)
    return np.where(np.abs(sorted_t[prev] - t) <= np.abs(sorted_t[pos] - t), prev, pos)


def _away_runs(order: np.ndarray, state: np.ndarray, time_h: np.ndarray, gap_h: float) -> list[np.ndarray]:
    away = state[order] < 0
    runs = []
    cuts = np.flatnonzero(np.diff(away.astype(np.int8)) != 0) + 1
    for chunk in np.split(np.arange(len(order)), cuts):
        if not len(chunk) or not away[chunk[0]]:
            continue
        rows = order[chunk]
        silences = np.flatnonzero(np.diff(time_h[rows]) > gap_h) + 1
        runs.extend(np.split(rows, silences))
    return runs


def _everyday_months(result: LifeSegmentation, near_rows: np.ndarray, local_h: np.ndarray, day: np.ndarray,
                     homes: HomeFinder) -> None:
    rows = near_rows[result.labels[near_rows] < 0]
    if len(rows) == 0:
        return
    months = _year_month(local_h[rows])
    period = homes.period_of(day[rows]) if homes.periods_ else np.zeros(len(rows), np.int64)
    keys = months[:, 0] * 12 + months[:, 1] - 1 + period * 100_000 * 12
    for key in np.unique(keys):
        members = rows[keys == key]
        first = int(np.flatnonzero(keys == key)[0])
        _add_group(result, members, EVERYDAY, (int(months[first, 0]), int(months[first, 1])))


def _year_month(local_h: np.ndarray) -> np.ndarray:
    """(year, month) of local wall-clock hours since the epoch (read as UTC, as the catalog stores them)."""
    stamps = (np.asarray(local_h, np.float64) * 3600.0).astype("datetime64[s]")
    months = stamps.astype("datetime64[M]").astype(np.int64)
    return np.column_stack([months // 12 + 1970, months % 12 + 1])
