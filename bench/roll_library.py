"""Write a planned camera roll (bench/roll_plan.py) to disk: pixels, names and EXIF as phones write them.

    python bench/roll_library.py OUT [--seed 0] [--months 18] [--side 320]

Photos are drawn from ../shared/data/photos-corpus: every scene of an event from that event's group (a
party from one people-activity folder, a trip city from one monument folder), everyday photos from
home-ish groups (a pet, meals, the sky). Phone photos carry DateTimeOriginal, OffsetTimeOriginal, GPS
(unless the fix was lost) and Make/Model; the camera without GPS writes no offset and its clock stays on
home time; screenshots are PNG at real screen sizes with no EXIF; downloads and memes have no EXIF;
a friend's copies are re-framed, re-coloured, recompressed and named by the messenger that brought them.

Writes OUT/roll/... and OUT/truth.json: {"photos": {relative path: truth}, "events": ..., "homes": ...}.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter
from roll_places import gazetteer
from roll_plan import Person, Shot, offset, plan_person, truth_of

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """../shared/data beside the repository; from a git worktree elsewhere, beside its main checkout."""
    here = REPO.parent / "shared" / "data"
    if here.is_dir():
        return here
    common = REPO / ".git"
    if common.is_file():  # a worktree: ".git" names the main repository's git folder
        text = common.read_text().strip().removeprefix("gitdir:").strip()
        main = Path(text).resolve().parents[2]
        if (main.parent / "shared" / "data").is_dir():
            return main.parent / "shared" / "data"
    return here


CORPUS = shared_data() / "photos-corpus"
PHONES = {"android": [("Google", "Pixel 7"), ("samsung", "SM-S911B")], "iphone": [("Apple", "iPhone 13")]}
CAMERA = ("FUJIFILM", "X-T30")
SCREENS = {"android": [(1080, 2400), (1080, 2340), (1080, 1920), (720, 1600)],
           "iphone": [(1170, 2532), (1179, 2556), (750, 1334), (1284, 2778)]}
DESKTOP_SCREENS = [(1920, 1080), (2560, 1440), (1366, 768), (2880, 1800)]
DOWNLOAD_NAMES = ("download{n}.jpg", "images{n}.jpeg", "FB_IMG_{ms}.jpg", "{hex}.jpg",
                  "meme_{hex8}.png", "{hex8}-{hex8}.webp", "image{n}.png")


class Sources:
    """Source photos per content group, drawn without repeats where the folder allows."""

    def __init__(self, rng: np.random.Generator) -> None:
        if not CORPUS.is_dir():
            raise SystemExit(f"needs the photos at {CORPUS} (../shared/data beside the repository)")
        self.rng = rng
        self.files: dict[str, list[Path]] = {}
        self.fixed: dict[tuple[str, str], str] = {}
        self.scene: dict[int, Path] = {}

    def folder(self, pattern: str, key: str) -> str:
        """A pattern such as "indian_monuments/*" becomes one concrete folder per key (an event)."""
        if not pattern.endswith("/*"):
            return pattern
        if (pattern, key) not in self.fixed:
            options = sorted(p.name for p in (CORPUS / pattern[:-2]).iterdir() if p.is_dir())
            self.fixed[(pattern, key)] = f"{pattern[:-2]}/{self.rng.choice(options)}"
        return self.fixed[(pattern, key)]

    def pick(self, folder: str) -> Path:
        if folder not in self.files:
            files = sorted((CORPUS / folder).glob("*.jpg"))
            self.rng.shuffle(files)
            self.files[folder] = files
        files = self.files[folder]
        return files[int(self.rng.integers(len(files)))]

    def for_scene(self, shot: Shot) -> Path:
        if shot.scene not in self.scene:
            key = shot.event or f"day-{shot.local:%Y%m%d}-{shot.scene}"
            self.scene[shot.scene] = self.pick(self.folder(shot.group, key))
        return self.scene[shot.scene]


# --- pixels -------------------------------------------------------------------------------------------


def reframe(source: Image.Image, rng: np.random.Generator, side: int, portrait: bool) -> Image.Image:
    width, height = source.size
    aspect = 3 / 4 if portrait else 4 / 3
    scale = rng.uniform(0.8, 0.96)
    crop_w = min(width * scale, height * scale * aspect)
    crop_h = crop_w / aspect
    left, top = rng.uniform(0, width - crop_w), rng.uniform(0, height - crop_h)
    image = source.rotate(float(rng.uniform(-3, 3)), resample=Image.Resampling.BILINEAR)
    size = (round(side * aspect), side) if portrait else (side, round(side / aspect))
    image = image.crop((left, top, left + crop_w, top + crop_h)).resize(size, Image.Resampling.BILINEAR)
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.9, 1.1))
    return ImageEnhance.Color(image).enhance(rng.uniform(0.9, 1.1))


def friend_copy(source: Image.Image, rng: np.random.Generator, side: int) -> Image.Image:
    """Another person's shot of the scene: own framing, maybe mirrored, own colours, softer, smaller."""
    width, height = source.size
    scale = rng.uniform(0.55, 0.85)
    crop_w, crop_h = width * scale, height * scale
    left, top = rng.uniform(0, width - crop_w), rng.uniform(0, height - crop_h)
    image = source.crop((left, top, left + crop_w, top + crop_h))
    if rng.random() < 0.4:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    pixels = np.asarray(image.convert("RGB"), np.float32) * rng.uniform(0.85, 1.15, 3)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.4, 1.2))))
    long_side = int(side * rng.uniform(0.6, 1.0))
    factor = long_side / max(image.size)
    return image.resize((max(8, round(image.width * factor)), max(8, round(image.height * factor))))


