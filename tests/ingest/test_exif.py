"""read_meta against the shared exif-samples set, the committed fixtures and hand-built EXIF blocks."""

from __future__ import annotations

import importlib.util
import io
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from exif_helpers import (
    DATETIME,
    DATETIME_DIGITIZED,
    DATETIME_ORIGINAL,
    EXIF_SAMPLES,
    FIXTURES,
    GPS_ALT,
    GPS_ALT_REF,
    GPS_LAT,
    GPS_LAT_REF,
    GPS_LON,
    GPS_LON_REF,
    MAKE,
    MODEL,
    OFFSET_TIME,
    OFFSET_TIME_DIGITIZED,
    OFFSET_TIME_ORIGINAL,
    ORIENTATION,
    SAMPLES_MISSING,
    SUBSEC_TIME_DIGITIZED,
    SUBSEC_TIME_ORIGINAL,
    ascii_tag,
    assert_sane,
    dms,
    exif_jpeg,
    needs_samples,
    sample,
    sample_files,
)
from PIL import Image, ImageOps

from album_app.ingest import exif as exif_module
from album_app.ingest.exif import read_meta
from album_app.ingest.meta import PhotoMeta


def tz(hours: int, minutes: int = 0) -> timezone:
    sign = -1 if hours < 0 else 1
    return timezone(sign * timedelta(hours=abs(hours), minutes=minutes))


def meta_of(path: Path) -> PhotoMeta:
    return read_meta(path.read_bytes(), path.name)


# --- every shared sample ----------------------------------------------------------------------------

_SAMPLES = sample_files()
_SAMPLE_PARAMS = (
    [pytest.param(p, id=str(p.relative_to(EXIF_SAMPLES)), marks=pytest.mark.shared_data) for p in _SAMPLES]
    if _SAMPLES
    else [pytest.param(None, marks=pytest.mark.skip(reason=SAMPLES_MISSING), id="no-samples")]
)


@pytest.mark.parametrize("path", _SAMPLE_PARAMS)
def test_every_sample_reads_without_raising(path: Path) -> None:
    from_bytes = meta_of(path)
    assert_sane(from_bytes)
    with path.open("rb") as handle:
        from_file = read_meta(handle, path.name)
    assert from_file == from_bytes


@pytest.mark.shared_data
@needs_samples()
def test_sample_set_covers_all_folders() -> None:
    folders = {p.relative_to(EXIF_SAMPLES).parts[0:2] for p in _SAMPLES}
    for expected in [("jpg", "invalid"), ("jpg", "tests"), ("jpg", "gps"), ("jpg", "orientation")]:
        assert expected in folders
    assert any(p.suffix.lower() in {".heic", ".heif"} for p in _SAMPLES)
    assert any(p.suffix.lower() == ".tiff" for p in _SAMPLES)


# Expected values derived from exif-samples/dump (exifread's reference output), e.g. for DSCN0010:
#   GPS GPSLatitude (Ratio): [43, 28, 1407/500]            GPSLatitudeRef N
#   GPS GPSLongitude (Ratio): [11, 53, 645599999/100000000] GPSLongitudeRef E
#   EXIF DateTimeOriginal (ASCII): 2008:10:22 16:28:39
# lat = 43 + 28/60 + (1407/500)/3600 = 43.467448; lon = 11 + 53/60 + 6.45599999/3600 = 11.885127.
# None of these Nikon files has GPSAltitude (only GPSAltitudeRef 0), so alt is None.
GPS_SAMPLES = {
    "DSCN0010.jpg": (43.467448, 11.885127, "2008:10:22 16:28:39"),  # [43,28,1407/500] [11,53,645599999/1e8]
    "DSCN0012.jpg": (
        43.467157,
        11.885395,
        "2008:10:22 16:29:49",
    ),  # [43,28,176399999/1e8] [11,53,742199999/1e8]
    "DSCN0021.jpg": (
        43.467082,
        11.884538,
        "2008:10:22 16:38:20",
    ),  # [43,28,149399999/1e8] [11,53,433799999/1e8]
    "DSCN0025.jpg": (43.468365, 11.881635, "2008:10:22 16:43:21"),  # [43,28,3057/500] [11,52,538859999/1e7]
    "DSCN0027.jpg": (43.468442, 11.881515, "2008:10:22 16:44:01"),  # [43,28,639/100] [11,52,26727/500]
    "DSCN0029.jpg": (
        43.468243,
        11.880172,
        "2008:10:22 16:46:53",
    ),  # [43,28,567599999/1e8] [11,52,486179999/1e7]
    "DSCN0038.jpg": (43.467255, 11.879213, "2008:10:22 16:52:15"),  # [43,28,211799999/1e8] [11,52,5646/125]
    "DSCN0040.jpg": (
        43.466012,
        11.879112,
        "2008:10:22 16:55:37",
    ),  # [43,27,576419999/1e7] [11,52,448019999/1e7]
    "DSCN0042.jpg": (43.464455, 11.881478, "2008:10:22 17:00:07"),  # [43,27,26019/500] [11,52,26661/500]
}


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(GPS_SAMPLES))
def test_gps_samples_match_the_reference_dump(name: str) -> None:
    lat, lon, taken = GPS_SAMPLES[name]
    meta = meta_of(sample(f"jpg/gps/{name}"))
    assert meta.lat == pytest.approx(lat, abs=1e-4)
    assert meta.lon == pytest.approx(lon, abs=1e-4)
    assert meta.alt is None
    assert meta.taken_at == datetime.strptime(taken, "%Y:%m:%d %H:%M:%S")
    assert meta.time_source == "DateTimeOriginal"
    assert (meta.make, meta.model) == ("NIKON", "COOLPIX P6000")


