"""What the export tests share: a scanned library, `album-app export` run in this process, a listing of DEST,
and the originals as they were (bytes, mtime, inode), which every test checks never change."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from album_app.cli import main
from album_app.services.export import MANIFEST


def cli(*args: str) -> tuple[int, str, str]:
    """``album-app ARGS`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def scanned_library(root: Path, make_photo: Callable[..., Path], count: int) -> tuple[Path, list[Path]]:
    """``count`` small photos under root/photos, indexed (no codes, no albums: all of them are Unsorted)."""
    photos = [make_photo(root / "photos" / f"p{i:03d}.jpg", seed=i, size=(32, 24)) for i in range(count)]
    library = root / "library"
    scan = ("scan", str(root / "photos"), "--quiet", "--workers", "0", "--no-embed")
    code, _, err = cli("--library", str(library), *scan)
    assert code == 0, err
    return library, photos


MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"


def scanned_card(root: Path, names: Iterable[str]) -> tuple[Path, Path]:
    """(library, card): copies of the named fixtures of tests/fixtures/media in root/card, indexed (no codes,
    no albums: every item is Unsorted)."""
    card = root / "card"
    card.mkdir()
    for name in names:
        shutil.copy2(MEDIA / name, card / name)
    library = root / "library"
    code, _, err = cli("--library", str(library), "scan", str(card), "--quiet", "--workers", "0", "--no-embed")
    assert code == 0, err
    return library, card


def snapshot(paths: Iterable[Path]) -> dict[str, tuple[str, int, int, int]]:
    """Each file's SHA-256, mtime, size and inode: an original written, replaced or touched changes one."""
    found = {}
    for path in paths:
        st = os.stat(path)
        found[str(path)] = (hashlib.sha256(Path(path).read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size, st.st_ino)
    return found


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(dest: Path) -> list[str]:
    """Everything under DEST (hidden files, links and folders too), relative, sorted; links are not followed."""
    found = []
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            found.append(os.path.relpath(os.path.join(folder, name), dest))
    return sorted(found)


def manifest_files(dest: Path) -> dict[str, dict[str, object]]:
    return json.loads((dest / MANIFEST).read_text())["files"]


def only_photos(dest: Path, folder: str, names: Iterable[str]) -> list[str]:
    """What listing(DEST) must be when DEST holds just the manifest and ``folder`` with ``names``."""
    return sorted([MANIFEST, folder, *(f"{folder}/{name}" for name in names)])
