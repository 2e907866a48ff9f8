"""More like this, driven by the slider and buttons: nearest photos by code, and adding them to an album."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from album_app.catalog import Catalog
from album_app.catalog.albums import load_albums
from album_app.gui.views.similar_photos import SimilarPanel
from album_app.services import edits


@pytest.fixture
def panel(qtbot, browse_lib):
    _, snapshot, _, codes = browse_lib
    widget = SimilarPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    widget.set_index(codes, snapshot.photos)
    widget.set_albums([(a.id, a.name) for a in snapshot.albums if a.id is not None])
    return widget


def named(lib, ids):
    by_id = {v: k for k, v in lib.ids.items()}
    return [by_id[i] for i in ids]


def test_the_nearest_come_first_and_the_slider_narrows(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    found = panel.show_like([lib.ids["paris_0.jpg"]])
    assert found == len(lib.ids) - 1  # everyone else, ranked
    assert set(named(lib, panel.neighbours.photo_ids[:4].tolist())) == {f"paris_{k}.jpg" for k in range(1, 5)}
    assert len(panel.shown) == found  # fewer than FIRST_SHOWN: all are shown at first
    panel.slider.setFocus()
    qtbot.keyClick(panel.slider, Qt.Key.Key_End)  # most alike only
    assert named(lib, panel.shown) == named(lib, panel.neighbours.photo_ids[:1].tolist())
    for _ in range(3):
        qtbot.keyClick(panel.slider, Qt.Key.Key_PageDown)
    assert 1 < len(panel.shown) < found
    assert panel.shown == panel.neighbours.photo_ids[: len(panel.shown)].tolist()  # always a prefix
    assert panel.count.text().startswith(f"{len(panel.shown)} photos")


def test_like_several_photos(panel, browse_lib):
    lib, _, _, _ = browse_lib
    panel.show_like([lib.ids["rome_0.jpg"], lib.ids["lisbon_0.jpg"]])
    top = set(named(lib, panel.neighbours.photo_ids[:7].tolist()))
    assert top == {"rome_1.jpg", "rome_2.jpg", *(f"lisbon_{k}.jpg" for k in range(1, 6))}
    assert panel.title.text() == "Photos like rome_0.jpg and 1 more"


def test_select_some_and_add_them_to_an_album_in_one_action(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    panel.show_like([lib.ids["paris_0.jpg"]])
    assert not panel.add.isEnabled()  # nothing selected yet
    selection = panel.grid.selectionModel()
    for row in (0, 1):
        selection.select(panel.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    chosen = panel.selected()
    panel.albums.setCurrentIndex(panel.albums.findData(lib.albums["rome"]))
    with qtbot.waitSignal(panel.addToAlbumRequested) as signal:
        qtbot.mouseClick(panel.add, Qt.MouseButton.LeftButton)
    album_id, photos = signal.args
    assert album_id == lib.albums["rome"] and photos == chosen
    with Catalog(lib.paths, writer=True) as catalog:  # what the window does: one move per photo, one undo step
        for photo in photos:
            edits.move(catalog, photo, album_id)
        rome = next(a for a in load_albums(catalog) if a.id == album_id)
    assert set(photos) <= set(rome.members)


def test_new_album_from_the_selection(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    panel.show_like([lib.ids["lisbon_0.jpg"]])
    panel.grid.selectionModel().select(panel.model.index(0), QItemSelectionModel.SelectionFlag.Select)
    with qtbot.waitSignal(panel.createAlbumRequested) as signal:
        panel.new_album.click()
    assert signal.args[1] == panel.selected()


def test_photos_without_codes(qtbot, browse_lib):
    lib, snapshot, _, _ = browse_lib
    widget = SimilarPanel()
    qtbot.addWidget(widget)
    widget.set_index(None, snapshot.photos)
    assert widget.show_like([lib.ids["rome_0.jpg"]]) == 0
    assert "no code" in widget.title.text() and widget.model.rowCount() == 0 and not widget.slider.isEnabled()


def test_enter_opens_the_viewer_on_the_results(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    panel.show_like([lib.ids["rome_0.jpg"]])
    panel.grid.setFocus()
    panel.grid.setCurrentIndex(panel.model.index(2))
    with qtbot.waitSignal(panel.photoActivated) as signal:
        qtbot.keyClick(panel.grid, Qt.Key.Key_Return)
    assert signal.args == [panel.shown, 2]
