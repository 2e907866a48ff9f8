"""Render the window as a person first sees it: ``python docs/make_screenshots.py OUT_DIR``.

Builds a sample library in a temporary folder from ../shared/data (the exif-samples GPS walk in
Arezzo, plus intel-scenes photos given synthetic EXIF time, place and camera in temporary copies;
the originals are never touched), runs the real app on it (scan, embed, cluster in worker threads)
offscreen at 1280×800, and saves OUT_DIR/{empty,albums,grid,map,progress}.png.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SIZE = (1280, 800)
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass(frozen=True)
class Trip:
    folder: str
    scenes: tuple[str, ...]
    count: int
    start: datetime
    place: tuple[float, float]
    camera: tuple[str, str]
    days: int = 3


FIRST = (
    Trip(
        "2022-06 Black Forest",
        ("forest",),
        10,
        datetime(2022, 6, 4, 8, 30),
        (47.9990, 8.1500),
        ("Canon", "Canon EOS 80D"),
        2,
    ),
    Trip(
        "2022-10 Paris",
        ("street", "buildings"),
        16,
        datetime(2022, 10, 1, 9),
        (48.8566, 2.3522),
        ("Apple", "iPhone 12"),
    ),
    Trip(
        "2023-02 Chamonix",
        ("glacier", "mountain"),
        16,
        datetime(2023, 2, 18, 9),
        (45.9237, 6.8694),
        ("FUJIFILM", "X-T30"),
        4,
    ),
    Trip("2023-07 Lisbon", ("sea",), 16, datetime(2023, 7, 14, 10), (38.7077, -9.1366), ("Apple", "iPhone 12")),
)
SECOND = (
    Trip(
        "2024-05 Rome",
        ("buildings", "street"),
        60,
        datetime(2024, 5, 3, 9),
        (41.8986, 12.4769),
        ("SONY", "ILCE-7M3"),
        5,
    ),
)


def _exif(taken: datetime | None, place: tuple[float, float] | None, camera: tuple[str, str] | None) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    if camera:
        exif[0x010F], exif[0x0110] = camera
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if place:
        gps = exif.get_ifd(0x8825)
        for ref, value, (pos, neg), tag in ((1, place[0], ("N", "S"), 2), (3, place[1], ("E", "W"), 4)):
            gps[ref] = pos if value >= 0 else neg
            degrees = abs(value)
            minutes = (degrees - int(degrees)) * 60
            gps[tag] = (float(int(degrees)), float(int(minutes)), round((minutes - int(minutes)) * 60, 3))
    return exif.tobytes()


def _scene_copy(source: Path, target: Path, exif: bytes) -> None:
    """A temporary copy, upscaled a little (the scenes are 100 px) so thumbnails are not postage stamps."""
    from PIL import Image

    with Image.open(source) as image:
        image = image.convert("RGB").resize((320, 320), Image.Resampling.LANCZOS)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, "JPEG", quality=90, exif=exif)


def build_sample(data: Path, photos: Path) -> tuple[list[Path], list[Path]]:
    """Write the sample photos; returns (folders for the first import, folders for the second)."""
    rng = random.Random(7)
    scenes = data / "intel-scenes" / "train"
    used: dict[str, int] = {}

    def take(scene: str) -> Path:
        files = sorted((scenes / scene).glob("*.jpg"))
        index = used.get(scene, 0)
        used[scene] = index + 1
        return files[(index * 37) % len(files)]

    def trip(spec: Trip) -> Path:
        folder = photos / spec.folder
        for i in range(spec.count):
            taken = spec.start + timedelta(minutes=int(i * spec.days * 11 * 60 / spec.count) + rng.randint(0, 50))
            place = (spec.place[0] + rng.uniform(-0.02, 0.02), spec.place[1] + rng.uniform(-0.02, 0.02))
            _scene_copy(
                take(spec.scenes[i % len(spec.scenes)]),
                folder / f"IMG_{taken:%Y%m%d_%H%M%S}.jpg",
                _exif(taken, place, spec.camera),
            )
        return folder

    first = [trip(spec) for spec in FIRST]
    walk = photos / "2008-10 Arezzo"
    walk.mkdir(parents=True)
    for source in sorted((data / "exif-samples" / "jpg" / "gps").glob("*.jpg")):
        shutil.copyfile(source, walk / source.name)  # copyfile: a writable copy, not the read-only original
    first.append(walk)
    # Photos friends sent (messenger names carry a date, no EXIF) and photos of no trip at all.
    sent = photos / "From friends"
    for i in range(4):
        _scene_copy(take("sea"), sent / f"IMG-2023071{5 + i % 3}-WA000{i}.jpg", _exif(None, None, None))
    clothes = sorted((data / "clothing-small" / "test").glob("*/*.jpg"))[::97][:4]
    for i, source in enumerate(clothes):
        sent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, sent / f"shop-{i}.jpg")
    first.append(sent)
    second = [trip(spec) for spec in SECOND]
    return first, second


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not predicate():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")


def settle(window: object, seconds: float = 0.4) -> None:
    """Let thumbnails arrive and paints happen."""
    loader = window.thumbnails  # type: ignore[attr-defined]
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() > end and not loader._pending, 30, "thumbnails")


def grab(window: object, path: Path) -> None:
    window.grab().save(str(path))  # type: ignore[attr-defined]
    print(f"wrote {path}")


def render(out: Path, data: Path = DATA) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QItemSelectionModel, QSettings

    import album_app.ingest.scan as scan_module
    from album_app.gui.app import create_application
    from album_app.gui.main_window import MainWindow
    from album_app.gui.session import LibrarySession
    from album_app.library import resolve_library

    if not data.is_dir():
        raise SystemExit(f"needs the sample data at {data}")
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    with tempfile.TemporaryDirectory(prefix="album_app-shots-") as temp:
        root = Path(temp)
        first, second = build_sample(data, root / "photos")
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(root / "config"))
        settings = QSettings(str(root / "config" / "album_app.ini"), QSettings.Format.IniFormat)
        session = LibrarySession(resolve_library(root / "library"), scan_workers=0)
        window = MainWindow(session, settings)
        window.resize(*SIZE)
        window.show()
        wait_until(lambda: window._loaded_once, 30, "the first snapshot")
        settle(window)
        written = [out / "empty.png"]
        grab(window, written[-1])

        window.add_folders(first)
        wait_until(
            lambda: (
                not session.busy
                and not window.snapshot.empty
                and not session.reads.busy
                and not session.background.busy
            ),
            300,
            "the first import",
        )
        lisbon = next(a for a in window.album_model.albums() if a.place == "Lisbon")
        window.album_list.setCurrentIndex(window.album_model.index_of(lisbon.id))
        window.grid.set_thumb_size(128)
        settle(window)
        written.append(out / "albums.png")
        grab(window, written[-1])

        # A photo chosen, details beside it: the one whose time came from its file name, if placed here.
        members = window.grid_model.photo_ids
        paths = window.snapshot.photos
        hinted = [p for p in members if "-WA" in paths.paths[paths.position[p]]]
        chosen = hinted[0] if hinted else members[min(5, len(members) - 1)]
        selection = window.grid.selectionModel()
        for photo in members[:3]:
            selection.select(
                window.grid_model.index(window.grid_model.row_of(photo)), QItemSelectionModel.SelectionFlag.Select
            )
        selection.setCurrentIndex(
            window.grid_model.index(window.grid_model.row_of(chosen)), QItemSelectionModel.SelectionFlag.Select
        )
        window.grid.setFocus()
        wait_until(
            lambda: window.inspector.details is not None and window.inspector.details.id == chosen, 30, "photo details"
        )
        settle(window)
        written.append(out / "grid.png")
        grab(window, written[-1])

        window.tabs.setCurrentWidget(window.map)
        wait_until(lambda: window.map.data is not None and not session.reads.busy, 60, "the map")
        data_map = window.map.data
        assert data_map is not None
        window.map.update()
        settle(window)
        # Hover a dot of the selected album, as a person pointing at it would.
        window.map.repaint()
        label = data_map.album_ids.index(lisbon.id) if lisbon.id in data_map.album_ids else 0
        candidates = [i for i, lab in enumerate(data_map.labels.tolist()) if lab == label]
        window.map._hover = candidates[len(candidates) // 2] if candidates else 0
        window.map.repaint()
        settle(window, 0.6)
        written.append(out / "map.png")
        grab(window, written[-1])

        # A second import, caught half-way. Each file is slowed a little so the shot does not
        # depend on how fast this machine is; the scan itself is the real one.
        window.tabs.setCurrentIndex(0)
        analyse = scan_module.analyse

        def slow(*args: object, **kwargs: object) -> object:
            time.sleep(0.08)
            return analyse(*args, **kwargs)

        scan_module.analyse = slow  # type: ignore[assignment]
        try:
            window.add_folders(second)
            bar = window.progress.bar
            wait_until(lambda: bar.maximum() > 0 and bar.value() >= bar.maximum() * 0.4, 120, "the scan")
            settle(window, 0.2)
            written.append(out / "progress.png")
            grab(window, written[-1])
            wait_until(lambda: not session.busy, 300, "the second import")
        finally:
            scan_module.analyse = analyse  # type: ignore[assignment]
        window.close()
    app.processEvents()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python docs/make_screenshots.py OUT_DIR", file=sys.stderr)
        return 2
    render(Path(args[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
