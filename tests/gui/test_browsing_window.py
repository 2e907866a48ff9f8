"""The browsing views inside the real window, driven by keys and the mouse: the viewer from every grid (Esc
returns to the same photo), the timeline, the places map, search, more like this and on this day.

Each test opens a window over a fresh copy of tests/gui/browse_library.py's library (19 photos in three
trips and Unsorted), so the edits one test makes are not seen by another.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from browse_library import build_browse_library
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.gui.main_window.actions import ACTIONS


@pytest.fixture
def lib(tmp_path):
    return build_browse_library(tmp_path / "browse")


@pytest.fixture
def window(open_window, lib, qtbot):
    win = open_window(library=lib.paths.root)
    activate(win, qtbot)
    yield win
    # A Ctrl+click leaves Qt's idea of the modifiers held at Ctrl until the next input event, and a later
    # test's setCurrentIndex would then toggle instead of select: end with nothing held.
    qtbot.keyRelease(win, Qt.Key.Key_Control)


def activate(window, qtbot) -> None:
    """Window-wide shortcuts (Ctrl+2, Ctrl+F…) go to the active window only."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def catalog_albums(lib) -> dict[int, rows.AlbumRow]:
    with Catalog(lib.paths, writer=False) as catalog:
        return {a.id: a for a in rows.load_albums(catalog)}


def choose_album(window, album_id: int, qtbot) -> None:
    rect = window.album_list.visualRect(window.album_model.index_of(album_id))
    qtbot.mouseClick(window.album_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, key, modifier)
    QApplication.processEvents()


def lisbon(lib) -> list[int]:
    return [lib.ids[f"lisbon_{k}.jpg"] for k in range(6)]


def test_every_shortcut_is_one_action():
    keys = [str(spec.shortcut) for spec in ACTIONS if spec.shortcut is not None]
    assert len(keys) == len(set(keys))


def test_the_views_are_tabs_beside_the_grid(window):
    titles = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert titles == ["Photos", "Timeline", "Places", "Search", "More like this", "Look map"]
    menu = [a.text() for a in window.grid.actions()]
    assert "More &like this" in menu and "&View photo" in menu


