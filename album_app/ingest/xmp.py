"""XMP: a sidecar's (digiKam, Lightroom, darktable) or the file's own packet: time, place, rating, keywords,
and the Google/Samsung motion-photo markers.

Used only where the file itself says nothing (its EXIF wins): a sidecar is where those programs keep what
the user corrected, and a scanned slide or a stripped copy often has nothing else. Never raises: a broken
packet gives an empty result, like broken EXIF.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import datetime

from album_app.ingest.exif import trusted_time

#: Larger sidecars are not metadata of one photo; parsing them could cost anything.
MAX_XMP_BYTES = 2 * 1024 * 1024
_SEARCHED_BYTES = 1024 * 1024

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
    "GCamera": "http://ns.google.com/photos/1.0/camera/",
    "Container": "http://ns.google.com/photos/1.0/container/",
    "Item": "http://ns.google.com/photos/1.0/container/item/",
}
#: Capture time properties, best first.
_TIME_PROPS = (("exif", "DateTimeOriginal"), ("photoshop", "DateCreated"), ("xmp", "CreateDate"))
_KEYWORD_PROPS = (("dc", "subject"), ("lr", "hierarchicalSubject"), ("digiKam", "TagsList"))
_XMP_GPS = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*$", re.IGNORECASE)
_MAX_KEYWORDS = 200


@dataclass(frozen=True)
class Xmp:
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    rating: int | None = None
    keywords: tuple[str, ...] = ()
    micro_video_offset: int | None = None  # GCamera:MicroVideoOffset: the video's length, from the end
    motion_photo_length: int | None = None  # Container item "MotionPhoto": its length, at the end


def packet(data: bytes) -> bytes | None:
    """The file's own XMP packet, or None: in a JPEG's APP1 segments (read up to the image data), elsewhere
    (HEIC, TIFF, PNG, WebP) within the first MB, where writers put it. Searching a whole camera file
    would cost milliseconds a photo."""
    region = _jpeg_header(data) if data[:2] == b"\xff\xd8" else data[:_SEARCHED_BYTES]
    start = region.find(b"<x:xmpmeta")
    if start < 0:
        return None
    end = region.find(b"</x:xmpmeta>", start)
    if end < 0 or end - start > MAX_XMP_BYTES:
        return None
    return region[start : end + len(b"</x:xmpmeta>")]


def _jpeg_header(data: bytes) -> bytes:
    """A JPEG's bytes up to its first scan (the APPn segments hold EXIF and XMP; the rest is pixels)."""
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan
            break
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return data[:at]


def parse(text: bytes | None) -> Xmp:
    """What an XMP packet or sidecar says; an empty Xmp for anything unreadable."""
    if not text or len(text) > MAX_XMP_BYTES:
        return Xmp()
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, ValueError):
        return Xmp()
    try:
        return _read(root)
    except (ValueError, TypeError, OverflowError):
        return Xmp()


def _read(root: ElementTree.Element) -> Xmp:
    now = datetime.now()
    taken_at = None
    for prefix, name in _TIME_PROPS:
        value = _value(root, prefix, name)
        if value and (taken_at := trusted_time(value, now)) is not None:
            break
    lat = _gps(_value(root, "exif", "GPSLatitude"), "S", "N", 90)
    lon = _gps(_value(root, "exif", "GPSLongitude"), "W", "E", 180)
    if lat is None or lon is None or (lat == 0 and lon == 0):
        lat = lon = None
    return Xmp(
        taken_at=taken_at, lat=lat, lon=lon, alt=_altitude(root) if lat is not None else None,
        rating=_rating(_value(root, "xmp", "Rating")), keywords=_keywords(root),
        micro_video_offset=_int(_value(root, "GCamera", "MicroVideoOffset"))
        if _value(root, "GCamera", "MicroVideo") == "1" else None,
        motion_photo_length=_motion_item_length(root),
    )


def _qualified(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def _value(root: ElementTree.Element, prefix: str, name: str) -> str | None:
    """A simple property, written either as an attribute of an rdf:Description or as its child element."""
    key = _qualified(prefix, name)
    for element in root.iter():
        if key in element.attrib:
            return element.attrib[key].strip()
        if element.tag == key and element.text and element.text.strip():
            return element.text.strip()
    return None


def _keywords(root: ElementTree.Element) -> tuple[str, ...]:
    found: list[str] = []
    for prefix, name in _KEYWORD_PROPS:
        for element in root.iter(_qualified(prefix, name)):
            for item in element.iter(_qualified("rdf", "li")):
                text = (item.text or "").strip()
                if text and text not in found:
                    found.append(text[:256])
        if found:  # the first property that holds any wins: the others repeat it as paths or lists
            break
    return tuple(found[:_MAX_KEYWORDS])


def _gps(text: str | None, negative: str, positive: str, limit: float) -> float | None:
    """XMP's "DDD,MM.mmk" / "DDD,MM,SSk" (k = N, S, E, W) as signed degrees."""
    match = _XMP_GPS.match(text or "")
    if match is None:
        return None
    degrees, minutes, seconds, ref = match.groups()
    value = float(degrees) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    if ref.upper() not in (negative, positive) or value > limit or float(minutes or 0) >= 60:
        return None
    return -value if ref.upper() == negative else value


def _altitude(root: ElementTree.Element) -> float | None:
    text = _value(root, "exif", "GPSAltitude")
    if not text:
        return None
    numerator, _, denominator = text.partition("/")
    metres = float(numerator) / float(denominator or 1)
    return -metres if _value(root, "exif", "GPSAltitudeRef") == "1" else metres


def _rating(text: str | None) -> int | None:
    """xmp:Rating: -1 (rejected) to 5; anything else is absent."""
    if not text:
        return None
    value = float(text)
    return int(value) if value.is_integer() and -1 <= value <= 5 else None


def _int(text: str | None) -> int | None:
    if not text or not text.isdigit():
        return None
    return int(text)


def _motion_item_length(root: ElementTree.Element) -> int | None:
    """Motion Photo format 1.0: the Container item whose semantic is "MotionPhoto" (the video at the end)."""
    if _value(root, "GCamera", "MotionPhoto") != "1":
        return None
    semantic, length = _qualified("Item", "Semantic"), _qualified("Item", "Length")
    for element in root.iter():
        if element.attrib.get(semantic) == "MotionPhoto":
            return _int(element.attrib.get(length))
    return None
