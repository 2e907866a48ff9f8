"""Hostile and unlucky folders (issue 12): odd names, transient failures, the app's own output, huge images.

Each test goes through the command line (or scan(), which the window calls) and would have failed before
its fix.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from album_app.catalog import Catalog
from album_app.catalog.photos import photo_records, status_counts
from album_app.ingest import scan as scan_module
from album_app.ingest.scan import scan
from album_app.library import resolve_library

REPO = Path(__file__).resolve().parents[2]


def cli(library: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "album_app", "--library", str(library), *args],
        cwd=REPO, capture_output=True, text=True, errors="surrogateescape", timeout=300,
    )


def scan_json(library: Path, folder: Path, *extra: str, prefix: tuple[str, ...] = ()) -> dict[str, object]:
    result = cli(library, "scan", str(folder), "--no-embed", "--json", "--quiet", "--workers", "0", *extra,
                 prefix=prefix)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def status_json(library: Path) -> dict[str, int]:
    result = cli(library, "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["counts"]


def photos_json(library: Path) -> list[dict[str, object]]:
    result = cli(library, "photos", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- item 2: names that are not UTF-8 ---------------------------------------------------------------------


def test_a_latin1_file_name_is_indexed_shown_readably_and_marked_missing_when_gone(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    latin1 = photos / os.fsdecode(b"Caf\xe9.jpg")  # what a zip from an old Windows PC unpacks to
    make_photo(latin1, seed=1)
    make_photo(photos / "plain.jpg", seed=2)
    summary = scan_json(library, photos)
    assert summary["indexed"] == 2
    records = {Path(str(r["path"])).name: r for r in photos_json(library)}
    odd = records[latin1.name]  # json gives back the exact name (its bytes as \udcXX escapes)
    assert odd["status"] == "indexed"
    assert Path(str(odd["path"])).exists()
    assert str(odd["display_path"]).endswith("Café.jpg")
    text = cli(library, "photos")
    assert text.returncode == 0 and "Café.jpg" in text.stdout, text.stderr
    latin1.unlink()
    again = scan_json(library, photos)
    assert again["missing"] == 1
    assert status_json(library) == {"indexed": 1, "skipped": 0, "missing": 1, "parts": 0}


def test_a_latin1_name_is_exported_under_its_readable_name(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    latin1 = make_photo(photos / os.fsdecode(b"Caf\xe9.jpg"), seed=1)
    make_photo(photos / "plain.jpg", seed=2)
    assert cli(library, "scan", str(photos), "--quiet").returncode == 0  # embedded, so it can be clustered
    assert cli(library, "cluster").returncode == 0
    result = cli(library, "export", str(tmp_path / "out"), "--mode", "copy")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    exported = {path.name: path for path in (tmp_path / "out").rglob("*.jpg")}
    assert exported["Café.jpg"].read_bytes() == latin1.read_bytes()
    # Edits (move, remove, split) find a photo by the path given on the command line: the exact name works.
    from album_app.catalog.albums import photo_id_for_path

    with Catalog(resolve_library(library), writer=False) as catalog:
        assert photo_id_for_path(catalog, str(latin1)) is not None


# --- item 4: transient failures are retried ---------------------------------------------------------------


def test_a_folder_unplugged_mid_scan_is_read_again_when_it_is_back(tmp_path, library, make_photo, monkeypatch):
    photos = tmp_path / "photos"
    for i in range(4):
        make_photo(photos / "card" / f"p{i}.jpg", seed=i)
    make_photo(photos / "keep.jpg", seed=9)
    real_walk = scan_module.walk
    away = tmp_path / "unplugged"

    def walk_then_unplug(*args, **kwargs):
        found = list(real_walk(*args, **kwargs))
        (photos / "card").rename(away)  # the card reader is pulled after the folder was listed
        return iter(found)

    with Catalog(resolve_library(library)) as catalog:
        monkeypatch.setattr(scan_module, "walk", walk_then_unplug)
        first = scan(catalog, [photos], workers=0)
        monkeypatch.setattr(scan_module, "walk", real_walk)
        assert (first.indexed, first.skipped) == (1, 4)
        assert first.skip_reasons == {"the file vanished while it was being read": 4}
        assert status_counts(catalog).get("skipped") == first.skipped + first.still_skipped
        away.rename(photos / "card")
        second = scan(catalog, [photos], workers=0)
        counts = status_counts(catalog)
    assert (second.indexed, second.skipped, second.unchanged) == (4, 0, 1)
    assert counts == {"indexed": 5}


def test_a_known_photo_that_vanishes_while_read_is_missing_not_skipped_and_keeps_its_metadata(
    tmp_path, library, make_photo, monkeypatch
):
    from datetime import datetime

    photos = tmp_path / "photos"
    photo = make_photo(photos / "card" / "a.jpg", taken=datetime(2024, 6, 12, 15, 30))
    real_walk = scan_module.walk
    with Catalog(resolve_library(library)) as catalog:
        scan(catalog, [photos], workers=0)
        os.utime(photo, ns=(photo.stat().st_atime_ns, photo.stat().st_mtime_ns + 10**9))  # touched: read again

        def walk_then_unplug(*args, **kwargs):
            found = list(real_walk(*args, **kwargs))
            (photos / "card").rename(tmp_path / "away")
            return iter(found)

        monkeypatch.setattr(scan_module, "walk", walk_then_unplug)
        summary = scan(catalog, [photos], workers=0)
        record = photo_records(catalog)[0]
    assert (summary.missing, summary.skipped) == (1, 0)
    assert (record["status"], record["taken_at"]) == ("missing", "2024-06-12T15:30:00")


def _without_file_access_override() -> tuple[str, ...]:
    """A prefix that makes chmod 000 bite: root reads every file, so drop that power for the command."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without util-linux's setpriv: cannot make a file unreadable")
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search")