def test_enter_on_a_tile_opens_the_viewer_and_esc_returns_to_the_photo_it_ended_on(window, lib, qtbot):
    choose_album(window, lib.albums["lisbon"], qtbot)
    grid, model = window.grid, window.grid_model
    assert model.photo_ids == lisbon(lib)
    grid.setFocus()
    grid.setCurrentIndex(model.index(1))
    press(qtbot, grid, Qt.Key.Key_Return)
    viewer = window.viewer
    assert viewer.isVisible() and viewer.isFullScreen()
    assert viewer.photo_ids == lisbon(lib) and viewer.current_photo() == lisbon(lib)[1]
    # The info panel: the place's name from the browse data, details from a worker (the viewer's own asker).
    assert "Lisbon" in viewer.info.fields["place"].text()
    assert viewer.info.fields["file"].text().startswith("lisbon_1.jpg")
    press(qtbot, viewer, Qt.Key.Key_Right)
    press(qtbot, viewer, Qt.Key.Key_Right)
    press(qtbot, viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    assert grid.current_photo_id() == lisbon(lib)[3] and grid.selected_photo_ids() == [lisbon(lib)[3]]
    assert window._detail_photo == lisbon(lib)[3]  # the details panel follows


def test_a_double_click_opens_the_viewer_too(window, lib, qtbot):
    choose_album(window, lib.albums["paris"], qtbot)
    grid = window.grid
    center = grid.visualRect(window.grid_model.index(2)).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert window.viewer.isVisible() and window.viewer.current_photo() == lib.ids["paris_2.jpg"]
    press(qtbot, window.viewer, Qt.Key.Key_Escape)
    assert grid.current_photo_id() == lib.ids["paris_2.jpg"]


def test_timeline_tab_keys_details_and_the_viewer(window, lib, qtbot):
    press(qtbot, window.grid, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.timeline_page
    view = window.timeline.view
    assert len(view.data) == len(lib.ids)  # the browse data arrived
    view.setFocus()
    press(qtbot, view, Qt.Key.Key_Home)
    first = view.current_photo_id()
    assert first == lib.ids["rome_0.jpg"]  # Jun 2023 comes first; undated photos last
    assert window._detail_photo == first
    press(qtbot, view, Qt.Key.Key_Right)
    press(qtbot, view, Qt.Key.Key_Return)
    viewer = window.viewer
    assert viewer.isVisible() and viewer.photo_ids == view.data.photo_ids.tolist() and viewer.index == 1
    press(qtbot, viewer, Qt.Key.Key_End)
    press(qtbot, viewer, Qt.Key.Key_Escape)
    assert view.current_photo_id() == int(view.data.photo_ids[-1])
    # An album chosen in the sidebar: the timeline goes to its first day.
    choose_album(window, lib.albums["paris"], qtbot)
    assert view.current_photo_id() == lib.ids["paris_0.jpg"]


def test_places_map_click_a_marker_then_open_its_photos(window, lib, qtbot):
    press(qtbot, window.grid, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.places_page
    places = window.places
    assert len(places.data) == 14  # the photos with GPS
    level = places.data.level(places.zoom)
    xs, ys = places.to_pixels(level.x, level.y)
    biggest = int(np.argmax(level.counts))
    qtbot.mouseClick(places, Qt.MouseButton.LeftButton, pos=QPointF(xs[biggest], ys[biggest]).toPoint())
    shown = window.place_photos.photo_ids
    assert len(shown) == int(level.counts[biggest]) and shown
    grid = window.place_photos.grid
    grid.setFocus()
    grid.setCurrentIndex(window.place_photos.model.index(0))
    press(qtbot, grid, Qt.Key.Key_Return)
    assert window.viewer.isVisible() and window.viewer.photo_ids == shown
    press(qtbot, window.viewer, Qt.Key.Key_Right)
    press(qtbot, window.viewer, Qt.Key.Key_Escape)
    assert grid.current_photo_id() == shown[min(1, len(shown) - 1)]
    # An album chosen: its places joined in time order, the view fitted to them.
    choose_album(window, lib.albums["paris"], qtbot)
    assert len(places.route) == 5 and places.route_name.startswith("Paris")
    choose_album(window, None, qtbot)  # Unsorted has no route
    assert len(places.route) == 0


def test_search_find_open_and_make_an_album_undone_in_one_step(window, lib, qtbot):
    press(qtbot, window.grid, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.search
    assert window.tabs.currentWidget() is search and search.field.hasFocus()
    with qtbot.waitSignal(search.resultsChanged, timeout=3000):
        qtbot.keyClicks(search.field, "lis")
    assert search.results == lisbon(lib)
    press(qtbot, search.field, Qt.Key.Key_Down)
    assert search.grid.hasFocus() and search.grid.current_photo_id() == lisbon(lib)[0]
    press(qtbot, search.grid, Qt.Key.Key_Right)
    press(qtbot, search.grid, Qt.Key.Key_Return)
    assert window.viewer.isVisible() and window.viewer.photo_ids == lisbon(lib) and window.viewer.index == 1
    press(qtbot, window.viewer, Qt.Key.Key_Escape)
    assert search.grid.current_photo_id() == lisbon(lib)[1]
    before = set(catalog_albums(lib))
    qtbot.mouseClick(search.make_album, Qt.MouseButton.LeftButton)  # one selected: an album of it
    made = set(catalog_albums(lib)) - before
    assert len(made) == 1
    album = catalog_albums(lib)[made.pop()]
    assert album.members == [lisbon(lib)[1]] and window.current_album().id == album.id
    window.act_undo.trigger()
    assert set(catalog_albums(lib)) == before


def test_more_like_this_from_the_grid_then_add_to_an_album_in_one_step(window, lib, qtbot):
    choose_album(window, lib.albums["paris"], qtbot)
    grid = window.grid
    grid.setFocus()
    grid.setCurrentIndex(window.grid_model.index(0))
    assert window.act_more_like_this.isEnabled()
    press(qtbot, grid, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    similar = window.similar
    assert window.tabs.currentWidget() is similar
    assert similar.sources == [lib.ids["paris_0.jpg"]]
    top = similar.neighbours.photo_ids[:4].tolist()
    assert set(top) == {lib.ids[f"paris_{k}.jpg"] for k in range(1, 5)}
    # Two of them into Rome, in one action and one undo step.
    view = similar.grid
    view.setFocus()
    first = view.visualRect(similar.model.index(0)).center()
    second = view.visualRect(similar.model.index(1)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, second)
    chosen = similar.selected()
    assert len(chosen) == 2
    similar.albums.setCurrentIndex(similar.albums.findData(lib.albums["rome"]))
    qtbot.mouseClick(similar.add, Qt.MouseButton.LeftButton)
    albums = catalog_albums(lib)
    assert set(chosen) <= set(albums[lib.albums["rome"]].members)
    window.act_undo.trigger()
    albums = catalog_albums(lib)
    assert not set(chosen) & set(albums[lib.albums["rome"]].members)
    assert set(chosen) <= set(albums[lib.albums["paris"]].members)
    # Enter on a result: the viewer on the results; Esc back to that result.
    view.setCurrentIndex(similar.model.index(2))
    press(qtbot, view, Qt.Key.Key_Return)
    assert window.viewer.isVisible() and window.viewer.photo_ids == similar.shown
    press(qtbot, window.viewer, Qt.Key.Key_Escape)
    assert view.current_photo_id() == similar.shown[2]


def test_more_like_this_runs_in_a_worker_not_on_this_thread(window, lib, qtbot, monkeypatch):
    from album_app.services.similar import CodeIndex

    calls = []
    original = CodeIndex.neighbours

    def spy(self, photo_ids, *args, **kwargs):
        import threading

        calls.append(threading.current_thread() is threading.main_thread())
        return original(self, photo_ids, *args, **kwargs)

    monkeypatch.setattr(CodeIndex, "neighbours", spy)
    window.close()  # the fixture's window runs jobs inline; this test needs the real worker threads
    from album_app.gui.main_window import MainWindow
    from album_app.gui.session import LibrarySession

    session = LibrarySession(lib.paths, scan_workers=0)  # real worker threads
    real = MainWindow(session, window.settings)
    qtbot.addWidget(real)
    real.show()
    qtbot.waitUntil(lambda: not real.snapshot.empty, timeout=10000)
    real.grid.setFocus()
    real.grid.setCurrentIndex(real.grid_model.index(0))
    real.more_like_this()
    qtbot.waitUntil(lambda: len(real.similar.neighbours) > 0, timeout=10000)
    assert calls == [False]
    real.close()


def test_on_this_day_opens_that_years_photos(open_window, lib, qtbot):
    window = open_window(library=lib.paths.root)
    window.browsing.today = lambda: date(2025, 4, 13)
    activate(window, qtbot)
    press(qtbot, window.grid, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    strip = window.on_this_day
    assert strip.isVisible() and list(strip.years) == [2024]
    assert lib.ids["lisbon_3.jpg"] in strip.years[2024]
    qtbot.mouseClick(strip.buttons[0], Qt.MouseButton.LeftButton)
    assert window.viewer.isVisible() and window.viewer.photo_ids == strip.years[2024]
    press(qtbot, window.viewer, Qt.Key.Key_Escape)
    assert window.timeline.view.current_photo_id() == strip.years[2024][0]


def test_show_in_album_from_search(window, lib, qtbot):
    window.find_photos()
    window.search.set_text("rome")
    window.search.grid.setFocus()
    window.search.grid.setCurrentIndex(window.search.model.index(2))
    press(qtbot, window.search.grid, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0 and window.current_album().id == lib.albums["rome"]
    assert window.grid.current_photo_id() == lib.ids["rome_2.jpg"]
