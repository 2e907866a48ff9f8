"""One file, start to finish, in a worker process: read once, identify, hash, EXIF, decode, thumbnail."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from album_app.ingest.decode import DecodeError, decode, save_thumbnail, thumbnail_path
from album_app.ingest.exif import read_meta
from album_app.ingest.identify import HEADER_BYTES, content_hash, describe_unknown, sniff
from album_app.ingest.meta import PhotoMeta
from album_app.preprocess import InputSpec

# Fault injection for the crash-isolation test: a worker dies on files whose path contains this.
_CRASH_ON = os.environ.get("ALBUM_APP_TEST_CRASH_ON", "")
# ...and one whose decoder never returns on files whose path contains this.
_HANG_ON = os.environ.get("ALBUM_APP_TEST_HANG_ON", "")
# ...and for the interrupt tests: seconds each file takes at least, so a fast machine cannot finish the
# scan before the signal arrives.
_SLOW_S = float(os.environ.get("ALBUM_APP_TEST_SLOW_S", "0") or 0)
# Larger files are not photos we should load whole into memory.
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


def init_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops the scan cleanly and tells them, and end with it.

    A parent killed outright (kill -9, out of memory) tells them nothing, and a worker waiting for its next
    file holds both ends of the task queue, so it would wait forever: a watcher thread ends the worker as
    soon as the parent is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(5)  # keep the desktop responsive while both cores decode
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def analyse(path: str, size: int, mtime_ns: int, spec: InputSpec | None, thumbnails: Path | None) -> Analysis:
    """Never raises for a bad file: every outcome is indexed or skipped with a readable reason."""
    result = Analysis(path, size, mtime_ns)
    if _CRASH_ON and _CRASH_ON in path:
        os._exit(70)
    if _HANG_ON and _HANG_ON in path:
        time.sleep(3600)
    if _SLOW_S:
        time.sleep(_SLOW_S)
    try:
        with open(path, "rb") as handle:
            header = handle.read(HEADER_BYTES)
            result.format = sniff(header)
            if result.format is None:
                result.skip_reason = describe_unknown(header)
                return result
            if size > MAX_FILE_BYTES:
                result.skip_reason = f"file too large ({size // (1024 * 1024)} MB)"
                return result
            data = header + handle.read()
    except FileNotFoundError:
        result.skip_reason = "the file vanished while it was being read"
        return result
    except OSError as error:
        result.skip_reason = f"cannot read the file: {error.strerror or error}"
        return result
    result.size = len(data)
    result.content_hash = content_hash(data)
    result.meta = read_meta(data, os.path.basename(path))
    try:
        decoded = decode(data, result.meta.orientation, spec)
    except DecodeError as error:
        result.skip_reason = str(error)
        return result
    except Exception as error:  # a decoder bug must cost one file, not the scan
        result.skip_reason = f"cannot decode the image ({type(error).__name__}: {error})"
        return result
    result.format = decoded.format
    result.width, result.height = decoded.width, decoded.height
    result.pixels = decoded.pixels
    if thumbnails is not None:
        # A full disk costs the thumbnail (made again on the next scan), not the photo.
        with contextlib.suppress(OSError):
            save_thumbnail(decoded.thumbnail, thumbnail_path(thumbnails, result.content_hash))
    return result
