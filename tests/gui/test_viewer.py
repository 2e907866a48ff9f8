"""The full-screen viewer driven by keys and mouse: stepping, zoom and pan, the info panel, Esc, read-only."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from input_events import drag, wheel
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtWidgets import QWidget

from album_app.catalog import Catalog
from album_app.catalog.views import photo_details
from album_app.gui.views.viewer import PhotoViewer
from album_app.gui.workers import SyncPool


@pytest.fixture
def viewer(qtbot, browse_lib):
    lib, snapshot, browse, _ = browse_lib
    widget = PhotoViewer(pool=SyncPool())  # decoding runs at once, on this thread: deterministic
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.set_photos(snapshot.photos)
    widget.place_of = browse.place_of
    catalog = Catalog(lib.paths, writer=False)
    widget.detailsRequested.connect(lambda photo: widget.show_details(photo_details(catalog, photo)))
    yield widget
    catalog.close()


def lisbon(lib) -> list[int]:
    return [lib.ids[f"lisbon_{k}.jpg"] for k in range(6)]


def test_steps_with_arrows_home_and_end_and_esc_says_where(viewer, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    ids = lisbon(lib)
    viewer.open_at(ids, 2, full_screen=False)
    qtbot.waitExposed(viewer)
    assert viewer.current_photo() == ids[2]
    assert viewer.canvas.pixmap is not None and viewer.canvas.pixmap.size() == QSize(320, 240)  # the original
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.index == 4
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert viewer.index == 3
    qtbot.keyClick(viewer, Qt.Key.Key_End)
    assert viewer.index == 5
    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # past the end stays at the end
    assert viewer.index == 5
    qtbot.keyClick(viewer, Qt.Key.Key_Home)
    assert viewer.index == 0
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    with qtbot.waitSignal(viewer.closed) as signal:
        qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert signal.args == [1] and not viewer.isVisible()


def test_zoom_fit_100_percent_wheel_and_drag(viewer, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    viewer.open_at(lisbon(lib), 0, full_screen=False)
    qtbot.waitExposed(viewer)
    canvas = viewer.canvas
    assert canvas.fit and canvas.shown_zoom() == pytest.approx(1.0)  # a small photo is never blown up to fit
    qtbot.keyClick(viewer, Qt.Key.Key_1)
    assert not canvas.fit and canvas.zoom == 1.0
    middle = QPointF(canvas.width() / 2, canvas.height() / 2)
    wheel(canvas, middle, 6)
    assert canvas.zoom == pytest.approx(1.25**6)
    rect = canvas.image_rect()
    assert rect.width() > canvas.width() and rect.height() > canvas.height()
    centre = canvas.centre
    drag(canvas, middle, middle + QPointF(-100, -50))
    assert canvas.centre.x() > centre.x() and canvas.centre.y() > centre.y()  # dragging left shows more right
    assert canvas.image_rect().contains(QPointF(canvas.rect().center()))  # never dragged off the image
    qtbot.keyClick(viewer, Qt.Key.Key_Minus)
    assert canvas.zoom == pytest.approx(1.25**5)
    qtbot.keyClick(viewer, Qt.Key.Key_F)
    assert canvas.fit
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=middle.toPoint())
    assert not canvas.fit and canvas.zoom == 1.0


def test_info_panel_says_when_where_with_what_and_why(viewer, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    viewer.open_at(lisbon(lib), 0, full_screen=False)
    fields = {key: label.text() for key, label in viewer.info.fields.items()}
    assert fields["file"] == "lisbon_0.jpg  (1 of 6)"
    assert fields["taken"] == "12 Apr 2024, 10:00"
    assert fields["source"] == "from the camera (EXIF DateTimeOriginal)"
    assert fields["place"] == "Lisbon, Portugal"
    assert fields["coordinates"] == "38.72230° N, 9.13930° W"
    assert fields["camera"] == "Apple iPhone 12"
    assert fields["size"].startswith("320 × 240 px, ")
    assert fields["album"] == "Lisbon · 12–14 Apr 2024"
    assert fields["why"]
    qtbot.keyClick(viewer, Qt.Key.Key_I)
    assert viewer.info.isHidden()
    qtbot.keyClick(viewer, Qt.Key.Key_I)
    assert not viewer.info.isHidden()


def test_an_answer_for_a_photo_left_behind_is_ignored(viewer, browse_lib):
    lib, _, _, _ = browse_lib
    ids = lisbon(lib)
    viewer.detailsRequested.disconnect()
    viewer.open_at(ids, 0, full_screen=False)
    viewer.step(1)
    with Catalog(lib.paths, writer=False) as catalog:
        late = photo_details(catalog, ids[0])
    viewer.show_details(late)
    assert viewer.info.fields["taken"].text() == ""


def test_no_place_and_no_time_are_said_plainly(viewer, browse_lib):
    lib, _, _, _ = browse_lib
    viewer.open_at([lib.ids["scan0.jpg"]], 0, full_screen=False)
    assert viewer.info.fields["place"].text() == "no location in the file"
    assert viewer.info.fields["taken"].text() == "unknown"
    assert viewer.info.fields["album"].text() == "Unsorted"


def test_viewing_never_writes_a_file(viewer, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    before = {name: (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
              for name, path in lib.files.items()}
    viewer.open_at(list(lib.ids.values()), 0, full_screen=False)
    for _ in range(len(lib.ids)):
        qtbot.keyClick(viewer, Qt.Key.Key_Right)
        qtbot.keyClick(viewer, Qt.Key.Key_1)
    after = {name: (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
             for name, path in lib.files.items()}
    assert after == before


def test_a_missing_file_is_said_not_crashed(qtbot, browse_lib, tmp_path):
    lib, snapshot, _, _ = browse_lib
    photos = replace(snapshot.photos, paths=[str(tmp_path / "gone.jpg")] * len(snapshot.photos))
    widget = PhotoViewer(pool=SyncPool())
    qtbot.addWidget(widget)
    widget.set_photos(photos)
    widget.open_at([lib.ids["rome_0.jpg"]], 0, full_screen=False)
    assert widget.canvas.pixmap is None and "cannot be shown" in widget.canvas.message


def test_decoding_runs_off_the_gui_thread(qtbot, browse_lib):
    lib, snapshot, _, _ = browse_lib
    widget = PhotoViewer()  # its own thread pool
    qtbot.addWidget(widget)
    widget.set_photos(snapshot.photos)
    widget.open_at([lib.ids["paris_0.jpg"], lib.ids["paris_1.jpg"]], 0, full_screen=False)
    qtbot.waitUntil(lambda: widget.canvas.pixmap is not None and widget.canvas.pixmap.width() == 320)
    qtbot.waitUntil(lambda: len(widget._images) == 2)  # the next photo is decoded ahead
    widget.shutdown()


def test_the_video_hook(viewer, browse_lib):
    lib, snapshot, _, _ = browse_lib
    clip = lib.ids["rome_0.jpg"]
    viewer.set_photos(snapshot.photos, {clip: "MP4"})
    viewer.open_at([clip], 0, full_screen=False)
    assert "video" in viewer.canvas.message.lower() and viewer.canvas.pixmap is None
    played: list[str] = []
    viewer.video_backend = lambda path, parent: (played.append(path), QWidget(parent))[1]
    viewer.go_to(0)
    assert played == [str(lib.files["rome_0.jpg"])]
