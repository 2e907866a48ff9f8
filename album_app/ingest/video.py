"""Videos: capture time, place, camera, duration and a poster frame, read with PyAV (FFmpeg is in its wheel).

A video joins albums like a photo: its time and place come from the container's metadata (never the file's
mtime) and its poster frame, a frame about a second in that is not black, is its thumbnail and model input.
Only the index and a few key frames are read; nothing is decoded at full size but those frames.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any  # PyAV's containers, streams and frames

import numpy as np
from PIL import Image

from album_app.ingest.decode import DecodeError, short_reason
from album_app.ingest.exif import trusted_time
from album_app.ingest.filename_dates import date_from_filename
from album_app.ingest.meta import PhotoMeta

#: Beyond 8K a frame's decoder buffers alone cost hundreds of MB; such files are not phone or camera videos.
MAX_VIDEO_PIXELS = 7680 * 4320
#: How far in the poster frame is taken (seconds, at most half the video): past a black or blurred start.
POSTER_AT_S = 1.0
#: Key frames tried for a poster that is not black, after the first one at POSTER_AT_S.
_POSTER_TRIES = 4
_BLACK_MEAN, _FLAT_STD = 20.0, 6.0  # a frame this dark and this flat is a black (or fade-in) frame

#: (metadata key, time_source), best first. Apple's creationdate is the local time with its offset;
#: creation_time is the container's UTC stamp (mvhd), which every writer sets.
_TIME_KEYS = (
    ("com.apple.quicktime.creationdate", "quicktime:creationdate"),
    ("creation_time", "quicktime:creation_time"),
)
_PLACE_KEYS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
_MAKE_KEYS = ("com.apple.quicktime.make", "make", "com.android.manufacturer")
_MODEL_KEYS = ("com.apple.quicktime.model", "model", "com.android.model")
_CONTENT_ID_KEY = "com.apple.quicktime.content.identifier"
#: ISO 6709: ±DD[MM[SS]][.f] ±DDD[MM[SS]][.f] [±alt] [CRS…] /
_ISO6709 = re.compile(r"^(?P<lat>[+-]\d+(?:\.\d*)?)(?P<lon>[+-]\d+(?:\.\d*)?)(?P<alt>[+-]\d+(?:\.\d*)?)?")
#: Display rotation (degrees counter-clockwise, FFmpeg's convention) -> EXIF orientation of the stored frame.
_ROTATION_TO_ORIENTATION = {0: 1, 90: 8, -270: 8, 180: 3, -180: 3, -90: 6, 270: 6}


@dataclass
class VideoRead:
    meta: PhotoMeta
    width: int  # stored frame size, before rotation
    height: int
    poster: Image.Image  # small, as stored (meta.orientation turns it upright)


def read_video(path: str, file_name: str, needed: int) -> VideoRead:
    """Metadata and a poster frame (short side ≥ ``needed``) of the video at ``path``; DecodeError otherwise."""
    try:
        import av
    except ImportError as error:
        raise DecodeError("a video, but video support (PyAV) is not installed") from error
    try:
        with av.open(path, metadata_errors="replace") as container:
            if not container.streams.video:
                raise DecodeError("a media file without a video track (sound only?)")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > MAX_VIDEO_PIXELS:
                raise DecodeError(f"video frames too large to decode safely ({width}×{height}; the limit is 8K)")
            duration = _duration(container, stream)
            tags = {**dict(stream.metadata), **dict(container.metadata)}
            poster, rotation = _poster(container, stream, duration, needed)
    except DecodeError:
        raise
    except av.FFmpegError as error:
        raise DecodeError(f"cannot read the video: {short_reason(error)}") from error
    meta = video_meta(tags, file_name, duration, rotation)
    return VideoRead(meta, width, height, poster)


def video_meta(tags: Mapping[str, str], file_name: str, duration: float | None, rotation: int = 0) -> PhotoMeta:
    """What a video's metadata tags say about when, where and with what it was taken."""
    now = datetime.now()
    taken_at, source, rejected = None, None, None
    for key, key_source in _TIME_KEYS:
        raw = tags.get(key)
        if not raw:
            continue
        when = trusted_time(raw, now)
        if when is not None:
            taken_at, source = when, key_source
            break
        rejected = rejected or raw[:64]
    lat = lon = alt = None
    for key in _PLACE_KEYS:
        if tags.get(key):
            lat, lon, alt = parse_iso6709(tags[key])
            if lat is not None:
                break
    hint = date_from_filename(file_name, now=now)
    return PhotoMeta(
        taken_at=taken_at, time_source=source, rejected_time=None if taken_at else rejected,
        time_hint=hint, time_hint_source="filename" if hint else None,
        lat=lat, lon=lon, alt=alt, orientation=rotation_orientation(rotation),
        make=_first(tags, _MAKE_KEYS), model=_first(tags, _MODEL_KEYS),
        duration_s=duration, content_id=_first(tags, (_CONTENT_ID_KEY,)),
    )


