"""One file, start to finish, in a worker process: read once, identify, hash, metadata, decode, thumbnail."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from album_app import faults
from album_app.ingest.decode import (
    THUMBNAIL_SIZE,
    Decoded,
    DecodeError,
    decode,
    finish,
    heif_exif,
    save_thumbnail,
    short_reason,
)
from album_app.ingest.decode import thumbnail_path as cached_thumbnail_path
from album_app.ingest.embedded import apple_content_id, motion_video
from album_app.ingest.exif import read_meta
from album_app.ingest.identify import (
    HEADER_BYTES,
    RAW_FORMATS,
    SAMPLED_HASH_FROM,
    VIDEO_FORMATS,
    content_hash,
    describe_unknown,
    media_kind,
    refine_tiff,
    sampled_hash,
    sniff,
)
from album_app.ingest.meta import PhotoMeta
from album_app.ingest.walk import FoundFile
from album_app.ingest.xmp import MAX_XMP_BYTES, Xmp, packet, parse
from album_app.preprocess import InputSpec

# Larger files are not photos we should load whole into memory (videos are never loaded whole).
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass
class Analysis:
    """What a worker sends back: picklable, small (the model input is a few KB of uint8)."""

    path: str
    size: int
    mtime_ns: int
    content_hash: str | None = None
    format: str | None = None
    skip_reason: str | None = None
    meta: PhotoMeta | None = None
    width: int | None = None
    height: int | None = None
    pixels: np.ndarray | None = None
    transient: bool = False  # skipped for a reason that may pass (unreadable, vanished): retry next scan
    vanished: bool = False  # the file was gone when it was read
    media_kind: str = "photo"
    sidecar: str | None = None
    sidecar_mtime_ns: int | None = None
    decoded_by: str | None = None  # "draft", "embedded" (HEIC thumbnail, RAW preview), "full", "poster", …


def init_worker(ready: Any = None) -> None:
    """Workers leave Ctrl-C to the parent, which stops the scan cleanly and tells them, and end with it.

    A parent killed outright (kill -9, out of memory) tells them nothing, and a worker waiting for its next
    file holds both ends of the task queue, so it would wait forever: a watcher thread ends the worker as
    soon as the parent is gone. ``ready`` (a shared counter) is raised once the worker can take files: the
    scan's stall clock runs only from then, so a slow start on a busy machine is not taken for a hang.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(5)  # keep the desktop responsive while both cores decode
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()
    slow_start = faults.worker_faults()[3]  # the test seam (album_app/faults.py): a loaded machine
    if slow_start:
        time.sleep(slow_start)
    if ready is not None:
        with ready.get_lock():
            ready.value += 1


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _injected_faults(path: str) -> None:
    """The test seam (album_app/faults.py): a decoder that crashes, hangs or is slow on a file."""
    crash_on, hang_on, slow_s, _ = faults.worker_faults()
    if crash_on and crash_on in path:
        os._exit(70)
    if hang_on and hang_on in path:
        time.sleep(3600)
    if slow_s:
        time.sleep(slow_s)


def analyse(found: FoundFile, spec: InputSpec | None, thumbnails: Path | None) -> Analysis:
    """Never raises for a bad file: every outcome is indexed or skipped with a readable reason."""
    result = Analysis(found.path, found.size, found.mtime_ns, sidecar=found.sidecar,
                      sidecar_mtime_ns=found.sidecar_mtime_ns)
    _injected_faults(found.path)
    try:
        with open(found.path, "rb") as handle:
            header = handle.read(HEADER_BYTES)
            result.format = sniff(header)
            if result.format is None:
                result.skip_reason = describe_unknown(header)
                return result
            result.media_kind = media_kind(result.format)
            if result.format in VIDEO_FORMATS:
                return _analyse_video(result, handle, header, spec, thumbnails)
            if found.size > MAX_FILE_BYTES:
                result.skip_reason = f"file too large ({found.size // (1024 * 1024)} MB)"
                return result
            data = header + handle.read()
    except OSError as error:
        return _unreadable(result, error)
    return _analyse_photo(result, data, spec, thumbnails)


def _unreadable(result: Analysis, error: OSError) -> Analysis:
    """A file that could not be read now (permissions, a drive unplugged mid-scan): retried next scan."""
    result.transient = True
    if isinstance(error, FileNotFoundError):
        result.vanished = True
        result.skip_reason = "the file vanished while it was being read"
    else:
        result.skip_reason = f"cannot read the file: {error.strerror or short_reason(error)}"
    return result