# Other dump entries that exercise S/W references, 0/0 seconds, minutes-only values and altitude.
OTHER_PLACES = {
    # [0, 11139/500, 0] S, [36, 677/200, 0] E: degrees and decimal minutes, south of the equator
    "jpg/Kodak_CX7530.jpg": (-0.3713, 36.056417, None),
    # [40, 26, 491/10] N, [3, 43, 2911/100] W, GPSAltitude 105532/165, ref 0
    "jpg/hdr/iphone_hdr_NO.jpg": (40.446972, -3.724753, 105532 / 165),
    # [51, 1, 30] N, [7, 35, 31] E, GPSAltitude 340
    "jpg/tests/67-0_length_string.jpg": (51.025, 7.591944, 340.0),
    # [43, 23567833/500000, 0] N, [11, 7038583/500000, 0] E, GPSAltitude 42123/1000 (no ref)
    "jpg/tests/87_OSError.jpg": (43.785594, 11.234619, 42.123),
    # [60, 8, 2407/50] N, [24, 54, 1219/50] E as signed rationals
    "jpg/mobile/HMD_Nokia_8.3_5G.jpg": (60.146706, 24.906772, None),
}


@pytest.mark.shared_data
@pytest.mark.parametrize("relative", sorted(OTHER_PLACES))
def test_more_places_from_the_dump(relative: str) -> None:
    lat, lon, alt = OTHER_PLACES[relative]
    meta = meta_of(sample(relative))
    assert meta.lat == pytest.approx(lat, abs=1e-4)
    assert meta.lon == pytest.approx(lon, abs=1e-4)
    assert meta.alt == (None if alt is None else pytest.approx(alt, abs=1e-3))