def screenshot(rng: np.random.Generator, size: tuple[int, int], photo: Image.Image | None) -> Image.Image:
    """A flat UI: status bar, header, rows of "text", sometimes a photo in a chat or a feed."""
    width, height = size
    dark = rng.random() < 0.3
    image = Image.new("RGB", size, (18, 18, 18) if dark else (250, 250, 250))
    draw = ImageDraw.Draw(image)
    accent = tuple(int(c) for c in rng.integers(30, 220, 3))
    bar = height // 28 if height > width else height // 20
    draw.rectangle((0, 0, width, bar), fill=(0, 0, 0) if dark else (235, 235, 235))
    draw.rectangle((0, bar, width, bar * 3), fill=accent)
    y = bar * 4
    ink = (200, 200, 200) if dark else (60, 60, 60)
    while y < height - bar * 2:
        if photo is not None and rng.random() < 0.15:
            box_w = int(width * rng.uniform(0.5, 0.9))
            box_h = int(box_w * photo.height / photo.width)
            image.paste(photo.resize((box_w, box_h)), (int(width * 0.05), y))
            y += box_h + bar
            photo = None
            continue
        line = int(width * rng.uniform(0.3, 0.9))
        draw.rectangle((int(width * 0.05), y, line, y + bar // 3), fill=ink)
        y += int(bar * rng.uniform(0.7, 1.6))
    return image


def meme(rng: np.random.Generator, photo: Image.Image) -> Image.Image:
    side = int(rng.integers(400, 721))
    body = photo.resize((side, int(side * photo.height / photo.width)))
    band = side // 5
    image = Image.new("RGB", (side, body.height + band), (255, 255, 255))
    image.paste(body, (0, band))
    draw = ImageDraw.Draw(image)
    for row in range(2):
        y = band // 4 + row * band // 3
        draw.rectangle((side // 10, y, int(side * rng.uniform(0.5, 0.9)), y + band // 6), fill=(0, 0, 0))
    return image


# --- EXIF ---------------------------------------------------------------------------------------------


def exif_block(local: datetime, zone_offset: timedelta | None, gps: tuple[float, float] | None,
               camera: tuple[str, str]) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = camera
    stamp = local.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp
    sub[0x9004] = stamp
    sub[0x9291] = f"{local.microsecond // 1000:03d}"
    if zone_offset is not None:
        minutes = int(zone_offset.total_seconds() // 60)
        text = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        sub[0x9010] = text  # OffsetTime
        sub[0x9011] = text  # OffsetTimeOriginal
    if gps is not None:
        block = exif.get_ifd(0x8825)
        block[1], block[2] = ("N" if gps[0] >= 0 else "S"), _dms(abs(gps[0]))
        block[3], block[4] = ("E" if gps[1] >= 0 else "W"), _dms(abs(gps[1]))
    return exif.tobytes()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4))


# --- names --------------------------------------------------------------------------------------------


class Namer:
    def __init__(self, person: Person, rng: np.random.Generator) -> None:
        self.rng = rng
        self.os = person.os
        self.phone = PHONES[person.os][int(rng.integers(len(PHONES[person.os])))]
        self.counter = int(rng.integers(100, 5000))
        self.camera_counter = int(rng.integers(1, 3000))
        self.wa = 0
        self.used: set[str] = set()

    def unique(self, name: str) -> str:
        stem, _dot, ext = name.rpartition(".")
        candidate, n = name, 1
        while candidate.casefold() in self.used:
            candidate, n = f"{stem}_{n}.{ext}", n + 1
        self.used.add(candidate.casefold())
        return candidate

    def phone_photo(self, shot: Shot, utc: datetime) -> str:
        if self.phone[0] == "Google":  # Pixel names are in UTC
            return self.unique(f"DCIM/Camera/PXL_{utc:%Y%m%d_%H%M%S}{utc.microsecond // 1000:03d}.jpg")
        if self.phone[0] == "samsung":
            return self.unique(f"DCIM/Camera/{shot.local:%Y%m%d_%H%M%S}.jpg")
        self.counter += 1
        return self.unique(f"DCIM/100APPLE/IMG_{self.counter % 10000:04d}.JPG")

    def camera_photo(self) -> str:
        self.camera_counter += 1
        return self.unique(f"DCIM/100_FUJI/DSCF{self.camera_counter % 10000:04d}.JPG")

    def screenshot(self, shot: Shot, desktop: bool) -> str:
        t = shot.local
        if desktop:
            if self.rng.random() < 0.5:
                return self.unique(f"Desktop/Screenshot {t:%Y-%m-%d} at {t:%H.%M.%S}.png")
            return self.unique(f"Pictures/Screenshots/Screenshot {t:%Y-%m-%d} {t:%H%M%S}.png")
        if self.os == "iphone":
            self.counter += 1
            return self.unique(f"DCIM/100APPLE/IMG_{self.counter % 10000:04d}.PNG")
        app = str(self.rng.choice(["", "_Chrome", "_WhatsApp", "_Maps", "_Instagram"]))
        return self.unique(f"Pictures/Screenshots/Screenshot_{t:%Y%m%d-%H%M%S}{app}.png")

    def download(self, shot: Shot) -> str:
        pattern = str(self.rng.choice(DOWNLOAD_NAMES))
        n = int(self.rng.integers(0, 30))
        name = pattern.format(n=f" ({n})" if n else "", ms=int(shot.local.replace(tzinfo=UTC).timestamp() * 1000),
                              big=int(self.rng.integers(10**15, 10**16)), hex=f"{self.rng.integers(1 << 62):016x}" * 2,
                              hex8=f"{self.rng.integers(1 << 31):08x}")
        return self.unique(f"Download/{name}")

    def friend(self, shot: Shot) -> str:
        t = shot.sent or shot.local
        style = self.rng.random()
        if style < 0.45:
            self.wa += 1
            return self.unique(f"WhatsApp/Media/WhatsApp Images/IMG-{t:%Y%m%d}-WA{self.wa:04d}.jpg")
        if style < 0.65:
            return self.unique(f"WhatsApp Images/WhatsApp Image {t:%Y-%m-%d} at {t:%H.%M.%S}.jpeg")
        if style < 0.85:
            return self.unique(f"Telegram/photo_{t:%Y-%m-%d_%H-%M-%S}.jpg")
        return self.unique(f"Signal/signal-{t:%Y-%m-%d-%H%M%S}.jpg")


# --- the roll -----------------------------------------------------------------------------------------


def write_roll(out: Path, seed: int, *, months: int = 18, side: int = 320, variant: str | None = None) -> dict:
    """Plan a person, write their roll under out/roll, return the truth (also out/truth.json)."""
    person = plan_person(gazetteer(), seed, months=months, variant=variant)
    rng = np.random.default_rng(seed + 10_000)
    root = out / "roll"
    if out.exists():
        shutil.rmtree(out)
    root.mkdir(parents=True)
    sources, namer = Sources(rng), Namer(person, rng)
    home_zone = {}
    photos = {}
    opened: dict[Path, Image.Image] = {}
    last_frame: dict[int, Image.Image] = {}
    for shot in person.shots:
        image, name, exif, fmt = _render(shot, person, rng, sources, namer, opened, last_frame, side, home_zone)
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        params = {"exif": exif} if exif else {}
        if fmt == "JPEG":
            image.save(target, "JPEG", quality=int(rng.integers(40, 61)) if shot.kind == "friend" else 88, **params)
        else:
            image.save(target, fmt)
        photos[name] = _truth(shot, person)
    truth = truth_of(person)
    truth["photos"] = photos
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False, default=str))
    return truth


def _render(shot: Shot, person: Person, rng: np.random.Generator, sources: Sources, namer: Namer,
            opened: dict, last_frame: dict, side: int, home_zone: dict):
    def load(path: Path) -> Image.Image:
        if path not in opened:
            opened[path] = Image.open(path).convert("RGB")
        return opened[path]

    if shot.kind == "screenshot":
        desktop = rng.random() < 0.2
        size = DESKTOP_SCREENS[int(rng.integers(len(DESKTOP_SCREENS)))] if desktop else \
            SCREENS[person.os][int(rng.integers(len(SCREENS[person.os])))]
        photo = load(sources.pick("imagenet_samples/one_per_class")) if rng.random() < 0.4 else None
        return screenshot(rng, size, photo), namer.screenshot(shot, desktop), None, "PNG"
    if shot.kind == "download":
        photo = load(sources.pick("imagenet_samples/one_per_class"))
        name = namer.download(shot)
        image = meme(rng, photo) if rng.random() < 0.5 else photo.resize(
            (int(photo.width * 2.5), int(photo.height * 2.5)))
        fmt = {"png": "PNG", "webp": "WEBP"}.get(name.rsplit(".", 1)[-1].lower(), "JPEG")
        return image, name, None, fmt
    source = load(sources.for_scene(shot))
    if shot.kind == "friend":
        return friend_copy(source, rng, side), namer.friend(shot), None, "JPEG"
    if shot.burst and shot.burst in last_frame:
        image = last_frame[shot.burst].rotate(float(rng.uniform(-0.7, 0.7)), resample=Image.Resampling.BILINEAR)
    else:
        image = reframe(source, rng, side, portrait=rng.random() < 0.3)
        if shot.burst:
            last_frame[shot.burst] = image
    instant = shot.local - offset(shot.zone, shot.local)  # naive UTC
    if shot.device == "camera":  # no GPS, no offset, the clock still on home time
        home = person.home_on(shot.local.date())
        from roll_places import time_zone

        zone = home_zone.setdefault(home.name, time_zone(home))
        wall = instant + offset(zone, instant)
        return image, namer.camera_photo(), exif_block(wall, None, None, CAMERA), "JPEG"
    gps = (shot.lat, shot.lon) if shot.lat is not None else None
    exif = exif_block(shot.local, offset(shot.zone, shot.local), gps, namer.phone)
    return image, namer.phone_photo(shot, instant), exif, "JPEG"


def _truth(shot: Shot, person: Person) -> dict:
    event = next((e for e in person.events if e.id == shot.event), None)
    home = person.home_on(shot.local.date())
    return {
        "kind": shot.kind, "event": shot.event, "device": shot.device, "burst": shot.burst,
        "local": shot.local.isoformat(), "zone": shot.zone, "lat": shot.lat, "lon": shot.lon,
        "sent": shot.sent.isoformat() if shot.sent else None,
        "city": (event.cities if event else [home.name]), "country": event.country if event else home.country,
        "home": home.name,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--side", type=int, default=320)
    args = parser.parse_args(argv)
    begin = datetime.now()
    truth = write_roll(args.out, args.seed, months=args.months, side=args.side)
    kinds: dict[str, int] = {}
    for photo in truth["photos"].values():
        kinds[photo["kind"]] = kinds.get(photo["kind"], 0) + 1
    homes = " → ".join(h["city"] for h in truth["homes"])
    print(f"{len(truth['photos'])} files, {len(truth['events'])} events, homes {homes}: {kinds} "
          f"({(datetime.now() - begin).total_seconds():.0f} s)")
    for event_id, event in truth["events"].items():
        print(f"  {event_id} {event['kind']:9s} {' & '.join(event['cities'])} ({event['country']}) "
              f"{event['start'][:10]} – {event['end'][:10]}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
