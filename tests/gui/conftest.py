"""GUI fixtures: settings in a temp file, a window over a fresh library, photos of two trips, real drops."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("PySide6", reason="the window needs PySide6")

from PySide6.QtCore import QSettings

from album_app.library import resolve_library

REPO = Path(__file__).resolve().parents[2]
ENCODER = REPO / "assets" / "encoder.onnx"
LISBON = (38.7223, -9.1393)
PARIS = (48.8566, 2.3522)


@pytest.fixture
def needs_encoder() -> None:
    if not ENCODER.is_file():
        pytest.skip(f"needs the bundled encoder at {ENCODER} (made by the model work), which is absent")


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """Never the person's own settings: an INI file in the test's folder."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def two_trips(tmp_path: Path, make_photo: Callable[..., Path]) -> tuple[Path, list[Path], list[Path]]:
    """Two events a month and 1,450 km apart, six photos each, with EXIF time and GPS."""
    photos = tmp_path / "photos"
    start = datetime(2024, 4, 12, 10)
    lisbon = [
        make_photo(
            photos / "lisbon" / f"L{i}.jpg",
            seed=i,
            taken=start + timedelta(hours=7 * i),
            gps=(LISBON[0] + i * 1e-3, LISBON[1]),
        )
        for i in range(6)
    ]
    paris = [
        make_photo(
            photos / "paris" / f"P{i}.jpg",
            seed=100 + i,
            taken=start + timedelta(days=30, hours=3 * i),
            gps=(PARIS[0], PARIS[1] + i * 1e-3),
        )
        for i in range(6)
    ]
    return photos, lisbon, paris


WindowFactory = Callable[..., object]


@pytest.fixture
def open_window(qtbot, tmp_path: Path, settings: QSettings) -> Iterator[WindowFactory]:
    """``open_window(sync=True)``: a MainWindow over ``tmp_path/library``.

    sync=True runs every catalog job at once on the test's thread (deterministic); sync=False uses the
    real worker threads. Scans analyse in-process (workers=0): no process pool in tests.
    """
    from album_app.gui.main_window import MainWindow
    from album_app.gui.session import LibrarySession
    from album_app.gui.workers import SyncPool

    windows: list[MainWindow] = []

    def make(*, sync: bool = True, library: Path | None = None) -> MainWindow:
        paths = resolve_library(library or tmp_path / "library")
        session = LibrarySession(paths, pool_factory=SyncPool if sync else None, scan_workers=0)
        window = MainWindow(session, settings)
        qtbot.addWidget(window)
        window.resize(1100, 700)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture(scope="module")
def browse_lib(tmp_path_factory):
    """The browsing views' library (tests/gui/browse_library.py): (library, snapshot, BrowseData, CodeIndex),
    one per test module; tests that edit it only add albums."""
    from browse_library import build_browse_library, read_browse

    lib = build_browse_library(tmp_path_factory.mktemp("browse"))
    return (lib, *read_browse(lib))
