"""Pixels, decoded once per scan: reduced-scale JPEG decode, upright, a thumbnail and the model input.

JPEG decode dominates a scan (FIELD-NOTES: 91 ms full vs ~30 ms with ``draft``), so JPEGs are
decoded straight at the smallest scale that still covers both the thumbnail and the model input,
and orientation is applied to that small image, never to the full one.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from album_app.preprocess import InputSpec, model_pixels, to_rgb, upright

THUMBNAIL_SIZE = 256
# Past this many pixels an image is refused: a 250 MP photo is rare, a decompression bomb is not.
MAX_PIXELS = 250_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
        except ImportError:  # HEIC files are then skipped with a reason, nothing else changes
            pass
        _heif_registered = True


class DecodeError(Exception):
    """The pixels could not be read; the message is meant for a person."""


@dataclass
class Decoded:
    width: int  # stored pixel size, before orientation
    height: int
    format: str
    thumbnail: Image.Image
    pixels: np.ndarray | None  # uint8 HWC model input, None when no spec was given


def decode(data: bytes, orientation: int, spec: InputSpec | None, thumb_size: int = THUMBNAIL_SIZE) -> Decoded:
    _register_heif()
    needed = max(thumb_size, spec.size if spec else 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            image_format = image.format or "unknown"
            if width * height > MAX_PIXELS:
                raise DecodeError(f"image too large ({width}×{height}); refused as a possible decompression bomb")
            if image_format in ("JPEG", "MPO"):
                image.draft("RGB", (needed, needed))
            image.load()
    except DecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DecodeError(f"image too large; refused as a possible decompression bomb ({error})") from error
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, MemoryError) as error:
        raise DecodeError(f"cannot decode the image: {_short(error)}") from error
    if image_format == "HEIF":
        # pillow-heif already applied the container's rotation and mirroring (irot/imir), which HEIF
        # readers must honour instead of the EXIF tag; applying the tag too would turn it twice.
        orientation = 1
    try:
        image = to_rgb(upright(image, orientation))
        thumbnail = image.copy()
        thumbnail.thumbnail((thumb_size, thumb_size), Image.Resampling.BILINEAR)
        pixels = model_pixels(image, spec) if spec else None
    except (OSError, ValueError) as error:
        raise DecodeError(f"cannot decode the image: {_short(error)}") from error
    return Decoded(width, height, image_format, thumbnail, pixels)


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) < 160 else text[:157] + "…"


def thumbnail_path(cache: Path, content_hash: str) -> Path:
    """Thumbnails are keyed by content, so a moved photo keeps its thumbnail."""
    return cache / content_hash[:2] / f"{content_hash}.jpg"


def save_thumbnail(thumbnail: Image.Image, path: Path) -> None:
    """Written beside its final name, then renamed: a killed scan never leaves half a thumbnail."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    thumbnail.save(partial, "JPEG", quality=85)
    os.replace(partial, path)


def load_thumbnail(cache: Path, content_hash: str) -> Image.Image | None:
    path = thumbnail_path(cache, content_hash)
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("RGB")
    except (OSError, ValueError):
        return None