def test_an_unreadable_file_fixed_with_chmod_is_indexed_on_the_next_scan(tmp_path, library, make_photo):
    prefix = _without_file_access_override()
    photos = tmp_path / "photos"
    locked = make_photo(photos / "locked.jpg", seed=1)
    make_photo(photos / "fine.jpg", seed=2)
    locked.chmod(0)
    first = scan_json(library, photos, prefix=prefix)
    assert (first["indexed"], first["skipped"]) == (1, 1)
    assert any("Permission denied" in reason for reason in first["skip_reasons"])  # type: ignore[union-attr]
    assert status_json(library)["skipped"] == first["skipped"]
    locked.chmod(0o644)  # chmod changes neither size nor mtime
    second = scan_json(library, photos, prefix=prefix)
    assert (second["indexed"], second["skipped"], second["still_skipped"]) == (1, 0, 0)
    assert status_json(library) == {"indexed": 2, "skipped": 0, "missing": 0, "parts": 0}


def test_the_summary_counts_what_earlier_scans_skipped_as_status_does(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    make_photo(photos / "a.jpg")
    (photos / "notes.jpg").write_text("not a photo")
    scan_json(library, photos)
    again = scan_json(library, photos)
    assert (again["skipped"], again["still_skipped"], again["unchanged"]) == (0, 1, 2)
    assert status_json(library)["skipped"] == again["skipped"] + again["still_skipped"]
    assert list(again["skip_reasons"]) == ["not a photo or video (its content is not JPEG, PNG, WebP, TIFF, HEIC, "
                                           "AVIF, RAW or a video)"]


# --- item 5: the app's own output is not indexed ----------------------------------------------------------


def test_export_destinations_and_library_folders_are_not_indexed(tmp_path, make_photo):
    from album_app.services.export_store import MANIFEST

    photos = tmp_path / "photos"
    for i in range(3):
        make_photo(photos / f"p{i}.jpg", seed=i)
    library = photos / "my-library"  # a library kept inside a scanned folder
    first = scan_json(library, photos)
    assert first["indexed"] == 3
    thumbnails = list((library / "thumbnails").rglob("*.jpg"))
    assert thumbnails, "the scan wrote no thumbnails to be tempted by"
    export = photos / "Albums"
    (export / "Trip").mkdir(parents=True)
    for i in range(3):
        shutil.copy2(photos / f"p{i}.jpg", export / "Trip" / f"p{i}.jpg")
    (export / MANIFEST).write_text("{}")
    second = scan_json(library, photos)
    assert (second["indexed"], second["unchanged"]) == (0, 3)
    assert sorted(f["why"] for f in second["excluded_folders"]) == sorted(  # type: ignore[union-attr]
        ["an album_app export folder (copies or links of photos in the library)",
         "an album_app library folder (its catalog, thumbnails and models)"])
    assert status_json(library) == {"indexed": 3, "skipped": 0, "missing": 0, "parts": 0}


def test_an_exported_copy_outside_an_export_folder_is_the_same_photo(tmp_path, library, make_photo):
    photos = tmp_path / "photos"
    original = make_photo(photos / "trip" / "a.jpg", seed=1)
    make_photo(photos / "trip" / "b.jpg", seed=2)
    scan_json(library, photos)
    copies = photos / "best of"  # a manual copy: no manifest
    copies.mkdir()
    shutil.copy2(original, copies / "a.jpg")
    shutil.copy2(original, copies / "a (2).jpg")
    again = scan_json(library, photos)
    assert (again["indexed"], again["parts"]) == (0, 2)
    records = {str(r["path"]): r for r in photos_json(library)}
    assert records[str(copies / "a.jpg")]["part_of"] == str(original)
    assert status_json(library) == {"indexed": 2, "skipped": 0, "missing": 0, "parts": 2}
    # The original goes: the photo (its albums and edits) moves to a copy instead of going missing.
    photo_id = _photo_id(library, original)
    original.unlink()
    scan_json(library, photos)
    assert status_json(library) == {"indexed": 2, "skipped": 0, "missing": 0, "parts": 1}
    assert _photo_id(library, copies / "a (2).jpg") == photo_id or _photo_id(library, copies / "a.jpg") == photo_id


def _photo_id(library: Path, path: Path) -> int | None:
    with Catalog(resolve_library(library), writer=False) as catalog:
        return next((int(r["id"]) for r in photo_records(catalog) if r["path"] == str(path)), None)  # type: ignore[arg-type]


# --- item 8: bounded decode memory ------------------------------------------------------------------------


def huge_png(path: Path, side: int) -> Path:
    """A side×side RGB PNG of one colour, written row by row: about 1 MB on disk, 3 bytes a pixel decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * (side * 3)
    body = bytearray()
    for _ in range(side):
        body += compressor.compress(row)
    body += compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bytes(body)) + chunk(b"IEND", b""))
    return path


PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.slow
def test_a_15800_pixel_png_is_refused_before_it_costs_gigabytes(tmp_path, library):
    bomb = huge_png(tmp_path / "photos" / "bomb.png", 15800)  # 249.6 MP: under the 250 MP limit
    assert bomb.stat().st_size < 2_000_000
    command = [sys.executable, "-m", "album_app", "--library", str(library), "scan", str(bomb.parent),
               "--no-embed", "--json", "--quiet", "--workers", "1"]
    # The largest resident size of the scan and its worker (their peak, not a sum; a loose bound only).
    peak_kb = int(subprocess.run([sys.executable, "-c", PEAK_RSS, *command], cwd=REPO, capture_output=True,
                                 text=True, check=True, timeout=300).stdout.strip().splitlines()[-1])
    records = photos_json(library)
    assert records[0]["status"] == "skipped"
    reason = str(records[0]["skip_reason"])
    assert reason.startswith("image too large to decode safely: 15800×15800 PNG needs about 714 MB"), reason
    assert "cannot be decoded at a reduced size" in reason
    assert peak_kb < 400 * 1024, f"peak resident memory {peak_kb / 1024:.0f} MB"


def test_a_big_png_within_the_budget_is_reduced_before_anything_else(tmp_path):
    from album_app.ingest.decode import decode
    from album_app.preprocess import InputSpec

    png = huge_png(tmp_path / "big.png", 3000)
    decoded = decode(png.read_bytes(), 1, InputSpec(size=64), file_format="PNG")
    assert (decoded.width, decoded.height, decoded.path) == (3000, 3000, "full")
    assert max(decoded.thumbnail.size) == 256
    assert decoded.pixels is not None and decoded.pixels.shape == (64, 64, 3)


def test_a_progressive_jpeg_is_held_to_its_coefficient_memory_a_baseline_one_is_not(tmp_path, monkeypatch):
    from PIL import Image

    from album_app.ingest import decode as decode_module

    # Scaled down: an 8 MB budget and a 2000×2000 photo (12 MB of coefficients when progressive).
    monkeypatch.setattr(decode_module, "DECODE_BUDGET_BYTES", 8 * 1024 * 1024)
    image = Image.new("RGB", (2000, 2000), (120, 130, 140))
    image.save(tmp_path / "progressive.jpg", "JPEG", progressive=True, quality=50)
    image.save(tmp_path / "baseline.jpg", "JPEG", quality=50)
    baseline = decode_module.decode((tmp_path / "baseline.jpg").read_bytes(), 1, None, file_format="JPEG")
    assert baseline.path == "draft"
    with pytest.raises(decode_module.DecodeError, match="a progressive JPEG is decoded from all of its coeff"):
        decode_module.decode((tmp_path / "progressive.jpg").read_bytes(), 1, None, file_format="JPEG")


# --- smaller ones -----------------------------------------------------------------------------------------


def test_skip_reasons_say_what_is_wrong_not_where_an_object_lives(tmp_path, library):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    (photos / "fake.webp").write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 " + os.urandom(100))
    scan_json(library, photos)
    reasons = [str(r["skip_reason"]) for r in photos_json(library)]
    assert len(reasons) == 2
    for reason in reasons:
        assert " at 0x" not in reason and "<_io." not in reason, reason
        assert "damaged" in reason or "cannot decode" in reason, reason


def test_a_slow_worker_start_is_not_taken_for_a_hang(tmp_path, library, make_photo, monkeypatch):
    photos = tmp_path / "photos"
    for i in range(6):
        make_photo(photos / f"p{i}.jpg", seed=i)
    monkeypatch.setenv("ALBUM_APP_TEST_SLOW_START_S", "3")  # a loaded machine: imports take seconds
    monkeypatch.setattr(scan_module, "STALL_S", 1.0)
    with Catalog(resolve_library(library)) as catalog:
        summary = scan(catalog, [photos], workers=2)
    assert (summary.indexed, summary.skipped) == (6, 0), summary.skip_reasons
