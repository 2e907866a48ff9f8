"""Rotation suggestions in the window: judged in the background after opening and after a scan, shown in the
inspector (text and a turned preview) and on grid tiles, carried by an export when asked. Never written."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from rotation_photos import landscape

from album_app.catalog import Catalog
from album_app.catalog.extras import store_rotations
from album_app.cli import main
from album_app.exit_codes import EXIT_OK
from album_app.gui.dialogs.export import ExportDialog
from album_app.gui.models import Roles, turn_text
from album_app.gui.views.inspector import PhotoInspector
from album_app.library import resolve_library
from album_app.models.rotation import RotationModel


def photo_folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    photos = tmp_path / "photos"
    return photos, landscape(photos / "upright.jpg"), landscape(photos / "sideways.jpg", 1)


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, dict[str, int], Path]:
    """tmp_path/library (where open_window looks) with the two photos indexed; no codes, no albums."""
    photos, _, sideways = photo_folder(tmp_path)
    root = tmp_path / "library"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--library", str(root), "scan", str(photos), "--quiet", "--workers", "0", "--no-embed"])
    assert code == EXIT_OK
    with Catalog(resolve_library(root), writer=False) as catalog:
        ids = {Path(p).name: int(i) for i, p in catalog.conn.execute("SELECT id, path FROM photos")}
    return root, ids, sideways


def stored_rows(root: Path) -> dict[int, tuple[int, str]]:
    with Catalog(resolve_library(root), writer=False) as catalog:
        rows = catalog.conn.execute("SELECT photo_id, quarter_turns, model_id FROM rotation_suggestions")
        return {int(p): (int(t), str(m)) for p, t, m in rows}


def tile(window, photo_id: int):
    row = window.grid_model.row_of(photo_id)
    assert row is not None
    return window.grid_model.index(row)


def test_a_stored_suggestion_shows_in_the_inspector_and_on_its_tile(open_window, library):
    root, ids, sideways = library
    before = sideways.read_bytes()
    model_id = RotationModel.load().model_id
    with Catalog(resolve_library(root), writer=True) as catalog, catalog.transaction() as conn:
        # Every photo answered already: the window only reads (a quarter turn left, 87 % sure).
        store_rotations(conn, model_id, [(ids["sideways.jpg"], 3, 0.87), (ids["upright.jpg"], 0, 0.99)])
    window = open_window()
    assert set(window.session.rotations) == {ids["sideways.jpg"]}
    assert tile(window, ids["sideways.jpg"]).data(Roles.SuggestedTurn) == 3
    assert tile(window, ids["upright.jpg"]).data(Roles.SuggestedTurn) == 0
    tooltip = tile(window, ids["sideways.jpg"]).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("sideways.jpg") and "looks turned: rotate 90° counter-clockwise (87 %)" in tooltip
    assert "looks turned" not in tile(window, ids["upright.jpg"]).data(Qt.ItemDataRole.ToolTipRole)
    assert not window.grid.grab().isNull()  # the tile paints its "turned" badge without error

    window.reveal_photo(ids["sideways.jpg"])
    inspector = window.inspector
    assert inspector.turn_text.text() == "Looks turned: rotate 90° counter-clockwise (87 %)"
    assert not inspector.turn_box.isHidden()
    window.reveal_photo(ids["upright.jpg"])
    assert inspector.turn_box.isHidden()
    assert stored_rows(root)[ids["sideways.jpg"]] == (3, model_id)  # read, not re-judged
    assert sideways.read_bytes() == before  # shown, never written
    assert window.progress.isHidden() and not window.messages


def test_photos_not_looked_at_are_judged_in_the_background_when_the_window_opens(open_window, library):
    root, ids, _ = library
    assert stored_rows(root) == {}
    window = open_window()
    model_id = RotationModel.load().model_id
    assert stored_rows(root) == {ids["sideways.jpg"]: (1, model_id), ids["upright.jpg"]: (0, model_id)}
    assert list(window.session.rotations) == [ids["sideways.jpg"]]
    window.reveal_photo(ids["sideways.jpg"])
    assert window.inspector.turn_text.text().startswith("Looks turned: rotate 90° clockwise (")
    assert not window.session.rotation_jobs.busy and not window.session.writes.busy


def test_on_worker_threads_the_window_stays_free_and_the_suggestion_arrives(open_window, library, qtbot):
    root, ids, _ = library
    window = open_window(sync=False)
    qtbot.waitUntil(lambda: ids["sideways.jpg"] in window.session.rotations, timeout=20000)
    qtbot.waitUntil(lambda: not window.session._rotations_running, timeout=10000)
    assert window.grid_model.row_of(ids["sideways.jpg"]) is not None
    assert tile(window, ids["sideways.jpg"]).data(Roles.SuggestedTurn) == 1
    assert set(stored_rows(root)) == set(ids.values())


def test_photos_added_by_a_scan_are_judged_after_it(open_window, tmp_path, needs_encoder):
    photos, _, _ = photo_folder(tmp_path)
    window = open_window()
    assert window.session.rotations == {}
    window.add_folders([photos])
    assert len(window.session.rotations) == 1
    [(photo_id, row)] = window.session.rotations.items()
    assert row.quarter_turns == 1 and window.snapshot.photos.paths[window.snapshot.photos.position[photo_id]].endswith(
        "sideways.jpg"
    )


def test_a_chunked_pass_goes_on_past_unreadable_photos(open_window, library, monkeypatch):
    from album_app.gui import session as session_module

    root, ids, sideways = library
    monkeypatch.setattr(session_module, "ROTATION_CHUNK", 1)
    sideways.unlink()  # vanished since the scan: not answered, and the pass still reaches the next photo
    window = open_window()
    assert set(stored_rows(root)) == {ids["upright.jpg"]}
    assert window.session.rotations == {} and not window.session._rotations_running


def red_corner_pixmap() -> QPixmap:
    """40×20, grey with a red block in the top-left corner."""
    pixmap = QPixmap(40, 20)
    pixmap.fill(QColor(128, 128, 128))
    from PySide6.QtGui import QPainter

    painter = QPainter(pixmap)
    painter.fillRect(0, 0, 8, 8, QColor(255, 0, 0))
    painter.end()
    return pixmap


def test_the_inspector_shows_the_photo_turned_as_suggested(qtbot):
    inspector = PhotoInspector()
    qtbot.addWidget(inspector)
    inspector.set_preview(red_corner_pixmap())
    inspector.set_rotation(1, 0.9)
    assert inspector.turn_text.text() == turn_text(1, 0.9) == "Looks turned: rotate 90° clockwise (90 %)"
    image = inspector.turn_preview.pixmap().toImage()
    assert image.height() > image.width()  # a quarter turn: landscape becomes portrait
    assert QColor(image.pixel(image.width() - 2, 1)).red() > 200  # the red corner went to the top right
    assert QColor(image.pixel(1, 1)).red() < 200
    inspector.set_rotation(0)
    assert inspector.turn_box.isHidden() and inspector.turn_preview.pixmap().isNull()
    assert turn_text(2, 0.951) == "Looks turned: rotate 180° (95 %)" and turn_text(0, 0.99) == ""


def test_the_export_dialog_option_passes_through(open_window, library, settings, tmp_path, monkeypatch):
    _, _, sideways = library
    dialog = ExportDialog("")
    assert not dialog.turn_suggested()
    dialog.turn.click()
    assert dialog.turn_suggested()
    dialog.destination.setText(str(tmp_path / "out"))
    assert len(dialog.chosen()) == 3  # destination, mode, Unsorted: as before
    assert ExportDialog("", turn_suggested=True).turn_suggested()

    window = open_window()
    seen: list[bool] = []

    def accept(self: ExportDialog) -> int:
        seen.append(self.turn_suggested())
        self.destination.setText(str(tmp_path / "out"))
        self.turn.setChecked(True)
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window.export_albums()
    copy = tmp_path / "out" / "Unsorted" / "sideways.jpg"
    assert copy.is_file() and not copy.is_symlink()
    with Image.open(copy) as image:
        assert image.size == (96, 72)  # turned upright; the original is 72×96
    with Image.open(sideways) as image:
        assert image.size == (72, 96)
    assert (tmp_path / "out" / "Unsorted" / "upright.jpg").is_symlink()
    assert "1 turned upright" in window.status.text()
    window.export_albums()  # the choice is remembered
    assert seen == [False, True]


def test_a_pass_waits_while_a_scan_runs_and_goes_on_after_it(library):
    from album_app.gui.session import LibrarySession
    from album_app.gui.workers import Job, SyncPool

    root, ids, _ = library
    session = LibrarySession(resolve_library(root), pool_factory=SyncPool)
    try:
        seen = []

        def scan_like(ctx) -> None:  # a cancellable writer job, as a scan is
            session.suggest_rotations()
            seen.append((session._rotations_running, session._rotations_again, stored_rows(root)))

        session.writes.submit(Job("Adding photos", scan_like, cancellable=True))
        assert seen == [(False, True, {})]  # nothing judged while the scan ran
        assert list(session.rotations) == [ids["sideways.jpg"]]  # and done once the writer was idle
        assert set(stored_rows(root)) == set(ids.values()) and not session._rotations_again
    finally:
        session.close()


def test_closing_while_photos_are_judged_stops_at_once(open_window, library, monkeypatch, qtbot):
    import time

    from album_app.services import rotations

    root, _, _ = library
    slow = rotations.load_displayed  # what judge_photos calls for each photo
    monkeypatch.setattr(rotations, "load_displayed", lambda *a, **k: (time.sleep(0.5), slow(*a, **k))[1])
    window = open_window(sync=False)
    qtbot.waitUntil(lambda: window.session.rotation_jobs.running is not None, timeout=10000)
    assert window.session.rotation_jobs.running.label == "Looking for sideways photos"
    started = time.perf_counter()
    window.close()
    assert window.session._closed and time.perf_counter() - started < 5
    assert len(stored_rows(root)) < 2  # stopped between photos; nothing half-stored
    with Catalog(resolve_library(root), writer=True) as catalog:  # the writer lock is released
        assert catalog.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
