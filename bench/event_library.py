"""A synthetic photo library of known events, for the albums benchmarks and tests.

    python bench/event_library.py OUT [--seed 0] [--events 24] [--friend]

Each event is one scene class (intel-scenes) in one city over a few hours to a few days: several
distinct scene photos, each shot a few times (random crop, small rotation, light jitter), with EXIF
DateTimeOriginal and GPS written by Pillow. About a fifth of every event's shots are stripped of all
EXIF and named as a messenger names photos a friend sent (``IMG-20240613-WA0007.jpg``, the next day).

Confounders a good album builder must get right:
  * events of one class in one city months apart (time separates them);
  * two events on one day in cities hundreds of km apart (place separates them);
  * a camera without GPS (time but no place: it joins by time), in part of some events and all of one;
  * a trip with a day without any photo (a long gap inside one event);
  * a dozen unrelated object photos (clothing-small): some with EXIF at home on days without events,
    some with messenger names and random dates, some with no clue at all.

``--friend`` replaces the stripped shots with another person's shots of the same scenes: other
framing and zoom, sometimes mirrored, other colour balance, softer, downscaled and recompressed, sent
days to weeks later or through a channel that keeps no date in the file name.

Writes the files under OUT and ``OUT/truth.json``:
    {"labels": {relative path: event id | "unrelated"}, "photos": {relative path: details},
     "events": {event id: details}, "seed": ..., "friend": ...}
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
SCENES = SHARED / "intel-scenes" / "train"
OBJECTS = SHARED / "clothing-small"
UNRELATED = "unrelated"

# Real coordinates, so that naming can be checked too. Far enough apart that every pair is > 50 km.
CITIES: dict[str, tuple[float, float]] = {
    "Lisbon": (38.7223, -9.1393),
    "Porto": (41.1579, -8.6291),
    "Madrid": (40.4168, -3.7038),
    "Barcelona": (41.3874, 2.1686),
    "Paris": (48.8566, 2.3522),
    "Lyon": (45.7640, 4.8357),
    "Berlin": (52.5200, 13.4050),
    "Munich": (48.1351, 11.5820),
    "Rome": (41.9028, 12.4964),
    "Milan": (45.4642, 9.1900),
    "Vienna": (48.2082, 16.3738),
    "Prague": (50.0755, 14.4378),
    "Amsterdam": (52.3676, 4.9041),
    "Copenhagen": (55.6761, 12.5683),
    "Edinburgh": (55.9533, -3.1883),
    "Zurich": (47.3769, 8.5417),
    "Athens": (37.9838, 23.7275),
    "Krakow": (50.0647, 19.9450),
    "Reykjavik": (64.1466, -21.9426),
    "Seville": (37.3891, -5.9845),
}
HOME = ("Brussels", (50.8503, 4.3517))
PHOTO_SIZE = (160, 120)  # small 4:3 "photos": the encoder sees a centre crop anyway


@dataclass
class Event:
    id: str
    scene_class: str
    city: str
    lat: float
    lon: float
    start: datetime
    days: int  # calendar days the event spans (1 = a single day)
    hours: float  # active hours per day
    no_gps_share: float = 0.0  # share of EXIF shots from a camera without GPS
    skip_day: int | None = None  # a day of a trip without any photo
    confounders: list[str] = field(default_factory=list)

    def windows(self) -> list[tuple[datetime, datetime]]:
        """The stretches of time in which photos are taken (daytime of each day, minus a skipped day)."""
        spans = []
        for day in range(self.days):
            if day == self.skip_day:
                continue
            begin = self.start + timedelta(days=day)
            spans.append((begin, begin + timedelta(hours=self.hours)))
        return spans

    @property
    def end(self) -> datetime:
        return self.windows()[-1][1]


def _scene_pool(rng: np.random.Generator) -> dict[str, list[Path]]:
    if not SCENES.is_dir():
        raise SystemExit(f"needs the scene photos at {SCENES} (../shared/data beside the repository)")
    pool = {}
    for folder in sorted(p for p in SCENES.iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.jpg"))
        rng.shuffle(files)
        pool[folder.name] = files
    return pool


def plan_events(rng: np.random.Generator, n_events: int, classes: list[str]) -> list[Event]:
    """A year-long timeline of events with the confounders listed in the module docstring."""
    cities = list(CITIES)
    events: list[Event] = []
    clock = datetime(2023, 3, 4, 0, 0)
    for index in range(n_events):
        kind = rng.choice(["hours", "day", "trip"], p=[0.35, 0.3, 0.35])
        days = 1 if kind != "trip" else int(rng.integers(2, 5))
        hours = float(rng.uniform(2, 6)) if kind == "hours" else float(rng.uniform(8, 12))
        start_hour = float(rng.uniform(7.5, 10.5)) if kind != "hours" else float(rng.uniform(8, 16))
        start = clock + timedelta(hours=start_hour)
        city = str(rng.choice(cities))
        lat, lon = CITIES[city]
        event = Event(f"e{index:02d}", str(rng.choice(classes)), city, lat, lon, start, days, hours)
        events.append(event)
        # 2 to 25 quiet days before the next event (a second day-trip in a row would be ambiguous).
        clock = datetime(event.end.year, event.end.month, event.end.day) + timedelta(days=int(rng.integers(3, 26)))

    # Confounder: the same class in the same city months later (two such repeats).
    late = [e for e in events if (e.start - events[0].start).days > 120]
    for repeat, (early, again) in enumerate(zip(events[:2], late[-2:], strict=False)):
        if (again.start - early.start).days >= 60 and again is not early:
            again.scene_class, again.city, again.lat, again.lon = early.scene_class, early.city, early.lat, early.lon
            again.confounders.append(f"same class and city as {early.id}")
            early.confounders.append(f"same class and city as {again.id} (repeat {repeat})")

    # Confounder: two events on one day in cities far apart (a morning in one, an evening in another).
    pick = int(rng.integers(3, max(4, n_events - 3)))
    first = events[pick]
    first.days, first.skip_day, first.hours = 1, None, 3.0
    first.start = datetime(first.start.year, first.start.month, first.start.day, 8, 30)
    far = [c for c in cities if _km(CITIES[c], (first.lat, first.lon)) > 400 and c != first.city]
    city = str(rng.choice(far))
    twin = Event(
        f"e{n_events:02d}",
        str(rng.choice([c for c in classes if c != first.scene_class])),
        city,
        *CITIES[city],
        start=first.start + timedelta(hours=7),
        days=1,
        hours=3.5,
    )
    twin.confounders.append(f"same day as {first.id}, {int(_km((twin.lat, twin.lon), (first.lat, first.lon)))} km away")
    first.confounders.append(f"same day as {twin.id}")
    events.insert(pick + 1, twin)

    # Confounder: a camera without GPS: part of two events, all of a third.
    others = [e for e in events if not e.confounders]
    chosen = rng.choice(len(others), size=min(3, len(others)), replace=False)
    for slot, at in enumerate(chosen):
        others[at].no_gps_share = 1.0 if slot == 0 else 0.5
        others[at].confounders.append("camera without GPS" + (" (all shots)" if slot == 0 else " (half the shots)"))

    # Confounder: a four-day trip with no photo on its second day.
    trips = [e for e in events if e.days >= 3 and e.skip_day is None]
    if trips:
        trip = trips[int(rng.integers(len(trips)))]
        trip.days, trip.skip_day = 4, 1
        trip.confounders.append("no photo on day 2")
    return events


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --- pixels ---------------------------------------------------------------------------------------------


def shoot(source: Image.Image, rng: np.random.Generator) -> Image.Image:
    """One more shot of the same scene: a slightly different crop and tilt, light and colour jitter."""
    width, height = source.size
    scale = rng.uniform(0.82, 0.95)
    crop_w, crop_h = width * scale, width * scale * 0.75
    left = rng.uniform(0, width - crop_w)
    top = rng.uniform(0, height - crop_h)
    image = source.rotate(float(rng.uniform(-4, 4)), resample=Image.Resampling.BILINEAR, expand=False)
    image = image.crop((left, top, left + crop_w, top + crop_h)).resize(PHOTO_SIZE, Image.Resampling.BILINEAR)
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.9, 1.1))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.9, 1.1))
    return ImageEnhance.Color(image).enhance(rng.uniform(0.9, 1.1))


def friend_shot(source: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Another person's photo of the scene: own framing and zoom, maybe mirrored, own colours, softer, smaller."""
    width, height = source.size
    scale = rng.uniform(0.55, 0.8)
    crop_w, crop_h = width * scale, width * scale * 0.75
    left = rng.uniform(0, width - crop_w)
    top = rng.uniform(0, height - crop_h)
    image = source.rotate(float(rng.uniform(-6, 6)), resample=Image.Resampling.BILINEAR, expand=False)
    image = image.crop((left, top, left + crop_w, top + crop_h))
    if rng.random() < 0.4:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    gains = rng.uniform(0.85, 1.15, 3)
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32) * gains
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.85, 1.15))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.6, 1.4))))
    small = (int(PHOTO_SIZE[0] * rng.uniform(0.5, 0.7)), int(PHOTO_SIZE[1] * rng.uniform(0.5, 0.7)))
    return image.resize(small, Image.Resampling.BILINEAR)


