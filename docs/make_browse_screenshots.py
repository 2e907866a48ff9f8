"""Screenshots of the browsing views on a sample library: ``python docs/make_browse_screenshots.py OUT_DIR``.

Under a real X server (``xvfb-run -s "-screen 0 1280x800x24" …``) each view is shown as a window and the
screen is captured with ImageMagick's ``import``; without one (offscreen) the widget renders itself.
The sample library is built straight into a catalog in a temporary folder: intel-scenes photos from
../shared/data (read in place, never written), given synthetic trips (time, place, camera) and coded by
the bundled encoder; without the shared data, plain generated images stand in. Writes OUT_DIR/browse-*.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "intel-scenes" / "train"
SIZE = (1280, 800)
# (album, scenes, photos, first day, days, places along the way (lat, lon), camera, accepted)
TRIPS = (
    ("Black Forest", ("forest",), 14, datetime(2022, 6, 4, 8), 2, ((47.999, 8.15), (47.92, 8.10)), ("Canon", "EOS 80D"),
     False),
    ("Chamonix", ("glacier", "mountain"), 22, datetime(2023, 2, 18, 9), 4, ((45.924, 6.869), (45.88, 6.93)),
     ("FUJIFILM", "X-T30"), True),
    ("Provence road trip", ("mountain", "street", "sea"), 30, datetime(2023, 9, 2, 9), 6,
     ((45.764, 4.835), (44.933, 4.892), (43.949, 4.806), (43.297, 5.370), (43.124, 5.928), (43.710, 7.262)),
     ("Apple", "iPhone 12"), False),
    ("Lisbon", ("sea", "street"), 28, datetime(2024, 4, 12, 10), 4, ((38.708, -9.137), (38.7139, -9.1394)),
     ("Apple", "iPhone 12"), True),
    ("Paris", ("street", "buildings"), 24, datetime(2024, 5, 20, 9), 3, ((48.857, 2.352), (48.886, 2.343)),
     ("SONY", "ILCE-7M3"), False),
    ("Rome", ("buildings", "street"), 26, datetime(2024, 9, 6, 9), 5, ((41.899, 12.477), (41.890, 12.492)),
     ("SONY", "ILCE-7M3"), False),
)


def _photos(rng: np.random.Generator, scenes: tuple[str, ...], count: int, out: Path) -> list[Path]:
    files = [f for scene in scenes for f in sorted((DATA / scene).glob("*.jpg"))[:400]] if DATA.is_dir() else []
    if files:
        return [files[i] for i in rng.choice(len(files), count, replace=False)]
    from PIL import Image

    made = []
    for _ in range(count):
        colour = rng.integers(30, 220, 3)
        pixels = np.clip(colour + rng.normal(0, 25, (150, 200, 3)), 0, 255).astype(np.uint8)
        path = out / f"generated_{len(list(out.glob('*.jpg'))):04d}.jpg"
        Image.fromarray(pixels).save(path)
        made.append(path)
    return made


def build_sample(root: Path):
    """The sample library: trips as albums (two accepted), a few photos without time or place in Unsorted."""
    from PIL import Image

    from album_app.catalog import Catalog
    from album_app.catalog import albums as rows
    from album_app.catalog.codes import register_model, set_active_model, store_codes
    from album_app.catalog.photos import IndexedFile, write_files
    from album_app.ingest.meta import PhotoMeta
    from album_app.library import resolve_library
    from album_app.models.encoder import default_model_path, load_encoder

    rng = np.random.default_rng(3)
    paths = resolve_library(root / "library")
    generated = root / "generated"
    generated.mkdir(parents=True, exist_ok=True)
    entries: list[tuple[Path, PhotoMeta, str | None]] = []
    for name, scenes, count, start, days, stops, (make, model), _ in TRIPS:
        for k, path in enumerate(_photos(rng, scenes, count, generated)):
            stop = stops[min(k * len(stops) // count, len(stops) - 1)]
            taken = start + timedelta(hours=float(k * days * 24 / count + rng.uniform(0, 2)))
            meta = PhotoMeta(
                taken_at=taken, time_source="DateTimeOriginal", lat=stop[0] + rng.normal(0, 0.004),
                lon=stop[1] + rng.normal(0, 0.004), make=make, model=model,
            )
            entries.append((path, meta, name))
    for path in _photos(rng, ("street", "sea"), 8, generated):
        entries.append((path, PhotoMeta(), None))  # a friend's copies: no EXIF
    encoder, _ = load_encoder()
    images = [Image.open(path).convert("RGB") for path, _, _ in entries]
    codes = encoder.embed_images(images)
    files = [
        IndexedFile(str(path), path.stat().st_size, path.stat().st_mtime_ns, f"{i:032x}", "JPEG", None, meta,
                    *Image.open(path).size)
        for i, (path, meta, _) in enumerate(entries)
    ]
    with Catalog(paths, writer=True) as catalog:
        write_files(catalog, files, None)
        ids = {r[1]: int(r[0]) for r in catalog.conn.execute("SELECT id, path FROM photos")}
        register_model(catalog, encoder.model_id, str(default_model_path()), "bundled")
        set_active_model(catalog, encoder.model_id)
        store_codes(catalog, encoder.model_id, [(ids[str(p)], c) for (p, _, _), c in zip(entries, codes, strict=True)])
        with catalog.transaction() as conn:
            album_ids = {}
            for name, *_, accepted in TRIPS:
                album_ids[name] = rows.insert_album(conn, auto_name=name)
                if accepted:
                    rows.update_album(conn, album_ids[name], locked=1)
            for path, _, name in entries:
                rows.place(conn, ids[str(path)], album_ids.get(name) if name else None)
    from album_app.services.describe import describe_albums

    with Catalog(paths, writer=True) as catalog, catalog.transaction() as conn:
        describe_albums(conn, list(album_ids.values()))  # names with places and dates, as clustering writes them
    return paths, album_ids


def capture(widget, out: Path, settle_s: float = 0.6) -> None:
    """Show, let thumbnails arrive, then capture the real screen (or the widget offscreen)."""
    from PySide6.QtWidgets import QApplication

    widget.move(0, 0)
    widget.resize(*SIZE)
    widget.show()
    widget.raise_()
    widget.activateWindow()
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb" and shutil.which("import"):
        subprocess.run(["import", "-window", "root", str(out)], check=True)
    else:
        widget.grab().save(str(out))
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from album_app.catalog import Catalog
    from album_app.catalog.views import photo_details
    from album_app.gui.browse_tasks import load_browse, load_code_index
    from album_app.gui.tasks import load_snapshot
    from album_app.gui.thumbnails import ThumbnailLoader
    from album_app.gui.views.places_map import PlacesMap
    from album_app.gui.views.search_bar import SearchPanel
    from album_app.gui.views.similar_photos import SimilarPanel
    from album_app.gui.views.timeline import TimelinePanel
    from album_app.gui.views.viewer import PhotoViewer
    from album_app.gui.workers import JobContext, SyncPool
    from album_app.progress import CancelToken
    from album_app.services.places import mercator

    app = QApplication.instance() or QApplication(sys.argv[:1])  # kept: the views need it alive
    with tempfile.TemporaryDirectory(prefix="album_app-browse-shots-") as temp:
        paths, album_ids = build_sample(Path(temp))
        with Catalog(paths, writer=False) as reader:
            context = JobContext(reader, CancelToken(), lambda p: None)
            snapshot = load_snapshot(context)
            browse = load_browse(context, snapshot)
            codes = load_code_index(context)
        thumbnails = ThumbnailLoader(paths.thumbnails)
        photos = snapshot.photos

        places = PlacesMap()
        places.setWindowTitle("Places")
        places.resize(*SIZE)
        places.set_data(browse.places)
        places.set_view(4.6, np.ravel(mercator(np.array([44.5]), np.array([3.0]))))
        places.show()
        QApplication.processEvents()
        level = places.data.level(places.zoom)
        paris = int(np.argmin((level.x - mercator(np.array([48.86]), np.array([2.35]))[0][0]) ** 2))
        places.hover = paris
        capture(places, out / "browse-places.png")
        trip = snapshot.album(album_ids["Provence road trip"])
        places.hover = None
        places.show_album(trip.members, trip.name)
        capture(places, out / "browse-places-route.png")
        places.close()

        timeline = TimelinePanel(thumbnails)
        timeline.setWindowTitle("Timeline")
        timeline.set_data(browse.timeline, photos)
        timeline.resize(*SIZE)
        timeline.show()
        QApplication.processEvents()
        timeline.go_to("Apr 2024")
        capture(timeline, out / "browse-timeline.png", 1.5)
        timeline.close()

        search = SearchPanel(thumbnails)
        search.setWindowTitle("Search")
        search.resize(*SIZE)
        search.set_index(browse.search, photos)
        search.set_text("lis 2024 camera:iphone")
        capture(search, out / "browse-search.png", 1.5)
        search.close()

        similar = SimilarPanel(thumbnails)
        similar.setWindowTitle("More like this")
        similar.resize(*SIZE)
        similar.set_index(codes, photos)
        similar.set_albums([(a.id, a.name) for a in snapshot.albums if a.id is not None])
        lisbon = snapshot.album(album_ids["Lisbon"])
        similar.show_like([lisbon.members[3]])
        similar.grid.setFocus()
        chosen = similar.grid.selectionModel()
        for row in (0, 2, 3):
            chosen.select(similar.model.index(row), chosen.SelectionFlag.Select)
        capture(similar, out / "browse-similar.png", 1.5)
        similar.close()

        viewer = PhotoViewer(thumbnails, pool=SyncPool())
        viewer.setWindowTitle("Viewer")
        viewer.set_photos(photos)
        viewer.place_of = browse.place_of
        with Catalog(paths, writer=False) as reader:
            viewer.detailsRequested.connect(lambda photo: viewer.show_details(photo_details(reader, photo)))
            order = browse.timeline.photo_ids.tolist()
            viewer.resize(*SIZE)
            viewer.open_at(order, order.index(lisbon.members[5]), full_screen=False)
            viewer.canvas.set_zoom(2.0, QPointF(480, 400))
            capture(viewer, out / "browse-viewer.png")
        viewer.close()
        thumbnails.shutdown()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
