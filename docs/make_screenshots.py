"""Render each view of the real window: ``python docs/make_screenshots.py OUT_DIR`` (``make screenshots``).

Builds a sample library in a temporary folder from ../shared/data (the exif-samples GPS walk in
Arezzo, plus intel-scenes photos given synthetic EXIF time, place and camera in temporary copies;
the originals are never touched), runs the real app on it (scan, embed, cluster in worker threads) at
1280×800 and drives it as a person would: keys for the views, clicks on the map. Under a real X server
(``make screenshots`` runs it in xvfb-run) the screen is captured with ImageMagick's ``import``, so the
full-screen viewer is a real window; without one (offscreen) each window renders itself. PNGs are cut to
256 colours to stay small. Writes OUT_DIR/{empty, albums, grid, timeline, places, places-route, search,
similar, viewer, map, progress}.png.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

SIZE = (1280, 800)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Trip:
    folder: str
    scenes: tuple[str, ...]
    count: int
    start: datetime
    place: tuple[float, float]
    camera: tuple[str, str]
    days: int = 3
    stops: tuple[tuple[float, float], ...] = ()  # a road trip: the places it passes, in order (else ``place``)


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
    # Along the coast, each stop well within a day's 50 km of the last: one album with a route on the map.
    Trip(
        "2023-09 Riviera",
        ("sea", "street", "mountain"),
        15,
        datetime(2023, 9, 2, 9),
        (43.710, 7.262),
        ("Apple", "iPhone 12"),
        4,
        ((43.775, 7.497), (43.738, 7.424), (43.710, 7.262), (43.580, 7.125), (43.552, 7.017)),
    ),
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
            centre = spec.stops[i * len(spec.stops) // spec.count] if spec.stops else spec.place
            place = (centre[0] + rng.uniform(-0.02, 0.02), centre[1] + rng.uniform(-0.02, 0.02))
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
    """Let the workers answer, thumbnails arrive and paints happen."""
    loader = window.thumbnails  # type: ignore[attr-defined]
    session = window.session  # type: ignore[attr-defined]
    end = time.monotonic() + seconds
    wait_until(
        lambda: time.monotonic() > end and not loader._pending and not session.reads.busy
        and not session.browse_reads.busy,
        60,
        "thumbnails and reads",
    )


def on_screen() -> bool:
    return bool(os.environ.get("DISPLAY")) and os.environ.get("QT_QPA_PLATFORM") == "xcb" and bool(
        shutil.which("import")
    )


def grab(widget: object, path: Path) -> None:
    """The screen (a real X server) or the widget itself, cut to 256 colours."""
    from PIL import Image

    if on_screen():
        subprocess.run(["import", "-window", "root", str(path)], check=True)
    else:
        widget.grab().save(str(path))  # type: ignore[attr-defined]
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def key(widget: object, key_code: object, modifier: object = None) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QTest.keyClick(widget, key_code, modifier or Qt.KeyboardModifier.NoModifier)  # type: ignore[arg-type]
    if modifier is not None:  # Qt keeps the last event's modifiers as held: let go, as a hand would
        QTest.keyRelease(widget, Qt.Key.Key_Control)  # type: ignore[arg-type]
    QApplication.processEvents()


def choose_album(window: object, album_id: int | None) -> None:
    window.album_list.setCurrentIndex(window.album_model.index_of(album_id))  # type: ignore[attr-defined]


def first_import(window: object, out: Path, first: list[Path]) -> list[Path]:
    """albums.png and grid.png: the albums suggested, then a photo chosen with its details beside it."""
    from PySide6.QtCore import QItemSelectionModel

    session = window.session  # type: ignore[attr-defined]
    window.add_folders(first)  # type: ignore[attr-defined]
    wait_until(
        lambda: not session.busy and not window.snapshot.empty and not session.reads.busy  # type: ignore
        and not session.background.busy,
        300,
        "the first import",
    )
    lisbon = next(a for a in window.album_model.albums() if a.place == "Lisbon")  # type: ignore[attr-defined]
    choose_album(window, lisbon.id)
    window.grid.set_thumb_size(128)  # type: ignore[attr-defined]
    settle(window)
    written = [out / "albums.png"]
    grab(window, written[-1])
    # A photo chosen, details beside it: the one whose time came from its file name, if placed here.
    grid, model = window.grid, window.grid_model  # type: ignore[attr-defined]
    members = model.photo_ids
    photos = window.snapshot.photos  # type: ignore[attr-defined]
    hinted = [p for p in members if "-WA" in photos.paths[photos.position[p]]]
    chosen = hinted[0] if hinted else members[min(5, len(members) - 1)]
    selection = grid.selectionModel()
    for photo in members[:3]:
        selection.select(model.index(model.row_of(photo)), QItemSelectionModel.SelectionFlag.Select)
    selection.setCurrentIndex(model.index(model.row_of(chosen)), QItemSelectionModel.SelectionFlag.Select)
    grid.setFocus()
    inspector = window.inspector  # type: ignore[attr-defined]
    wait_until(lambda: inspector.details is not None and inspector.details.id == chosen, 30, "photo details")
    settle(window)
    written.append(out / "grid.png")
    grab(window, written[-1])
    return written


def browsing_views(window: object, out: Path) -> list[Path]:
    """timeline, places, places-route, search, similar and viewer.png: each view driven by its keys."""
    from PySide6.QtCore import QItemSelectionModel, QPointF, Qt
    from PySide6.QtTest import QTest

    ctrl = Qt.KeyboardModifier.ControlModifier
    written: list[Path] = []
    albums = {a.name.split(" · ")[0]: a for a in window.album_model.albums()}  # type: ignore[attr-defined]
    grid = window.grid  # type: ignore[attr-defined]

    # Timeline: On this day above (the sample's Lisbon trip was in mid-July 2023), July 2023 in view.
    key(grid, Qt.Key.Key_2, ctrl)
    settle(window)
    timeline = window.timeline  # type: ignore[attr-defined]
    timeline.go_to("15 Jul 2023")
    key(timeline.view, Qt.Key.Key_Right)
    settle(window, 0.8)
    written.append(out / "timeline.png")
    grab(window, written[-1])

    # Places: every photo's place; a click on the largest marker lists its photos beside the map.
    key(timeline.view, Qt.Key.Key_3, ctrl)
    settle(window)
    places = window.places  # type: ignore[attr-defined]
    places.setFocus()
    key(places, Qt.Key.Key_0)
    level = places.data.level(places.zoom)
    xs, ys = places.to_pixels(level.x, level.y)
    biggest = int(np.argmax(level.counts))
    point = QPointF(float(xs[biggest]), float(ys[biggest])).toPoint()
    QTest.mouseClick(places, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    settle(window, 0.8)
    written.append(out / "places.png")
    grab(window, written[-1])
    # An album chosen in the sidebar: its places joined in time order (the trip along the coast).
    trip = max((a for a in albums.values() if not a.is_unsorted), key=lambda a: _spread(window, a.members))
    choose_album(window, trip.id)
    settle(window, 0.6)
    written.append(out / "places-route.png")
    grab(window, written[-1])

    # Search: Ctrl+F, a place and a year typed, the results below.
    key(places, Qt.Key.Key_F, ctrl)
    search = window.search  # type: ignore[attr-defined]
    QTest.keyClicks(search.field, "paris 2022")
    search.run()  # what the pause after typing does
    key(search.field, Qt.Key.Key_Down)
    settle(window, 0.8)
    written.append(out / "search.png")
    grab(window, written[-1])

    # More like this: a Chamonix photo in its album's grid, Ctrl+L; two of the results chosen.
    key(search.grid, Qt.Key.Key_1, ctrl)
    chamonix = next(a for name, a in albums.items() if name.startswith("Chamonix"))
    choose_album(window, chamonix.id)
    grid.setFocus()
    grid.setCurrentIndex(window.grid_model.index(2))  # type: ignore[attr-defined]
    key(grid, Qt.Key.Key_L, ctrl)
    similar = window.similar  # type: ignore[attr-defined]
    wait_until(lambda: len(similar.neighbours) > 0, 30, "more like this")
    chosen = similar.grid.selectionModel()
    for row in (0, 1):
        chosen.select(similar.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    similar.albums.setCurrentIndex(similar.albums.findData(chamonix.id))
    settle(window, 0.8)
    written.append(out / "similar.png")
    grab(window, written[-1])

    # The viewer: Enter on a photo of the album's grid (the walk in Arezzo: 640 px photos); full screen.
    key(similar.grid, Qt.Key.Key_1, ctrl)
    walk = next((a for name, a in albums.items() if "Arezzo" in name), chamonix)
    choose_album(window, walk.id)
    grid.setFocus()
    grid.setCurrentIndex(window.grid_model.index(2))  # type: ignore[attr-defined]
    key(grid, Qt.Key.Key_Return)
    viewer = window.viewer  # type: ignore[attr-defined]
    wait_until(lambda: viewer.isVisible() and viewer.info.fields["taken"].text() != "", 30, "the viewer")
    settle(window, 0.8)
    written.append(out / "viewer.png")
    grab(viewer, written[-1])
    key(viewer, Qt.Key.Key_Escape)
    return written


def _spread(window: object, photo_ids: list[int]) -> float:
    """How far apart an album's places are (degrees): the road trip's is the widest."""
    places = window.browsing.data.places  # type: ignore[attr-defined]
    where = places.indices_of(photo_ids)
    return float(np.ptp(places.lat[where]) + np.ptp(places.lon[where])) if len(where) else 0.0


def look_map(window: object, out: Path, album_name: str) -> Path:
    """map.png: the model's map of the library, a dot of the chosen album hovered."""
    from PySide6.QtCore import Qt

    key(window.grid, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    session, look = window.session, window.map  # type: ignore[attr-defined]
    wait_until(lambda: look.data is not None and not session.reads.busy, 60, "the map")
    album = next(a for a in window.album_model.albums() if a.name.startswith(album_name))  # type: ignore
    choose_album(window, album.id)
    data = look.data
    label = data.album_ids.index(album.id) if album.id in data.album_ids else 0
    candidates = [i for i, lab in enumerate(data.labels.tolist()) if lab == label]
    look._hover = candidates[len(candidates) // 2] if candidates else 0  # as a person pointing at one
    look.repaint()
    settle(window, 0.6)
    path = out / "map.png"
    grab(window, path)
    return path


def second_import(window: object, out: Path, second: list[Path]) -> Path:
    """progress.png: a second import, caught half-way. Each file is slowed a little so the shot does not
    depend on how fast this machine is; the scan itself is the real one."""
    import album_app.ingest.scan as scan_module

    window.tabs.setCurrentIndex(0)  # type: ignore[attr-defined]
    session = window.session  # type: ignore[attr-defined]
    analyse = scan_module.analyse

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.08)
        return analyse(*args, **kwargs)

    scan_module.analyse = slow  # type: ignore[assignment]
    try:
        window.add_folders(second)  # type: ignore[attr-defined]
        bar = window.progress.bar  # type: ignore[attr-defined]
        wait_until(lambda: bar.maximum() > 0 and bar.value() >= bar.maximum() * 0.4, 120, "the scan")
        time.sleep(0.2)
        path = out / "progress.png"
        grab(window, path)
        wait_until(lambda: not session.busy, 300, "the second import")
    finally:
        scan_module.analyse = analyse  # type: ignore[assignment]
    return path


def render(out: Path, data: Path = DATA) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from datetime import date

    from PySide6.QtCore import QSettings

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
        window.browsing.today = lambda: date(2025, 7, 15)  # a day the sample has photos of, years ago
        window.move(0, 0)
        window.resize(*SIZE)
        window.show()
        window.activateWindow()
        wait_until(lambda: window._loaded_once and window.isActiveWindow(), 30, "the first snapshot")
        settle(window)
        written = [out / "empty.png"]
        grab(window, written[-1])
        written += first_import(window, out, first)
        written += browsing_views(window, out)
        written.append(look_map(window, out, "Lisbon"))
        written.append(second_import(window, out, second))
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
