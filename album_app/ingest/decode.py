"""Pixels, decoded once per scan: reduced-scale decode where the format allows it, bounded memory otherwise.

JPEG decode dominates a scan (FIELD-NOTES: 91 ms full vs ~30 ms with ``draft``), so JPEGs are decoded
straight at the smallest scale that still covers both the thumbnail and the model input, and orientation
is applied to that small image, never to the full one. HEIC files carry a 320–512 px thumbnail, decoded
instead of the 12 MP picture (~10 ms against ~350 ms) whenever it covers both. Formats that can only be
decoded whole (PNG, WebP, TIFF, HEIC without a thumbnail, AVIF, progressive JPEG's coefficients) are refused
beyond a memory budget, so a hostile 250-megapixel PNG costs nothing instead of gigabytes per worker.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from album_app.preprocess import InputSpec, model_pixels, to_rgb, upright

THUMBNAIL_SIZE = 256
# Past this many pixels an image is refused: a 250 MP photo is rare, a decompression bomb is not.
MAX_PIXELS = 250_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
#: The most memory a decoder may fill at full resolution (formats that cannot be decoded reduced): about
#: 85 MP of RGB, 64 MP of RGBA, a 44 MP 10-bit HEIC. With the worker itself that keeps a worker under
#: ~350 MB, whatever the file claims.
DECODE_BUDGET_BYTES = 256 * 1024 * 1024

#: Bytes per pixel a full decode holds, by Pillow mode (P and 1 are expanded before reducing).
_MODE_BYTES = {"1": 2, "L": 1, "P": 5, "LA": 2, "PA": 6, "RGB": 3, "RGBA": 4, "RGBX": 4, "CMYK": 4, "YCbCr": 3,
               "I;16": 6, "I;16B": 6, "I;16L": 6, "I;16N": 6, "I": 4, "F": 4, "LAB": 3, "HSV": 3}
#: HEIF/AVIF decoders hold the YUV planes and the RGB result: 8-bit 4:2:0 1.5 + 3, 10-bit 3 + 3.
_YUV_RGB_BYTES = {8: 4.5, 10: 6.0, 12: 6.0}
_ADDRESS = re.compile(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>")

_heif_registered = False


def register_heif() -> None:
    """Let Pillow open HEIF/AVIF files through pillow-heif (once per process; nothing when it is absent)."""
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
    path: str = "full"  # how it was decoded: "draft" (JPEG reduced), "embedded" (HEIC thumbnail), "full"


def decode(
    data: bytes, orientation: int, spec: InputSpec | None, thumb_size: int = THUMBNAIL_SIZE,
    file_format: str | None = None,
) -> Decoded:
    """Upright thumbnail and model input of an image file's bytes; DecodeError with a reason otherwise.

    ``file_format`` is what the bytes announced (identify.sniff), for a clear reason when its decoder is absent.
    """
    register_heif()
    needed = max(thumb_size, spec.size if spec else 0)
    embedded = _heif_embedded(data, thumb_size, spec.size if spec else 0)
    if embedded is not None:
        image, width, height = embedded
        # libheif applied the item's rotation and mirroring (irot/imir) to the thumbnail as to the picture.
        return finish(image, 1, spec, thumb_size, width, height, "HEIF", "embedded")
    image, image_format, width, height, how = _load_reduced(data, needed, file_format)
    if image_format in ("HEIF", "AVIF"):
        # pillow-heif and libavif already applied the container's rotation and mirroring (irot/imir),
        # which HEIF readers must honour instead of the EXIF tag; applying the tag too would turn it twice.
        orientation = 1
    return finish(image, orientation, spec, thumb_size, width, height, image_format, how)


def finish(
    image: Image.Image, orientation: int, spec: InputSpec | None, thumb_size: int, width: int, height: int,
    image_format: str, how: str,
) -> Decoded:
    """A small decoded image -> upright thumbnail and model input."""
    try:
        image = to_rgb(upright(image, orientation))
        thumbnail = image.copy()
        thumbnail.thumbnail((thumb_size, thumb_size), Image.Resampling.BILINEAR)
        pixels = model_pixels(image, spec) if spec else None
    except (OSError, ValueError) as error:
        raise DecodeError(f"cannot decode the image: {short_reason(error)}") from error
    return Decoded(width, height, image_format, thumbnail, pixels, how)


def _load_reduced(data: bytes, needed: int, file_format: str | None) -> tuple[Image.Image, str, int, int, str]:
    """Open, check the memory the decode needs, decode (reduced where the format allows), shrink."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            image_format = image.format or "unknown"
            if width * height > MAX_PIXELS:
                raise DecodeError(f"image too large ({width}×{height}); refused as a possible decompression bomb")
            how = "full"
            if image_format in ("JPEG", "MPO"):
                image.draft("RGB", (needed, needed))
                how = "draft" if image.size != (width, height) else "full"
            _check_budget(image, image_format, width, height)
            image.load()
    except DecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DecodeError(f"image too large; refused as a possible decompression bomb ({error})") from error
    except UnidentifiedImageError as error:
        raise DecodeError(_unidentified(file_format)) from error
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, MemoryError) as error:
        raise DecodeError(f"cannot decode the image: {short_reason(error)}") from error
    try:
        image = shrink(image, needed)
    except (OSError, ValueError, MemoryError) as error:
        raise DecodeError(f"cannot decode the image: {short_reason(error)}") from error
    return image, image_format, width, height, how


