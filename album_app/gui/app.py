"""Start the window: one QApplication, the library opened for writing (or a clear refusal), an excepthook."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from album_app.catalog import CatalogError
from album_app.exit_codes import EXIT_ERROR
from album_app.gui.errors import install_excepthook, setup_logging
from album_app.library import resolve_library


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The process's QApplication (reused when one exists, as under pytest-qt)."""
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional scaling (125 %, 150 %) as the desktop asks, not rounded to whole pixels.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName("album_app")
    app.setApplicationName("album_app")
    app.setApplicationDisplayName("Album App")
    # The .desktop id, so that Wayland/GNOME match the window to its launcher and icon.
    app.setDesktopFileName("io.github.album_app.AlbumApp")
    icon = application_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def application_icon() -> QIcon | None:
    """The app's icon from assets/ (a source checkout, a wheel's share/ or the bundle), if present."""
    from album_app.models.encoder import default_model_path

    icons = default_model_path().parent / "icons" / "hicolor"
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        path = icons / f"{size}x{size}" / "apps" / "io.github.album_app.AlbumApp.png"
        if path.is_file():
            icon.addFile(str(path))
    return None if icon.isNull() else icon


def show_fatal(text: str) -> None:
    """A message before (or instead of) the window; tests replace it."""
    QMessageBox.critical(None, "Album App", text)


def run_app(library: str | None, folders: list[Path]) -> int:
    """Open ``library`` (None: the default) in a window; ``folders`` are scanned as if dropped on it."""
    from album_app.gui.main_window import MainWindow
    from album_app.gui.session import LibrarySession

    app = create_application()
    paths = resolve_library(library)
    setup_logging(paths.logs)
    try:
        session = LibrarySession(paths)
    except CatalogError as error:  # another album_app has this library, or the catalog is unusable
        show_fatal(str(error))
        return EXIT_ERROR
    window = MainWindow(session)
    previous_hook = install_excepthook(window.show_message)
    # Ctrl-C in the terminal closes the window safely (Python only sees signals between Qt events).
    previous_sigint = signal.signal(signal.SIGINT, lambda *_: window.close())
    ticker = QTimer()
    ticker.timeout.connect(lambda: None)
    ticker.start(300)
    window.show()
    if folders:
        QTimer.singleShot(0, lambda: window.add_folders(folders))
    try:
        code = app.exec()
    finally:
        ticker.stop()
        signal.signal(signal.SIGINT, previous_sigint)
        sys.excepthook = previous_hook
        window.close()  # no-op when the person closed it; otherwise cancels work and closes the catalog
    return int(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The `album-app-window` gui-script: ``[--library PATH] [FOLDER ...]``."""
    parser = argparse.ArgumentParser(prog="album-app-window", description="Open the album_app window.")
    parser.add_argument("--library", metavar="PATH", default=None, help="library folder or catalog file")
    parser.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to scan, as if dropped on the window")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    return run_app(args.library, [Path(f) for f in args.folders])


if __name__ == "__main__":
    sys.exit(main())
