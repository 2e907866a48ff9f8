"""A small library built straight into a catalog (codes, EXIF times, albums): a burst of four look-alike
shots one second apart among photos that are not bursts. No scan, no encoder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.catalog.codes import register_model, set_active_model
from album_app.catalog.photos import IndexedFile, write_files
from album_app.ingest.meta import PhotoMeta
from album_app.library import resolve_library

MODEL = "test-model"
START = datetime(2024, 4, 12, 10)
BURST = 4


@dataclass
class BurstLibrary:
    root: Path
    burst: list[int]  # photo ids of the burst, in time order
    album: int  # the album holding the burst (and the photos around it)
    other: int  # a second album
    paths: dict[int, str]


def build(root: Path, *, n_other: int = 30, seed: int = 0) -> BurstLibrary:
    """A burst of BURST shots (look-alike codes, 1 s apart), a different photo 2 s after it (the camera
    swung away), and ``n_other`` unrelated photos 5 minutes apart (so the threshold is calibrated)."""
    rng = np.random.default_rng(seed)
    look = rng.normal(size=128)
    shots: list[tuple[str, datetime, np.ndarray]] = []
    for i in range(BURST):
        shots.append((f"burst_{i}.jpg", START + timedelta(seconds=i), look + 0.05 * rng.normal(size=128)))
    shots.append(("swung_away.jpg", START + timedelta(seconds=BURST + 1), rng.normal(size=128)))
    for i in range(n_other):
        shots.append((f"other_{i:02d}.jpg", START + timedelta(minutes=5 * (i + 1)), rng.normal(size=128)))
    files = [
        IndexedFile(
            path=f"/nowhere/{name}",
            size=1000,
            mtime_ns=k,
            content_hash=f"{k + 1:040x}",
            format="JPEG",
            meta=PhotoMeta(taken_at=taken),
            width=400,
            height=300,
            code=code.astype(np.float32),
        )
        for k, (name, taken, code) in enumerate(shots)
    ]
    paths = resolve_library(root)
    with Catalog(paths, writer=True) as catalog:
        register_model(catalog, MODEL, "/nowhere/model.onnx", "bundled")
        set_active_model(catalog, MODEL)
        write_files(catalog, files, MODEL)
        by_path = rows.photo_paths(catalog)
        ids = {path: photo for photo, path in by_path.items()}
        burst = [ids[f"/nowhere/burst_{i}.jpg"] for i in range(BURST)]
        with catalog.transaction() as conn:
            album = rows.insert_album(conn, auto_name="Lisbon")
            other = rows.insert_album(conn, auto_name="Paris")
            for k, (name, _, _) in enumerate(shots):
                rows.place(conn, ids[f"/nowhere/{name}"], album if k < BURST + 1 + n_other // 2 else other)
    return BurstLibrary(root, burst, album, other, by_path)
