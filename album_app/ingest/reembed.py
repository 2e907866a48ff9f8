"""Codes for indexed photos that lack one from the model in use (a new model, an interrupted scan).

Reads the thumbnail cache rather than the originals — a 256 px JPEG decodes ~50× faster than a
camera file — and falls back to the original when the thumbnail is gone or too small. Resumable:
each batch is committed, and the next run starts from what still lacks a code.
"""

from __future__ import annotations

import numpy as np

from album_app.catalog import Catalog
from album_app.catalog.codes import PendingEmbed, photos_without_code, store_codes
from album_app.ingest.decode import DecodeError, decode, load_thumbnail
from album_app.ingest.scan import EncoderLike
from album_app.preprocess import model_pixels
from album_app.progress import CancelToken, ProgressCallback, RateMeter


def embed_pending(
    catalog: Catalog,
    encoder: EncoderLike,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    batch_size: int = 256,
) -> int:
    """Embed every indexed photo without a code from ``encoder``; returns how many got one."""
    pending = photos_without_code(catalog, encoder.model_id)
    meter = RateMeter("embed", len(pending))
    done = 0
    for start in range(0, len(pending), batch_size):
        if cancel is not None and cancel.cancelled:
            break
        chunk = pending[start : start + batch_size]
        ready = [(item.photo_id, pixels) for item in chunk if (pixels := _pixels(catalog, encoder, item)) is not None]
        if ready:
            codes = encoder.embed(np.stack([pixels for _, pixels in ready]))
            store_codes(catalog, encoder.model_id, [(pid, code) for (pid, _), code in zip(ready, codes, strict=True)])
        done += len(chunk)
        if progress:
            progress(meter.progress(done))
    return done


def _pixels(catalog: Catalog, encoder: EncoderLike, item: PendingEmbed) -> np.ndarray | None:
    size = encoder.spec.size
    if item.content_hash:
        thumbnail = load_thumbnail(catalog.paths.thumbnails, item.content_hash)
        if thumbnail is not None and min(thumbnail.size) >= size:
            return model_pixels(thumbnail, encoder.spec)
    try:
        with open(item.path, "rb") as handle:
            data = handle.read()
        return decode(data, item.orientation, encoder.spec).pixels
    except (OSError, DecodeError):
        return None  # vanished or unreadable now; the next scan marks it
