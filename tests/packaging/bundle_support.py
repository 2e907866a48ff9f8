"""What the packaging tests share: paths, the app id, and the opt-in switch for the slow ones.

    make test                                          # fast checks only
    ALBUM_APP_PACKAGE_TEST=1 pytest tests/packaging    # also the bundle in dist/album-app/ and a wheel
    (make package-test builds the bundle first)

ALBUM_APP_BUNDLE=DIR tests a bundle somewhere else (and turns the bundle tests on).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP_ID = "io.github.album_app.AlbumApp"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def package_tests_requested() -> bool:
    return os.environ.get("ALBUM_APP_PACKAGE_TEST") == "1" or bool(os.environ.get("ALBUM_APP_BUNDLE"))


def bundle_dir() -> Path:
    return Path(os.environ.get("ALBUM_APP_BUNDLE") or REPO / "dist" / "album-app")


requires_package_test = pytest.mark.skipif(
    not package_tests_requested(),
    reason="packaging test: set ALBUM_APP_PACKAGE_TEST=1 (make package-test) to run it",
)
