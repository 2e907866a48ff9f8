"""Text the window shows: date ranges, counts, progress lines. Pure functions, easy to test."""

from __future__ import annotations

from datetime import datetime

from album_app.albums.kinds import BROWSE_KINDS
from album_app.progress import Progress, format_eta

STAGE_NAMES = {
    "scan": "Scanning",
    "embed": "Reading photo contents",
    "cluster": "Suggesting albums",
    "export": "Exporting",
    "map": "Drawing the map",
}


#: How the album header names an album's kind (albums.kinds); an event library's albums say nothing.
KIND_TEXT = {"trip": "trip", "outing": "day out", "gathering": "gathering", "everyday": "everyday life",
             "screenshots": "screenshots", "user": "", "event": ""}


def kind_text(kind: str) -> str:
    return KIND_TEXT.get(kind, "")


def album_state(unsorted: bool, locked: bool, suggested: bool, kind: str) -> str:
    """What the person has done with an album: accepted, edited, or (an event's) suggested. A month of
    everyday life or the screenshots is no suggestion to accept: untouched, it says nothing."""
    if unsorted:
        return ""
    if locked:
        return "accepted"
    if not suggested:
        return "edited"
    return "" if kind in BROWSE_KINDS else "suggested"


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def date_range(start: str | None, end: str | None) -> str:
    """'12 Apr 2024', '12–14 Apr 2024', '28 Apr – 3 May 2024', '30 Dec 2023 – 2 Jan 2024', or ''."""
    first, last = parse_time(start), parse_time(end)
    if first is None and last is None:
        return ""
    first = first or last
    last = last or first
    assert first is not None and last is not None
    if first.date() == last.date():
        return f"{_day(first)} {first.year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {first:%b} {first.year}"
    if first.year == last.year:
        return f"{_day(first)} – {_day(last)} {first.year}"
    return f"{_day(first)} {first.year} – {_day(last)} {last.year}"


def when(value: str | None) -> str:
    moment = parse_time(value)
    if moment is None:
        return value or ""
    suffix = "" if moment.tzinfo is None else f" {moment:%z}"
    return f"{_day(moment)} {moment.year}, {moment:%H:%M}{suffix}"


def day(value: str | None) -> str:
    moment = parse_time(value)
    return f"{_day(moment)} {moment.year}" if moment else (value or "")


def count(number: int, noun: str = "photo") -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def progress_line(progress: Progress) -> str:
    """'Scanning 1,234 of 5,000 photos · 42.1 photos/s · 01:30 left'."""
    stage = STAGE_NAMES.get(progress.stage, progress.stage.capitalize())
    if progress.total <= 0:
        return f"{stage}…"
    parts = [f"{stage} {progress.done:,} of {progress.total:,}" + (" photos" if progress.stage != "cluster" else "")]
    if progress.rate > 0 and progress.stage != "cluster":
        parts.append(f"{progress.rate:.1f} photos/s")
    if progress.eta_s is not None and progress.done < progress.total:
        parts.append(f"{format_eta(progress.eta_s)} left")
    return " · ".join(parts)


def time_source_text(source: str | None, hint_source: str | None, rejected: str | None) -> str:
    """Where a photo's time came from, in words."""
    if source:
        return f"from the camera (EXIF {source})"
    if hint_source == "filename":
        return "from the file name (a hint, not a camera time)"
    if hint_source:
        return f"a hint ({hint_source})"
    if rejected:
        return f"unknown (the camera's {rejected!r} was not trusted)"
    return "unknown"


def coordinates(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    return f"{abs(lat):.5f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.5f}° {'E' if lon >= 0 else 'W'}"


def file_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def duration(seconds: float) -> str:
    """A video's length as galleries show it: "0:07", "1:05", "1:02:03"."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
