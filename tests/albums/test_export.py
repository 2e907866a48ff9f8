"""Export: safe unique names, links or copies, re-runs that update, originals untouched."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from album_app.albums.export import MANIFEST, ExportAlbum, export, safe_name, unique


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Lisbon · 12–15 Apr 2024", "Lisbon · 12–15 Apr 2024"),
        ("../../etc", "_.._etc"),
        ("a/b\\c", "a_b_c"),
        ("..", "Album"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("  trailing dots...  ", "trailing dots"),
        ("tab\tand\nnewline", "tab_and_newline"),
        ("", "Album"),
    ],
)
def test_safe_name(raw, expected):
    assert safe_name(raw) == expected


def test_unique_names_are_case_insensitive():
    taken: set[str] = set()
    assert [unique(n, taken) for n in ("Trip", "trip", "Trip", "a.jpg", "A.jpg")] == [
        "Trip", "trip (2)", "Trip (3)", "a.jpg", "A (2).jpg"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("mode", ["symlink", "hardlink", "copy"])
def test_export_and_reexport(tmp_path, make_photo, mode):
    a = make_photo(tmp_path / "in" / "one" / "IMG_0001.jpg", seed=1)
    b = make_photo(tmp_path / "in" / "two" / "IMG_0001.jpg", seed=2)  # same file name, other folder
    c = make_photo(tmp_path / "in" / "c.jpg", seed=3)
    before = {p: (digest(p), p.stat().st_mtime_ns) for p in (a, b, c)}
    dest = tmp_path / "out"
    albums = [ExportAlbum(1, "../Trip", [str(a), str(b)]), ExportAlbum(None, "Unsorted", [str(c)])]
    first = export(albums, dest, mode)
    assert first.written == 3 and not first.failed
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() or p.is_symlink())
    assert files == [MANIFEST, "Unsorted/c.jpg", "_Trip/IMG_0001 (2).jpg", "_Trip/IMG_0001.jpg"]
    assert digest(dest / "_Trip" / "IMG_0001.jpg") == before[a][0]
    # Again, with c moved into the album and the album renamed: no duplicates, stale entries gone.
    albums = [ExportAlbum(1, "Trip", [str(a), str(b), str(c)])]
    second = export(albums, dest, mode)
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() or p.is_symlink())
    assert files == [MANIFEST, "Trip/IMG_0001 (2).jpg", "Trip/IMG_0001.jpg", "Trip/c.jpg"]
    assert second.removed == 3
    third = export(albums, dest, mode)
    assert (third.written, third.kept, third.removed) == (0, 3, 0)
    assert {p: (digest(p), p.stat().st_mtime_ns) for p in (a, b, c)} == before  # originals untouched
    assert not list(dest.rglob("*.partial"))


def test_export_leaves_foreign_files_alone(tmp_path, make_photo):
    a = make_photo(tmp_path / "a.jpg")
    dest = tmp_path / "out"
    (dest / "Trip").mkdir(parents=True)
    (dest / "Trip" / "a.jpg").write_text("the user's own file")
    report = export([ExportAlbum(1, "Trip", [str(a)])], dest, "copy")
    assert (dest / "Trip" / "a.jpg").read_text() == "the user's own file"
    assert report.failed and "not made by album_app" in report.failed[0]


def test_missing_original_is_reported_not_fatal(tmp_path, make_photo):
    a = make_photo(tmp_path / "a.jpg")
    report = export([ExportAlbum(1, "Trip", [str(a), str(tmp_path / "gone.jpg")])], tmp_path / "out", "copy")
    assert report.written == 1
    assert any("missing" in f for f in report.failed)
    assert os.path.exists(tmp_path / "out" / "Trip" / "a.jpg")
