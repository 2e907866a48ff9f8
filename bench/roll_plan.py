"""The life behind a synthetic camera roll: who, where, when; no pixels (bench/roll_library.py draws them).

A person lives in a real city (GeoNames), works a few km away, and moves to another city part-way
through 18 months. Their phone roll holds:
  * everyday photos on a share of days (1–8 a day) at home, at work, on errands a few km away;
  * gatherings near home: 25–90 photos in 2–5 h (bursts included);
  * day outings 40–150 km away, back the same night (photos at home that morning or evening happen);
  * trips 3–12 days 300+ km away: empty days, some two-city, real local time offsets, ~10 % of photos
    without a GPS fix, and on some trips a camera without GPS whose clock stays on home time;
  * screenshots, downloads and memes, and a friend's copies of gatherings and trips sent by messenger.
Every number below is drawn per person from a range (the ranges are the issue's description of a roll),
so no two rolls share the constants an album builder could be tuned to. ``VARIANTS`` push one habit beyond
those ranges (a long commute, few photo days, a heavy shooter, a phone that often loses its fix, parties
across town), to see where the album builder breaks rather than to tune it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from roll_places import Gazetteer, Place, km, time_zone

EVERYDAY_GROUPS = ("cats_dogs/cat", "cats_dogs/dog", "malaysian_food/*", "weather/cloudy", "weather/rainy",
                   "har_people/sitting", "har_people/texting", "har_people/using_laptop", "har_people/sleeping",
                   "har_people/calling", "imagenette/n02102040_english_springer")
GATHERING_GROUPS = ("har_people/dancing", "har_people/clapping", "har_people/drinking", "har_people/eating",
                    "har_people/hugging", "har_people/laughing", "har_people/listening_to_music",
                    "har_people/fighting")
OUTING_GROUPS = ("weather/sunrise", "weather/foggy", "bsds500/val", "bsds500/test", "har_people/cycling",
                 "har_people/running", "imagenette/n03888257_parachute", "imagenette/n01440764_tench",
                 "imagenette/n03445777_golf_ball")
TRIP_GROUPS = ("indian_monuments/*", "vietnam_landmarks/*")
EVENT_KINDS = ("trip", "outing", "gathering")
#: Habits beyond the issue's description: {name: {Person field: (low, high)}}.
VARIANTS: dict[str, dict[str, tuple[float, float]]] = {
    "commuter": {"work_km": (25.0, 45.0)},
    "sparse": {"photo_day_share": (0.15, 0.3)},
    "heavy": {"daily_mean": (8.0, 14.0)},
    "gps-poor": {"no_fix": (0.3, 0.45)},
    "across-town": {"party_km": (10.0, 20.0)},
}


@dataclass
class Shot:
    """One file of the roll. ``local`` is the true wall-clock time where it was taken."""

    kind: str  # everyday | gathering | outing | trip | screenshot | download | friend
    local: datetime
    zone: str  # IANA zone where it was taken
    lat: float | None
    lon: float | None
    event: str | None = None
    group: str = ""  # content group (photos-corpus folder or a pattern)
    device: str = "phone"  # phone | camera (no GPS, clock on home time) | none (no EXIF)
    burst: int = 0  # >0: a burst id; shots of one burst share a source photo
    scene: int = 0  # shots of one scene share a source photo (re-framed)
    sent: datetime | None = None  # friend's copies: when the messenger received it
    name: str = ""  # relative path, set by roll_library
    extra: dict = field(default_factory=dict)


@dataclass
class EventTruth:
    id: str
    kind: str
    start: datetime
    end: datetime
    cities: list[str]
    country: str
    countries: list[str]
    lat: float
    lon: float
    home: str


@dataclass
class Person:
    seed: int
    homes: list[tuple[Place, date]]  # (home city, moved in on)
    start: date
    days: int
    photo_day_share: float
    daily_mean: float
    work_km: float
    os: str  # android | iphone
    screenshot_rate: float
    no_fix: float = 0.1  # share of photos without a GPS fix (indoors)
    party_km: float = 6.0  # gatherings happen this far from home at most
    shots: list[Shot] = field(default_factory=list)
    events: list[EventTruth] = field(default_factory=list)

    def home_on(self, day: date) -> Place:
        current = self.homes[0][0]
        for place, since in self.homes:
            if day >= since:
                current = place
        return current


def offset(zone: str, local: datetime) -> timedelta:
    return ZoneInfo(zone).utcoffset(local) or timedelta(0)


def plan_person(gaz: Gazetteer, seed: int, *, months: int = 18, scale: float = 1.0,
                variant: str | None = None) -> Person:
    """A person and every shot of their roll. ``scale`` multiplies photo counts (the 100k timing);
    ``variant`` (a key of VARIANTS) pushes one habit beyond the issue's ranges."""
    rng = np.random.default_rng(seed)
    homes_pool = gaz.cities(150_000)
    first = gaz.places[int(rng.choice(homes_pool))]
    second_pool = [i for i in homes_pool
                   if 200 <= float(km(first.lat, first.lon, gaz.lat[i], gaz.lon[i])) <= 1500]
    second = gaz.places[int(rng.choice(second_pool))] if second_pool else first
    start = date(int(rng.integers(2021, 2024)), int(rng.integers(1, 13)), 1)
    days = round(months * 30.44)
    move = start + timedelta(days=int(rng.integers(int(days * 0.3), int(days * 0.7))))
    person = Person(seed=seed, homes=[(first, start), (second, move)], start=start, days=days,
                    photo_day_share=float(rng.uniform(0.45, 0.75)), daily_mean=float(rng.uniform(1.8, 4.0)) * scale,
                    work_km=float(rng.uniform(2.0, 14.0)), os=str(rng.choice(["android", "iphone"])),
                    screenshot_rate=float(rng.uniform(0.1, 0.4)))
    for name, (low, high) in VARIANTS.get(variant or "", {}).items():
        value = float(np.random.default_rng(seed + 1).uniform(low, high))
        setattr(person, name, value * scale if name == "daily_mean" else value)
    busy = _plan_events(gaz, person, rng, scale)
    _plan_everyday(person, rng, busy)
    _plan_screens(person, rng)
    _plan_friends(person, rng)
    person.shots.sort(key=lambda s: s.local)
    return person


