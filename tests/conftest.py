"""Shared test fixtures: the real data beside the repo, fresh libraries, tiny photos made on the fly."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from photo_files import write_photo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A fresh, empty library folder."""
    return tmp_path / "library"


PhotoMaker = Callable[..., Path]


@pytest.fixture
def make_photo() -> PhotoMaker:
    """Write a small JPEG with optional EXIF time/GPS (photo_files.write_photo); content varies with ``seed``."""
    return write_photo