def _analyse_photo(result: Analysis, data: bytes, spec: InputSpec | None, thumbnails: Path | None) -> Analysis:
    if result.format == "TIFF":
        result.format = refine_tiff(data)
    result.size = len(data)
    result.content_hash = content_hash(data)
    name = os.path.basename(result.path)
    meta = read_meta(data, name)
    if result.format in ("HEIF", "AVIF"):
        meta = _heif_meta(meta, data, name)
    own_xmp = parse(packet(data))
    meta = with_xmp(meta, _sidecar(result), own_xmp)
    extras: dict[str, Any] = {}
    motion = motion_video(data, own_xmp, meta.make)
    if motion is not None:
        extras["motion_offset"], extras["motion_length"] = motion
    if (meta.make or "").lower().startswith("apple"):
        extras["content_id"] = apple_content_id(data)
    result.meta = dataclasses.replace(meta, **extras) if extras else meta
    try:
        if result.format in RAW_FORMATS:
            from album_app.ingest.raw import decode_raw

            decoded, orientation = decode_raw(data, spec, THUMBNAIL_SIZE, result.format)
            if result.meta.orientation == 1 and orientation != 1:
                result.meta = dataclasses.replace(result.meta, orientation=orientation)
        else:
            decoded = decode(data, meta.orientation, spec, file_format=result.format)
    except DecodeError as error:
        result.skip_reason = str(error)
        return result
    except Exception as error:  # a decoder bug must cost one file, not the scan
        result.skip_reason = f"cannot decode the image ({type(error).__name__}: {short_reason(error)})"
        return result
    return _store(result, decoded, thumbnails)


def _heif_meta(meta: PhotoMeta, data: bytes, name: str) -> PhotoMeta:
    """HEIF metadata: EXIF through libheif when exifread found none, and orientation 1, because decoders
    return HEIF pixels already turned by the container's irot/imir (the EXIF tag, if any, says the same thing
    again; applying it would turn the photo twice, here, in the viewer and in the trainer)."""
    if meta.taken_at is None and meta.make is None and meta.lat is None:
        tiff = heif_exif(data)
        if tiff:
            meta = read_meta(tiff, name)
    return dataclasses.replace(meta, orientation=1)


def _analyse_video(
    result: Analysis, handle: BinaryIO, header: bytes, spec: InputSpec | None, thumbnails: Path | None
) -> Analysis:
    """A video is hashed (by samples when large) and read by PyAV from memory or, when large, from disk."""
    from album_app.ingest.video import read_video

    size = os.fstat(handle.fileno()).st_size
    source: str | io.BytesIO
    if size >= SAMPLED_HASH_FROM:
        result.content_hash = sampled_hash(handle, size)
        source = result.path
    else:
        data = header + handle.read()
        result.content_hash = content_hash(data)
        source = io.BytesIO(data)
    result.size = size
    needed = max(THUMBNAIL_SIZE, spec.size if spec else 0)
    try:
        video = read_video(source, os.path.basename(result.path), needed)
        decoded = finish(video.poster, video.meta.orientation, spec, THUMBNAIL_SIZE, video.width, video.height,
                         result.format or "video", "poster")
    except DecodeError as error:
        result.skip_reason = str(error)
        return result
    except OSError as error:
        return _unreadable(result, error)
    except Exception as error:  # FFmpeg meeting a hostile file must cost one file, not the scan
        result.skip_reason = f"cannot read the video ({type(error).__name__}: {short_reason(error)})"
        return result
    result.meta = with_xmp(video.meta, _sidecar(result), Xmp())
    return _store(result, decoded, thumbnails)


def _store(result: Analysis, decoded: Decoded, thumbnails: Path | None) -> Analysis:
    if result.format not in RAW_FORMATS and result.format not in VIDEO_FORMATS:
        result.format = decoded.format
    result.width, result.height = decoded.width, decoded.height
    result.pixels = decoded.pixels
    result.decoded_by = decoded.path
    if thumbnails is not None and result.content_hash:
        # A full disk costs the thumbnail (made again on the next scan), not the photo.
        with contextlib.suppress(OSError):
            save_thumbnail(decoded.thumbnail, cached_thumbnail_path(thumbnails, result.content_hash))
    return result


def _sidecar(result: Analysis) -> Xmp:
    """The XMP sidecar beside the file, if any and readable (a sidecar that cannot be read is ignored)."""
    if not result.sidecar:
        return Xmp()
    try:
        with open(result.sidecar, "rb") as handle:
            return parse(handle.read(MAX_XMP_BYTES + 1))
    except OSError:
        return Xmp()


def with_xmp(meta: PhotoMeta, *sources: Xmp) -> PhotoMeta:
    """The file's own metadata, with what it lacks filled from XMP (the sidecar first: it holds the user's
    corrections in digiKam, Lightroom or darktable). An XMP time is marked time_source "xmp"."""
    changes: dict[str, Any] = {}
    for xmp in sources:
        if meta.taken_at is None and "taken_at" not in changes and xmp.taken_at is not None:
            changes.update(taken_at=xmp.taken_at, time_source="xmp")
        if meta.lat is None and "lat" not in changes and xmp.lat is not None:
            changes.update(lat=xmp.lat, lon=xmp.lon, alt=xmp.alt)
        if meta.rating is None and "rating" not in changes and xmp.rating is not None:
            changes["rating"] = xmp.rating
        if not meta.keywords and "keywords" not in changes and xmp.keywords:
            changes["keywords"] = xmp.keywords
    return dataclasses.replace(meta, **changes) if changes else meta
