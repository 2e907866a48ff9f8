"""Read when, where and how a photo was taken from its EXIF block (JPEG, TIFF, HEIC, PNG, WebP).

Albums are built from time and place, so a wrong time does more harm than a missing one: a photo
without a time is placed softly later, while a photo stamped 1998-01-01 by a reset camera clock would
found an album of its own. Every value here is therefore checked, and anything doubtful is left None.

The parser is exifread. Real libraries hold truncated downloads, half-written files and files that
only pretend to be images, so :func:`read_meta` never raises: whatever exifread or the checks below
cannot make sense of is simply absent from the result.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, BinaryIO, TypeVar, cast

import exifread

from album_app.ingest.filename_dates import date_from_filename, is_plausible
from album_app.ingest.meta import PhotoMeta

log = logging.getLogger(__name__)

# exifread reports every file without EXIF ("File format not recognized") and every oddity it skips
# as a WARNING. Over a library of thousands of photos that buries the app's own log, and all of those
# cases are handled here, so only its errors are let through.
logging.getLogger("exifread").setLevel(logging.ERROR)

_T = TypeVar("_T")
_Tags = Mapping[str, Any]

#: (time tag, matching sub-second tag, matching offset tag, PhotoMeta.time_source), best first.
#: DateTimeOriginal is when the shutter fired; DateTimeDigitized is nearly always the same instant;
#: DateTime is the last time any software wrote the file.
_TIME_TAGS: tuple[tuple[str, str, str, str], ...] = (
    ("DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal", "DateTimeOriginal"),
    ("DateTimeDigitized", "SubSecTimeDigitized", "OffsetTimeDigitized", "DateTimeDigitized"),
    ("DateTime", "SubSecTime", "OffsetTime", "DateTime"),
)

#: Exact wall-clock times that cameras fall back to when their clock battery runs out or after a
#: reset, so a file carrying one of them says nothing about when it was taken. Only values with
#: evidence are listed:
#:   1998-01-01 00:00:00  Sanyo (VPC-G250 in the exif-samples set: all three EXIF times hold it);
#:                        shared by other late-90s compacts whose clocks started at their model year.
#:   2000-01-01 00:00:00  the most common reset value of Y2K-era and later compacts and of many
#:                        phones/dashcams after a dead RTC battery.
#: A real photo taken on the exact second of those New Year midnights is the price, and it is small:
#: the raw value stays visible as ``rejected_time``. Dates before 1990 (1970/1980 epochs) are refused
#: by the plausibility window anyway.
FACTORY_DEFAULT_TIMES: frozenset[datetime] = frozenset(
    {
        datetime(1998, 1, 1, 0, 0, 0),
        datetime(2000, 1, 1, 0, 0, 0),
    }
)

#: A capture time later than the file's own last-modified stamp (Image DateTime) by more than this is a
#: wrong camera clock: software that edits a file cannot run before the picture exists. The slack
#: covers the widest gap between two timezones (UTC-12 to UTC+14) when one stamp is UTC and the other
#: local, plus a day.
CAPTURE_AFTER_MODIFIED_SLACK = timedelta(days=2)

#: exifread reads per file before it is abandoned. The exif-samples set needs at most ~1,000 (HEIC),
#: a broken IFD count can cost hundreds of thousands.
READ_BUDGET = 30_000
#: Major brands of HEIF still images and sequences (ISO/IEC 23008-12, AVIF), see _HeifBrandFix.
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"mif2", b"msf1"}
    | {b"avif", b"avis"}
)
_MAX_RIFF_CHUNKS = 64  # a WebP file has a handful of chunks; more is a broken or hostile file
_MAX_EXIF_BYTES = 4 << 20
_MAX_TEXT = 256  # longer make/model strings are garbage from broken files, not camera names
_MAX_ALTITUDE_M = 100_000.0  # beyond that a GPS altitude is a broken value, not a flight

_EXIF_DT = re.compile(
    r"""^(?P<y>\d{4})[:\-/.](?P<mo>\d{1,2})[:\-/.](?P<d>\d{1,2})
        (?:T|\s+)\s*(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?
        \s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$""",
    re.VERBOSE | re.IGNORECASE,
)
_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")
_BLANK_OR_ZERO = re.compile(r"^[\s0:\-/.T]*$")


def read_meta(data: bytes | BinaryIO, file_name: str) -> PhotoMeta:
    """Read a file's metadata; never raises.

    ``data`` is the file's bytes or a binary file object (it will be seeked). ``file_name`` is only
    used for the weaker date hint that phones and messengers put in names. Absent, broken or untrusted
    values come back as None (orientation as 1), see :class:`PhotoMeta`.
    """
    now = datetime.now()
    tags = _parse_tags(data, file_name)
    taken_at, time_source, rejected = _guard(lambda: _read_time(tags, now), (None, None, None))
    lat, lon, alt = _guard(lambda: _read_place(tags), (None, None, None))
    hint = _guard(lambda: date_from_filename(file_name, now=now), None)
    return PhotoMeta(
        taken_at=taken_at,
        time_source=time_source,
        rejected_time=rejected,
        time_hint=hint,
        time_hint_source="filename" if hint is not None else None,
        lat=lat,
        lon=lon,
        alt=alt,
        orientation=_guard(lambda: _read_orientation(tags), 1),
        make=_guard(lambda: _read_text(tags, "Make"), None),
        model=_guard(lambda: _read_text(tags, "Model"), None),
    )


def trusted_time(text: str, now: datetime | None = None) -> datetime | None:
    """A capture time written as text by XMP or QuickTime ("2024-06-12T15:30:00+02:00", "…Z") when it
    passes the same checks as an EXIF time (no placeholder, no reset clock, 1990..tomorrow); else None."""
    when = _parse_exif_time(text.strip())
    if when is None or not _is_trusted(when, now or datetime.now(), None):
        return None
    return when


# --- parsing -----------------------------------------------------------------------------------------


def _parse_tags(data: bytes | BinaryIO, file_name: str) -> _Tags:
    """Run exifread over the file; any failure (truncated, fuzzed, not an image) gives no tags."""
    try:
        handle = _as_seekable(data)
        webp_tiff = _webp_exif_payload(handle)
        if webp_tiff is not None:
            handle = io.BytesIO(webp_tiff)
        reader = cast(BinaryIO, _ReadBudget(_HeifBrandFix.wrap(handle), READ_BUDGET))
        tags = exifread.process_file(reader, details=False, extract_thumbnail=False)
    except Exception as exc:  # exifread raises anything from struct.error to RecursionError
        log.debug("EXIF of %s unreadable: %r", file_name, exc)
        return {}
    return tags if isinstance(tags, Mapping) else {}


def _as_seekable(data: bytes | BinaryIO) -> BinaryIO:
    """exifread seeks back and forth; wrap bytes, and copy streams that cannot seek."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(data))
    if data.seekable():
        return data
    return io.BytesIO(data.read())


class _ReadBudgetExceeded(Exception):
    """Raised inside exifread to abandon a file that makes it loop."""


class _ReadBudget:
    """The file as exifread uses it (read, seek, tell), refusing reads past a budget.

    exifread believes the entry count of every IFD: a corrupt count makes it walk up to 65,535
    entries past the end of the data, per IFD, along a chain of IFDs as long as the file can encode.
    That is seconds to minutes for one broken file. Each entry costs at least one read, so a read
    budget bounds the work; real files need at most about a thousand reads.
    """

    def __init__(self, inner: BinaryIO, budget: int) -> None:
        self._inner = inner
        self._budget = budget
        self._left = budget

    def read(self, size: int = -1) -> bytes:
        self._left -= 1
        if self._left < 0:
            raise _ReadBudgetExceeded(f"more than {self._budget} reads")
        return self._inner.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()


class _HeifBrandFix:
    """Show exifread a HEIF file's major brand as "mif1" (minor version 0).

    exifread 3.5 only looks for EXIF in HEIF files whose major brand is heic, avif or mif1 with minor
    version 0, though the boxes it reads are the same in every HEIF flavour: Canon's and Sony's .HIF
    ("heix"), image sequences ("msf1", "hevc") and others would lose their EXIF. The file itself is
    never changed; only the 8 bytes exifread reads at offset 8 are replaced.
    """

    _AT = 8
    _PATCH = b"mif1\x00\x00\x00\x00"

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner

    @classmethod
    def wrap(cls, handle: BinaryIO) -> BinaryIO:
        """The handle itself, or a patched view of it when it is a HEIF file exifread would skip."""
        handle.seek(0)
        head = handle.read(16)
        handle.seek(0)
        if head[4:8] != b"ftyp" or head[8:12] not in _HEIF_BRANDS or head[8:16] == cls._PATCH:
            return handle
        return cast(BinaryIO, cls(handle))

    def read(self, size: int = -1) -> bytes:
        start = self._inner.tell()
        chunk = self._inner.read(size)
        lo, hi = max(start, self._AT), min(start + len(chunk), self._AT + len(self._PATCH))
        if lo >= hi:
            return chunk
        patched = bytearray(chunk)
        patched[lo - start : hi - start] = self._PATCH[lo - self._AT : hi - self._AT]
        return bytes(patched)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()


def _webp_exif_payload(handle: BinaryIO) -> bytes | None:
    """The TIFF block of a WebP file's EXIF chunk, or None (not WebP, no EXIF chunk).

    exifread 3.5 skips six bytes at the start of that chunk, expecting the "Exif\\0\\0" prefix that
    some old encoders wrote; the WebP spec (and libwebp, Pillow, Android) store the bare TIFF block,
    which exifread then misses (ianare/exif-py#252). Handing it the bare block reads either form.
    """
    handle.seek(0)
    head = handle.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    for _ in range(_MAX_RIFF_CHUNKS):
        header = handle.read(8)
        if len(header) < 8:
            return None
        size = int.from_bytes(header[4:8], "little")
        if header[:4] == b"EXIF":
            payload = handle.read(min(size, _MAX_EXIF_BYTES))
            payload = payload.removeprefix(b"Exif\x00\x00")
            return payload if payload[:2] in (b"II", b"MM") else None
        handle.seek(size + (size & 1), io.SEEK_CUR)  # RIFF chunks are padded to even sizes
    return None


def _guard(read: Callable[[], _T], default: _T) -> _T:
    """Run one field's reader; a surprise in one field must not cost the others."""
    try:
        return read()
    except Exception as exc:  # exifread's tag values can be of any type in broken files
        log.debug("EXIF field unreadable: %r", exc)
        return default


def _tag(tags: _Tags, name: str) -> Any:
    """A tag's values from the EXIF sub-IFD, or from IFD0 where some writers put it."""
    for ifd in ("EXIF", "Image"):
        tag = tags.get(f"{ifd} {name}")
        if tag is not None:
            return getattr(tag, "values", tag)
    return None


def _text(value: Any) -> str | None:
    """An ASCII tag as a str without NULs and surrounding blanks; None when not text."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip()


# --- time --------------------------------------------------------------------------------------------


def _read_time(tags: _Tags, now: datetime) -> tuple[datetime | None, str | None, str | None]:
    """(taken_at, time_source, rejected_time) from the best trusted EXIF time tag.

    DateTime (the file's last write) stands in only when the file has no capture time at all: when a
    capture time is present but untrusted, DateTime is either the same broken clock or the time an
    editor touched the file, and neither is when the photo was taken.
    """
    modified = _modified_time(tags, now)
    rejected: str | None = None
    for time_tag, subsec_tag, offset_tag, source in _TIME_TAGS:
        raw = _tag(tags, time_tag)
        if raw is None:
            continue
        if source == "DateTime" and rejected is not None:
            break
        when = _parse_exif_time(_text(raw) or "")
        if when is not None:
            when = _with_subsec_and_offset(when, tags, subsec_tag, offset_tag)
            if _is_trusted(when, now, None if source == "DateTime" else modified):
                return when, source, None
        if rejected is None:
            rejected = _raw_for_display(raw)
    return None, None, rejected


def _modified_time(tags: _Tags, now: datetime) -> datetime | None:
    """Image DateTime when it is itself believable, for the capture-after-edit check."""
    modified = _parse_exif_time(_text(_tag(tags, "DateTime")) or "")
    if modified is None or not _is_trusted(modified, now, None):
        return None
    return modified


def _parse_exif_time(text: str) -> datetime | None:
    """Parse "YYYY:MM:DD HH:MM:SS" and the variants real files hold ("-", "/", "T", "Z", fractions).

    Returns None for blank, all-zero ("0000:00:00 00:00:00") and impossible values.
    """
    if _BLANK_OR_ZERO.match(text):
        return None
    match = _EXIF_DT.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    frac = (parts["frac"] or "")[:6]
    try:
        when = datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            int(parts["h"]),
            int(parts["mi"]),
            int(parts["s"] or 0),
            int(frac.ljust(6, "0")) if frac else 0,
        )
    except ValueError:
        return None
    zone = UTC if (parts["tz"] or "").upper() == "Z" else _parse_offset(parts["tz"] or "")
    return when.replace(tzinfo=zone) if zone is not None else when


def _parse_offset(text: str) -> timezone | None:
    """An EXIF 2.31 offset ("+02:00", "-05:30") as a timezone; None when blank or out of range."""
    match = _OFFSET.match(text.strip())
    if match is None:
        return None
    hours, minutes = int(match["h"]), int(match["m"])
    if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if match["sign"] == "-" else delta)


def _subsec_microseconds(text: str) -> int | None:
    """SubSecTime is the decimal fraction's digits ("762" = .762 s, "05" = .05 s); None if not digits."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit():
        return None
    return int(digits[:6].ljust(6, "0"))


def _with_subsec_and_offset(when: datetime, tags: _Tags, subsec_tag: str, offset_tag: str) -> datetime:
    """Add the matching sub-second and offset tags; either one alone may be broken and is then ignored."""
    if when.microsecond == 0:
        micro = _subsec_microseconds(_text(_tag(tags, subsec_tag)) or "")
        if micro is not None:
            when = when.replace(microsecond=micro)
    if when.tzinfo is None:
        zone = _parse_offset(_text(_tag(tags, offset_tag)) or "")
        if zone is not None:
            when = when.replace(tzinfo=zone)
    return when


def _is_trusted(when: datetime, now: datetime, modified: datetime | None) -> bool:
    """False for reset clocks, times outside 1990..tomorrow and captures after the file's last edit."""
    wall = when.replace(tzinfo=None, microsecond=0)
    if wall in FACTORY_DEFAULT_TIMES:
        return False
    if not is_plausible(when, now=now):
        return False
    # Both as wall clocks: the offset tags, if any, are per-tag and often only on one of them.
    return modified is None or wall - modified.replace(tzinfo=None) <= CAPTURE_AFTER_MODIFIED_SLACK


def _raw_for_display(raw: Any) -> str:
    """The refused value as the user would recognise it (NULs and padding removed)."""
    text = _text(raw)
    if text is None:
        text = str(raw)
    return text[:_MAX_TEXT]


# --- place -------------------------------------------------------------------------------------------


def _read_place(tags: _Tags) -> tuple[float | None, float | None, float | None]:
    """(lat, lon, alt) in degrees and metres, or all None when the GPS block is absent or nonsense."""
    lat = _coordinate(_gps(tags, "GPSLatitude"), _gps(tags, "GPSLatitudeRef"), "S", "N", 90.0)
    lon = _coordinate(_gps(tags, "GPSLongitude"), _gps(tags, "GPSLongitudeRef"), "W", "E", 180.0)
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        # (0, 0) is what a GPS block written before the first fix holds, not a photo in the Atlantic.
        return None, None, None
    return lat, lon, _altitude(_gps(tags, "GPSAltitude"), _gps(tags, "GPSAltitudeRef"))


def _gps(tags: _Tags, name: str) -> Any:
    tag = tags.get(f"GPS {name}")
    return None if tag is None else getattr(tag, "values", tag)


def _coordinate(values: Any, ref: Any, negative: str, positive: str, limit: float) -> float | None:
    """Degrees[, minutes[, seconds]] rationals plus an N/S or E/W reference as signed degrees."""
    if isinstance(values, (str, bytes)) or values is None:
        return None
    if not isinstance(values, (list, tuple)):
        values = [values]
    if not 1 <= len(values) <= 3:
        return None
    magnitude = 0.0
    sign = 1.0
    for index, value in enumerate(values):
        # A 0/0 minutes or seconds field means "not used" (degrees and decimal minutes).
        number = _rational(value, zero_over_zero=0.0 if index else None)
        if number is None:
            return None
        if number < 0 and sign > 0 and magnitude == 0.0:
            sign = -1.0  # some writers sign the degrees instead of setting a reference
        magnitude += abs(number) / 60.0**index
    ref_text = (_text(ref) or "").upper()[:1]
    if ref_text == negative:
        sign = -1.0
    elif ref_text == positive:
        sign = 1.0
    result = sign * magnitude
    if not math.isfinite(result) or abs(result) > limit:
        return None
    return result


def _altitude(value: Any, ref: Any) -> float | None:
    """Metres above sea level; GPSAltitudeRef 1 means below it."""
    if isinstance(value, (list, tuple)):
        value = value[0] if len(value) == 1 else None
    metres = _rational(value, zero_over_zero=None)
    if metres is None or not math.isfinite(metres) or abs(metres) > _MAX_ALTITUDE_M:
        return None
    if isinstance(ref, (list, tuple)):
        ref = ref[0] if ref else 0
    if isinstance(ref, (bytes, bytearray)):
        ref = ref[0] if ref else 0
    below = _rational(ref, zero_over_zero=None) == 1.0
    return -abs(metres) if below else metres


def _rational(value: Any, *, zero_over_zero: float | None) -> float | None:
    """A float from exifread's Ratio, an int or a float; x/0 is None, 0/0 is ``zero_over_zero``.

    exifread keeps a zero denominator instead of raising, so ``float(ratio)`` would raise later.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, tuple) and len(value) == 1:  # FLOAT/DOUBLE fields come as 1-tuples
        value = value[0]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return float(value)
    numerator = getattr(value, "numerator", None)
    denominator = getattr(value, "denominator", None)
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        return None
    if denominator == 0:
        return zero_over_zero if numerator == 0 else None
    return numerator / denominator


# --- orientation and camera --------------------------------------------------------------------------


def _read_orientation(tags: _Tags) -> int:
    """EXIF Orientation 1..8 (how to turn the stored pixels upright); 1 when absent or invalid."""
    values = _tag(tags, "Orientation")
    if isinstance(values, (list, tuple)):
        values = values[0] if values else None
    number = _rational(values, zero_over_zero=None)
    if number is None or not number.is_integer() or not 1 <= number <= 8:
        return 1
    return int(number)


def _read_text(tags: _Tags, name: str) -> str | None:
    """Make or Model without NUL padding and blanks; None when empty or not text."""
    text = _text(_tag(tags, name))
    if not text:
        return None
    return text[:_MAX_TEXT]