def _unidentified(file_format: str | None) -> str:
    """Why Pillow could not open a file whose first bytes looked right."""
    if file_format == "HEIF":
        try:
            import pillow_heif  # noqa: F401
        except ImportError:
            return "a HEIC/HEIF photo, but HEIC support (pillow-heif) is not installed"
    if file_format == "AVIF":
        from PIL import features

        if not features.check("avif"):
            return "an AVIF photo, but this Pillow was built without AVIF support"
    kind = f"{file_format} " if file_format else ""
    return f"cannot decode the image: its {kind}data is damaged or truncated, or a variant no decoder here reads"


def _check_budget(image: Image.Image, image_format: str, width: int, height: int) -> None:
    """Refuse, before decoding, an image whose decode would hold more than DECODE_BUDGET_BYTES."""
    if image_format in ("JPEG", "MPO"):
        needs = _jpeg_bytes(image, width, height)
        why = "a progressive JPEG is decoded from all of its coefficients at once"
    elif image_format in ("HEIF", "AVIF"):
        depth = int(image.info.get("bit_depth") or 8)
        needs = int(width * height * _YUV_RGB_BYTES.get(depth, 6.0))
        why = f"{image_format} without a large enough embedded thumbnail is decoded whole"
    else:
        needs = width * height * _MODE_BYTES.get(image.mode, 4)
        why = f"{image_format} cannot be decoded at a reduced size"
    if needs > DECODE_BUDGET_BYTES:
        raise DecodeError(
            f"image too large to decode safely: {width}×{height} {image_format} needs about {needs >> 20} MB "
            f"({why}; the limit is {DECODE_BUDGET_BYTES >> 20} MB)"
        )


def _jpeg_bytes(image: Image.Image, width: int, height: int) -> int:
    """Memory libjpeg holds: the reduced output for a baseline file; for a progressive one, every DCT
    coefficient (2 bytes) of every component at full resolution, whatever the scale asked for."""
    if not (image.info.get("progressive") or image.info.get("progression")):
        scaled_w, scaled_h = image.size
        return scaled_w * scaled_h * 4
    layers = getattr(image, "layer", None) or [("Y", 1, 1, 0)]
    h_max = max(layer[1] for layer in layers) or 1
    v_max = max(layer[2] for layer in layers) or 1
    return sum(int(width * layer[1] / h_max * height * layer[2] / v_max * 2) for layer in layers)


def shrink(image: Image.Image, needed: int) -> Image.Image:
    """The image reduced by a whole factor (box filter) while its short side stays ≥ ``needed``: everything
    after this (orientation, colour conversion, thumbnail, model input) then works on a small copy."""
    if image.mode in ("P", "PA", "1") or image.mode.startswith("I;16"):
        image = to_rgb(image) if image.mode in ("P", "PA") else image.convert("L" if image.mode == "1" else "I")
    factor = min(image.size) // max(needed, 1)
    return image.reduce(factor) if factor >= 2 else image


def _heif_embedded(data: bytes, thumb_size: int, model_size: int) -> tuple[Image.Image, int, int] | None:
    """A HEIF file's embedded thumbnail when it covers the thumbnail and the model input, with the picture's
    size; None when there is none (or it is too small), so the picture is decoded in full."""
    if data[4:8] != b"ftyp":
        return None
    try:
        import pillow_heif

        heif = pillow_heif.open_heif(io.BytesIO(data))
        primary = heif[heif.primary_index]
        width, height = primary.size
        if width * height > MAX_PIXELS:
            return None  # refused with its reason by the full path
        boxes = primary.info.get("thumbnails") or []
        for index in sorted(range(len(boxes)), key=boxes.__getitem__):  # the smallest that covers both
            thumb = primary.get_thumbnail(index)
            short, long = sorted(thumb.size)
            # The thumbnail's shape must be the picture's (some files carry a square crop, or a stale one).
            same_shape = abs(thumb.size[0] / thumb.size[1] - width / height) < 0.02
            if long >= thumb_size and short >= model_size and same_shape:
                return thumb.to_pillow(), width, height
    except ImportError:
        return None
    except Exception:  # a broken thumbnail: the full decode says what is wrong, or reads what it can
        return None
    return None


def heif_exif(data: bytes) -> bytes | None:
    """The TIFF block of a HEIF file's Exif item, read by libheif: exifread misses it in files whose Exif item
    lacks the "Exif\\0\\0" prefix it expects (libheif-based writers: pillow-heif, GIMP, darktable)."""
    try:
        import pillow_heif

        exif = pillow_heif.open_heif(io.BytesIO(data)).info.get("exif")
    except Exception:  # ImportError or a broken file: no EXIF, as with exifread
        return None
    if not exif:
        return None
    return exif[6:] if exif.startswith(b"Exif\x00\x00") else exif


def short_reason(error: BaseException) -> str:
    """An exception as a short reason for a person: no object addresses, at most 160 characters."""
    text = _ADDRESS.sub("", str(error)).strip() or type(error).__name__
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