def exif_block(taken: datetime | None, gps: tuple[float, float] | None, camera: tuple[str, str]) -> bytes:
    """EXIF with DateTimeOriginal (and DateTime, equal), Make/Model and optionally GPS, as Pillow writes it."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = camera
    if taken is not None:
        stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = stamp
        sub = exif.get_ifd(0x8769)
        sub[0x9003] = stamp
        sub[0x9004] = stamp
    if gps is not None:
        block = exif.get_ifd(0x8825)
        block[1] = "N" if gps[0] >= 0 else "S"
        block[2] = _dms(abs(gps[0]))
        block[3] = "E" if gps[1] >= 0 else "W"
        block[4] = _dms(abs(gps[1]))
    return exif.tobytes()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 3)
    return (float(degrees), float(minutes), seconds)


# --- the library ----------------------------------------------------------------------------------------


@dataclass
class Shot:
    path: str
    event: str
    kind: str  # exif | exif-nogps | stripped | friend | unrelated
    source: str
    taken: str | None
    lat: float | None
    lon: float | None
    name_date: str | None


def make_event_library(
    root: Path,
    *,
    seed: int = 0,
    n_events: int = 24,
    friend: bool = False,
    stripped_share: float = 0.2,
    n_unrelated: int = 12,
) -> dict:
    """Write a library under ``root`` (emptied first) and return its ground truth (also in root/truth.json)."""
    rng = np.random.default_rng(seed)
    pool = _scene_pool(rng)
    events = plan_events(rng, n_events, sorted(pool))
    if root.exists():
        shutil.rmtree(root)
    for folder in ("DCIM", "WhatsApp Images", "Downloads", "Shared"):
        (root / folder).mkdir(parents=True)

    shots: list[Shot] = []
    counters = {"wa": 0, "dsc": 0, "shared": 0}
    used_names: set[str] = set()
    for event in events:
        shots.extend(_event_shots(root, event, pool, rng, friend, stripped_share, counters, used_names))
    shots.extend(_unrelated(root, events, rng, n_unrelated, counters))

    truth = {
        "seed": seed,
        "friend": friend,
        "labels": {s.path: s.event for s in shots},
        "photos": {s.path: {k: v for k, v in asdict(s).items() if k != "path"} for s in shots},
        "events": {
            e.id: {
                "class": e.scene_class,
                "city": e.city,
                "lat": e.lat,
                "lon": e.lon,
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "days": e.days,
                "confounders": e.confounders,
            }
            for e in events
        },
    }
    (root / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False))
    return truth


def _event_shots(
    root: Path,
    event: Event,
    pool: dict[str, list[Path]],
    rng: np.random.Generator,
    friend: bool,
    stripped_share: float,
    counters: dict[str, int],
    used_names: set[str],
) -> list[Shot]:
    n_scenes = int(rng.integers(3, 7))
    sources = [pool[event.scene_class].pop() for _ in range(n_scenes)]
    windows = event.windows()
    plan = []  # (source, time, lat, lon) for every shot
    for source in sources:
        begin, end = windows[int(rng.integers(len(windows)))]
        when = begin + (end - begin) * float(rng.uniform(0, 0.95))
        # Scenes lie within a few km of the centre; shots of one scene a few metres and minutes apart.
        bearing, reach = rng.uniform(0, 2 * math.pi), rng.uniform(0, 4.0)
        lat = event.lat + reach * math.cos(bearing) / 111.0
        lon = event.lon + reach * math.sin(bearing) / (111.0 * math.cos(math.radians(event.lat)))
        for _ in range(int(rng.integers(2, 6))):
            when += timedelta(seconds=float(rng.uniform(10, 240)))
            plan.append((source, when, lat + rng.normal(0, 1e-4), lon + rng.normal(0, 1e-4)))

    n_stripped = max(1, round(stripped_share * len(plan)))
    stripped = set(rng.choice(len(plan), size=n_stripped, replace=False).tolist())
    camera_no_gps = rng.random(len(plan)) < event.no_gps_share
    out = []
    for index, (source, when, lat, lon) in enumerate(plan):
        image = Image.open(source).convert("RGB")
        if index in stripped and friend:
            out.append(_friend_photo(root, event, source, image, rng, counters))
            continue
        picture = shoot(image, rng)
        if index in stripped:
            # Sent through a messenger: no EXIF at all, named after the day it arrived (mostly the next day).
            sent = when + timedelta(days=int(rng.random() < 0.8))
            counters["wa"] += 1
            name = f"WhatsApp Images/IMG-{sent:%Y%m%d}-WA{counters['wa']:04d}.jpg"
            picture.save(root / name, "JPEG", quality=80)
            out.append(_shot(name, event.id, "stripped", source, None, None, None, f"{sent:%Y-%m-%d}"))
        elif camera_no_gps[index]:
            counters["dsc"] += 1
            name = f"DCIM/DSCF{counters['dsc']:04d}.JPG"
            exif = exif_block(when, None, ("FUJIFILM", "X-T30"))
            picture.save(root / name, "JPEG", quality=90, exif=exif)
            out.append(_shot(name, event.id, "exif-nogps", source, when, None, None, None))
        else:
            name = _unique(f"DCIM/IMG_{when:%Y%m%d_%H%M%S}", used_names)
            picture.save(root / name, "JPEG", quality=90, exif=exif_block(when, (lat, lon), ("Google", "Pixel 7")))
            out.append(_shot(name, event.id, "exif", source, when, lat, lon, f"{when:%Y-%m-%d}"))
    return out


def _friend_photo(
    root: Path, event: Event, source: Path, image: Image.Image, rng: np.random.Generator, counters: dict[str, int]
) -> Shot:
    picture = friend_shot(image, rng)
    if rng.random() < 0.6:
        sent = event.end + timedelta(days=float(rng.uniform(2, 21)))
        counters["wa"] += 1
        name = f"WhatsApp Images/IMG-{sent:%Y%m%d}-WA{counters['wa']:04d}.jpg"
        hint = f"{sent:%Y-%m-%d}"
    else:  # a channel that keeps no date in the name
        counters["shared"] += 1
        name = f"Shared/shared_image_{counters['shared']:05d}.jpg"
        hint = None
    picture.save(root / name, "JPEG", quality=int(rng.integers(40, 61)))
    return _shot(name, event.id, "friend", source, None, None, None, hint)


def _unrelated(
    root: Path, events: list[Event], rng: np.random.Generator, count: int, counters: dict[str, int]
) -> list[Shot]:
    """Object photos that belong to no event: a third with EXIF at home on quiet days, a third named by a
    messenger with a random date, a third with no clue."""
    files = sorted(p for p in OBJECTS.rglob("*.jpg")) if OBJECTS.is_dir() else []
    if not files:
        raise SystemExit(f"needs the object photos at {OBJECTS}")
    picks = rng.choice(len(files), size=count, replace=False)
    first, last = events[0].start, max(e.end for e in events)
    # EXIF'd ones fall on quiet days: 3 days from any event and from each other (each is a one-off).
    busy = [(e.start - timedelta(days=3), e.end + timedelta(days=3)) for e in events]
    out = []
    for slot, at in enumerate(picks):
        source = files[int(at)]
        image = Image.open(source).convert("RGB")
        image = image.resize((150, 200), Image.Resampling.BILINEAR)
        while True:
            when = first + (last - first) * float(rng.uniform(0, 1))
            when = when.replace(hour=int(rng.integers(9, 21)))
            if slot % 3 != 0 or not any(a <= when <= b for a, b in busy):
                break
        if slot % 3 == 0:
            busy.append((when - timedelta(days=3), when + timedelta(days=3)))
        if slot % 3 == 0:
            name = f"DCIM/IMG_{when:%Y%m%d_%H%M%S}.jpg"
            home = (HOME[1][0] + rng.normal(0, 1e-3), HOME[1][1] + rng.normal(0, 1e-3))
            image.save(root / name, "JPEG", quality=90, exif=exif_block(when, home, ("Google", "Pixel 7")))
            out.append(_shot(name, UNRELATED, "unrelated", source, when, *home, f"{when:%Y-%m-%d}"))
        elif slot % 3 == 1:
            counters["wa"] += 1
            name = f"WhatsApp Images/IMG-{when:%Y%m%d}-WA{counters['wa']:04d}.jpg"
            image.save(root / name, "JPEG", quality=80)
            out.append(_shot(name, UNRELATED, "unrelated", source, None, None, None, f"{when:%Y-%m-%d}"))
        else:
            name = f"Downloads/{source.stem}.jpg"
            image.save(root / name, "JPEG", quality=85)
            out.append(_shot(name, UNRELATED, "unrelated", source, None, None, None, None))
    return out


def _shot(path, event, kind, source, taken, lat, lon, name_date) -> Shot:
    rel = Path(source)
    return Shot(
        path=path,
        event=event,
        kind=kind,
        source=f"{rel.parent.name}/{rel.name}",
        taken=taken.isoformat() if taken else None,
        lat=None if lat is None else float(lat),
        lon=None if lon is None else float(lon),
        name_date=name_date,
    )


def _unique(stem: str, used: set[str]) -> str:
    """IMG_<time>.jpg, with a burst suffix when two shots share a second (as phones do)."""
    name, suffix = f"{stem}.jpg", 1
    while name in used:
        name, suffix = f"{stem}_{suffix}.jpg", suffix + 1
    used.add(name)
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--events", type=int, default=24)
    parser.add_argument("--friend", action="store_true")
    args = parser.parse_args(argv)
    truth = make_event_library(args.out, seed=args.seed, n_events=args.events, friend=args.friend)
    kinds: dict[str, int] = {}
    for photo in truth["photos"].values():
        kinds[photo["kind"]] = kinds.get(photo["kind"], 0) + 1
    print(f"{len(truth['labels'])} photos in {len(truth['events'])} events under {args.out}: {kinds}")
    for event_id, event in truth["events"].items():
        if event["confounders"]:
            print(
                f"  {event_id} {event['class']:9s} {event['city']:10s} {event['start'][:10]}: "
                + "; ".join(event["confounders"])
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
