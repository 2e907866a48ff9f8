"""A full disk, a read-only library and a damaged catalog each give one sentence and exit 1, never a
traceback, and leave the catalog as it was (issue 12, items 9 and 10)."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from album_app.catalog import store
from album_app.cli import main

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534


def run(library: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--library", str(library), *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def clustered(tmp_path, make_photo) -> tuple[Path, Path]:
    photos = tmp_path / "photos"
    start = datetime(2024, 6, 1, 10)
    for i in range(6):
        make_photo(photos / f"IMG_{i}.jpg", seed=i, taken=start + timedelta(hours=i), gps=(41.39, 2.17 + i * 1e-3))
    library = tmp_path / "library"
    for command in (["scan", str(photos), "--quiet", "--workers", "0"], ["cluster"]):
        code, _, err = run(library, *command)
        assert code == 0, err
    return library, photos


def catalog_rows(library: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{library / 'catalog.db'}?mode=ro", uri=True)
    try:
        return [tuple(r) for t in ("photos", "albums", "placements", "edits")
                for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1")]
    finally:
        conn.close()


class FullDiskConnection:
    """A catalog connection on a disk that just filled up: COMMIT fails as SQLite's does (SQLITE_FULL,
    "database or disk is full"), after SQLite has rolled the transaction back."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.strip().upper() == "COMMIT":
            self._conn.execute("ROLLBACK")
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


@pytest.fixture
def full_disk(monkeypatch):
    """Every commit fails as on a full disk, and the writer lock's pid cannot be written (ENOSPC)."""
    connect = store.Catalog._connect

    def connect_on_a_full_disk(self):
        conn = connect(self)
        return FullDiskConnection(conn) if self.writer else conn

    def pwrite(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.Catalog, "_connect", connect_on_a_full_disk)
    monkeypatch.setattr(store.os, "pwrite", pwrite)


@pytest.mark.parametrize("command", ["scan", "cluster", "rename"])
def test_a_full_disk_is_one_sentence_and_changes_nothing(clustered, make_photo, full_disk, command):
    library, photos = clustered
    for i in range(4):  # new photos: the scan has something to write
        make_photo(photos / "more" / f"NEW_{i}.jpg", seed=100 + i)
    before = catalog_rows(library)
    args = {"scan": ["scan", str(photos), "--quiet", "--workers", "0"], "cluster": ["cluster"],
            "rename": ["rename", "1", "A new name"]}[command]
    code, _, err = run(library, *args)
    assert code == 1
    assert "is full" in err and "Traceback" not in err, err
    assert catalog_rows(library) == before


def test_a_damaged_catalog_is_one_sentence_and_left_as_it_is(clustered):
    library, _ = clustered
    catalog = library / "catalog.db"
    conn = sqlite3.connect(catalog)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(catalog.read_bytes())
    data[page : len(data)] = bytes([0xA5]) * (len(data) - page)  # every page but the schema's is garbage
    catalog.write_bytes(bytes(data))
    for command in (["status"], ["albums"], ["photos"], ["cluster"], ["rename", "1", "x"]):
        code, _, err = run(library, *command)
        assert code == 1, command
        assert "is damaged" in err and "Traceback" not in err, (command, err)
    assert catalog.read_bytes() == bytes(data)


def test_a_path_that_is_a_photo_is_no_library(clustered, tmp_path):
    _, photos = clustered
    photo = photos / "IMG_0.jpg"
    before = sorted(os.listdir(photos))
    code, _, err = run(photo, "status")
    assert code == 1 and "not an album_app catalog" in err, err
    assert sorted(os.listdir(photos)) == before  # no writer.lock or catalog beside the photo


def as_reader_only(command: list[str]) -> subprocess.CompletedProcess[str] | None:
    """Run album-app as a user without write access: root may write anywhere, so root runs it as nobody
    (util-linux's setpriv). None when that cannot be done here."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            return None
        prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        probe = subprocess.run([*prefix, sys.executable, "-c", "import album_app"], cwd="/", capture_output=True,
                               env=env, timeout=120)
    except OSError:
        return None
    if probe.returncode != 0:
        return None
    return subprocess.run([*prefix, sys.executable, "-m", "album_app", *command], cwd="/", capture_output=True,
                          text=True, env=env, timeout=120)


def test_a_read_only_library_can_be_read_but_not_changed(clustered):
    library, _ = clustered
    shared = Path(tempfile.mkdtemp(prefix="album-app-ro-"))
    try:
        copy = shared / "library"
        shutil.copytree(library, copy)
        for path in [shared, *copy.rglob("*"), copy]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        before = catalog_rows(copy)
        result = as_reader_only(["--library", str(copy), "status"])
        if result is None:
            pytest.skip("cannot run Python as a user without write access here (the venv is not readable by nobody)")
        assert result.returncode == 0, result.stderr
        assert "6 indexed" in result.stdout
        for command in (["albums", "--json"], ["photos", "--json"]):
            result = as_reader_only(["--library", str(copy), *command])
            assert result.returncode == 0, result.stderr
        result = as_reader_only(["--library", str(copy), "cluster"])
        assert result.returncode == 1
        assert "read-only" in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert catalog_rows(copy) == before
    finally:
        for path in [shared, *shared.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(shared)
