"""An export killed (kill -9) or stopped by a full disk part-way, or hard-linking onto another filesystem
(issue 12, item 1): the re-run adopts or removes all its own partial work (no file it made is ever "not made
by album_app"), a full disk is one clear message with exit 1 and the previous manifest whole, hard links that
cannot be made are copies said once, and `export` exits non-zero when photos failed. Originals never change.

The kill -9 test uses the export's one test seam, ALBUM_APP_EXPORT_TEST_PAUSE_S (services/export.py), to be
slow enough to be killed part-way; the other interruptions are made in this process, at every step."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from export_helpers import cli, listing, manifest_files, only_photos, scanned_library, sha, snapshot

from album_app.faults import EXPORT_PAUSE_S as TEST_PAUSE_ENV
from album_app.services import export_store
from album_app.services.export import MANIFEST, ExportAlbum, export

REPO = Path(__file__).resolve().parents[2]


def names(photos: list[Path]) -> list[str]:
    return [p.name for p in photos]


def assert_clean_copy_export(dest: Path, photos: list[Path], folder: str = "Unsorted") -> None:
    """DEST holds the manifest and one exact copy of each photo, nothing else (no partial, journal, staging)."""
    assert listing(dest) == only_photos(dest, folder, names(photos))
    assert all(sha(dest / folder / p.name) == sha(p) for p in photos)
    assert sorted(manifest_files(dest)) == [f"{folder}/{p.name}" for p in photos]


# -- kill -9 -------------------------------------------------------------------------------------------


def killed_part_way(library: Path, dest: Path, mode: str, at_least: int) -> None:
    """`album-app export` in a process of its own, killed with SIGKILL once ``at_least`` photos are in DEST."""
    env = {**os.environ, TEST_PAUSE_ENV: "0.01", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "album_app", "--library", str(library), "export", str(dest), "--mode", mode]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if (dest / "Unsorted").is_dir() and len(os.listdir(dest / "Unsorted")) >= at_least:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    process.wait()
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert process.returncode == -signal.SIGKILL, f"the export was not killed part-way: {stderr}"


@pytest.mark.parametrize("mode", ["copy", "symlink"])
def test_kill_9_part_way_then_a_rerun_adopts_or_removes_its_own_work(tmp_path, make_photo, mode):
    library, photos = scanned_library(tmp_path, make_photo, 120)
    before = snapshot(photos)
    dest = tmp_path / "out"
    killed_part_way(library, dest, mode, at_least=15)
    killed_part_way(library, dest, mode, at_least=60)  # killed again, while it carries on
    code, out, err = cli("--library", str(library), "export", str(dest), "--mode", mode, "--json")
    assert (code, err) == (0, ""), err  # no "not made by album_app", nothing left alone
    report = json.loads(out)
    assert report["kept"] >= 60 and report["kept"] + report["written"] == 120
    assert (report["failed"], report["left_alone"], report["removed"]) == ([], [], 0)
    assert listing(dest) == only_photos(dest, "Unsorted", names(photos))
    for photo in photos:
        exported = dest / "Unsorted" / photo.name
        assert exported.resolve() == photo if mode == "symlink" else sha(exported) == sha(photo)
    assert snapshot(photos) == before


class Killed(BaseException):
    """The process dies here (a BaseException: no `except OSError` tidies up after it)."""


STEPS = ("replace", "unlink", "write", "put")


def dying_at(monkeypatch, dest: Path, step: int | None, tear: bool) -> list[str]:
    """Count each change the export makes in DEST (os.replace, os.unlink, os.write into DEST, journal lines)
    and die at change number ``step``: before it, or (``tear``) half-way or just after it."""
    seen: list[str] = []
    real = {name: getattr(os, name) for name in ("replace", "unlink", "write")}
    real_put = export_store.Books.put
    where = str(dest)

    def counted(name: str, in_dest: bool, act, half=None):
        if not in_dest:
            return act()
        seen.append(name)
        if len(seen) - 1 != step:
            return act()
        if tear:
            (half or act)()
            raise Killed(name)
        raise Killed(name)

    def fd_in_dest(fd: int) -> bool:
        try:
            return os.readlink(f"/proc/self/fd/{fd}").startswith(where)
        except OSError:
            return False

    monkeypatch.setattr(os, "replace", lambda a, b, **k: counted("replace", str(b).startswith(where),
                                                                   lambda: real["replace"](a, b, **k)))
    monkeypatch.setattr(os, "unlink", lambda p, **k: counted("unlink", str(p).startswith(where),
                                                              lambda: real["unlink"](p, **k)))
    def write(fd: int, data: bytes) -> int:
        torn = lambda: real["write"](fd, bytes(data)[: len(data) // 2])
        return counted("write", fd_in_dest(fd), lambda: real["write"](fd, data), torn)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(export_store.Books, "put", lambda self, *a: counted("put", True, lambda: real_put(self, *a)))
    return seen


def a_changing_export(tmp_path: Path, make_photo) -> tuple[list[Path], list[ExportAlbum], list[ExportAlbum], dict]:
    """Photos, a first export's albums, and the next one's: the album renamed (moves), one photo dropped (a
    removal), one added (a new copy), one turned (a turned copy replacing a copy)."""
    photos = [make_photo(tmp_path / "photos" / f"{n}.jpg", seed=i, size=(40, 20)) for i, n in enumerate("abcdef")]
    a, b, c, d, e, f = (str(p) for p in photos)
    first = [ExportAlbum(1, "Trip", [a, b, c]), ExportAlbum(2, "Beach", [d, e])]
    second = [ExportAlbum(1, "Lisbon", [a, b]), ExportAlbum(2, "Beach", [d, e, f])]
    return photos, first, second, {e: 1}


def expected_after(dest: Path, photos: list[Path]) -> None:
    a, b, _, d, _, f = photos
    assert listing(dest) == sorted([MANIFEST, "Lisbon", "Lisbon/a.jpg", "Lisbon/b.jpg",
                                    "Beach", "Beach/d.jpg", "Beach/e.jpg", "Beach/f.jpg"])
    assert all(sha(dest / folder / p.name) == sha(p) for folder, p in (("Lisbon", a), ("Lisbon", b),
                                                                      ("Beach", d), ("Beach", f)))
    assert manifest_files(dest)["Beach/e.jpg"]["mode"] == "turned"


def test_death_at_any_step_is_recovered_by_the_next_run(tmp_path, make_photo, monkeypatch):
    """Die before, half-way through or right after each change the export makes in DEST; the next export
    must end in the same DEST as an uninterrupted one, with nothing left alone and nothing failed."""
    photos, first, second, turns = a_changing_export(tmp_path, make_photo)
    before = snapshot(photos)
    with monkeypatch.context() as patch:
        dest = tmp_path / "dry"
        export(first, dest, "copy")
        steps = dying_at(patch, dest, None, False)
        export(second, dest, "copy", turns=turns)
    expected_after(dest, photos)
    assert len(steps) >= 12 and set(steps) == set(STEPS), steps
    for step in range(len(steps)):
        for tear in (False, True):
            dest = tmp_path / f"out-{step}-{tear}"
            export(first, dest, "copy")
            with monkeypatch.context() as patch:
                dying_at(patch, dest, step, tear)
                with pytest.raises(Killed):
                    export(second, dest, "copy", turns=turns)
            report = export(second, dest, "copy", turns=turns)
            assert (report.failed, report.left_alone, report.notes) == ([], [], []), (step, tear, report)
            expected_after(dest, photos)
    assert snapshot(photos) == before


# -- a full disk ---------------------------------------------------------------------------------------


def disk_full(monkeypatch, dest: Path, *, after_bytes: int = 0, only: str = "") -> None:
    """Writes into DEST (only those into files whose name starts with ``only``) fail with ENOSPC once
    ``after_bytes`` bytes have been written there."""
    real_write = os.write
    written = [0]

    def write(fd: int, data) -> int:
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if path.startswith(str(dest)) and os.path.basename(path).startswith(only):
            if written[0] + len(data) > after_bytes:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written[0] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize("after_bytes", [0, 20_000], ids=["at-once", "part-way"])
def test_a_full_disk_stops_with_a_message_and_a_rerun_finishes(tmp_path, make_photo, monkeypatch, after_bytes):
    library, photos = scanned_library(tmp_path, make_photo, 40)
    before = snapshot(photos)
    dest = tmp_path / "out"
    with monkeypatch.context() as patch:
        disk_full(patch, dest, after_bytes=after_bytes)
        code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert code == 1 and out == "" and len(err.splitlines()) == 1 and "is full" in err, err
    assert "Traceback" not in err
    exported = manifest_files(dest) if (dest / MANIFEST).exists() else {}
    assert all(sha(dest / rel) == sha(Path(e["source"])) for rel, e in exported.items())  # what it says it made
    code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert (code, err) == (0, ""), err
    assert_clean_copy_export(dest, photos)
    assert snapshot(photos) == before


def test_a_full_disk_during_the_manifest_write_keeps_the_previous_manifest(tmp_path, make_photo, monkeypatch):
    library, photos = scanned_library(tmp_path, make_photo, 12)
    before = snapshot(photos)
    dest = tmp_path / "out"
    assert cli("--library", str(library), "export", str(dest), "--mode", "copy")[0] == 0
    previous = (dest / MANIFEST).read_bytes()
    for photo in photos[:4]:  # four photos leave the export: their copies are removed, the manifest rewritten
        photo.rename(tmp_path / photo.name)
    code, _, err = cli("--library", str(library), "scan", str(tmp_path / "photos"), "--quiet", "--workers", "0")
    assert code == 0, err
    for photo in photos[:4]:
        (tmp_path / photo.name).rename(photo)  # back, but the catalog has them missing: not exported
    with monkeypatch.context() as patch:
        disk_full(patch, dest, only=MANIFEST)
        code, _, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert code == 1 and "is full" in err and "Traceback" not in err, err
    assert (dest / MANIFEST).read_bytes() == previous  # whole, not cut
    assert not [name for name in os.listdir(dest) if name.endswith(".tmp")]
    code, _, err = cli("--library", str(library), "export", str(dest), "--mode", "copy")
    assert (code, err) == (0, ""), err
    assert_clean_copy_export(dest, photos[4:])
    assert snapshot(photos) == before


# -- hard links onto another filesystem, failures --------------------------------------------------------


def test_hardlinks_onto_another_filesystem_are_copies_said_once(tmp_path, make_photo, monkeypatch):
    library, photos = scanned_library(tmp_path, make_photo, 30)
    before = snapshot(photos)
    dest = tmp_path / "out"

    def cross_device(*args, **kwargs):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    with monkeypatch.context() as patch:
        patch.setattr(os, "link", cross_device)
        code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "hardlink")
        assert code == 0 and "30 written" in out
        assert len(err.splitlines()) == 1 and "30 photos were copied instead of hard-linked" in err, err
        assert_clean_copy_export(dest, photos)
        # Not copied again each time, and nothing more to say.
        code, out, err = cli("--library", str(library), "export", str(dest), "--mode", "hardlink")
        assert (code, err) == (0, "") and "30 already there" in out
    assert snapshot(photos) == before


def test_export_exits_non_zero_when_photos_failed(tmp_path, make_photo):
    library, photos = scanned_library(tmp_path, make_photo, 3)
    before = snapshot(photos[1:])
    photos[0].unlink()  # gone since the scan
    code, out, err = cli("--library", str(library), "export", str(tmp_path / "out"), "--mode", "copy")
    assert code == 1 and "2 written" in out and "missing" in err
    assert snapshot(photos[1:]) == before


# -- a real small disk and a real other filesystem (a tmpfs in a user namespace, where the system allows) -


def in_a_small_tmpfs(dest: Path, script: str) -> subprocess.CompletedProcess:
    """Run ``script`` (sh) in a user and mount namespace where $DEST is a tmpfs of 96 KiB (root not needed)."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a small tmpfs without root")
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces cannot mount a tmpfs here: {probe.stderr.decode().strip()}")
    shell = f'mount -t tmpfs -o size=96k tmpfs "$DEST" && {script}'
    env = {**os.environ, "DEST": str(dest), "PYTHONPATH": str(REPO)}
    return subprocess.run(["unshare", "-rm", "sh", "-c", shell], capture_output=True, text=True, env=env, timeout=300)