def _spot(rng: np.random.Generator, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
    bearing, reach = rng.uniform(0, 2 * math.pi), radius_km * math.sqrt(rng.uniform(0, 1))
    return (lat + reach * math.cos(bearing) / 111.0,
            lon + reach * math.sin(bearing) / (111.0 * max(math.cos(math.radians(lat)), 0.1)))


def _group(rng: np.random.Generator, pool: tuple[str, ...]) -> str:
    return str(rng.choice(pool))


# --- events -------------------------------------------------------------------------------------------


def _plan_events(gaz: Gazetteer, person: Person, rng: np.random.Generator, scale: float) -> dict[date, tuple]:
    """Trips, outings and gatherings on free days; returns {day: (kind, from, to)} for the everyday plan."""
    busy: dict[date, tuple] = {}
    day0 = person.start
    years = person.days / 548.0  # the ranges are per 18 months
    n_trips = round(int(rng.integers(3, 7)) * years)
    n_outings = round(int(rng.integers(3, 8)) * years)
    n_gatherings = round(int(rng.integers(4, 9)) * years)
    counter = 0
    for kind, count in (("trip", n_trips), ("outing", n_outings), ("gathering", n_gatherings)):
        for _ in range(count):
            for _attempt in range(50):
                length = int(rng.integers(3, 13)) if kind == "trip" else 1
                first = day0 + timedelta(days=int(rng.integers(3, person.days - length - 3)))
                window = [first + timedelta(days=d) for d in range(-2, length + 2)]
                moving = any(abs((d - since).days) <= 3 for d in window for _, since in person.homes[1:])
                if not moving and not any(d in busy for d in window):
                    break
            else:
                continue
            event_id = f"{kind[0]}{counter:02d}"
            counter += 1
            home = person.home_on(first)
            if kind == "trip":
                _trip(gaz, person, rng, event_id, home, first, length, scale, busy)
            elif kind == "outing":
                _outing(gaz, person, rng, event_id, home, first, scale, busy)
            else:
                _gathering(person, rng, event_id, home, first, scale, busy)
    return busy


def _scenes(person: Person, rng: np.random.Generator, shots_wanted: int, begin: datetime, end: datetime,
            centre: tuple[float, float], radius_km: float, base: Shot) -> list[Shot]:
    """Shots in scenes: a spot and a source photo, a few shots minutes apart, some as bursts."""
    out: list[Shot] = []
    span = (end - begin).total_seconds()
    while len(out) < shots_wanted:
        when = begin + timedelta(seconds=float(rng.uniform(0, span)))
        lat, lon = _spot(rng, *centre, radius_km)
        scene = int(rng.integers(1, 1 << 30))
        for _ in range(int(rng.integers(1, 5))):
            when += timedelta(seconds=float(rng.uniform(20, 400)))
            burst = int(rng.integers(1, 1 << 30)) if rng.random() < 0.12 else 0
            for _frame in range(int(rng.integers(3, 8)) if burst else 1):
                when += timedelta(seconds=float(rng.uniform(0.2, 1.5)) if burst else 0)
                gps = rng.random() >= person.no_fix  # ~10 % without a fix (indoors)
                shot = Shot(base.kind, when, base.zone, lat + rng.normal(0, 2e-4) if gps else None,
                            lon + rng.normal(0, 2e-4) if gps else None, base.event, base.group, base.device,
                            burst, scene)
                out.append(shot)
    return out[:max(shots_wanted, 1)]


def _trip(gaz: Gazetteer, person: Person, rng: np.random.Generator, event_id: str, home: Place, first: date,
          length: int, scale: float, busy: dict) -> None:
    far = np.flatnonzero(gaz.pop >= 100_000)
    d = km(home.lat, home.lon, gaz.lat[far], gaz.lon[far])
    reach = 3000.0 if rng.random() < 0.8 else 12000.0  # mostly within a few hours' flight
    pool = [int(i) for i in far[(d >= 300) & (d <= reach)] if not gaz.is_district(int(i))]
    city = gaz.places[int(rng.choice(pool))]
    cities = [city]
    if rng.random() < 0.35 and length >= 4:
        nearby = gaz.around(gaz.index_of(city), 80, 400, 50_000)
        if nearby:
            cities.append(gaz.places[int(rng.choice(nearby))])
    split = length // 2 if len(cities) == 2 else length
    groups = [_group(rng, TRIP_GROUPS) for _ in cities]
    camera_share = float(rng.uniform(0.2, 0.4)) if rng.random() < 0.5 else 0.0
    per_day = float(rng.uniform(8, 30)) * scale
    shots: list[Shot] = []
    for day in range(length):
        today = first + timedelta(days=day)
        busy[today] = ("trip", None, None)
        if 0 < day < length - 1 and rng.random() < 0.15:
            continue  # a day without photos
        where = cities[0] if day < split else cities[1]
        zone = time_zone(where)
        begin = datetime.combine(today, datetime.min.time()) + timedelta(hours=float(rng.uniform(8, 11)))
        end = begin + timedelta(hours=float(rng.uniform(6, 12)))
        group = groups[0] if day < split else groups[-1]
        base = Shot("trip", begin, zone, None, None, event_id, group)
        day_shots = _scenes(person, rng, max(2, int(rng.poisson(per_day))), begin, end, (where.lat, where.lon), 5.0,
                            base)
        for shot in day_shots:
            if rng.random() < camera_share:
                shot.device, shot.lat, shot.lon = "camera", None, None
        shots.extend(day_shots)
    person.shots.extend(shots)
    start, stop = min(s.local for s in shots), max(s.local for s in shots)
    person.events.append(EventTruth(event_id, "trip", start, stop, [c.name for c in cities], city.country,
                                    sorted({c.country for c in cities}), city.lat, city.lon, home.name))


def _outing(gaz: Gazetteer, person: Person, rng: np.random.Generator, event_id: str, home: Place, day: date,
            scale: float, busy: dict) -> None:
    pool = gaz.around(gaz.index_of(home), 40, 150, 5_000)
    where = gaz.places[int(rng.choice(pool))]
    leave = datetime.combine(day, datetime.min.time()) + timedelta(hours=float(rng.uniform(7.5, 11)))
    back = leave + timedelta(hours=float(rng.uniform(6, 11)))
    travel = timedelta(hours=float(km(home.lat, home.lon, where.lat, where.lon)) / 80.0)
    busy[day] = ("outing", leave, back)
    base = Shot("outing", leave, time_zone(where), None, None, event_id, _group(rng, OUTING_GROUPS))
    shots = _scenes(person, rng, int(rng.integers(15, 51) * scale), leave + travel, back - travel,
                    (where.lat, where.lon), 4.0, base)
    person.shots.extend(shots)
    person.events.append(EventTruth(event_id, "outing", min(s.local for s in shots), max(s.local for s in shots),
                                    [where.name], where.country, [where.country], where.lat, where.lon, home.name))


def _gathering(person: Person, rng: np.random.Generator, event_id: str, home: Place, day: date, scale: float,
               busy: dict) -> None:
    begin = datetime.combine(day, datetime.min.time()) + timedelta(hours=float(rng.uniform(12, 20)))
    end = begin + timedelta(hours=float(rng.uniform(2, 5)))
    busy[day] = ("gathering", begin, end)
    spot = _spot(rng, home.lat, home.lon, person.party_km)  # at home or at a friend's in town
    base = Shot("gathering", begin, time_zone(home), None, None, event_id, _group(rng, GATHERING_GROUPS))
    shots = _scenes(person, rng, int(rng.integers(25, 91) * scale), begin, end, spot, 0.05, base)
    person.shots.extend(shots)
    person.events.append(EventTruth(event_id, "gathering", min(s.local for s in shots),
                                    max(s.local for s in shots), [home.name], home.country, [home.country],
                                    spot[0], spot[1], home.name))


# --- everyday, screens, friends -----------------------------------------------------------------------


def _plan_everyday(person: Person, rng: np.random.Generator, busy: dict[date, tuple]) -> None:
    works = {}
    for place, _since in person.homes:
        bearing = rng.uniform(0, 2 * math.pi)
        east = person.work_km * math.sin(bearing) / (111.0 * math.cos(math.radians(place.lat)))
        works[place.name] = (place.lat + person.work_km * math.cos(bearing) / 111.0, place.lon + east)
    flats = {place.name: _spot(rng, place.lat, place.lon, 3.0) for place, _ in person.homes}
    for offset_days in range(person.days):
        day = person.start + timedelta(days=offset_days)
        plan = busy.get(day)
        if (plan and plan[0] == "trip") or rng.random() >= person.photo_day_share:
            continue
        home = person.home_on(day)
        zone = time_zone(home)
        count = int(np.clip(1 + rng.poisson(person.daily_mean - 1), 1, 8 * max(1.0, person.daily_mean / 4)))
        for _ in range(count):
            hour = float(rng.uniform(7, 23.5))
            when = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
            if plan and plan[1] is not None and plan[1] - timedelta(hours=1) <= when <= plan[2] + timedelta(hours=1):
                continue  # out on the outing, or at the party
            weekday_work = day.weekday() < 5 and 9 <= hour <= 18 and rng.random() < 0.6
            if weekday_work:
                centre, radius = works[home.name], 0.3
            elif rng.random() < 0.7:
                centre, radius = flats[home.name], 0.05
            else:
                centre, radius = (home.lat, home.lon), 6.0  # errands, a walk, a café
            lat, lon = _spot(rng, *centre, radius)
            group = _group(rng, EVERYDAY_GROUPS)
            burst = int(rng.integers(1, 1 << 30)) if rng.random() < 0.08 else 0
            scene = int(rng.integers(1, 1 << 30))
            gps = rng.random() >= person.no_fix
            for frame in range(int(rng.integers(3, 7)) if burst else 1):
                at = when + timedelta(seconds=frame * float(rng.uniform(0.3, 1.2)))
                person.shots.append(Shot("everyday", at, zone, lat if gps else None, lon if gps else None, None,
                                         group, "phone", burst, scene, extra={"home": home.name}))


def _plan_screens(person: Person, rng: np.random.Generator) -> None:
    """Screenshots (phone mostly, some desktop) and downloads/memes, on random days, wherever the person is."""
    for offset_days in range(person.days):
        day = person.start + timedelta(days=offset_days)
        zone = time_zone(person.home_on(day))
        for kind, rate in (("screenshot", person.screenshot_rate), ("download", person.screenshot_rate / 3)):
            for _ in range(int(rng.poisson(rate))):
                when = datetime.combine(day, datetime.min.time()) + timedelta(hours=float(rng.uniform(7, 24)))
                person.shots.append(Shot(kind, when, zone, None, None, device="none",
                                         extra={"home": person.home_on(day).name}))


def _plan_friends(person: Person, rng: np.random.Generator) -> None:
    """A friend's copies of about half the gatherings and trips, sent by messenger (no EXIF)."""
    for event in person.events:
        if event.kind == "outing" or rng.random() < 0.45:
            continue
        own = [s for s in person.shots if s.event == event.id and s.kind == event.kind]
        for source in rng.choice(len(own), size=min(len(own), int(rng.integers(5, 26))), replace=False):
            shot = own[int(source)]
            delay = rng.random()
            if delay < 0.5:
                sent = shot.local + timedelta(minutes=float(rng.uniform(1, 600)))
            elif delay < 0.8:
                sent = shot.local + timedelta(days=float(rng.uniform(1, 3)))
            else:
                sent = event.end + timedelta(days=float(rng.uniform(7, 28)))
            person.shots.append(Shot("friend", shot.local, shot.zone, None, None, event.id, shot.group, "none",
                                     0, shot.scene, sent=sent, extra={"source_scene": shot.scene}))


def truth_of(person: Person) -> dict:
    """JSON-ready ground truth (events and the person); per-photo truth is added by roll_library."""
    return {
        "seed": person.seed,
        "homes": [{"city": p.name, "country": p.country, "lat": p.lat, "lon": p.lon, "since": s.isoformat()}
                  for p, s in person.homes],
        "person": {k: v for k, v in asdict(person).items() if k not in ("homes", "shots", "events", "start")},
        "events": {e.id: {**asdict(e), "start": e.start.isoformat(), "end": e.end.isoformat()}
                   for e in person.events},
    }
