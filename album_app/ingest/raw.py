"""RAW files (CR2, CR3, NEF, ARW, DNG, RAF, ORF, RW2, PEF): pixels from the camera's embedded preview.

Developing a RAW file takes seconds and hundreds of MB; every camera embeds a JPEG preview of what it
would have shot, which LibRaw (rawpy, whose wheel carries it) extracts without developing anything. That
preview is decoded like any JPEG (reduced with ``draft``). A file without a usable preview is developed at
half size, within the same memory budget as every other full decode.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from album_app.ingest.decode import DECODE_BUDGET_BYTES, Decoded, DecodeError, finish, short_reason
from album_app.preprocess import InputSpec

#: LibRaw's ``sizes.flip`` -> EXIF orientation of the stored preview.
_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


def decode_raw(data: bytes, spec: InputSpec | None, thumb_size: int, file_format: str) -> tuple[Decoded, int]:
    """(decoded preview, EXIF orientation LibRaw read) of a RAW file's bytes; DecodeError with a reason."""
    try:
        import rawpy
    except ImportError as error:
        raise DecodeError(f"a {file_format} RAW photo, but RAW support (rawpy) is not installed") from error
    needed = max(thumb_size, spec.size if spec else 0)
    try:
        with rawpy.imread(io.BytesIO(data)) as raw:
            width, height = raw.sizes.width, raw.sizes.height
            orientation = _FLIP_TO_ORIENTATION.get(raw.sizes.flip, 1)
            image, how = _preview(raw, rawpy, needed)
            if image is None:
                image, how = _develop_half(raw, width, height), "developed"
                orientation = 1  # LibRaw turned the developed image itself
    except DecodeError:
        raise
    except (rawpy.LibRawError, OSError, ValueError) as error:
        raise DecodeError(f"cannot read the {file_format} RAW file: {short_reason(error)}") from error
    return finish(image, orientation, spec, thumb_size, width, height, file_format, how), orientation


def _preview(raw: object, rawpy: object, needed: int) -> tuple[Image.Image | None, str]:
    """The embedded preview, reduced while decoding; None when there is none or it is too small."""
    try:
        thumb = raw.extract_thumb()  # type: ignore[attr-defined]
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):  # type: ignore[attr-defined]
        return None, ""
    if thumb.format == rawpy.ThumbFormat.JPEG:  # type: ignore[attr-defined]
        image = Image.open(io.BytesIO(thumb.data))
        if min(image.size) < min(needed, 160):
            return None, ""
        image.draft("RGB", (needed, needed))
        image.load()
        return image, "embedded"
    array = np.asarray(thumb.data)
    if array.ndim != 3 or min(array.shape[:2]) < min(needed, 160):
        return None, ""
    return Image.fromarray(array.astype(np.uint8)), "embedded"


def _develop_half(raw: object, width: int, height: int) -> Image.Image:
    # A half-size develop holds the Bayer data (2 bytes a photosite) and a quarter-size 16-bit RGB result.
    needs = width * height * 2 + width * height // 4 * 6
    if needs > DECODE_BUDGET_BYTES:
        raise DecodeError(
            f"a RAW file without an embedded preview, too large to develop safely ({width}×{height})"
        )
    rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)  # type: ignore[attr-defined]
    return Image.fromarray(rgb)
