"""A tiny phone roll for the CLI tests of albums shaped like a life: two months of everyday photos around a
home in Lyon, a three-day trip to Lisbon, a party at home, two screenshots and a download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

LYON = (45.7640, 4.8357)
LISBON = (38.7223, -9.1393)
PHONE = ("Google", "Pixel 7")
START = datetime(2024, 3, 1)
#: Everyday photo days (day numbers from 1 March): about every other day over two months, none on the trip.
EVERYDAY_DAYS = [d for d in range(0, 61, 2) if not 41 <= d <= 45]
TRIP_DAYS = (42, 43, 44)  # 12–14 April 2024, three photos a day
PARTY_DAY = 50  # 20 April, ten photos over 90 minutes near home


def write_roll(folder: Path, make_photo: Callable[..., Path]) -> dict[str, list[Path]]:
    """The roll's files by what they are (everyday, trip, party, screenshot, download)."""
    rng = np.random.default_rng(0)
    made: dict[str, list[Path]] = {"everyday": [], "trip": [], "party": [], "screenshot": [], "download": []}
    for seed, day in enumerate(EVERYDAY_DAYS):
        when = START + timedelta(days=day, hours=9 + int(rng.integers(0, 10)))
        spot = (LYON[0] + rng.uniform(-0.01, 0.01), LYON[1] + rng.uniform(-0.01, 0.01))
        made["everyday"].append(make_photo(folder / f"PXL_{when:%Y%m%d_%H%M%S}.jpg", seed=seed, taken=when, gps=spot,
                                           offset="+01:00" if when.month == 3 else "+02:00", camera=PHONE))
    for day in TRIP_DAYS:
        made["trip"] += trip_day(folder, make_photo, day)
    for shot in range(10):
        when = START + timedelta(days=PARTY_DAY, hours=19, minutes=10 * shot)
        made["party"].append(make_photo(folder / f"PXL_{when:%Y%m%d_%H%M%S}.jpg", seed=300 + shot, taken=when,
                                        gps=(LYON[0] + 0.002, LYON[1] - 0.003), offset="+02:00", camera=PHONE))
    for index, day in enumerate((3, 20)):
        path = folder / f"Screenshot_{START + timedelta(days=day):%Y%m%d}-10101{index}.png"
        Image.new("RGB", (1080, 2400), (30 * index, 80, 160)).save(path, "PNG")
        made["screenshot"].append(path)
    path = folder / "download (1).jpg"
    Image.new("RGB", (640, 640), (200, 40, 40)).save(path, "JPEG")
    made["download"].append(path)
    return made


def trip_day(folder: Path, make_photo: Callable[..., Path], day: int) -> list[Path]:
    """Three photos in Lisbon on one day of the trip (day number from 1 March)."""
    out = []
    for shot in range(3):
        when = START + timedelta(days=day, hours=10 + 3 * shot)
        spot = (LISBON[0] + 0.003 * shot, LISBON[1] - 0.002 * shot)
        out.append(make_photo(folder / f"PXL_{when:%Y%m%d_%H%M%S}.jpg", seed=200 + 3 * day + shot, taken=when,
                              gps=spot, offset="+01:00", camera=PHONE))
    return out