CHECK = """import hashlib, json, os, pathlib, sys
dest = pathlib.Path(os.environ["DEST"])
files = json.loads((dest / ".album_app-export.json").read_text())["files"]
same = all(hashlib.sha256((dest / r).read_bytes()).hexdigest() == e["sha256"] for r, e in files.items())
print("manifest", len(files), same, sorted(os.listdir(dest)))
"""


@pytest.mark.parametrize("mode", ["copy", "hardlink"])
def test_a_real_small_disk_on_another_filesystem(tmp_path, make_photo, mode):
    """DEST on a 96 KiB tmpfs: the export stops with one message that the disk is full (exit 1, no traceback;
    hard links to the originals, on another filesystem, are copies and that is said in the same message);
    given more room, the same export finishes and leaves nothing of its own books behind."""
    library, photos = scanned_library(tmp_path, make_photo, 120)  # 4 KiB a file on tmpfs: far more than fits
    before = snapshot(photos)
    dest = tmp_path / "out"
    dest.mkdir()
    (tmp_path / "check.py").write_text(CHECK)
    app = f'{sys.executable} -m album_app --library {library} export "$DEST" --mode {mode}'
    done = in_a_small_tmpfs(dest, f"{app}; echo first=$?; mount -o remount,size=4m \"$DEST\" && "
                                  f"{app}; echo second=$?; {sys.executable} {tmp_path / 'check.py'}")
    output = done.stdout + done.stderr
    assert "first=1" in done.stdout and "second=0" in done.stdout, output
    errors = [line for line in done.stderr.splitlines() if line.startswith("album-app:")]
    assert "Traceback" not in done.stderr and "is full" in errors[0], output
    if mode == "hardlink":
        assert len(errors) == 2 and "copied instead of hard-linked" in errors[0], output
        assert "Invalid cross-device link" in errors[0]
        assert "copied instead of hard-linked" in errors[1]  # the rest, on the second run
    else:
        assert len(errors) == 1, output
    assert f"manifest 120 True {[MANIFEST, 'Unsorted']}" in done.stdout, output
    assert snapshot(photos) == before
