"""Phone and camera folders (issue 16): HEIC fast path, videos, Live and motion photos, RAW+JPEG, XMP sidecars.

The fixtures in tests/fixtures/media are made by tests/fixtures/make_media.py (see its docstring for what
each one holds); times and places are checked exactly.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album_app.catalog import Catalog
from album_app.catalog.photos import photo_records, status_counts
from album_app.catalog.schema import MIGRATIONS
from album_app.ingest.decode import decode, thumbnail_path
from album_app.ingest.identify import sniff
from album_app.ingest.scan import scan
from album_app.ingest.video import parse_iso6709
from album_app.library import resolve_library
from album_app.preprocess import InputSpec

REPO = Path(__file__).resolve().parents[2]
MEDIA = REPO / "tests" / "fixtures" / "media"
SPEC = InputSpec(size=64)


def media(tmp_path: Path, *names: str) -> Path:
    """A folder with copies of the named fixtures (tests may change it)."""
    folder = tmp_path / "card"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy2(MEDIA / name, folder / name)
    return folder


def cli_scan(library: Path, folder: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "album_app", "--library", str(library), "scan", str(folder), "--json", "--quiet",
         "--workers", "0"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def cli_photos(library: Path) -> dict[str, dict[str, object]]:
    result = subprocess.run([sys.executable, "-m", "album_app", "--library", str(library), "photos", "--json"],
                            cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    return {Path(str(r["path"])).name: r for r in json.loads(result.stdout)}


def thumbnail(library: Path, record: dict[str, object]) -> Image.Image:
    return Image.open(thumbnail_path(library / "thumbnails", str(record["content_hash"]))).convert("RGB")


def is_upright(image: Image.Image) -> bool:
    """The fixture scene upright: red in the top-left corner, white in the top-right and bottom-left."""
    width, height = image.size
    pixel = np.asarray(image, dtype=int)
    red = pixel[height // 10, width // 10]
    white_right = pixel[height // 10, width - 1 - width // 10]
    white_bottom = pixel[height * 6 // 10, width // 10]
    return red[0] > 180 and red[1] < 90 and min(white_right) > 200 and min(white_bottom) > 200


# --- HEIC ---------------------------------------------------------------------------------------------------


def test_heic_is_decoded_from_its_embedded_thumbnail_upright(tmp_path):
    data = (MEDIA / "IMG_0001.HEIC").read_bytes()
    decoded = decode(data, 6, SPEC, file_format="HEIF")  # the EXIF tag says 6: irot already says it
    assert decoded.path == "embedded"
    assert (decoded.width, decoded.height) == (480, 640)
    assert decoded.thumbnail.size == (192, 256)
    assert is_upright(decoded.thumbnail)


def test_heic_without_a_thumbnail_is_decoded_in_full_upright_too(tmp_path):
    import pillow_heif

    pillow_heif.register_heif_opener()
    upright = Image.open(MEDIA / "scan_0007.jpg").convert("RGB")  # the same scene, 640×480
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "HEIF", quality=70, thumbnails=[], exif=exif.tobytes())
    decoded = decode(buffer.getvalue(), 6, SPEC, file_format="HEIF")
    assert decoded.path == "full"
    assert (decoded.width, decoded.height) == (640, 480)
    assert is_upright(decoded.thumbnail)


def test_heic_written_by_libheif_keeps_its_exif_time(tmp_path, library):
    folder = media(tmp_path, "IMG_0001.HEIC")
    cli_scan(library, folder)
    record = cli_photos(library)["IMG_0001.HEIC"]
    assert (record["taken_at"], record["time_source"]) == ("2024-06-12T15:30:00+02:00", "DateTimeOriginal")
    assert record["orientation"] == 1  # decoders return HEIF pixels already turned by irot
    assert record["camera"] == "Apple"
    assert is_upright(thumbnail(library, record))


# --- videos -------------------------------------------------------------------------------------------------


def test_an_android_video_gets_its_time_place_duration_and_a_poster_that_is_not_black(tmp_path, library):
    folder = media(tmp_path, "clip.mp4")
    summary = cli_scan(library, folder)
    assert (summary["indexed"], summary["embedded"]) == (1, 1)
    record = cli_photos(library)["clip.mp4"]
    assert record["media_kind"] == "video" and record["format"] == "MP4"
    assert (record["taken_at"], record["time_source"]) == ("2024-06-12T13:30:00+00:00", "quicktime:creation_time")
    assert (record["lat"], record["lon"]) == (38.7223, -9.1393)
    assert record["duration_s"] == pytest.approx(4.0, abs=0.15)
    assert (record["width"], record["height"]) == (320, 240)
    poster = thumbnail(library, record)
    assert np.asarray(poster.convert("L")).mean() > 100  # its first half second is black
    assert is_upright(poster)


def test_an_iphone_video_uses_apples_local_time_and_its_rotation(tmp_path, library):
    folder = media(tmp_path, "portrait.mov")
    cli_scan(library, folder)
    record = cli_photos(library)["portrait.mov"]
    assert (record["taken_at"], record["time_source"]) == ("2024-06-12T16:00:00+02:00", "quicktime:creationdate")
    assert record["orientation"] == 6  # stored landscape, shown turned 90° clockwise
    poster = thumbnail(library, record)
    assert poster.size[0] < poster.size[1]
    assert is_upright(poster)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+38.7223-009.1393+012.000/", (38.7223, -9.1393, 12.0)),
        ("+38.7223-009.1393/", (38.7223, -9.1393, None)),
        ("+3843.338-00908.358/", (38 + 43.338 / 60, -(9 + 8.358 / 60), None)),
        ("-334512.5+1511230/", (-(33 + 45 / 60 + 12.5 / 3600), 151 + 12 / 60 + 30 / 3600, None)),
        ("+00.0000+000.0000/", (None, None, None)),
        ("+91.0+010.0/", (None, None, None)),
        ("garbage", (None, None, None)),
    ],
)
def test_iso6709_locations(text, expected):
    got = parse_iso6709(text)
    assert got == pytest.approx(expected) if expected[0] is not None else got == expected


# --- items made of several files ----------------------------------------------------------------------------


def test_a_live_photo_is_one_item_its_video_a_part(tmp_path, library):
    folder = media(tmp_path, "IMG_0001.HEIC", "IMG_0001.MOV")
    summary = cli_scan(library, folder)
    assert summary["parts"] == 1
    records = cli_photos(library)
    still, video = records["IMG_0001.HEIC"], records["IMG_0001.MOV"]
    assert still["status"] == "indexed" and still["parts"] == [{"path": str(folder / "IMG_0001.MOV"), "kind": "live"}]
    assert video["part_of"] == str(folder / "IMG_0001.HEIC") and video["part_kind"] == "live"
    assert still["content_id"] == video["content_id"] == "8F3A2C1E-5B7D-4E9A-A1C3-0D2E4F6A8B9C"
    with Catalog(resolve_library(library), writer=False) as catalog:
        assert status_counts(catalog) == {"indexed": 1, "parts": 1}


def test_raw_plus_jpeg_is_one_item_and_a_raw_alone_shows_its_preview(tmp_path, library):
    folder = media(tmp_path, "DSC_0042.DNG", "DSC_0042.JPG")
    cli_scan(library, folder)
    records = cli_photos(library)
    raw = records["DSC_0042.DNG"]
    assert (raw["part_of"], raw["part_kind"], raw["format"]) == (str(folder / "DSC_0042.JPG"), "raw", "DNG")
    assert (raw["taken_at"], raw["lat"], raw["lon"]) == ("2024-06-12T15:30:00", pytest.approx(38.7223, abs=1e-4),
                                                         pytest.approx(-9.1393, abs=1e-4))
    assert is_upright(thumbnail(library, raw))  # the preview, stored turned, with Orientation 6
    (folder / "DSC_0042.JPG").unlink()  # the pair breaks: the RAW is an item of its own again
    cli_scan(library, folder)
    alone = cli_photos(library)["DSC_0042.DNG"]
    assert (alone["status"], alone["part_of"]) == ("indexed", None)


def test_a_motion_photo_records_where_its_video_is(tmp_path, library):
    folder = media(tmp_path, "PXL_motion.jpg")
    cli_scan(library, folder)
    record = cli_photos(library)["PXL_motion.jpg"]
    data = (folder / "PXL_motion.jpg").read_bytes()
    offset, length = int(record["motion_offset"]), int(record["motion_length"])  # type: ignore[arg-type]
    assert data[offset + 4 : offset + 8] == b"ftyp" and offset + length == len(data)
    assert record["media_kind"] == "photo" and record["status"] == "indexed"


def test_an_xmp_sidecar_fills_what_the_photo_lacks_and_is_read_again_when_edited(tmp_path, library):
    folder = media(tmp_path, "scan_0007.jpg", "scan_0007.jpg.xmp")
    summary = cli_scan(library, folder)
    assert summary["found"] == 1  # the sidecar is not an item
    record = cli_photos(library)["scan_0007.jpg"]
    assert (record["taken_at"], record["time_source"]) == ("1994-08-21T10:15:30", "xmp")
    assert (record["lat"], record["lon"]) == (pytest.approx(41.89), pytest.approx(12.4926))
    assert (record["rating"], record["keywords"]) == (4, ["Rome", "holiday"])
    sidecar = folder / "scan_0007.jpg.xmp"
    sidecar.write_text(sidecar.read_text().replace('xmp:Rating="4"', 'xmp:Rating="5"'))
    os.utime(sidecar, ns=(sidecar.stat().st_atime_ns, sidecar.stat().st_mtime_ns + 10**9))
    again = cli_scan(library, folder)
    assert again["indexed"] == 1
    assert cli_photos(library)["scan_0007.jpg"]["rating"] == 5


def test_a_format_whose_library_is_missing_is_skipped_with_that_reason(tmp_path, library, monkeypatch):
    folder = media(tmp_path, "clip.mp4", "DSC_0042.DNG")
    monkeypatch.setitem(sys.modules, "av", None)  # import av -> ImportError
    monkeypatch.setitem(sys.modules, "rawpy", None)
    with Catalog(resolve_library(library)) as catalog:
        summary = scan(catalog, [folder], workers=0)
        reasons = {Path(str(r["path"])).name: r["skip_reason"] for r in photo_records(catalog)}
    assert summary.skipped == 2
    assert reasons == {"clip.mp4": "a video, but video support (PyAV) is not installed",
                       "DSC_0042.DNG": "a DNG RAW photo, but RAW support (rawpy) is not installed"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "MP4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "MOV"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "MOV"),
        (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x00", "3GP"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm", "WEBM"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "MKV"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "AVI"),
        (b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01", "CR3"),
        (b"FUJIFILMCCD-RAW 0201FF383501", "RAF"),
        (b"IIRO\x08\x00\x00\x00", "ORF"),
        (b"IIU\x00\x08\x00\x00\x00", "RW2"),
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00", "CR2"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", "AVIF"),
    ],
)
def test_formats_are_recognised_by_their_bytes(header, expected):
    assert sniff(header) == expected


def test_an_older_catalog_reads_its_skipped_videos_again(tmp_path, library):
    """Schema 3 skipped videos as 'a video, not a photo'; the migration marks them for a retry."""
    folder = media(tmp_path, "clip.mp4")
    library.mkdir()
    conn = sqlite3.connect(library / "catalog.db")
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL)")
    for migration in MIGRATIONS[:3]:
        conn.executescript(migration.sql)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01')", (migration.version, migration.name))
    stat = (folder / "clip.mp4").stat()
    conn.execute("INSERT INTO photos (path, size, mtime_ns, status, skip_reason, added_at, updated_at)"
                 " VALUES (?, ?, ?, 'skipped', 'a video, not a photo', '', '')",
                 (str(folder / "clip.mp4"), stat.st_size, stat.st_mtime_ns))
    conn.commit()
    conn.close()
    summary = cli_scan(library, folder)
    assert (summary["indexed"], summary["unchanged"]) == (1, 0)
    assert (library / "catalog.db.v3.bak").exists()


def test_pairs_need_the_same_stem_and_agreeing_times_and_a_live_video_is_short():
    from album_app.ingest.pairing import LIVE, RAW, Candidate, find_parts

    def item(id_: int, name: str, fmt: str, kind: str = "photo", at: str | None = "2024-06-12T15:30:00",
             ts: float | None = 1_718_206_200.0, duration: float | None = None) -> Candidate:
        return Candidate(id_, f"/card/{name}", fmt, kind, at, ts, duration, None)

    found = find_parts([
        item(1, "IMG_1.HEIC", "HEIF"), item(2, "IMG_1.MOV", "MOV", "video", ts=1_718_206_198.5, duration=2.9),
        item(3, "IMG_2.HEIC", "HEIF"), item(4, "IMG_2.MOV", "MOV", "video", duration=45.0),  # a real video
        item(5, "IMG_3.JPG", "JPEG"), item(6, "IMG_3.MOV", "MOV", "video", at="2024-06-13T09:00:00",
                                           ts=1_718_269_200.0, duration=3.0),  # same stem, another day
        item(7, "DSC_9.JPG", "JPEG"), item(8, "DSC_9.NEF", "NEF"),
        item(9, "DSC_10.JPG", "JPEG"), item(10, "DSC_10.NEF", "NEF", at="2024-06-12T18:00:00", ts=1_718_215_200.0),
        item(11, "elsewhere/DSC_9.NEF", "NEF"),  # another folder
    ])
    assert found == {2: (1, LIVE), 8: (7, RAW)}
