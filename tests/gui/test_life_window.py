"""The window over albums shaped like a life: sidebar sections, everyday months and trips by day, Split here.

Issue 14 phase 2, item 7. The library is tests/life_roll.py's roll, scanned and clustered through the CLI once.
"""

from __future__ import annotations

import shutil

import pytest
from cli_library import run
from life_roll import write_roll
from photo_files import write_photo
from PySide6.QtCore import QPoint, Qt

from album_app.gui.models import Roles
from album_app.gui.views.album_days import SPLIT_TEXT


@pytest.fixture(scope="module")
def life_library(tmp_path_factory):
    root = tmp_path_factory.mktemp("life-window")
    write_roll(root / "photos", write_photo)
    run(root / "library", "scan", str(root / "photos"), "--quiet", "--workers", "0")
    run(root / "library", "cluster")
    return root / "library"


@pytest.fixture
def window(open_window, life_library, tmp_path, needs_encoder):
    library = tmp_path / "library"
    shutil.copytree(life_library, library)
    return open_window(library=library)


def sidebar(window) -> list[tuple[str, object]]:
    """("section", title) and ("album", kind) rows, in order."""
    model = window.album_model
    out = []
    for row in range(model.rowCount()):
        index = model.index(row)
        section = index.data(Roles.Section)
        kind = "unsorted" if index.data(Roles.IsUnsorted) else index.data(Roles.Kind)
        out.append(("section", section) if section else ("album", kind))
    return out


def row_of_kind(window, kind: str) -> int:
    model = window.album_model
    return next(r for r in range(model.rowCount()) if model.index(r).data(Roles.Kind) == kind)


def select_row(window, row: int) -> None:
    window.album_list.setCurrentIndex(window.album_model.index(row))


def test_the_sidebar_lists_kinds_as_sections_trips_first_newest_first(window):
    assert sidebar(window) == [
        ("section", "Trips"), ("album", "trip"),
        ("section", "Events"), ("album", "gathering"),
        ("section", "Everyday"), ("album", "everyday"), ("album", "everyday"),
        ("section", "Screenshots"), ("album", "screenshots"),
        ("album", "unsorted"),
    ]
    model = window.album_model
    everyday = [model.index(r).data() for r in range(model.rowCount()) if model.index(r).data(Roles.Kind) == "everyday"]
    assert everyday == ["Lyon · April 2024", "Lyon · March 2024"]  # newest first
    header = model.index(4)
    assert header.data(Roles.Count) == 2 and not (model.flags(header) & Qt.ItemFlag.ItemIsSelectable)


def test_a_section_hides_and_shows_and_the_selection_stays(window, settings):
    select_row(window, row_of_kind(window, "trip"))
    trip_id = window.current_album().id
    header = window.album_list.visualRect(window.album_model.index(4))  # Everyday
    window.album_list.clicked.emit(window.album_model.index(4))
    assert ("album", "everyday") not in sidebar(window)
    assert window.current_album().id == trip_id
    assert settings.value("sidebar/hidden") in (["Everyday"], "Everyday")
    assert header.isValid()
    window.album_list.clicked.emit(window.album_model.index(4))
    assert sidebar(window).count(("album", "everyday")) == 2


def test_an_everyday_month_opens_by_day(window):
    select_row(window, row_of_kind(window, "everyday"))
    album = window.current_album()
    assert album.kind == "everyday" and window.album_pages.currentWidget() is window.album_days
    days = window.album_days
    assert sorted(days.data.photo_ids.tolist()) == sorted(album.members)
    assert days.data.day_count == len({day for day in days.data.days.tolist()})
    assert not days.splittable
    select_row(window, row_of_kind(window, "gathering"))
    assert window.album_pages.currentWidget() is window.grid


def test_a_trip_shows_its_days_and_splits_at_one(window, qtbot):
    select_row(window, row_of_kind(window, "trip"))
    trip = window.current_album()
    days = window.album_days
    assert window.album_pages.currentWidget() is days and days.splittable
    assert [days.day_title(g) for g in range(days.data.day_count)] == [
        "Fri 12 Apr · Lisbon", "Sat 13 Apr · Lisbon", "Sun 14 Apr · Lisbon"]
    assert days.split_rect(0) is None
    rect = days.split_rect(2)
    scroll = days.verticalScrollBar().value()
    click = QPoint(rect.center().x(), rect.center().y() - scroll)
    qtbot.mouseClick(days.viewport(), Qt.MouseButton.LeftButton, pos=click)
    trips = [a for a in window.snapshot.albums if a.kind == "trip"]
    assert len(trips) == 2 and trip.id in {a.id for a in trips}
    new = next(a for a in trips if a.id != trip.id)
    assert len(new.members) == 3 and window.current_album().id == new.id
    assert SPLIT_TEXT == "Split here"
