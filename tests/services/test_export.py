"""Export: safe unique names, links or copies, re-runs that update, originals untouched."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from album_app.services.export import MANIFEST, ExportAlbum, export, safe_name, unique


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
    assert (second.moved, second.written, second.removed) == (3, 0, 0)  # renamed in place, not rewritten
    third = export(albums, dest, mode)
    assert (third.written, third.kept, third.removed) == (0, 3, 0)
    assert {p: (digest(p), p.stat().st_mtime_ns) for p in (a, b, c)} == before  # originals untouched
    assert not list(dest.rglob("*.partial"))


def test_export_leaves_foreign_files_alone(tmp_path, make_photo):
    a = make_photo(tmp_path / "a.jpg")
    before = (digest(a), a.stat().st_mtime_ns)
    dest = tmp_path / "out"
    (dest / "Trip").mkdir(parents=True)
    (dest / "Trip" / "a.jpg").write_text("the user's own file")
    report = export([ExportAlbum(1, "Trip", [str(a)])], dest, "copy")
    assert (dest / "Trip" / "a.jpg").read_text() == "the user's own file"
    assert report.failed and "not made by album_app" in report.failed[0]
    assert (digest(a), a.stat().st_mtime_ns) == before


def test_missing_original_is_reported_not_fatal(tmp_path, make_photo):
    a = make_photo(tmp_path / "a.jpg")
    before = (digest(a), a.stat().st_mtime_ns)
    report = export([ExportAlbum(1, "Trip", [str(a), str(tmp_path / "gone.jpg")])], tmp_path / "out", "copy")
    assert (digest(a), a.stat().st_mtime_ns) == before
    assert report.written == 1
    assert any("missing" in f for f in report.failed)
    assert os.path.exists(tmp_path / "out" / "Trip" / "a.jpg")


def test_turned_photos_are_turned_copies_and_re_runs_follow_the_suggestions(tmp_path, make_photo):
    from PIL import Image

    a = make_photo(tmp_path / "in" / "a.jpg", seed=1, size=(40, 20))
    b = make_photo(tmp_path / "in" / "b.jpg", seed=2)
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"not a picture")  # cannot be turned: exported as it is
    before = {p: (digest(p), p.stat().st_mtime_ns) for p in (a, b, broken)}
    dest = tmp_path / "out"
    albums = [ExportAlbum(1, "Trip", [str(a), str(b), str(broken)])]
    # First a plain export: links. Then with turns: the link is replaced by a turned copy, not written through.
    export(albums, dest, "symlink")
    report = export(albums, dest, "symlink", turns={str(a): 1, str(broken): 2})
    assert (report.written, report.kept, report.turned) == (2, 1, 1) and not report.failed
    assert len(report.not_turned) == 1 and str(broken) in report.not_turned[0]
    turned = dest / "Trip" / "a.jpg"
    assert turned.is_file() and not turned.is_symlink()
    with Image.open(turned) as image:
        assert image.size == (20, 40)
    assert (dest / "Trip" / "b.jpg").is_symlink() and (dest / "Trip" / "broken.jpg").is_symlink()
    again = export(albums, dest, "symlink", turns={str(a): 1, str(broken): 2})
    assert (again.written, again.kept, again.turned) == (1, 2, 1)  # only the unturnable one is tried again
    # Another mode keeps the turned copy; dropping the turn brings the link back.
    written = turned.stat().st_mtime_ns
    other_mode = export(albums, dest, "copy", turns={str(a): 1})
    assert other_mode.turned == 1 and other_mode.written == 2 and turned.stat().st_mtime_ns == written
    last = export(albums, dest, "symlink")
    assert last.turned == 0 and (dest / "Trip" / "a.jpg").is_symlink()
    assert {p: (digest(p), p.stat().st_mtime_ns) for p in (a, b, broken)} == before  # originals untouched
    assert not [p for p in dest.rglob("*") if p.name.startswith(".") and p.name != MANIFEST]