@pytest.mark.shared_data
@pytest.mark.parametrize("kind", ["landscape", "portrait"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_samples(kind: str, orientation: int) -> None:
    assert meta_of(sample(f"jpg/orientation/{kind}_{orientation}.jpg")).orientation == orientation


@pytest.mark.shared_data
def test_sanyo_factory_clock_is_rejected() -> None:
    # dump: DateTimeOriginal, DateTimeDigitized and DateTime all "1998:01:01 00:00:00" (a reset clock)
    meta = meta_of(sample("jpg/exif-org/sanyo-vpcg250.jpg"))
    assert meta.taken_at is None and meta.time_source is None
    assert meta.rejected_time == "1998:01:01 00:00:00"
    assert meta.camera == "SANYO Electric Co.,Ltd. SR6"


@pytest.mark.shared_data
def test_polaroid_clock_ahead_of_the_file_is_rejected() -> None:
    # dump: DateTimeOriginal/Digitized "2026:11:24 14:41:16" but Image DateTime "2008:07:31 17:32:06":
    # the capture is stamped 18 years after the file was last written, so the camera clock is wrong.
    # (The date was in the future when the sample was made; the check must not depend on today.)
    meta = meta_of(sample("jpg/WWL_(Polaroid)_ION230.jpg"))
    assert meta.taken_at is None
    assert meta.rejected_time == "2026:11:24 14:41:16"
    assert (meta.make, meta.model) == ("WWL", "ION230")  # "WWL     " in the file


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        # dump: DateTimeOriginal 2022:02:16 12:55:41, SubSecTimeOriginal 762, OffsetTimeOriginal +01:00
        ("heic/mobile/iphone_13_pro_max.HEIC", datetime(2022, 2, 16, 12, 55, 41, 762000, tzinfo=tz(1))),
        # dump: DateTimeOriginal 2022:08:14 14:12:31, OffsetTimeOriginal +03:00
        ("jpg/mobile/HMD_Nokia_8.3_5G.jpg", datetime(2022, 8, 14, 14, 12, 31, tzinfo=tz(3))),
        # dump: DateTimeOriginal 2008:05:30 15:56:01, SubSecTimeOriginal "00"; DateTime is the 2008:07:31 edit
        ("jpg/Canon_40D.jpg", datetime(2008, 5, 30, 15, 56, 1)),
        # dump: SubSecTimeOriginal "68" -> .68 s
        ("jpg/tests/32-lens_data.jpeg", datetime(2012, 7, 14, 16, 30, 12, 680000)),
        # 1998 is a real date here (Sony DSC-D700 came out that year), not a reset
        ("jpg/exif-org/sony-d700.jpg", datetime(1998, 12, 1, 14, 22, 36)),
    ],
)
def test_sample_times(relative: str, expected: datetime) -> None:
    meta = meta_of(sample(relative))
    assert meta.taken_at == expected
    assert meta.taken_at is not None and meta.taken_at.tzinfo == expected.tzinfo
    assert meta.time_source == "DateTimeOriginal"


@pytest.mark.shared_data
def test_sample_heic_reads_place_and_camera() -> None:
    meta = meta_of(sample("heic/IMG_5195.HEIC"))
    assert meta.make == "Apple" and meta.lat is not None and meta.lon is not None and meta.lon < 0
    assert meta.taken_at is not None and meta.taken_at.utcoffset() == timedelta(hours=-5)


@pytest.mark.shared_data
@pytest.mark.parametrize("brand", [b"heix", b"msf1", b"mif2"])
def test_heif_brands_exifread_does_not_know(brand: bytes) -> None:
    # Canon/Sony .HIF files say "heix"; exifread 3.5 only looks inside heic/avif/mif1 with minor version 0.
    data = sample("heic/mobile/iphone_13_pro_max.HEIC").read_bytes()
    assert data[4:12] == b"ftypheic"
    for variant in (data[:8] + brand + data[12:], data[:12] + b"\x00\x00\x00\x01" + data[16:]):
        meta = read_meta(variant, "x.hif")
        assert meta.taken_at == datetime(2022, 2, 16, 12, 55, 41, 762000, tzinfo=tz(1))
        assert meta.orientation == 6
        assert read_meta(io.BytesIO(variant), "x.hif") == meta


@pytest.mark.shared_data
def test_sample_datetime_fallback_and_stripping() -> None:
    # Only Image DateTime (2008:07:31 10:05:49) survives Photoshop's import.
    meta = meta_of(sample("jpg/Canon_40D_photoshop_import.jpg"))
    assert (meta.taken_at, meta.time_source) == (datetime(2008, 7, 31, 10, 5, 49), "DateTime")
    assert meta_of(sample("jpg/Pentax_K10D.jpg")).make == "PENTAX Corporation"  # trailing blank in file


@pytest.mark.shared_data
def test_sample_without_exif() -> None:
    assert meta_of(sample("jpg/xmp/no_exif.jpg")) == PhotoMeta()


# --- the committed fixtures -------------------------------------------------------------------------

PARIS = (48 + 51 / 60 + 30.24 / 3600, 2 + 17 / 60 + 40.2 / 3600)
RIO = (-(22 + 57 / 60 + 6.84 / 3600), -(43 + 12 / 60 + 37.8 / 3600))


def fixture(name: str) -> PhotoMeta:
    return meta_of(FIXTURES / name)


def test_fixture_full_exif() -> None:
    meta = fixture("exif_full.jpg")
    assert meta.taken_at == datetime(2024, 6, 12, 15, 30, 12, 250000, tzinfo=tz(2))
    assert meta.time_source == "DateTimeOriginal"
    assert meta.lat == pytest.approx(PARIS[0], abs=1e-6) and meta.lon == pytest.approx(PARIS[1], abs=1e-6)
    assert meta.alt == pytest.approx(35.5)
    assert (meta.make, meta.model, meta.camera) == ("FixtureCam", "FixtureCam FC-1", "FixtureCam FC-1")
    assert meta.time_hint is None and meta.orientation == 1


