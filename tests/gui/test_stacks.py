"""Burst stacks in the grid: one tile with a count, opened and closed in place, dragged whole."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from burst_library import BURST, build
from gui_helpers import send_drop
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from album_app.albums.features import LibraryView
from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.catalog.views import PhotoSummaries
from album_app.gui.models import PhotoGridModel, Roles, read_photo_mime
from album_app.gui.views.photo_grid import PhotoGridView
from album_app.gui.workers import CANCELLED, RUNNING
from album_app.services import stacks as stacks_module
from album_app.services.stacks import LibraryStacks, stacks_of_view

N = 34
BURST_IDS = [5, 6, 7, 8]  # shot 1 s apart, alike; 6 is the middle shot, the cover
COVER = 6


@pytest.fixture(autouse=True)
def fresh_cache():
    stacks_module.forget()
    yield
    stacks_module.forget()


def library_stacks() -> LibraryStacks:
    """Photos 1..34 five minutes apart, except 5-8: a burst of four look-alike shots one second apart."""
    rng = np.random.default_rng(1)
    look = rng.normal(size=32)
    codes = np.stack(
        [look + 0.05 * rng.normal(size=32) if i in BURST_IDS else rng.normal(size=32) for i in range(1, N + 1)]
    )
    times = np.array(
        [1e9 + 300.0 * i if i < 5 else 1e9 + 1500.0 + (i - 5) if i <= 8 else 1e9 + 300.0 * i for i in range(1, N + 1)]
    )
    nan = np.full(N, np.nan)
    found = stacks_of_view(LibraryView(np.arange(1, N + 1), codes, times, nan, nan, nan))
    assert [s.photo_ids for s in found.stacks] == [tuple(BURST_IDS)]
    return found


def summaries(ids: list[int]) -> PhotoSummaries:
    return PhotoSummaries(
        ids,
        [f"{i:040x}" for i in ids],
        [f"/p/{i}.jpg" for i in ids],
        ["2024-04-12T10:00:00"] * len(ids),
        {p: i for i, p in enumerate(ids)},
    )


def grid_model(ids: list[int] | None = None) -> PhotoGridModel:
    ids = ids if ids is not None else list(range(1, N + 1))
    model = PhotoGridModel()
    model.set_photos(7, ids, summaries(list(range(1, N + 2))))
    return model


def shown(model: PhotoGridModel) -> list[int]:
    return [model.index(r).data(Roles.PhotoId) for r in range(model.rowCount())]


def test_a_stack_is_one_tile_with_its_size(qtbot, qtmodeltester):
    model = grid_model()
    assert model.rowCount() == N
    found = library_stacks()
    with qtbot.waitSignal(model.modelReset):
        assert model.set_stacks(found)
    assert not model.set_stacks(found)  # the same stacks again: rows kept
    assert model.rowCount() == model.tile_count() == N - BURST + 1 and model.total() == N
    assert shown(model)[3:6] == [4, COVER, 9]  # the tile stands where the burst's first shot was
    tile = model.index(4)
    assert tile.data(Roles.StackSize) == BURST
    assert tile.data(Roles.StackPhotoIds) == [COVER, 5, 7, 8]  # the cover first
    assert tile.data(Roles.StackPosition) is None
    assert "burst of 4 photos over 3.0 s" in tile.data(Qt.ItemDataRole.ToolTipRole)
    assert "Enter opens it" in tile.data(Qt.ItemDataRole.AccessibleTextRole)
    plain = model.index(5)
    assert plain.data(Roles.StackSize) == 1 and plain.data(Roles.StackPhotoIds) == [9]
    qtmodeltester.check(model)


def test_a_stack_shows_only_with_two_members_in_the_album():
    found = library_stacks()
    alone = grid_model([1, 2, 5, 9])  # one shot of the burst is in this album
    alone.set_stacks(found)
    assert shown(alone) == [1, 2, 5, 9] and alone.index(2).data(Roles.StackSize) == 1
    pair = grid_model([1, 7, 8, 20])  # two shots here, the cover elsewhere
    pair.set_stacks(found)
    assert shown(pair) == [1, 7, 20] and pair.index(1).data(Roles.StackSize) == 2


def test_toggle_opens_the_stack_in_place_and_closes_it(qtbot, qtmodeltester):
    model = grid_model()
    model.set_stacks(library_stacks())
    tile = QPersistentModelIndex(model.index(4))
    assert model.toggle_stack(0) is None  # a photo of no stack
    with qtbot.waitSignal(model.rowsInserted):
        assert model.toggle_stack(4) == 5
    assert tile.row() == 5  # the cover keeps its row object: selection stays on it
    assert model.rowCount() == N and shown(model)[3:9] == [4, 5, 6, 7, 8, 9]
    assert [model.index(r).data(Roles.StackPosition) for r in range(4, 8)] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [model.index(r).data(Roles.StackSize) for r in range(4, 8)] == [1, 1, 1, 1]
    assert model.index(6).data(Roles.StackPhotoIds) == [7]  # an open stack's photos go one by one
    assert "3 of 4 in a stack" in model.index(6).data(Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.rowsRemoved):
        assert model.toggle_stack(7) == 4  # closing from any of its photos
    assert tile.row() == 4 and model.rowCount() == N - BURST + 1
    assert model.index(4).data(Roles.StackSize) == BURST


def test_dragging_a_closed_tile_carries_every_member():
    model = grid_model()
    model.set_stacks(library_stacks())
    assert read_photo_mime(model.mimeData([model.index(4), model.index(0)])) == (7, [1, COVER, 5, 7, 8])
    mime = model.mimeData([model.index(4)])
    assert [u.toLocalFile() for u in mime.urls()] == ["/p/6.jpg", "/p/5.jpg", "/p/7.jpg", "/p/8.jpg"]
    model.toggle_stack(4)
    assert read_photo_mime(model.mimeData([model.index(5)])) == (7, [COVER])  # open: one photo at a time


def test_stacks_keep_rows_arriving_in_chunks(qtmodeltester):
    model = grid_model()
    model.CHUNK = 5
    model.set_photos(8, list(range(1, N + 1)), summaries(list(range(1, N + 2))))
    model.set_stacks(library_stacks())
    assert model.rowCount() == 5 and model.canFetchMore(QModelIndex())
    assert model.toggle_stack(4) == 5 and model.rowCount() == 8
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 13
    # New photos in the same album: the stack stays open, now ending past the rows loaded.
    model.set_photos(8, list(range(1, N + 2)), summaries(list(range(1, N + 2))))
    assert model.rowCount() == 5 and model.index(4).data(Roles.StackPosition) == (1, 4)
    assert model.toggle_stack(4) == 4 and model.rowCount() == 5
    assert shown(model) == [1, 2, 3, 4, COVER]
    assert model.row_of(8) == 4  # a photo inside a closed stack is found at its tile
    assert model.open_stack_of(8) == 7 and model.index(7).data(Roles.PhotoId) == 8
    qtmodeltester.check(model)


def test_enter_and_double_click_open_and_close_a_stack(qtbot):
    view = PhotoGridView()
    qtbot.addWidget(view)
    model = grid_model()
    view.setModel(model)
    model.set_stacks(library_stacks())
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    view.setCurrentIndex(model.index(4))
    assert view.selected_photo_ids() == [COVER, 5, 7, 8]  # a closed tile: every photo it stands for
    assert view.current_photo_id() == COVER  # what the details panel shows
    view.grab()  # paints the pile and its badge
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert model.rowCount() == N
    assert view.currentIndex().row() == 5 and view.selected_photo_ids() == [COVER]
    view.grab()  # paints the open stack's marks
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert model.rowCount() == N - BURST + 1 and view.currentIndex().row() == 4
    center = view.visualRect(model.index(4)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)  # a double-click's first click
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert model.rowCount() == N and view.current_photo_id() == COVER


# -- the window -----------------------------------------------------------------------------------------


def test_the_window_shows_a_burst_as_one_tile_and_moves_it_whole(open_window, tmp_path):
    library = build(tmp_path / "library")
    window = open_window(library=library.root)
    grid = window.grid_model
    assert grid.album_id == library.album
    cover = library.burst[1]
    row = grid.row_of(library.burst[0])
    assert row is not None and grid.index(row).data(Roles.StackSize) == BURST
    assert grid.rowCount() == grid.total() - BURST + 1
    selection = window.grid.selectionModel()
    window.grid.setCurrentIndex(grid.index(row))
    assert window._detail_photo == cover  # the details panel shows the cover
    mime = grid.mimeData(selection.selectedIndexes())
    assert read_photo_mime(mime) == (library.album, [cover, *(p for p in library.burst if p != cover)])
    target_rect = window.album_list.visualRect(window.album_model.index_of(library.other))
    drop = send_drop(window.album_list.viewport(), mime, target_rect.center())
    assert drop.isAccepted()
    with Catalog(window.session.paths, writer=False) as catalog:
        albums = {a.id: a for a in rows.load_albums(catalog)}
    assert set(library.burst) <= set(albums[library.other].members)
    assert not set(library.burst) & set(albums[library.album].members)
    # One drag, one undo: the whole burst comes back, still one tile.
    window.act_undo.trigger()
    assert grid.row_of(library.burst[0]) is not None
    assert grid.index(grid.row_of(library.burst[0])).data(Roles.StackSize) == BURST


def test_revealing_a_photo_inside_a_stack_opens_it(open_window, tmp_path):
    library = build(tmp_path / "library")
    window = open_window(library=library.root)
    hidden = library.burst[3]
    window.reveal_photo(hidden)
    assert window.grid.selected_photo_ids() == [hidden]
    assert window.grid.currentIndex().data(Roles.StackPosition) == (BURST, BURST)


def test_stacks_come_from_their_own_worker(open_window, tmp_path, qtbot):
    library = build(tmp_path / "library")
    window = open_window(sync=False, library=library.root)
    grid = window.grid_model

    def tile_size() -> int | None:
        row = grid.row_of(library.burst[0])
        return None if row is None else grid.index(row).data(Roles.StackSize)

    finished: list[object] = []
    window.session.background.jobFinished.connect(finished.append)
    qtbot.waitUntil(lambda: tile_size() == BURST, timeout=10000)
    qtbot.waitUntil(lambda: not window.session.background.busy, timeout=10000)
    assert all(job.label == "Finding bursts" for job in finished)
    assert not any(job.label == "Finding bursts" for job in window.session.reads.pending())


def test_details_and_the_map_do_not_wait_for_stacks_and_closing_cancels_them(open_window, tmp_path, qtbot, monkeypatch):
    """A first computation of stacks takes seconds at 100k photos: here one that would take a minute."""
    library = build(tmp_path / "library")
    started, stopped = threading.Event(), threading.Event()

    def slow(catalog, model_id, fingerprint=(), *, cancel=None, **params):
        started.set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if cancel is not None and cancel.cancelled:
                stopped.set()
                cancel.raise_if_cancelled()
            time.sleep(0.01)
        raise AssertionError("the stacks job was never cancelled")

    monkeypatch.setattr(stacks_module, "compute_stacks", slow)
    window = open_window(sync=False, library=library.root)
    qtbot.waitUntil(started.is_set, timeout=10000)
    session = window.session
    job = session.background.running
    assert job is not None and job.label == "Finding bursts" and job.cancellable
    qtbot.waitUntil(lambda: not session.reads.busy, timeout=10000)  # the first snapshot, warming up
    details, maps = [], []
    session.details(library.burst[2], details.append)
    session.map_data(maps.append)
    qtbot.waitUntil(lambda: bool(details and maps), timeout=5000)
    assert details[0].id == library.burst[2] and len(maps[0].photo_ids) == len(library.paths)
    assert job.state == RUNNING and not stopped.is_set()  # answered while the stacks still compute
    begin = time.monotonic()
    window.close()
    assert time.monotonic() - begin < 2.0
    assert session._closed and stopped.is_set()
    qtbot.waitUntil(lambda: job.state == CANCELLED, timeout=2000)


def test_enter_on_a_stack_opens_it_and_on_a_photo_opens_the_viewer(open_window, tmp_path, qtbot):
    library = build(tmp_path / "library")
    window = open_window(library=library.root)
    grid, view = window.grid_model, window.grid
    row = grid.row_of(library.burst[0])
    view.setFocus()
    view.setCurrentIndex(grid.index(row))
    qtbot.keyClick(view, Qt.Key.Key_Return)  # the stack opens in place; no viewer
    assert not window.viewer.isVisible()
    assert grid.rowCount() == grid.total() and view.current_photo_id() == library.burst[1]
    qtbot.keyClick(view, Qt.Key.Key_Return)  # and closes again
    assert grid.rowCount() == grid.total() - BURST + 1
    plain = grid.index(row + 1)  # the photo after the stack's tile
    view.setCurrentIndex(plain)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    viewer = window.viewer
    assert viewer.isVisible() and viewer.current_photo() == plain.data(Roles.PhotoId)
    assert viewer.photo_ids == grid.photo_ids  # every photo of the album, the stack's included
    qtbot.keyClick(viewer, Qt.Key.Key_Left)  # onto the stack's last photo, hidden in the closed stack
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert view.current_photo_id() == library.burst[-1]
    assert view.currentIndex().data(Roles.StackPosition) == (BURST, BURST)  # its stack opened to show it
