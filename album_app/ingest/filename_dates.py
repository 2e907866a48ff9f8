"""Dates that phones and messengers write into file names.

Messengers (WhatsApp, Signal, Telegram) strip EXIF from the photos they pass on, and screenshots never
had any, yet their file names still say when the picture was taken or received. That date is a weaker
clue than an EXIF time (a forwarded photo is named after the day it was received), so it is kept apart
as a *hint* (``PhotoMeta.time_hint``), never as ``taken_at``.

Only known naming schemes are recognised: a compact ``YYYYMMDD_HHMMSS`` stamp, a dashed
``YYYY-MM-DD`` date (with or without a time after it), and the bare ``YYYYMMDD`` that WhatsApp and a few
phone apps write after a known prefix. A digit run glued to letters or other digits (a hash, a counter
such as ``DSCN0010``, a Facebook id) is never read as a date, and every candidate must be a real
calendar date between 1990-01-01 and tomorrow.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

#: Earliest time accepted anywhere in ingest: consumer digital cameras with a clock came later, and
#: older stamps are reset clocks (1970, 1980 epochs) or scans dated by their scanner.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1)
#: How far past "now" a time may lie: a camera set to a timezone ahead of the computer's is legit.
FUTURE_SLACK = timedelta(days=1)

# No letter or digit may touch a date on the left; no digit may follow it. "_" and "-" do not count as
# word characters here, unlike in \b, because they are the usual separators in these names.
_LEFT = r"(?<![A-Za-z0-9])"
_RIGHT = r"(?!\d)"
_YMD_COMPACT = r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})"
_YMD_DASHED = r"(?P<y>\d{4})(?P<sep>[-_])(?P<mo>\d{2})(?P=sep)(?P<d>\d{2})"
# Time after a dashed date: "-15-30-12", "_15-30-12", " at 15.30.12", "-153012", " at 3.30.12 PM",
# with optional milliseconds ("-123", ".123") as Signal and Pixel phones write them.
_TIME_LOOSE = (
    r"(?:[-_ ]|\s+at\s+)(?P<h>\d{1,2})(?P<tsep>[-.:_]?)(?P<mi>\d{2})(?P=tsep)(?P<s>\d{2})"
    r"(?:[-._](?P<frac>\d{1,3}))?(?:[\s\u202f]?(?P<ampm>[AaPp][Mm]))?"
)

# Tried in order; the first pattern with a valid match wins, so the ones carrying a time come first.
_PATTERNS: tuple[re.Pattern[str], ...] = (
    # IMG_20240612_153012.jpg, VID_20240612_153012.mp4, PXL_20240612_153012345.jpg,
    # 20240612_153012.jpg (Samsung), Screenshot_20240612-153012_Chrome.jpg
    re.compile(
        _LEFT + _YMD_COMPACT + r"[_-](?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})(?P<frac>\d{1,3})?" + _RIGHT
    ),
    # Screenshot_2024-06-12-15-30-12.png, Screenshot 2024-06-12 at 15.30.12.png,
    # signal-2024-06-12-153012.jpg, photo_2024-06-12_15-30-12.jpg,
    # WhatsApp Image 2024-06-12 at 15.30.12.jpeg, Screen Shot 2020-01-02 at 3.04.05 PM.png
    re.compile(_LEFT + _YMD_DASHED + _TIME_LOOSE + _RIGHT),
    # IMG-20240612-WA0001.jpg (WhatsApp on Android: date only, the counter is not a time)
    re.compile(_LEFT + r"(?:IMG|VID|AUD|PTT|STK|DOC)-" + _YMD_COMPACT + r"-WA\d+", re.IGNORECASE),
    # IMG_20240612.jpg, Screenshot_20240612.png: a bare date only after a known camera/app prefix
    re.compile(
        _LEFT + r"(?:IMG|VID|PXL|PANO|MVIMG|Screenshot|signal|photo|video)[_-]" + _YMD_COMPACT + _RIGHT,
        re.IGNORECASE,
    ),
    # 2024-06-12 Birthday.jpg, Scan_2024_06_12.jpg
    re.compile(_LEFT + _YMD_DASHED + _RIGHT),
)


def date_from_filename(name: str, *, now: datetime | None = None) -> datetime | None:
    """Return the (naive, local wall-clock) date and time a file name records, or None.

    ``name`` may be a bare name or a path; only its last component is looked at. A name that holds a
    date without a time (``IMG-20240612-WA0001.jpg``) gives midnight of that day. ``now`` exists for
    tests; by default the sanity window ends at the current time plus one day.
    """
    base = re.split(r"[\\/]", name)[-1]
    limit_now = now if now is not None else datetime.now()
    refused: set[int] = set()  # where a stamp was found but held an impossible value
    for pattern in _PATTERNS:
        for match in pattern.finditer(base):
            if match.start("y") in refused:
                continue  # "IMG_20240612_253012": a broken time voids the date in front of it too
            found = _to_datetime(match.groupdict())
            if found is not None and is_plausible(found, now=limit_now):
                return found
            refused.add(match.start("y"))
    return None


def is_plausible(when: datetime, *, now: datetime | None = None) -> bool:
    """True when ``when`` lies between 1990-01-01 and ``now`` + 1 day (naive times are local).

    Shared by the EXIF reader so that a file name and an EXIF tag are held to the same window.
    """
    current = now if now is not None else datetime.now()
    if when.tzinfo is not None:
        # Compare instants: an aware time against the local clock made aware.
        earliest = EARLIEST_PLAUSIBLE.replace(tzinfo=when.tzinfo)
        return earliest <= when <= current.astimezone() + FUTURE_SLACK
    return EARLIEST_PLAUSIBLE <= when <= current.replace(tzinfo=None) + FUTURE_SLACK


def _to_datetime(parts: dict[str, str | None]) -> datetime | None:
    """Build a datetime from regex groups; None for impossible values (month 13, 25 o'clock)."""
    try:
        hour = _hour(parts.get("h"), parts.get("ampm"))
        frac = parts.get("frac") or ""
        return datetime(
            int(parts["y"] or ""),
            int(parts["mo"] or ""),
            int(parts["d"] or ""),
            hour,
            int(parts.get("mi") or 0),
            int(parts.get("s") or 0),
            int(frac.ljust(6, "0")) if frac else 0,
        )
    except (ValueError, KeyError):
        return None


def _hour(text: str | None, ampm: str | None) -> int:
    """Convert a 12-hour clock (macOS, WhatsApp in English locales) to 0..23; raise if impossible."""
    hour = int(text or 0)
    if not ampm:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError(f"{hour} is not a 12-hour clock hour")
    return hour % 12 + (12 if ampm.lower() == "pm" else 0)
