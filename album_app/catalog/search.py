"""What browsing and search read about every photo, as numpy columns in one query (light for 100k photos).

The places map, the timeline and search filter these arrays in memory (milliseconds a keystroke),
so the only SQL they need is this read, done in a worker thread on a reader Catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from album_app.catalog.store import Catalog
from album_app.ingest.meta import PhotoMeta

NO_DAY = np.iinfo(np.int64).min  # a day number for "no date" (numpy's NaT as int64)


@dataclass
class PhotoTable:
    """Indexed photos in the window's time order (as views.photo_summaries: undated last, then by path)."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    paths: list[str] = field(default_factory=list)
    formats: list[str | None] = field(default_factory=list)
    #: The photo's day as days since 1970-01-01 (NO_DAY: none): the camera's local date, else the file
    #: name's date. Never the file's mtime.
    days: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    exif_time: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # a trusted camera time
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))  # NaN: no place
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    camera: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # index into cameras, -1 none
    cameras: list[str] = field(default_factory=list)
    width: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # 0: unknown
    height: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    def __len__(self) -> int:
        return len(self.ids)


def photo_table(catalog: Catalog) -> PhotoTable:
    rows = catalog.conn.execute(
        "SELECT p.id, p.path, p.format, substr(coalesce(m.taken_at, m.time_hint), 1, 10), m.time_source IS NOT NULL,"
        " m.lat, m.lon, m.make, m.model, coalesce(m.width, 0), coalesce(m.height, 0)"
        " FROM photos p LEFT JOIN photo_meta m ON m.photo_id = p.id WHERE p.status = 'indexed'"
        " ORDER BY coalesce(m.taken_ts, m.time_hint_ts) IS NULL, coalesce(m.taken_ts, m.time_hint_ts), p.path"
    ).fetchall()
    if not rows:
        return PhotoTable()
    ids, paths, formats, days, exif, lat, lon, make, model, width, height = zip(*rows, strict=True)
    cameras: dict[tuple[str | None, str | None], int] = {}
    names: list[str] = []
    camera = np.full(len(rows), -1, np.int32)
    for i, key in enumerate(zip(make, model, strict=True)):
        index = cameras.get(key)
        if index is None:
            name = PhotoMeta(make=key[0], model=key[1]).camera
            index = cameras[key] = -1 if name is None else len(names)
            if name is not None:
                names.append(name)
        camera[i] = index
    return PhotoTable(
        ids=np.array(ids, np.int64),
        paths=list(paths),
        formats=list(formats),
        days=np.array(days, dtype="datetime64[D]").astype(np.int64),
        exif_time=np.array(exif, bool),
        lat=np.array(lat, np.float64),  # None becomes NaN
        lon=np.array(lon, np.float64),
        camera=camera,
        cameras=names,
        width=np.array(width, np.int32),
        height=np.array(height, np.int32),
    )
