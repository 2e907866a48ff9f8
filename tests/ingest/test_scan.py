"""The scan through the core API: incremental, moves, missing files, skips, interruption."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from album_app.catalog import Catalog
from album_app.catalog.photos import photo_records, status_counts
from album_app.ingest.scan import scan
from album_app.library import resolve_library
from album_app.progress import CancelToken

REPO = Path(__file__).resolve().parents[2]


def open_library(library: Path) -> Catalog:
    return Catalog(resolve_library(library))


def by_name(catalog: Catalog) -> dict[str, dict[str, object]]:
    return {Path(str(r["path"])).name: r for r in photo_records(catalog)}


def test_scan_indexes_and_skips_with_reasons(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    make_photo(photos / "a.jpg", taken=datetime(2024, 6, 12, 15, 30), gps=(38.7223, -9.1393))
    make_photo(photos / "sub" / "b.jpeg", seed=1)
    (photos / "notes.jpg").write_text("not a photo at all")
    (photos / "empty.jpg").write_bytes(b"")
    good = (photos / "a.jpg").read_bytes()
    (photos / "truncated.jpg").write_bytes(good[: len(good) // 3])
    with open_library(library) as catalog:
        summary = scan(catalog, [photos], workers=0)
        records = by_name(catalog)
    assert summary.found == 5
    assert records["a.jpg"]["status"] == "indexed"
    assert records["a.jpg"]["taken_at"] == "2024-06-12T15:30:00"
    assert abs(float(records["a.jpg"]["lat"]) - 38.7223) < 1e-3
    assert abs(float(records["a.jpg"]["lon"]) + 9.1393) < 1e-3
    assert records["b.jpeg"]["status"] == "indexed" and records["b.jpeg"]["taken_at"] is None
    assert records["notes.jpg"]["status"] == "skipped" and "not a photo" in str(records["notes.jpg"]["skip_reason"])
    assert records["empty.jpg"]["skip_reason"] == "empty file"
    # A truncated JPEG is either decoded partially (Pillow pads it) or skipped with a reason — never lost.
    assert records["truncated.jpg"]["status"] in ("indexed", "skipped")


def test_unchanged_files_are_not_read_again(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    for i in range(3):
        make_photo(photos / f"p{i}.jpg", seed=i)
    with open_library(library) as catalog:
        first = scan(catalog, [photos], workers=0)
        second = scan(catalog, [photos], workers=0)
        make_photo(photos / "p0.jpg", seed=99)  # edited in place: new content, same path
        os.utime(photos / "p0.jpg", ns=(time.time_ns(), time.time_ns() + 10**9))
        third = scan(catalog, [photos], workers=0)
    assert (first.indexed, second.indexed, second.unchanged) == (3, 0, 3)
    assert (third.indexed, third.unchanged) == (1, 2)


def test_moved_file_keeps_its_identity_and_vanished_file_is_marked_missing(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    make_photo(photos / "trip" / "a.jpg", seed=1)
    make_photo(photos / "trip" / "b.jpg", seed=2)
    with open_library(library) as catalog:
        scan(catalog, [photos], workers=0)
        before = by_name(catalog)
        (photos / "renamed").mkdir()
        shutil.move(photos / "trip" / "a.jpg", photos / "renamed" / "a-renamed.jpg")
        (photos / "trip" / "b.jpg").unlink()
        summary = scan(catalog, [photos], workers=0)
        after = by_name(catalog)
        counts = status_counts(catalog)
    assert after["a-renamed.jpg"]["id"] == before["a.jpg"]["id"]
    assert "a.jpg" not in after
    assert after["b.jpg"]["status"] == "missing"
    assert summary.missing == 1
    assert counts == {"indexed": 1, "missing": 1}


def test_missing_file_that_returns_is_indexed_again(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    photo = make_photo(photos / "a.jpg")
    with open_library(library) as catalog:
        scan(catalog, [photos], workers=0)
        hidden = tmp_path / "elsewhere.jpg"
        shutil.move(photo, hidden)
        scan(catalog, [photos], workers=0)
        assert by_name(catalog)["a.jpg"]["status"] == "missing"
        shutil.move(hidden, photo)
        scan(catalog, [photos], workers=0)
        assert by_name(catalog)["a.jpg"]["status"] == "indexed"


def test_hidden_system_folders_and_symlink_loops(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    make_photo(photos / "keep.jpg")
    make_photo(photos / ".Trash-1000" / "gone.jpg", seed=1)
    make_photo(photos / "@eaDir" / "thumb.jpg", seed=2)
    make_photo(photos / ".thumbnails" / "t.jpg", seed=3)
    (photos / "loop").symlink_to(photos, target_is_directory=True)
    with open_library(library) as catalog:
        summary = scan(catalog, [photos], workers=0)
        names = sorted(by_name(catalog))
    assert names == ["keep.jpg"]
    assert summary.found == 1


def test_parallel_scan_matches_serial_scan(tmp_path, make_photo):
    photos = tmp_path / "photos"
    for i in range(12):
        make_photo(photos / f"p{i:02d}.jpg", seed=i, taken=datetime(2023, 1, 1 + i, 12))
    (photos / "bad.jpg").write_text("nope")
    results = []
    for workers in (0, 2):
        with Catalog(resolve_library(tmp_path / f"lib{workers}")) as catalog:
            scan(catalog, [photos], workers=workers)
            results.append(
                sorted((Path(str(r["path"])).name, r["status"], r["taken_at"]) for r in photo_records(catalog))
            )
    assert results[0] == results[1]
    assert len(results[0]) == 13


def test_cancelled_scan_keeps_what_it_did_and_the_next_scan_resumes(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    for i in range(10):
        make_photo(photos / f"p{i}.jpg", seed=i)
    cancel = CancelToken()

    def stop_after_four(progress):
        if progress.done >= 4:
            cancel.cancel()

    with open_library(library) as catalog:
        first = scan(catalog, [photos], workers=0, cancel=cancel, progress=stop_after_four, batch_size=2)
        assert first.cancelled
        assert status_counts(catalog)["indexed"] == 4
        second = scan(catalog, [photos], workers=0)
    assert not second.cancelled
    assert (second.unchanged, second.indexed) == (4, 6)


def _catalog_is_consistent(catalog_path: Path) -> int:
    conn = sqlite3.connect(catalog_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = conn.execute(
            "SELECT count(*) FROM photos p LEFT JOIN photo_meta m ON m.photo_id = p.id"
            " WHERE p.status = 'indexed' AND m.photo_id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
        return int(conn.execute("SELECT count(*) FROM photos").fetchone()[0])
    finally:
        conn.close()


def _start_cli_scan(library: Path, photos: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "album_app", "--library", str(library), "scan", str(photos),
         "--no-embed", "--workers", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "ALBUM_APP_TEST_SLOW_S": "0.03"},  # >= 4.5 s for 150 photos: the signal lands mid-scan
    )


def _wait_for_rows(catalog_path: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if catalog_path.exists():
            try:
                conn = sqlite3.connect(f"{catalog_path.as_uri()}?mode=ro", uri=True)
                count = conn.execute("SELECT count(*) FROM photos").fetchone()[0]
                conn.close()
                if count:
                    return
            except sqlite3.Error:
                pass
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    """Child processes of ``pid`` (Linux /proc), e.g. the scan's workers."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children += [int(c) for c in task.read_text().split()]
    return children


