"""How the window copes with a large library: GUI-thread time per step at 10k–100k photos.

    python bench/gui_scale.py [--photos 100000] [--albums 400] [--json]

Builds a synthetic catalog (photos, metadata, codes from a registered model, albums and placements)
straight through the catalog functions, no scan, then times, offscreen:
  worker side:  reading a LibrarySnapshot; reading codes + PCA for the map;
  GUI thread:   taking in a snapshot (models, selection, grid); each scroll step through the largest
                album (event processing, fetchMore, painting one screen); the largest everyday month
                opened by day and scrolled a screen at a time; a sidebar section hidden and shown (the
                albums are of every kind, so the sidebar has sections); taking in the map data;
                painting the map; one hover (nearest dot);
  browsing views (bench/browse_scale.py): the worker read behind them; in the window, taking in their
                data, each tab brought to the front, an album's route, "more like this" shown, the viewer
                opened (Enter) from an album's grid and the timeline and closed (Esc); then each view
                alone: each zoom and pan step of the places map, each scroll and jump of the timeline,
                each search keystroke, "more like this" and a viewer step.
Target: every GUI-thread step under ~50 ms, so the window never stutters; a search under 100 ms and
"more like this" under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from album_app.catalog import Catalog  # noqa: E402
from album_app.catalog import albums as rows  # noqa: E402
from album_app.catalog.codes import register_model, set_active_model, store_codes  # noqa: E402
from album_app.catalog.photos import IndexedFile, write_files  # noqa: E402
from album_app.ingest.meta import PhotoMeta  # noqa: E402
from album_app.library import resolve_library  # noqa: E402

KINDS = ("event", "trip", "everyday", "gathering", "outing", "screenshots", "user")


def build(root: Path, photos: int, albums: int, code_size: int = 128, seed: int = 0) -> Path:
    """Photos in events of varying size; album k holds event k; 5 % stay Unsorted."""
    rng = np.random.default_rng(seed)
    paths = resolve_library(root)
    start = datetime(2015, 1, 1, 9)
    files = [
        IndexedFile(
            path=f"/library/{i // 1000:03d}/{i:06d}.jpg",
            size=3_000_000,
            mtime_ns=i,
            content_hash=f"{i:040x}",
            format="JPEG",
            meta=PhotoMeta(
                taken_at=start + timedelta(minutes=9 * i),
                lat=40 + (i % 97) * 0.1,
                lon=-3.0 + (i % 89) * 0.07,  # ~8,600 distinct places: the map and place names have work to do
                make="Canon" if i % 3 else "Apple",
                model="EOS 80D" if i % 3 else "iPhone 12",
            ),
            width=4000,
            height=3000,
        )
        for i in range(photos)
    ]
    centres = rng.normal(0, 1, (albums, code_size)).astype(np.float32)
    labels = np.sort(rng.integers(0, albums, photos))
    codes = centres[labels] + rng.normal(0, 0.35, (photos, code_size)).astype(np.float32)
    with Catalog(paths, writer=True) as catalog:
        for chunk in range(0, photos, 20_000):
            write_files(catalog, files[chunk : chunk + 20_000], None)
        ids = [int(r[0]) for r in catalog.conn.execute("SELECT id FROM photos ORDER BY id")]
        register_model(catalog, "bench0000000000", "/bench/encoder.onnx", "bundled")
        set_active_model(catalog, "bench0000000000")
        for chunk in range(0, photos, 20_000):
            store_codes(
                catalog,
                "bench0000000000",
                list(zip(ids[chunk : chunk + 20_000], codes[chunk : chunk + 20_000], strict=True)),
            )
        with catalog.transaction() as conn:
            # Albums of every kind, so that the sidebar has its sections and some albums open by day.
            album_ids = [rows.insert_album(conn, auto_name=f"Event {k}", kind=KINDS[k % len(KINDS)])
                         for k in range(albums)]
            unsorted = rng.random(photos) < 0.05
            for photo, label, loose in zip(ids, labels.tolist(), unsorted.tolist(), strict=True):
                rows.place(conn, photo, None if loose else album_ids[label])
    return root


def measure_album_by_day(app: object, window: object, snapshot: object) -> dict[str, float]:
    """The largest everyday month opened by day, then scrolled a screen at a time; a sidebar section hidden
    and shown again."""
    month = max((a for a in snapshot.albums if a.kind == "everyday"), key=lambda a: len(a.members))
    started = time.perf_counter()
    window.album_list.setCurrentIndex(window.album_model.index_of(month.id))
    app.processEvents()
    out = {"by_day_album": len(month.members), "gui_by_day_open_s": time.perf_counter() - started}
    bar, steps = window.album_days.verticalScrollBar(), []
    while bar.value() < bar.maximum():
        started = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        app.processEvents()
        steps.append(time.perf_counter() - started)
    out["gui_by_day_scroll_step_max_s"] = max(steps, default=0.0)
    for step in ("hide", "show"):  # each is one step of the person's (one click on the section's header)
        started = time.perf_counter()
        window.album_model.toggle_section("Everyday")
        app.processEvents()
        out[f"gui_section_{step}_s"] = time.perf_counter() - started
    return out


class HeldPool:
    def start(self, runnable: object) -> None:
        pass

    def waitForDone(self, msecs: int = -1) -> bool:
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--albums", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from PySide6.QtCore import QPointF, QSettings
    from PySide6.QtWidgets import QApplication

    from album_app.gui.app import create_application
    from album_app.gui.main_window import MainWindow
    from album_app.gui.session import LibrarySession
    from album_app.gui.tasks import load_map, load_snapshot
    from album_app.gui.workers import JobContext
    from album_app.progress import CancelToken

    app = create_application()
    results: dict[str, float] = {"photos": args.photos, "albums": args.albums}
    with tempfile.TemporaryDirectory(prefix="album_app-gui-bench-") as temp:
        started = time.perf_counter()
        root = build(Path(temp) / "library", args.photos, args.albums)
        results["build_s"] = time.perf_counter() - started
        paths = resolve_library(root)
        with Catalog(paths, writer=False) as reader:
            context = JobContext(reader, CancelToken(), lambda p: None)
            started = time.perf_counter()
            snapshot = load_snapshot(context)
            results["worker_snapshot_s"] = time.perf_counter() - started

        settings = QSettings(str(Path(temp) / "settings.ini"), QSettings.Format.IniFormat)
        # Jobs are held, not run: the snapshot read above is handed to the window by hand, so the
        # GUI-thread time is measured alone.
        session = LibrarySession(paths, pool_factory=HeldPool, scan_workers=0)
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        app.processEvents()

        started = time.perf_counter()
        window._on_snapshot(snapshot)
        app.processEvents()
        results["gui_snapshot_s"] = time.perf_counter() - started

        biggest = max((a for a in snapshot.albums if not a.is_unsorted and not a.shown_as_timeline),
                      key=lambda a: len(a.members))
        window.album_list.setCurrentIndex(window.album_model.index_of(biggest.id))
        app.processEvents()
        steps = []
        scroll = window.grid.verticalScrollBar()
        while window.grid_model.canFetchMore(window.grid.rootIndex()) or scroll.value() < scroll.maximum():
            started = time.perf_counter()
            scroll.setValue(scroll.value() + scroll.pageStep())
            app.processEvents()
            steps.append(time.perf_counter() - started)
        results["largest_album"] = len(biggest.members)
        results["gui_scroll_step_max_s"] = max(steps)
        results["gui_scroll_step_median_s"] = statistics.median(steps)
        results.update(measure_album_by_day(app, window, snapshot))

        with Catalog(paths, writer=False) as reader:
            context = JobContext(reader, CancelToken(), lambda p: None)
            started = time.perf_counter()
            data = load_map(context, snapshot)
            results["worker_map_s"] = time.perf_counter() - started
        window.tabs.setCurrentWidget(window.map)
        started = time.perf_counter()
        window.map.set_data(data, {a.id: a.name for a in snapshot.albums if a.id is not None})
        results["gui_map_data_s"] = time.perf_counter() - started
        started = time.perf_counter()
        window.map.repaint()
        results["gui_map_first_paint_s"] = time.perf_counter() - started
        started = time.perf_counter()
        window.map.repaint()
        results["gui_map_repaint_s"] = time.perf_counter() - started
        started = time.perf_counter()
        window.map._nearest(QPointF(640, 400))
        results["gui_map_hover_s"] = time.perf_counter() - started
        from browse_scale import measure_browsing, measure_window, read_browsing  # bench/ is on sys.path

        browse, codes, worker = read_browsing(paths, snapshot)
        results.update(worker)
        results.update(measure_window(app, window, snapshot, browse, codes))
        window.close()
        results.update(measure_browsing(app, paths, snapshot, browse, codes))
    QApplication.processEvents()

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