def test_fixture_without_exif() -> None:
    assert fixture("no_exif.jpg") == PhotoMeta()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_fixture_orientations(orientation: int) -> None:
    assert fixture(f"orientation_{orientation}.jpg").orientation == orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_fixture_orientation_pixels_turn_upright(orientation: int) -> None:
    """The fixture set itself: turned upright, every file is 64x48 with red only at the top-left."""
    with Image.open(FIXTURES / f"orientation_{orientation}.jpg") as image:
        shown = ImageOps.exif_transpose(image).convert("RGB")
    assert shown.size == (64, 48)
    red = shown.getpixel((4, 4))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    for corner in ((59, 4), (4, 43), (59, 43)):
        assert min(shown.getpixel(corner)) > 200


def test_fixture_invalid_orientation_reads_as_1() -> None:
    assert fixture("orientation_9.jpg").orientation == 1


@pytest.mark.parametrize(
    ("name", "lat", "lon", "alt"),
    [
        ("gps_south_west.jpg", RIO[0], RIO[1], 700.0),
        ("gps_below_sea.jpg", 31.5, 35.5, -430.0),
    ],
)
def test_fixture_places(name: str, lat: float, lon: float, alt: float) -> None:
    meta = fixture(name)
    assert meta.lat == pytest.approx(lat, abs=1e-6)
    assert meta.lon == pytest.approx(lon, abs=1e-6)
    assert meta.alt == pytest.approx(alt)


@pytest.mark.parametrize("name", ["gps_zero.jpg", "gps_empty.jpg", "no_exif.jpg"])
def test_fixture_no_place(name: str) -> None:
    meta = fixture(name)
    assert (meta.lat, meta.lon, meta.alt) == (None, None, None)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tz_plus0200.jpg", datetime(2024, 6, 12, 15, 30, 12, 500000, tzinfo=tz(2))),
        ("tz_minus0530.jpg", datetime(2023, 12, 31, 23, 59, 59, tzinfo=tz(-5, 30))),
        ("subsec_naive.jpg", datetime(2022, 2, 16, 12, 55, 41, 762000)),
        ("datetime_only.jpg", datetime(2019, 7, 14, 9, 8, 7)),
        ("zero_original_good_digitized.jpg", datetime(2023, 5, 1, 10, 0, 0)),
    ],
)
def test_fixture_times(name: str, expected: datetime) -> None:
    meta = fixture(name)
    assert meta.taken_at == expected
    assert meta.taken_at is not None and meta.taken_at.utcoffset() == expected.utcoffset()
    assert meta.rejected_time is None


def test_fixture_time_sources() -> None:
    assert fixture("datetime_only.jpg").time_source == "DateTime"
    assert fixture("zero_original_good_digitized.jpg").time_source == "DateTimeDigitized"
    assert fixture("tz_minus0530.jpg").time_source == "DateTimeOriginal"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("zero_date.jpg", "0000:00:00 00:00:00"),
        ("factory_default_2000.jpg", "2000:01:01 00:00:00"),
        ("future_date.jpg", "2999:01:01 12:00:00"),
    ],
)
def test_fixture_untrusted_times(name: str, raw: str) -> None:
    meta = fixture(name)
    assert (meta.taken_at, meta.time_source, meta.rejected_time) == (None, None, raw)


def test_fixture_truncated_jpeg_keeps_its_exif() -> None:
    full, cut = fixture("exif_full.jpg"), fixture("truncated.jpg")
    assert cut == full


@pytest.mark.parametrize("name", ["truncated_in_exif.jpg", "empty.jpg", "not_an_image.jpg"])
def test_fixture_broken_files(name: str) -> None:
    meta = fixture(name)
    assert_sane(meta)
    assert meta.taken_at is None and meta.lat is None


@pytest.mark.parametrize("name", ["with_exif.png", "with_exif.webp"])
def test_fixture_other_formats(name: str) -> None:
    meta = fixture(name)
    assert meta.taken_at == datetime(2021, 8, 9, 10, 11, 12)
    assert meta.make == "FixtureCam"
    assert meta.lat == pytest.approx(PARIS[0], abs=1e-6) and meta.lon == pytest.approx(PARIS[1], abs=1e-6)