def _many_photos(folder: Path, make_photo, count: int) -> Path:
    for i in range(count):
        make_photo(folder / f"p{i:03d}.jpg", seed=i, size=(640, 480))
    return folder


def test_kill_9_mid_scan_leaves_a_consistent_catalog_and_the_scan_resumes(tmp_path, library, make_photo):
    photos = _many_photos(tmp_path / "photos", make_photo, 150)
    process = _start_cli_scan(library, photos)
    _wait_for_rows(library / "catalog.db", process)
    workers = _children(process.pid)
    process.kill()
    process.wait()
    assert workers, "the scan ran no worker processes"
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "workers outlived the killed scan"
    written = _catalog_is_consistent(library / "catalog.db")
    assert written < 150, "the scan finished before it could be killed; make the fixture larger"
    rerun = subprocess.run(
        [sys.executable, "-m", "album_app", "--library", str(library), "scan", str(photos), "--no-embed", "--json",
         "--workers", "1"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    assert '"indexed": ' + str(150 - written) in rerun.stdout
    assert _catalog_is_consistent(library / "catalog.db") == 150


def test_ctrl_c_stops_cleanly_with_exit_130(tmp_path, library, make_photo):
    photos = _many_photos(tmp_path / "photos", make_photo, 150)
    process = _start_cli_scan(library, photos)
    _wait_for_rows(library / "catalog.db", process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()
    assert b"Traceback" not in stderr
    assert b"resume" in stderr
    assert 0 < _catalog_is_consistent(library / "catalog.db") < 150


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("ALBUM_APP_TEST_CRASH_ON", "the image decoder crashed on this file"),
        ("ALBUM_APP_TEST_HANG_ON", "the image decoder hung on this file (no result in 2 s)"),
    ],
)
def test_a_decoder_that_crashes_or_hangs_costs_one_file_not_the_scan(
    tmp_path, library, make_photo, monkeypatch, fault, reason
):
    from album_app.ingest import scan as scan_module

    photos = tmp_path / "photos"
    for i in range(8):
        make_photo(photos / f"p{i}.jpg", seed=i)
    make_photo(photos / "poison.jpg", seed=99)
    monkeypatch.setenv(fault, "poison")  # spawned workers read it at import
    monkeypatch.setattr(scan_module, "STALL_S", 2.0)
    with open_library(library) as catalog:
        summary = scan(catalog, [photos], workers=2)
        records = by_name(catalog)
    assert summary.indexed == 8
    assert records["poison.jpg"]["status"] == "skipped"
    assert records["poison.jpg"]["skip_reason"] == reason
