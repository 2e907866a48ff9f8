"""A small library with known facts for the browsing views, built straight into a catalog (no scan).

19 photos, real little image files (the viewer opens them):
- Lisbon, 12–14 Apr 2024, iPhone 12, GPS: 6 photos in an accepted album;
- Paris, 20–21 May 2024, Canon EOS 80D, GPS: 5 photos in a suggested album;
- Rome, 3 Jun 2023, SONY ILCE-7M3, GPS: 3 photos in an album the user made;
- 2 messenger copies with only a file-name date (13 Apr 2024), 1 screenshot (PNG, file-name date
  14 Apr 2024), 2 scans with no date at all: Unsorted.
Codes: each trip's photos lie near their own centre, so "more like this" has a right answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.catalog.codes import register_model, set_active_model, store_codes
from album_app.catalog.photos import IndexedFile, write_files
from album_app.gui.tasks import load_snapshot
from album_app.gui.workers import JobContext
from album_app.ingest.meta import PhotoMeta
from album_app.library import LibraryPaths, resolve_library
from album_app.progress import CancelToken

LISBON = (38.7223, -9.1393)
PARIS = (48.8566, 2.3522)
ROME = (41.8986, 12.4769)
MODEL = "browsetest000000"


@dataclass
class BrowseLibrary:
    paths: LibraryPaths
    files: dict[str, Path]  # file name -> path on disk
    ids: dict[str, int]  # file name -> photo id
    albums: dict[str, int]  # "lisbon" | "paris" | "rome" -> album id

    def context(self, catalog: Catalog) -> JobContext:
        return JobContext(catalog, CancelToken(), lambda progress: None)


def _image(path: Path, seed: int, size: tuple[int, int] = (320, 240)) -> Path:
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 215, 3)
    gradient = np.linspace(0, 40, size[0])[None, :, None]
    pixels = np.clip(base[None, None, :] + gradient + rng.normal(0, 12, (size[1], size[0], 3)), 0, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels.astype(np.uint8)).save(path)
    return path


def build_browse_library(root: Path) -> BrowseLibrary:
    paths = resolve_library(root / "library")
    photos_dir = root / "photos"
    entries: list[tuple[str, PhotoMeta, str, int]] = []  # name, meta, format, code group (-1: none)
    trips = (
        ("lisbon", LISBON, datetime(2024, 4, 12, 10), 6, ("Apple", "iPhone 12"), 8),
        ("paris", PARIS, datetime(2024, 5, 20, 9), 5, ("Canon", "Canon EOS 80D"), 5),
        ("rome", ROME, datetime(2023, 6, 3, 11), 3, ("SONY", "ILCE-7M3"), 2),
    )
    for group, (trip, (lat, lon), start, count, (make, model), hours) in enumerate(trips):
        for k in range(count):
            meta = PhotoMeta(
                taken_at=start + timedelta(hours=hours * k),
                time_source="DateTimeOriginal",
                lat=lat + 0.002 * k,
                lon=lon + 0.002 * k,
                make=make,
                model=model,
            )
            entries.append((f"{trip}_{k}.jpg", meta, "JPEG", group))
    for k in range(2):
        meta = PhotoMeta(time_hint=datetime(2024, 4, 13), time_hint_source="filename")
        entries.append((f"IMG-20240413-WA000{k}.jpg", meta, "JPEG", -1))
    meta = PhotoMeta(time_hint=datetime(2024, 4, 14, 10, 10, 10), time_hint_source="filename")
    entries.append(("Screenshot_20240414-101010.png", meta, "PNG", -1))
    for k in range(2):
        entries.append((f"scan{k}.jpg", PhotoMeta(), "JPEG", -1))

    rng = np.random.default_rng(7)
    centres = rng.normal(0, 1, (3, 32)).astype(np.float32)
    files: dict[str, Path] = {}
    indexed: list[IndexedFile] = []
    codes: dict[str, np.ndarray] = {}
    for seed, (name, meta, fmt, group) in enumerate(entries):
        path = _image(photos_dir / name, seed)
        files[name] = path
        width, height = Image.open(path).size
        indexed.append(
            IndexedFile(str(path), path.stat().st_size, path.stat().st_mtime_ns, f"{seed:032x}", fmt, None, meta,
                        width, height)
        )
        centre = centres[group] if group >= 0 else rng.normal(0, 1, 32).astype(np.float32)
        codes[name] = centre + rng.normal(0, 0.2, 32).astype(np.float32)
    with Catalog(paths, writer=True) as catalog:
        write_files(catalog, indexed, None)
        ids = {Path(r[1]).name: int(r[0]) for r in catalog.conn.execute("SELECT id, path FROM photos")}
        register_model(catalog, MODEL, "/test/encoder.onnx", "bundled")
        set_active_model(catalog, MODEL)
        store_codes(catalog, MODEL, [(ids[name], code) for name, code in codes.items()])
        with catalog.transaction() as conn:
            albums = {
                "lisbon": rows.insert_album(conn, auto_name="Lisbon · 12–14 Apr 2024"),
                "paris": rows.insert_album(conn, auto_name="Paris · 20–21 May 2024"),
                "rome": rows.insert_album(conn, origin="user", name="My Rome"),
            }
            rows.update_album(conn, albums["lisbon"], locked=1)
            for name, photo in ids.items():
                trip = name.split("_")[0]
                rows.place(conn, photo, albums.get(trip))
    return BrowseLibrary(paths, files, ids, albums)


def read_browse(library: BrowseLibrary):
    """The snapshot and BrowseData the window would get from its workers."""
    from album_app.gui.browse_tasks import load_browse, load_code_index

    with Catalog(library.paths, writer=False) as reader:
        context = library.context(reader)
        snapshot = load_snapshot(context)
        browse = load_browse(context, snapshot)
        codes = load_code_index(context)
    return snapshot, browse, codes