def test_fixture_messenger_name_gives_a_hint_only() -> None:
    meta = fixture("IMG-20240612-WA0001.jpg")
    assert meta.taken_at is None and meta.rejected_time is None
    assert (meta.time_hint, meta.time_hint_source) == (datetime(2024, 6, 12), "filename")


def test_fixture_hint_and_exif_time_are_kept_apart() -> None:
    data = (FIXTURES / "exif_full.jpg").read_bytes()
    meta = read_meta(data, "PXL_20240101_080910123.jpg")
    assert meta.taken_at == datetime(2024, 6, 12, 15, 30, 12, 250000, tzinfo=tz(2))
    assert meta.time_hint == datetime(2024, 1, 1, 8, 9, 10, 123000)


def test_fixture_generator_lists_every_committed_file() -> None:
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES.parent / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = set(module.fixtures())
    on_disk = {p.name for p in FIXTURES.iterdir()}
    assert names == on_disk
    assert sum(p.stat().st_size for p in FIXTURES.iterdir()) < 300_000


# --- inputs -----------------------------------------------------------------------------------------


class _Stream(io.RawIOBase):
    """A readable stream that cannot seek, like a pipe or an HTTP body."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_accepts_bytes_file_objects_and_unseekable_streams() -> None:
    data = (FIXTURES / "exif_full.jpg").read_bytes()
    expected = read_meta(data, "x.jpg")
    assert read_meta(bytearray(data), "x.jpg") == expected
    assert read_meta(io.BytesIO(data), "x.jpg") == expected
    assert read_meta(io.BufferedReader(_Stream(data)), "x.jpg") == expected


def test_path_in_file_name_is_fine() -> None:
    meta = read_meta(b"", "/some/dir/WhatsApp Image 2024-06-12 at 15.30.12.jpeg")
    assert meta.time_hint == datetime(2024, 6, 12, 15, 30, 12)


# --- hand-built EXIF: times -------------------------------------------------------------------------


def time_of(value: str | bytes, extra: dict[int, tuple[str, object]] | None = None) -> PhotoMeta:
    """read_meta of a JPEG whose only capture time is ``value`` (plus ``extra`` Exif sub-IFD tags)."""
    tags = {DATETIME_ORIGINAL: ascii_tag(value), **(extra or {})}
    return read_meta(exif_jpeg(exif=tags), "x.jpg")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024:06:12 15:30:12", datetime(2024, 6, 12, 15, 30, 12)),
        ("2024-06-12 15:30:12", datetime(2024, 6, 12, 15, 30, 12)),
        ("2024/06/12 15:30:12", datetime(2024, 6, 12, 15, 30, 12)),
        ("2024-06-12T15:30:12", datetime(2024, 6, 12, 15, 30, 12)),
        ("2024-06-12T15:30:12Z", datetime(2024, 6, 12, 15, 30, 12, tzinfo=UTC)),
        ("2024:06:12 15:30:12+02:00", datetime(2024, 6, 12, 15, 30, 12, tzinfo=tz(2))),
        ("2024:06:12 15:30:12.5", datetime(2024, 6, 12, 15, 30, 12, 500000)),
        ("2024:06:12 15:30:12   ", datetime(2024, 6, 12, 15, 30, 12)),
        ("  2024:06:12 15:30:12", datetime(2024, 6, 12, 15, 30, 12)),
        (b"2024:06:12 15:30:12\x00\x00\x00", datetime(2024, 6, 12, 15, 30, 12)),
        ("2024:06:12  5:30:12", datetime(2024, 6, 12, 5, 30, 12)),
        ("2024:06:12 15:30", datetime(2024, 6, 12, 15, 30)),
    ],
)
def test_time_format_variants(raw: str | bytes, expected: datetime) -> None:
    meta = time_of(raw)
    assert meta.taken_at == expected and meta.taken_at is not None
    assert meta.taken_at.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "raw",
    [
        "0000:00:00 00:00:00",
        "",
        "                   ",
        "    :  :     :  :  ",
        "yesterday",
        "2024:13:01 10:00:00",  # month 13
        "2024:02:30 10:00:00",  # 30 February
        "2024:06:12 25:00:00",
        "2024:06:12",  # no time of day
        "1985:06:12 10:00:00",  # before 1990
        "1970:01:01 00:00:00",  # epoch
        "1998:01:01 00:00:00",  # Sanyo reset
        "2000:01:01 00:00:00",  # common reset
        "2999:06:12 10:00:00",  # future
    ],
)
def test_untrusted_times(raw: str) -> None:
    meta = time_of(raw)
    assert meta.taken_at is None and meta.time_source is None
    assert meta.rejected_time == raw.strip()


def test_future_limit_allows_a_day_of_timezone_slack() -> None:
    soon = datetime.now() + timedelta(hours=12)
    assert time_of(soon.strftime("%Y:%m:%d %H:%M:%S")).taken_at is not None
    later = datetime.now() + timedelta(days=3)
    assert time_of(later.strftime("%Y:%m:%d %H:%M:%S")).taken_at is None


def test_factory_date_with_another_time_is_kept() -> None:
    assert time_of("2000:01:01 12:34:56").taken_at == datetime(2000, 1, 1, 12, 34, 56)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        ("+02:00", tz(2)),
        ("-05:30", tz(-5, 30)),
        ("+0530", tz(5, 30)),
        ("+14:00", tz(14)),
        ("+00:00", UTC),
        ("      ", None),
        ("   :  ", None),
        ("+25:00", None),
        ("+02:75", None),
        ("CEST", None),
    ],
)
def test_offsets(offset: str, expected: timezone | None) -> None:
    meta = time_of("2024:06:12 15:30:12", {OFFSET_TIME_ORIGINAL: ascii_tag(offset)})
    assert meta.taken_at is not None
    assert meta.taken_at.tzinfo == expected


@pytest.mark.parametrize(
    ("subsec", "micro"),
    [("762", 762000), ("05", 50000), ("0", 0), ("1234567", 123456), (" 5 ", 500000), ("abc", 0), ("", 0)],
)
def test_subseconds(subsec: str, micro: int) -> None:
    meta = time_of("2024:06:12 15:30:12", {SUBSEC_TIME_ORIGINAL: ascii_tag(subsec)})
    assert meta.taken_at is not None and meta.taken_at.microsecond == micro


def test_subseconds_and_offset_follow_the_tag_used() -> None:
    exif = {
        DATETIME_ORIGINAL: ascii_tag("0000:00:00 00:00:00"),
        SUBSEC_TIME_ORIGINAL: ascii_tag("111"),
        OFFSET_TIME_ORIGINAL: ascii_tag("+01:00"),
        DATETIME_DIGITIZED: ascii_tag("2024:06:12 15:30:12"),
        SUBSEC_TIME_DIGITIZED: ascii_tag("222"),
        OFFSET_TIME_DIGITIZED: ascii_tag("-03:00"),
    }
    meta = read_meta(exif_jpeg(exif=exif), "x.jpg")
    assert meta.taken_at == datetime(2024, 6, 12, 15, 30, 12, 222000, tzinfo=tz(-3))
    assert meta.time_source == "DateTimeDigitized"
    assert meta.rejected_time is None


def test_datetime_is_not_used_when_the_capture_time_was_refused() -> None:
    meta = read_meta(
        exif_jpeg(ifd0={DATETIME: ascii_tag("2019:01:02 03:04:05")}, exif={DATETIME_ORIGINAL: ascii_tag("")}),
        "x.jpg",
    )
    assert meta.taken_at is None and meta.rejected_time == ""


def test_datetime_with_its_own_offset() -> None:
    meta = read_meta(
        exif_jpeg(ifd0={DATETIME: ascii_tag("2019:01:02 03:04:05")}, exif={OFFSET_TIME: ascii_tag("+09:00")}),
        "x.jpg",
    )
    assert meta.taken_at == datetime(2019, 1, 2, 3, 4, 5, tzinfo=tz(9))
    assert meta.time_source == "DateTime"


def test_capture_in_ifd0_is_found() -> None:
    meta = read_meta(exif_jpeg(ifd0={DATETIME_ORIGINAL: ascii_tag("2011:11:11 11:11:11")}), "x.jpg")
    assert (meta.taken_at, meta.time_source) == (datetime(2011, 11, 11, 11, 11, 11), "DateTimeOriginal")


@pytest.mark.parametrize(
    ("modified", "trusted"),
    [
        ("2010:05:05 10:00:00", False),  # edited 14 years before it was taken: wrong camera clock
        ("2024:06:11 00:00:00", True),  # a timezone's worth earlier: fine
        ("2024:07:01 10:00:00", True),  # edited later: the normal case
        ("0000:00:00 00:00:00", True),  # a broken DateTime proves nothing
        ("2000:01:01 00:00:00", True),  # nor does a reset one
    ],
)
def test_capture_after_last_write_is_untrusted(modified: str, trusted: bool) -> None:
    meta = read_meta(
        exif_jpeg(
            ifd0={DATETIME: ascii_tag(modified)}, exif={DATETIME_ORIGINAL: ascii_tag("2024:06:12 15:30:12")}
        ),
        "x.jpg",
    )
    assert (meta.taken_at is not None) is trusted


def test_non_text_time_tag_is_refused() -> None:
    meta = read_meta(exif_jpeg(exif={DATETIME_ORIGINAL: ("short", [2024, 6, 12])}), "x.jpg")
    assert meta.taken_at is None and meta.rejected_time is not None


# --- hand-built EXIF: place -------------------------------------------------------------------------


def place_of(gps: dict[int, tuple[str, object]]) -> PhotoMeta:
    return read_meta(exif_jpeg(gps=gps), "x.jpg")


NORTH_EAST = {
    GPS_LAT_REF: ascii_tag("N"),
    GPS_LAT: dms((48, 1), (51, 1), (3024, 100)),
    GPS_LON_REF: ascii_tag("E"),
    GPS_LON: dms((2, 1), (17, 1), (402, 10)),
}


@pytest.mark.parametrize(
    ("refs", "signs"),
    [(("N", "E"), (1, 1)), (("S", "E"), (-1, 1)), (("N", "W"), (1, -1)), (("S", "W"), (-1, -1))],
)
def test_hemispheres(refs: tuple[str, str], signs: tuple[int, int]) -> None:
    gps = {**NORTH_EAST, GPS_LAT_REF: ascii_tag(refs[0]), GPS_LON_REF: ascii_tag(refs[1])}
    meta = place_of(gps)
    assert meta.lat == pytest.approx(signs[0] * PARIS[0], abs=1e-9)
    assert meta.lon == pytest.approx(signs[1] * PARIS[1], abs=1e-9)


def test_zero_over_zero_seconds_mean_unused() -> None:
    # As jpg/tests/46_UnicodeEncodeError.jpg in the dump: [51, 254903/10000, 0/0] N, [0, 404137/10000, 0/0] W
    meta = place_of(
        {
            GPS_LAT_REF: ascii_tag("N"),
            GPS_LAT: dms((51, 1), (254903, 10000), (0, 0)),
            GPS_LON_REF: ascii_tag("W"),
            GPS_LON: dms((0, 1), (404137, 10000), (0, 0)),
        }
    )
    assert meta.lat == pytest.approx(51.424838, abs=1e-6)
    assert meta.lon == pytest.approx(-0.673562, abs=1e-6)


@pytest.mark.parametrize(
    "gps",
    [
        {**NORTH_EAST, GPS_LAT: dms((48, 0), (51, 1), (0, 1))},  # degrees over zero
        {**NORTH_EAST, GPS_LON: dms((2, 1), (17, 0), (0, 1))},  # minutes x/0
        {**NORTH_EAST, GPS_LAT: dms((91, 1), (0, 1), (0, 1))},  # |lat| > 90
        {**NORTH_EAST, GPS_LON: dms((181, 1), (0, 1), (0, 1))},  # |lon| > 180
        {**NORTH_EAST, GPS_LAT: ("double", [float("nan"), 0.0, 0.0])},
        {**NORTH_EAST, GPS_LON: ("double", [float("inf"), 0.0, 0.0])},
        {**NORTH_EAST, GPS_LAT: ascii_tag("48.85")},  # text instead of rationals
        {**NORTH_EAST, GPS_LAT: ("rational", [(1, 1)] * 4)},  # four components
        {k: v for k, v in NORTH_EAST.items() if k != GPS_LON},  # latitude only
        {GPS_LAT_REF: ascii_tag("N"), GPS_LON_REF: ascii_tag("E")},  # refs only
        {GPS_LAT: dms((0, 1), (0, 1), (0, 1)), GPS_LON: dms((0, 1), (0, 1), (0, 1))},  # (0, 0)
        {},  # empty GPS IFD
    ],
)
def test_no_place(gps: dict[int, tuple[str, object]]) -> None:
    meta = place_of(gps)
    assert (meta.lat, meta.lon, meta.alt) == (None, None, None)


def test_double_coordinates() -> None:
    meta = place_of({**NORTH_EAST, GPS_LAT: ("double", [48.0, 51.0, 30.24])})
    assert meta.lat == pytest.approx(PARIS[0], abs=1e-9) and meta.lon == pytest.approx(PARIS[1], abs=1e-9)


def test_signed_degrees_without_reference() -> None:
    meta = place_of(
        {
            GPS_LAT: ("srational", [(-33, 1), (51, 1), (0, 1)]),
            GPS_LON: ("srational", [(151, 1), (12, 1), (0, 1)]),
        }
    )
    assert meta.lat == pytest.approx(-(33 + 51 / 60)) and meta.lon == pytest.approx(151.2)


def test_decimal_degrees_in_one_value() -> None:
    meta = place_of(
        {
            GPS_LAT_REF: ascii_tag("S"),
            GPS_LAT: ("rational", [(338500, 10000)]),
            GPS_LON: dms((151, 1), (0, 1), (0, 1)),
        }
    )
    assert meta.lat == pytest.approx(-33.85) and meta.lon == pytest.approx(151.0)


@pytest.mark.parametrize(
    ("alt", "ref", "expected"),
    [
        (("rational", [(4305, 10)]), ("byte", [0]), 430.5),
        (("rational", [(4305, 10)]), ("byte", [1]), -430.5),
        (("rational", [(4305, 10)]), None, 430.5),
        (("rational", [(1, 0)]), ("byte", [0]), None),
        (("rational", [(10**9, 1)]), ("byte", [0]), None),  # a million km up: broken
        (("double", [float("nan")]), None, None),
    ],
)
def test_altitude(alt: tuple[str, object], ref: tuple[str, object] | None, expected: float | None) -> None:
    gps = {**NORTH_EAST, GPS_ALT: alt}
    if ref is not None:
        gps[GPS_ALT_REF] = ref
    meta = place_of(gps)
    assert meta.lat is not None
    assert meta.alt == (None if expected is None else pytest.approx(expected))


# --- hand-built EXIF: orientation and camera --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (("short", [6]), 6),
        (("short", [0]), 1),
        (("short", [9]), 1),
        (("short", [65535]), 1),
        (("long", [8]), 8),
        (("rational", [(3, 1)]), 3),
        (("rational", [(7, 2)]), 1),
        (ascii_tag("6"), 1),
    ],
)
def test_orientation_values(value: tuple[str, object], expected: int) -> None:
    assert read_meta(exif_jpeg(ifd0={ORIENTATION: value}), "x.jpg").orientation == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Canon", "Canon"),
        ("  NIKON CORPORATION  ", "NIKON CORPORATION"),
        (b"OLYMPUS\x00\x00\x00\x00", "OLYMPUS"),
        (b"\x00\x00\x00\x00", None),
        ("        ", None),
        ("", None),
        (b"Caf\xc3\xa9 Cam\x00", "Café Cam"),
        (b"\xff\xfe broken", "\ufffd\ufffd broken"),
    ],
)
def test_make_and_model_stripping(raw: str | bytes, expected: str | None) -> None:
    meta = read_meta(exif_jpeg(ifd0={MAKE: ascii_tag(raw), MODEL: ascii_tag(raw)}), "x.jpg")
    assert meta.make == expected and meta.model == expected


def test_overlong_make_is_cut() -> None:
    assert len(read_meta(exif_jpeg(ifd0={MAKE: ascii_tag("X" * 5000)}), "x.jpg").make or "") == 256


# --- cost bounds ------------------------------------------------------------------------------------


def test_huge_ifd_count_is_abandoned_quickly() -> None:
    # IFD0 claims 65,535 entries in a 10-byte TIFF: exifread would walk them all, past the end.
    started = time.perf_counter()
    meta = read_meta(b"II*\x00\x08\x00\x00\x00\xff\xff", "x.tif")
    assert meta == PhotoMeta()
    assert time.perf_counter() - started < 5.0


def test_read_budget_abandons_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "exif_full.jpg").read_bytes()
    assert read_meta(data, "x.jpg").taken_at is not None
    monkeypatch.setattr(exif_module, "READ_BUDGET", 5)
    assert read_meta(data, "x.jpg") == PhotoMeta()