def frame_rotation(frame: Any) -> int:
    """A decoded frame's display rotation in degrees (counter-clockwise, FFmpeg's sign; 0 when it has none):
    what a phone held upright writes as its display matrix. The poster and the viewer's player both read it."""
    return round(getattr(frame, "rotation", 0) or 0)


def rotation_orientation(rotation: int) -> int:
    """The EXIF orientation (1..8) that turns a frame stored with this display rotation upright."""
    return _ROTATION_TO_ORIENTATION.get(rotation, 1)


def parse_iso6709(text: str) -> tuple[float | None, float | None, float | None]:
    """(lat, lon, alt) from an ISO 6709 string ("+38.7223-009.1393+012.000/", "+3843.338-00908.358/");
    all None when it is malformed, out of range or (0, 0)."""
    match = _ISO6709.match(text.strip())
    if match is None:
        return None, None, None
    lat = _iso6709_degrees(match["lat"], 2)
    lon = _iso6709_degrees(match["lon"], 3)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None, None, None
    alt = float(match["alt"]) if match["alt"] else None
    return lat, lon, alt


def _iso6709_degrees(text: str, degree_digits: int) -> float | None:
    """±DD.D, ±DDMM.M or ±DDMMSS.S (longitude: one more degree digit) as signed degrees."""
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, fraction = text[1:].partition(".")
    extra = len(whole) - degree_digits
    if extra not in (0, 2, 4):
        return None
    value = float(f"{whole}.{fraction or 0}")
    if extra == 0:
        return sign * value
    if extra == 2:
        degrees, minutes = divmod(value, 100)
        return sign * (degrees + minutes / 60) if minutes < 60 else None
    degrees, rest = divmod(value, 10000)
    minutes, seconds = divmod(rest, 100)
    return sign * (degrees + minutes / 60 + seconds / 3600) if minutes < 60 and seconds < 60 else None


def _first(tags: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = (tags.get(key) or "").strip()
        if value:
            return value[:256]
    return None


def _duration(container: Any, stream: Any) -> float | None:
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _poster(container: Any, stream: Any, duration: float | None, needed: int) -> tuple[Image.Image, int]:
    """The first key frame from about a second in that is not black (the brightest tried if all are),
    scaled so its short side is ``needed``; and the display rotation. Only key frames are decoded."""
    context = stream.codec_context
    context.thread_count = 1  # the scan runs one worker per core already
    context.skip_frame = "NONKEY"
    target = min(POSTER_AT_S, duration / 2) if duration else 0.0
    frames = _key_frames_from(container, stream, target)
    best, best_score, rotation = None, -1.0, 0
    for tried, frame in enumerate(frames):
        image = _scaled(frame, needed)
        rotation = frame_rotation(frame)
        gray = np.asarray(image.convert("L"), dtype=np.float32)
        score = float(gray.mean()) + float(gray.std())
        if score > best_score:
            best, best_score = image, score
        if gray.mean() >= _BLACK_MEAN or gray.std() >= _FLAT_STD or tried >= _POSTER_TRIES:
            break
    if best is None:
        raise DecodeError("cannot read the video: no frame could be decoded")
    return best, rotation


def _key_frames_from(container: Any, stream: Any, target: float) -> Iterator[Any]:
    """Key frames at or after ``target`` seconds; from the start when the seek finds none."""
    import av

    if target > 0 and stream.time_base:
        try:
            container.seek(int(target / stream.time_base), stream=stream, backward=False)
            found = False
            for frame in container.decode(stream):
                found = True
                yield frame
            if found:
                return
        except av.FFmpegError:
            pass
    container.seek(0, stream=stream)
    yield from container.decode(stream)


def _scaled(frame: Any, needed: int) -> Image.Image:
    width, height = frame.width, frame.height
    scale = max(needed / max(min(width, height), 1), 0.0)
    if scale >= 1:
        return frame.to_image()
    return frame.to_image(width=max(1, round(width * scale)), height=max(1, round(height * scale)),
                          interpolation="AREA")
