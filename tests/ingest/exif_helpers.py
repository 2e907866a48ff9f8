"""Helpers for the EXIF tests: where the sample files live, and a tiny EXIF writer.

Pillow writes well-formed EXIF only, and the reader must also cope with what cameras and broken
files really hold (zero denominators, NaN doubles, blank strings, tags in the wrong IFD). So the edge
cases are built here byte by byte: a little-endian TIFF block with IFD0, the Exif sub-IFD and the GPS
IFD, wrapped in a JPEG APP1 segment in front of a real 8x8 JPEG.
"""

from __future__ import annotations

import functools
import io
import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from album_app.ingest.meta import PhotoMeta

TESTS_DIR = Path(__file__).resolve().parents[1]
FIXTURES = TESTS_DIR / "fixtures" / "photos"
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EXIF_SAMPLES = SHARED_DATA / "exif-samples"
SAMPLES_MISSING = f"exif-samples not found at {EXIF_SAMPLES} (the shared data folder is absent)"
NOT_IMAGES = {"README", "README.rst", "dump"}


def assert_sane(meta: PhotoMeta) -> None:
    """Invariants every result keeps, whatever the file."""
    assert isinstance(meta, PhotoMeta)
    assert 1 <= meta.orientation <= 8
    assert (meta.lat is None) == (meta.lon is None)
    if meta.lat is not None and meta.lon is not None:
        assert -90 <= meta.lat <= 90 and -180 <= meta.lon <= 180
        assert math.isfinite(meta.lat) and math.isfinite(meta.lon)
        assert not (meta.lat == 0 and meta.lon == 0)
    else:
        assert meta.alt is None
    if meta.taken_at is not None:
        assert meta.time_source in {"DateTimeOriginal", "DateTimeDigitized", "DateTime"}
        assert meta.rejected_time is None
        assert (
            datetime(1990, 1, 1) <= meta.taken_at.replace(tzinfo=None) <= datetime.now() + timedelta(days=2)
        )
    else:
        assert meta.time_source is None
    assert (meta.time_hint is None) == (meta.time_hint_source is None)
    for text in (meta.make, meta.model):
        assert text is None or (text and text == text.strip() and "\x00" not in text)


def needs_samples() -> pytest.MarkDecorator:
    """Skip marker for tests that read the shared exif-samples set."""
    return pytest.mark.skipif(not EXIF_SAMPLES.is_dir(), reason=SAMPLES_MISSING)


def sample_files() -> list[Path]:
    """Every image-ish file under exif-samples (jpg/, jpg/invalid, jpg/tests, heic/, tiff/, ...)."""
    if not EXIF_SAMPLES.is_dir():
        return []
    return sorted(p for p in EXIF_SAMPLES.rglob("*") if p.is_file() and p.name not in NOT_IMAGES)


def sample(relative: str) -> Path:
    """One sample file; skips the test when the shared set (or that file) is absent."""
    path = EXIF_SAMPLES / relative
    if not path.is_file():
        pytest.skip(SAMPLES_MISSING if not EXIF_SAMPLES.is_dir() else f"{relative} missing from exif-samples")
    return path


# --- a minimal EXIF writer ----------------------------------------------------------------------------

# A tag value: (TIFF type name, value). ascii takes str or bytes (bytes are written as-is, no NUL added);
# byte/short/long take ints; rational/srational take (numerator, denominator) pairs; double takes floats.
Value = tuple[str, object]
_TYPES: dict[str, tuple[int, int, str]] = {  # name -> (TIFF type id, size of one item, struct code)
    "byte": (1, 1, "B"),
    "ascii": (2, 1, "B"),
    "short": (3, 2, "H"),
    "long": (4, 4, "I"),
    "rational": (5, 8, "II"),
    "undefined": (7, 1, "B"),
    "srational": (10, 8, "ii"),
    "double": (12, 8, "d"),
}
EXIF_IFD_POINTER = 0x8769
GPS_IFD_POINTER = 0x8825

# Tag ids used by the tests (EXIF 2.32).
MAKE, MODEL, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012
SUBSEC_TIME, SUBSEC_TIME_ORIGINAL, SUBSEC_TIME_DIGITIZED = 0x9290, 0x9291, 0x9292
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ALT_REF, GPS_ALT = 1, 2, 3, 4, 5, 6


def _items(kind: str, value: object) -> list[object]:
    if kind in ("ascii", "undefined"):
        raw = value.encode("utf-8") + b"\x00" if isinstance(value, str) else bytes(value)  # type: ignore[arg-type]
        return list(raw)
    return list(value) if isinstance(value, Iterable) else [value]  # type: ignore[arg-type]


def _pack_items(kind: str, items: Sequence[object]) -> bytes:
    _, _, code = _TYPES[kind]
    out = b""
    for item in items:
        parts = item if isinstance(item, tuple) else (item,)
        out += struct.pack("<" + code, *parts)
    return out


def _ifd(entries: Mapping[int, Value], offset: int) -> bytes:
    """One IFD at absolute ``offset`` (from the TIFF header) followed by its out-of-line data."""
    count = len(entries)
    data_start = offset + 2 + 12 * count + 4
    table = struct.pack("<H", count)
    data = b""
    for tag in sorted(entries):
        kind, value = entries[tag]
        items = _items(kind, value)
        payload = _pack_items(kind, items)
        type_id = _TYPES[kind][0]
        if len(payload) <= 4:
            field = payload.ljust(4, b"\x00")
        else:
            if len(data) % 2:
                data += b"\x00"
            field = struct.pack("<I", data_start + len(data))
            data += payload
        table += struct.pack("<HHI", tag, type_id, len(items)) + field
    return table + struct.pack("<I", 0) + data


def tiff_block(
    ifd0: Mapping[int, Value] | None = None,
    exif: Mapping[int, Value] | None = None,
    gps: Mapping[int, Value] | None = None,
) -> bytes:
    """A little-endian TIFF/EXIF block: IFD0 with pointers to the Exif and GPS IFDs when given."""
    main = dict(ifd0 or {})
    if exif is not None:
        main[EXIF_IFD_POINTER] = ("long", 0)
    if gps is not None:
        main[GPS_IFD_POINTER] = ("long", 0)
    size0 = len(_ifd(main, 8))  # pointer values do not change the size
    next_offset = 8 + size0
    blocks = b""
    for pointer, entries in ((EXIF_IFD_POINTER, exif), (GPS_IFD_POINTER, gps)):
        if entries is None:
            continue
        main[pointer] = ("long", next_offset)
        block = _ifd(entries, next_offset)
        blocks += block
        next_offset += len(block)
    return b"II*\x00" + struct.pack("<I", 8) + _ifd(main, 8) + blocks


@functools.cache
def _plain_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def exif_jpeg(
    ifd0: Mapping[int, Value] | None = None,
    exif: Mapping[int, Value] | None = None,
    gps: Mapping[int, Value] | None = None,
) -> bytes:
    """A valid 8x8 JPEG whose APP1 segment holds the given tags."""
    body = b"Exif\x00\x00" + tiff_block(ifd0, exif, gps)
    app1 = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    plain = _plain_jpeg()
    return plain[:2] + app1 + plain[2:]


def ascii_tag(text: str | bytes) -> Value:
    return ("ascii", text)


def dms(degrees: tuple[int, int], minutes: tuple[int, int], seconds: tuple[int, int]) -> Value:
    """A GPS coordinate as three rationals, each (numerator, denominator)."""
    return ("rational", [degrees, minutes, seconds])
