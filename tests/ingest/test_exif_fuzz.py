"""read_meta never raises, whatever the bytes: mutated real files and generated EXIF blocks.

A photo library holds half-downloaded files, disk errors and files that only pretend to be images;
one of them must not stop a scan of fifty thousand. Every case only checks that read_meta returns a
PhotoMeta that keeps its invariants. All of it is seeded, so a failure reproduces.
"""

from __future__ import annotations

import random
import struct

import pytest
from exif_helpers import (
    DATETIME,
    DATETIME_ORIGINAL,
    FIXTURES,
    GPS_ALT,
    GPS_ALT_REF,
    GPS_LAT,
    GPS_LAT_REF,
    GPS_LON,
    GPS_LON_REF,
    MAKE,
    OFFSET_TIME_ORIGINAL,
    ORIENTATION,
    SUBSEC_TIME_ORIGINAL,
    ascii_tag,
    assert_sane,
    exif_jpeg,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from album_app.ingest.exif import read_meta

SEED = 20240612
CASES_PER_BASE = 100
BASES = ["exif_full.jpg", "tz_minus0530.jpg", "with_exif.webp", "with_exif.png"]
FUZZ_SETTINGS = settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three random edits, most of them inside the first KB where the EXIF block lives."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        hot = min(len(out), 1024) or 1
        op = rng.choice(["flip", "flip", "extreme", "truncate", "insert", "delete", "duplicate"])
        pos = rng.randrange(hot)
        if op == "flip" and out:
            for _ in range(rng.randint(1, 8)):
                out[rng.randrange(min(len(out), 1024))] ^= 1 << rng.randrange(8)
        elif op == "extreme" and pos + 4 <= len(out):
            # counts, offsets and type fields set to the values parsers trip on
            out[pos : pos + 4] = rng.choice(
                [b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\xff\xff\x00\x00", b"\x00\x00\xff\x7f"]
            )
        elif op == "truncate":
            del out[rng.randrange(len(out) + 1) :]
        elif op == "insert":
            out[pos:pos] = rng.randbytes(rng.randint(1, 64))
        elif op == "delete":
            del out[pos : pos + rng.randint(1, 64)]
        elif op == "duplicate" and out:
            start = rng.randrange(len(out))
            out[pos:pos] = out[start : start + rng.randint(1, 128)]
    return bytes(out)


def _mutants(base: str) -> list[bytes]:
    rng = random.Random(f"{SEED}-{base}")
    data = (FIXTURES / base).read_bytes()
    return [_mutate(data, rng) for _ in range(CASES_PER_BASE)]


@pytest.mark.parametrize("base", BASES)
def test_mutated_real_files_never_raise(base: str) -> None:
    for index, mutant in enumerate(_mutants(base)):
        try:
            assert_sane(read_meta(mutant, f"IMG_20240612_153012_{index}.jpg"))
        except Exception as exc:  # pragma: no cover - only on failure, to name the case
            raise AssertionError(f"{base} mutant {index} ({len(mutant)} bytes): {exc!r}") from exc


_TIFF_HEADERS = st.sampled_from([b"II*\x00\x08\x00\x00\x00", b"MM\x00*\x00\x00\x00\x08", b"II*\x00", b""])


@pytest.mark.slow
@FUZZ_SETTINGS
@given(header=_TIFF_HEADERS, body=st.binary(max_size=1500))
def test_random_bytes_behind_a_jpeg_exif_header(header: bytes, body: bytes) -> None:
    payload = b"Exif\x00\x00" + header + body
    length = min(len(payload) + 2, 0xFFFF)
    data = b"\xff\xd8\xff\xe1" + struct.pack(">H", length) + payload + b"\xff\xd9"
    assert_sane(read_meta(data, "x.jpg"))


@pytest.mark.slow
@FUZZ_SETTINGS
@given(header=_TIFF_HEADERS, body=st.binary(max_size=1500))
def test_random_tiff_and_webp_and_heic_headers(header: bytes, body: bytes) -> None:
    assert_sane(read_meta(header + body, "x.tif"))
    webp = b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body
    assert_sane(read_meta(webp, "x.webp"))
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00" * 4 + b"mif1heic" + body
    assert_sane(read_meta(heic, "x.heic"))


_ints = st.integers(min_value=0, max_value=2**32 - 1)
_sints = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_text = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    st.sampled_from(
        ["0000:00:00 00:00:00", "2024:06:12 15:30:12", "2024-06-12T15:30:12Z", "+02:00", "-05:30"]
    ),
)
_rationals = st.lists(st.tuples(_ints, _ints), min_size=0, max_size=4).map(lambda v: ("rational", v))
_srationals = st.lists(st.tuples(_sints, _sints), min_size=1, max_size=3).map(lambda v: ("srational", v))
_doubles = st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3).map(
    lambda v: ("double", v)
)
_any_value = st.one_of(
    _text.map(ascii_tag),
    _rationals,
    _srationals,
    _doubles,
    st.lists(st.integers(0, 65535), min_size=1, max_size=3).map(lambda v: ("short", v)),
    st.lists(st.integers(0, 255), min_size=0, max_size=3).map(lambda v: ("byte", v)),
)


_TAGS = st.fixed_dictionaries(
    {
        "ifd0": st.fixed_dictionaries({DATETIME: _any_value, ORIENTATION: _any_value, MAKE: _any_value}),
        "exif": st.fixed_dictionaries(
            {
                DATETIME_ORIGINAL: _any_value,
                OFFSET_TIME_ORIGINAL: _any_value,
                SUBSEC_TIME_ORIGINAL: _any_value,
            }
        ),
        "gps": st.fixed_dictionaries(
            {
                GPS_LAT: st.one_of(_rationals, _srationals, _doubles, _text.map(ascii_tag)),
                GPS_LON: st.one_of(_rationals, _srationals, _doubles),
                GPS_LAT_REF: _any_value,
                GPS_LON_REF: _text.map(ascii_tag),
                GPS_ALT: _any_value,
                GPS_ALT_REF: _any_value,
            }
        ),
    }
)


@FUZZ_SETTINGS
@given(tags=_TAGS)
def test_well_formed_exif_with_arbitrary_values(tags: dict[str, dict[int, tuple[str, object]]]) -> None:
    assert_sane(read_meta(exif_jpeg(**tags), "x.jpg"))
