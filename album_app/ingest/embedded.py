"""What else a photo file carries: the video of a motion photo, the identifier of a Live Photo.

- Google (Pixel) and Samsung motion photos append an MP4 to the JPEG or HEIC. Where it starts is said by
  the XMP (``GCamera:MicroVideoOffset``, or the Motion Photo 1.0 container item), Samsung's marker
  ``MotionPhoto_Data``, or a top-level ``mpvd`` box in a HEIC. The range is kept so the viewer can play it
  and the export can extract it; nothing is decoded here.
- An iPhone Live Photo is a still and a MOV sharing a content identifier: tag 0x0011 of Apple's maker note
  in the still, ``com.apple.quicktime.content.identifier`` in the MOV.
"""

from __future__ import annotations

from album_app.ingest.xmp import Xmp

_SAMSUNG_MARKER = b"MotionPhoto_Data"
_APPLE_MAKERNOTE = b"Apple iOS\x00"
_APPLE_CONTENT_ID_TAG = 0x0011
_BOX_TYPES_SEEN_IN_MP4 = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"udta", b"mfra"}


def motion_video(data: bytes, xmp: Xmp, make: str | None = None) -> tuple[int, int] | None:
    """(offset, length) of the MP4 embedded in a motion photo, or None. Checked: it must start with 'ftyp'.
    Samsung's marker is looked for only in Samsung photos (a search through a whole file costs milliseconds)."""
    size = len(data)
    candidates = []
    for from_end in (xmp.motion_photo_length, xmp.micro_video_offset):
        if from_end:
            candidates.append(size - from_end)
    marker = data.rfind(_SAMSUNG_MARKER) if (make or "").lower().startswith("samsung") else -1
    if marker >= 0:
        candidates.append(marker + len(_SAMSUNG_MARKER))
    box = _top_level_box(data, b"mpvd")
    if box is not None:
        candidates.append(box)
    for offset in candidates:
        if 0 < offset < size - 16 and data[offset + 4 : offset + 8] == b"ftyp":
            return offset, _mp4_length(data, offset)
    return None


def _top_level_box(data: bytes, kind: bytes) -> int | None:
    """Where the payload of a top-level ISO-BMFF box starts (HEIC files), or None."""
    if data[4:8] != b"ftyp":
        return None
    at = 0
    for _ in range(1000):
        if at + 8 > len(data):
            return None
        size = int.from_bytes(data[at : at + 4], "big")
        header = 8
        if size == 1 and at + 16 <= len(data):
            size, header = int.from_bytes(data[at + 8 : at + 16], "big"), 16
        if data[at + 4 : at + 8] == kind:
            return at + header
        if size < header:
            return None
        at += size
    return None


def _mp4_length(data: bytes, offset: int) -> int:
    """Bytes of consecutive MP4 boxes from ``offset`` (a Samsung trailer may follow them)."""
    at = offset
    while at + 8 <= len(data) and data[at + 4 : at + 8] in _BOX_TYPES_SEEN_IN_MP4:
        size = int.from_bytes(data[at : at + 4], "big")
        if size == 1 and at + 16 <= len(data):
            size = int.from_bytes(data[at + 8 : at + 16], "big")
        elif size == 0:
            size = len(data) - at
        if size < 8:
            break
        at = min(at + size, len(data))
    return at - offset


def apple_content_id(data: bytes) -> str | None:
    """The Live Photo content identifier in an iPhone photo's maker note (JPEG or HEIC), or None."""
    start = data.find(_APPLE_MAKERNOTE, 0, 512 * 1024)
    if start < 0:
        return None
    note = data[start : start + 64 * 1024]
    if note[12:14] != b"MM":
        return None
    count = int.from_bytes(note[14:16], "big")
    for index in range(min(count, 256)):
        entry = note[16 + 12 * index : 28 + 12 * index]
        if len(entry) < 12:
            return None
        tag, kind, length = int.from_bytes(entry[:2], "big"), int.from_bytes(entry[2:4], "big"), entry[4:8]
        if tag != _APPLE_CONTENT_ID_TAG or kind != 2:
            continue
        length_value = int.from_bytes(length, "big")
        # Offsets in Apple's maker note count from the maker note's start; short values sit in the entry.
        value = entry[8:12] if length_value <= 4 else note[
            int.from_bytes(entry[8:12], "big") : int.from_bytes(entry[8:12], "big") + length_value]
        text = value.split(b"\x00")[0].decode("ascii", errors="ignore").strip()
        return text[:128] or None
    return None
