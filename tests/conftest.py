"""Shared test fixtures: the real data beside the repo, fresh libraries, tiny photos made on the fly."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path inside ../shared/data, or a skip that says why."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the real data at {path} (../shared/data beside the repository), which is absent")
    return path


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A fresh, empty library folder."""
    return tmp_path / "library"


PhotoMaker = Callable[..., Path]


@pytest.fixture
def make_photo() -> PhotoMaker:
    """Write a small JPEG with optional EXIF time/GPS; content varies with ``seed``."""

    def make(
        path: Path,
        *,
        seed: int = 0,
        size: tuple[int, int] = (96, 72),
        taken: datetime | None = None,
        gps: tuple[float, float] | None = None,
        orientation: int | None = None,
        offset: str | None = None,
        camera: tuple[str, str] | None = None,
    ) -> Path:
        """``offset``: the EXIF OffsetTimeOriginal ("+01:00"); ``camera``: (make, model)."""
        import numpy as np

        rng = np.random.default_rng(seed)
        pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
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

    return make


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)
