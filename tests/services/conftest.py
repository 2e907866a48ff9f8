"""Fixtures of the service tests: two trips, scanned and clustered through the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cli_library import LISBON, PARIS, album_of, albums, run


@pytest.fixture
def two_trips(tmp_path, make_photo) -> tuple[Path, list[Path], list[Path]]:
    """Two events a month and 1,450 km apart, six photos each, with EXIF time and GPS and a look of their own."""
    photos = tmp_path / "photos"
    start = datetime(2024, 4, 12, 10)
    lisbon = [make_photo(photos / "lisbon" / f"L{i}.jpg", seed=i, taken=start + timedelta(hours=7 * i),
                         gps=(LISBON[0] + i * 1e-3, LISBON[1]), look=0) for i in range(6)]
    paris = [make_photo(photos / "paris" / f"P{i}.jpg", seed=100 + i, taken=start + timedelta(days=30, hours=3 * i),
                        gps=(PARIS[0], PARIS[1] + i * 1e-3), look=1) for i in range(6)]
    return photos, lisbon, paris


@pytest.fixture
def clustered(tmp_path, two_trips):
    photos, lisbon, paris = two_trips
    library = tmp_path / "library"
    run(library, "scan", str(photos), "--quiet", "--workers", "0")
    run(library, "cluster")
    state = albums(library)
    assert len(state["albums"]) == 2, state
    return library, photos, lisbon, paris, album_of(state, lisbon[0]), album_of(state, paris[0])
