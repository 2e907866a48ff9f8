"""Starting and stopping: a second instance is refused, errors are sentences, settings are remembered."""

from __future__ import annotations

import sqlite3
import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from album_app.catalog import Catalog
from album_app.exit_codes import EXIT_ERROR, EXIT_OK
from album_app.gui import app as app_module
from album_app.gui.errors import human_message, install_excepthook
from album_app.library import resolve_library


def test_a_second_instance_on_the_same_library_is_refused(tmp_path, monkeypatch, qapp):
    library = tmp_path / "library"
    shown: list[str] = []
    monkeypatch.setattr(app_module, "show_fatal", shown.append)
    with Catalog(resolve_library(library), writer=True):  # the first album_app holds the library
        assert app_module.run_app(str(library), []) == EXIT_ERROR
    assert len(shown) == 1 and "open in another album_app process" in shown[0]
    assert "Traceback" not in shown[0]


def test_run_app_opens_and_closes_the_library(tmp_path, monkeypatch, qapp):
    library = tmp_path / "library"
    # run_app uses the default QSettings: point the user scope at the test's folder.
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "config"))
    opened = []
    # Other tests of this worker may have left closed windows behind: take the one run_app makes.
    earlier = {id(w) for w in QApplication.topLevelWidgets()}

    def exec_once(self):
        window = next(
            w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow" and id(w) not in earlier
        )
        opened.append(window.isVisible())
        window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_once)
    assert app_module.run_app(str(library), []) == EXIT_OK
    assert opened == [True]
    with Catalog(resolve_library(library), writer=True):  # the lock was released
        pass


def test_uncaught_exceptions_are_logged_and_shown_as_sentences():
    shown: list[str] = []
    previous = install_excepthook(shown.append)
    try:
        try:
            raise ValueError("codes have 64 columns, expected 128")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = previous
    assert shown == ["Something went wrong: codes have 64 columns, expected 128. The details were written to the log."]


def test_human_messages():
    from album_app.services.export import ExportError

    assert human_message(ExportError("The disk is full.")) == "The disk is full."
    assert human_message(PermissionError(13, "Permission denied", "/photos")) == "Permission denied: /photos"
    full = human_message(sqlite3.OperationalError("database or disk is full"))
    assert "is full" in full and "nothing was changed" in full
    assert "is damaged" in human_message(sqlite3.DatabaseError("database disk image is malformed"))


def test_window_remembers_geometry_and_folders(open_window, settings, tmp_path):
    window = open_window()
    window.resize(900, 640)
    window._remember_folders([tmp_path / "a", tmp_path / "b"])
    window.close()
    again = open_window(library=tmp_path / "other")
    assert (again.width(), again.height()) == (1100, 700)  # the fixture resizes; geometry was restored first
    assert settings.value("folders/recent") == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert [a.text() for a in again.recent_menu.actions()] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert settings.value("window/geometry") is not None


def test_main_widgets_have_accessible_names(open_window):
    window = open_window()
    for widget in (
        window.album_list,
        window.grid,
        window.map,
        window.inspector,
        window.drop_zone,
        window.progress,
        window.tabs,
    ):
        assert widget.accessibleName(), type(widget).__name__
