"""Small synthetic lives as arrays, for the home / life / gatherings / roll tests (no files, no pixels)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

LYON = (45.7640, 4.8357)
PARIS = (48.8566, 2.3522)
LISBON = (38.7223, -9.1393)
PORTO = (41.1579, -8.6291)
ANNECY = (45.8992, 6.1294)  # ~110 km from Lyon
TOKYO = (35.6762, 139.6503)
BASE = datetime(2023, 1, 2, tzinfo=UTC).timestamp()  # a Monday


def local_ts(day: float, hour: float) -> float:
    """Wall-clock seconds (read as UTC) of ``hour`` on day number ``day`` after the base Monday."""
    return BASE + day * 86400.0 + hour * 3600.0


def near(rng: np.random.Generator, centre: tuple[float, float], km: float) -> tuple[float, float]:
    bearing, reach = rng.uniform(0, 2 * math.pi), km * math.sqrt(rng.uniform(0, 1))
    return (centre[0] + reach * math.cos(bearing) / 111.0,
            centre[1] + reach * math.sin(bearing) / (111.0 * math.cos(math.radians(centre[0]))))


@dataclass
class Life:
    seed: int = 0
    local: list[float] = field(default_factory=list)
    offset_h: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    device: list[int] = field(default_factory=list)
    truth: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def add(self, ts: float, where: tuple[float, float] | None, label: str, *, offset_h: float = 1.0,
            device: int = 0) -> None:
        self.local.append(ts)
        self.offset_h.append(offset_h)
        self.lat.append(where[0] if where else math.nan)
        self.lon.append(where[1] if where else math.nan)
        self.device.append(device)
        self.truth.append(label)

    def everyday(self, first: int, last: int, home: tuple[float, float], *, share: float = 0.6,
                 per_day: int = 3, skip: set[int] | None = None, spread_km: float = 4.0) -> None:
        for day in range(first, last + 1):
            if (skip and day in skip) or self.rng.random() >= share:
                continue
            for _ in range(int(self.rng.integers(1, 2 * per_day))):
                self.add(local_ts(day, float(self.rng.uniform(7, 23))), near(self.rng, home, spread_km), "everyday")

    def gathering(self, day: int, start_h: float, photos: int, where: tuple[float, float], label: str) -> None:
        t = local_ts(day, start_h)
        for _ in range(photos):
            t += float(self.rng.uniform(60, 600))
            self.add(t, near(self.rng, where, 0.05), label)

    def outing(self, day: int, where: tuple[float, float], photos: int, label: str) -> None:
        for hour in np.sort(self.rng.uniform(10, 17, photos)):
            self.add(local_ts(day, float(hour)), near(self.rng, where, 2.0), label)

    def trip(self, first: int, days: int, where: tuple[float, float], label: str, *, per_day: int = 12,
             empty: tuple[int, ...] = (), offset_h: float = 1.0, second: tuple[float, float] | None = None,
             camera_share: float = 0.0) -> None:
        for day in range(days):
            if day in empty:
                continue
            here = second if second is not None and day >= days // 2 else where
            for hour in np.sort(self.rng.uniform(9, 21, per_day)):
                camera = self.rng.random() < camera_share
                self.add(local_ts(first + day, float(hour)), None if camera else near(self.rng, here, 3.0), label,
                         offset_h=offset_h, device=1 if camera else 0)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(instant hours, local hours, lat, lon, device, truth), sorted by instant."""
        local = np.array(self.local) / 3600.0
        instant = local - np.array(self.offset_h)
        order = np.argsort(instant, kind="stable")
        return (instant[order], local[order], np.array(self.lat)[order], np.array(self.lon)[order],
                np.array(self.device)[order], np.array(self.truth)[order])


def groups_of(labels: np.ndarray, truth: np.ndarray, label: str) -> set[int]:
    """The groups that hold the photos of one true label."""
    return set(labels[truth == label].tolist())
