"""A video is a tile like a photo, with its length in a badge where phone galleries show it (issue 16)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_library import run

from album_app.gui import formatting
from album_app.gui.models import Roles

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"


def test_durations_read_as_galleries_show_them():
    assert formatting.duration(4.0) == "0:04"
    assert formatting.duration(65.4) == "1:05"
    assert formatting.duration(3723) == "1:02:03"


def test_a_video_tile_carries_its_length_and_a_photo_none(open_window, tmp_path, make_photo):
    pytest.importorskip("av")
    folder = tmp_path / "phone"
    folder.mkdir()
    shutil.copy(MEDIA / "clip.mp4", folder / "clip.mp4")
    make_photo(folder / "IMG_0001.jpg", seed=3)
    library = tmp_path / "library"
    run(library, "scan", str(folder), "--quiet", "--workers", "0")
    window = open_window(library=library)
    model = window.grid_model
    rows = {model.index(r).data(Roles.Path): model.index(r) for r in range(model.rowCount())}  # Unsorted: both
    video = rows[str(folder / "clip.mp4")]
    assert video.data(Roles.Duration) == pytest.approx(4.0, abs=0.15)
    assert rows[str(folder / "IMG_0001.jpg")].data(Roles.Duration) is None
    window.grid.resize(600, 400)
    assert not window.grid.grab().isNull()  # the badge paints
