"""The models and views cope with a large library: 10k photos built straight into a catalog, no scan."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.catalog.photos import IndexedFile, write_files
from album_app.gui.models import Roles
from album_app.gui.tasks import load_snapshot
from album_app.gui.workers import JobContext
from album_app.ingest.meta import PhotoMeta
from album_app.library import resolve_library
from album_app.progress import CancelToken

N_PHOTOS = 10_000
BIG_ALBUM = 8_000  # one album holds most photos: the grid's worst case
# Bounds are loose on purpose: these CPUs are shared (load 6 on 2 cores seen; FIELD-NOTES: the same
# timing varies 2-3x), and the test guards against the failure that matters, O(n) Python or a query per
# row on the GUI thread, which costs seconds at 10k, not against a few milliseconds. bench/gui_scale.py
# measures the real figures (all GUI-thread steps under 50 ms at 100k photos).
GUI_STEP_S = 0.5  # one snapshot taken in by the GUI thread
SCROLL_STEP_S = 0.3  # one step of scrolling (event processing, a fetchMore, painting a screen)
SNAPSHOT_S = 5.0  # reading 10k photos in a worker
DATA_S = 2.0  # data() for every row of the grid, as painting asks


def build_library(root: Path) -> Path:
    paths = resolve_library(root)
    start = datetime(2021, 3, 1, 9)
    files = [
        IndexedFile(
            path=f"/nowhere/{i:05d}.jpg",
            size=2_000_000,
            mtime_ns=i,
            content_hash=f"{i:040x}",
            format="JPEG",
            meta=PhotoMeta(taken_at=start + timedelta(minutes=7 * i), lat=38.7 + i * 1e-5, lon=-9.1),
            width=4000,
            height=3000,
        )
        for i in range(N_PHOTOS)
    ]
    with Catalog(paths, writer=True) as catalog:
        write_files(catalog, files, None)
        ids = [int(r[0]) for r in catalog.conn.execute("SELECT id FROM photos ORDER BY id")]
        with catalog.transaction() as conn:
            big = rows.insert_album(conn, auto_name="Everything")
            small = [rows.insert_album(conn, auto_name=f"Trip {k}") for k in range(40)]
            for photo in ids[:BIG_ALBUM]:
                rows.place(conn, photo, big)
            for n, photo in enumerate(ids[BIG_ALBUM : N_PHOTOS - 500]):
                rows.place(conn, photo, small[n % len(small)])
    return root


def test_10k_photos_stay_responsive(tmp_path, open_window, qtbot):
    library = build_library(tmp_path / "big")
    paths = resolve_library(library)

    with Catalog(paths, writer=False) as reader:
        started = time.perf_counter()
        snapshot = load_snapshot(JobContext(reader, CancelToken(), lambda p: None))
        read_s = time.perf_counter() - started
    assert len(snapshot.photos) == N_PHOTOS
    assert read_s < SNAPSHOT_S, f"reading the snapshot took {read_s:.2f} s"

    window = open_window(library=library)
    window.resize(1280, 800)
    started = time.perf_counter()
    window._on_snapshot(snapshot)  # what the GUI thread does when a snapshot arrives
    QApplication.processEvents()
    gui_s = time.perf_counter() - started
    assert gui_s < GUI_STEP_S, f"taking in a 10k snapshot blocked the GUI thread {gui_s:.3f} s"

    albums = window.album_model.albums()
    assert len(albums) == 42 and albums[-1].is_unsorted and len(albums[-1].members) == 500
    assert window.grid_model.album_id == albums[0].id and window.grid_model.total() == BIG_ALBUM
    assert window.grid_model.rowCount() < BIG_ALBUM  # rows arrive in chunks (fetchMore)

    # Scroll end to end a few screens at a time, timing each step (event processing and painting).
    steps: list[float] = []
    scroll = window.grid.verticalScrollBar()
    while window.grid_model.canFetchMore(window.grid.rootIndex()) or scroll.value() < scroll.maximum():
        started = time.perf_counter()
        scroll.setValue(scroll.value() + scroll.pageStep() * 4)
        QApplication.processEvents()
        steps.append(time.perf_counter() - started)
        assert len(steps) < 2000, "scrolling never reached the end"
    scroll_s = max(steps)
    assert window.grid_model.rowCount() == BIG_ALBUM
    assert scroll_s < SCROLL_STEP_S, f"one scroll step blocked the GUI thread {scroll_s:.3f} s"

    # data() is a list lookup plus a cache lookup: what painting asks, for every row, in well under a second.
    started = time.perf_counter()
    for row in range(BIG_ALBUM):
        index = window.grid_model.index(row)
        index.data(Qt.ItemDataRole.DecorationRole)
        index.data(Roles.PhotoId)
    data_s = time.perf_counter() - started
    assert data_s < DATA_S, f"data() for {BIG_ALBUM} rows took {data_s:.2f} s"
    median = sorted(steps)[len(steps) // 2]
    print(
        f"snapshot {read_s:.3f} s, GUI step {gui_s:.3f} s, worst scroll step {scroll_s:.3f} s of {len(steps)}"
        f" (median {median:.3f}), data() {data_s:.3f} s"
    )

    # Selecting the last photo loads its details; reveal_photo finds a photo deep in the album.
    window.reveal_photo(snapshot.albums[0].members[-1])
    assert window.grid.selected_photo_ids() == [snapshot.albums[0].members[-1]]
