"""What a photo's bytes tell about when, where and how it was taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Time sources that give the instant (UTC) but not the wall clock where the photo was taken: a video's
#: container stamp. Their offset is unknown, although the stored time carries "+00:00".
INSTANT_ONLY_SOURCES = frozenset({"quicktime:creation_time"})


@dataclass(frozen=True)
class PhotoMeta:
    """Metadata read from one file. Absent or untrusted values are None, never a guess.

    ``taken_at`` is set only from a trusted EXIF time; it is timezone-aware when the file recorded
    an offset (OffsetTimeOriginal/OffsetTime), naive (local wall-clock) otherwise.
    ``time_hint``/``time_hint_source`` hold a weaker clue (a date in the file name) kept apart
    from the EXIF time, so that albums can use it softly. The file's mtime lives on the photo row.
    """

    taken_at: datetime | None = None
    #: "DateTimeOriginal" | "DateTimeDigitized" | "DateTime" (EXIF), "xmp" (a sidecar or the file's XMP),
    #: "quicktime:creationdate" (Apple's local time with offset) | "quicktime:creation_time" (UTC) for videos
    time_source: str | None = None
    rejected_time: str | None = None  # the raw EXIF value refused as untrusted, for "why" displays
    time_hint: datetime | None = None
    time_hint_source: str | None = None  # "filename"
    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    orientation: int = 1  # EXIF Orientation 1..8; 1 when absent or invalid
    make: str | None = None
    model: str | None = None
    duration_s: float | None = None  # videos
    rating: int | None = None  # XMP xmp:Rating, -1 (rejected) .. 5
    keywords: tuple[str, ...] = ()  # XMP dc:subject and the like
    content_id: str | None = None  # Apple's content identifier: a Live Photo's still and video share it
    motion_offset: int | None = None  # the video inside a motion photo: byte offset and length in the file
    motion_length: int | None = None

    @property
    def camera(self) -> str | None:
        """'Make Model' without the make repeated (many cameras put the make in the model)."""
        make = (self.make or "").strip()
        model = (self.model or "").strip()
        if make and model.lower().startswith(make.lower()):
            return model
        joined = f"{make} {model}".strip()
        return joined or None
