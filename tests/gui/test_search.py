"""The search panel driven by typing: what it understood, the results, and turning them into an album."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from album_app.catalog import Catalog
from album_app.catalog.albums import load_albums
from album_app.gui.views.search_bar import SearchPanel
from album_app.services import edits


@pytest.fixture
def panel(qtbot, browse_lib):
    _, snapshot, browse, _ = browse_lib
    widget = SearchPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    widget.set_index(browse.search, snapshot.photos)
    return widget


def named(lib, ids):
    by_id = {v: k for k, v in lib.ids.items()}
    return [by_id[i] for i in ids]


def type_query(qtbot, panel, text):
    panel.field.clear()
    with qtbot.waitSignal(panel.resultsChanged, timeout=2000) as signal:
        qtbot.keyClicks(panel.field, text)
    return signal.args[0]


def test_typing_searches_after_a_pause(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    results = type_query(qtbot, panel, "lis")
    assert named(lib, results) == [f"lisbon_{k}.jpg" for k in range(6)]
    assert panel.model.rowCount() == 6
    assert panel.summary.text() == "lis — 6 photos"
    assert panel.make_album.text() == "Make album of 6 photos"


def test_terms_combine_and_enter_searches_at_once(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    panel.field.setText("2024 unsorted -screenshots")
    qtbot.keyClick(panel.field, Qt.Key.Key_Return)
    assert named(lib, panel.results) == ["IMG-20240413-WA0000.jpg", "IMG-20240413-WA0001.jpg"]
    panel.set_text("camera:canon 20–21 May 2024")
    assert named(lib, panel.results) == [f"paris_{k}.jpg" for k in range(5)]
    panel.set_text("screenshots")
    assert named(lib, panel.results) == ["Screenshot_20240414-101010.png"]
    panel.set_text("mine")
    assert named(lib, panel.results) == ["rome_0.jpg", "rome_1.jpg", "rome_2.jpg"]


def test_what_it_cannot_read_is_said(panel, qtbot):
    type_query(qtbot, panel, "31 Feb 2024")
    assert "not understood: 31 Feb 2024" in panel.summary.text()
    assert panel.results == [] and not panel.make_album.isEnabled()


def test_results_become_an_album(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    panel.set_text("no exif time 2024")
    with qtbot.waitSignal(panel.createAlbumRequested) as signal:
        qtbot.mouseClick(panel.make_album, Qt.MouseButton.LeftButton)
    name, photos = signal.args
    assert name == "2024 · no EXIF time"
    assert named(lib, photos) == [
        "IMG-20240413-WA0000.jpg", "IMG-20240413-WA0001.jpg", "Screenshot_20240414-101010.png"
    ]
    with Catalog(lib.paths, writer=True) as catalog:  # what the window does with the signal
        album_id = edits.create(catalog, name, photos)
        album = next(a for a in load_albums(catalog) if a.id == album_id)
    assert album.display_name == name and sorted(album.members) == sorted(photos)


def test_only_the_selected_results_when_some_are_selected(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    panel.set_text("paris")
    selection = panel.grid.selectionModel()
    for row in (1, 3):
        selection.select(panel.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    assert panel.make_album.text() == "Make album of 2 photos"
    with qtbot.waitSignal(panel.createAlbumRequested) as signal:
        panel.make_album.click()
    assert named(lib, signal.args[1]) == ["paris_1.jpg", "paris_3.jpg"]


def test_down_goes_to_the_results_and_enter_opens_one(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    panel.set_text("rome")
    panel.field.setFocus()
    qtbot.keyClick(panel.field, Qt.Key.Key_Down)
    assert panel.grid.hasFocus() and panel.grid.currentIndex().row() == 0
    qtbot.keyClick(panel.grid, Qt.Key.Key_Right)
    with qtbot.waitSignal(panel.photoActivated) as signal:
        qtbot.keyClick(panel.grid, Qt.Key.Key_Return)
    ids, index = signal.args
    assert named(lib, ids) == ["rome_0.jpg", "rome_1.jpg", "rome_2.jpg"] and index == 1


def test_esc_clears_and_an_empty_query_shows_nothing(panel, qtbot):
    panel.set_text("lisbon")
    panel.field.setFocus()
    qtbot.keyClick(panel.field, Qt.Key.Key_Escape)
    panel.run()
    assert panel.field.text() == "" and panel.results == [] and panel.model.rowCount() == 0


def test_before_the_library_is_read(qtbot):
    widget = SearchPanel()
    qtbot.addWidget(widget)
    widget.set_text("lisbon")
    assert widget.results == [] and "ready once" in widget.summary.text()
