"""Tiny photo files made on the fly: a JPEG with optional EXIF time, offset, GPS, camera and orientation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image


def write_photo(
    path: Path,
    *,
    seed: int = 0,
    size: tuple[int, int] = (96, 72),
    taken: datetime | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    offset: str | None = None,
    camera: tuple[str, str] | None = None,
    look: int | None = None,
) -> Path:
    """Write a small JPEG; content varies with ``seed``. ``offset``: the EXIF OffsetTimeOriginal ("+01:00");
    ``camera``: (make, model). ``look``: photos of one look share a scene (two colours split by a horizon), so
    content alone can group them; without it a photo is uniform noise, like no other."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8) if look is None else _scene(rng, size, look)
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    if taken is not None:
        exif_ifd = exif.get_ifd(0x8769)
        exif_ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        if offset is not None:
            exif_ifd[0x9011] = offset
    if camera is not None:
        exif[0x010F], exif[0x0110] = camera
    if orientation is not None:
        exif[0x0112] = orientation
    if gps is not None:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N" if gps[0] >= 0 else "S"
        gps_ifd[2] = _dms(abs(gps[0]))
        gps_ifd[3] = "E" if gps[1] >= 0 else "W"
        gps_ifd[4] = _dms(abs(gps[1]))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def _scene(rng: np.random.Generator, size: tuple[int, int], look: int) -> np.ndarray:
    palette = np.random.default_rng(10_000 + look).integers(0, 255, (2, 3))
    horizon = int(size[1] * rng.uniform(0.35, 0.65))
    pixels = np.empty((size[1], size[0], 3), dtype=np.float64)
    pixels[:horizon], pixels[horizon:] = palette[0], palette[1]
    return np.clip(pixels + rng.normal(0, 25, pixels.shape), 0, 255).astype(np.uint8)


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)
