"""The timeline driven by keys and mouse: days under month headers, albums per day, scrubber, go to date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from input_events import wheel
from PySide6.QtCore import QPointF, Qt

from album_app.catalog.search import NO_DAY, PhotoTable
from album_app.catalog.views import PhotoSummaries
from album_app.gui.views.timeline import TimelineData, TimelinePanel, day_text, month_text


@pytest.fixture
def panel(qtbot, browse_lib):
    _, snapshot, browse, _ = browse_lib
    widget = TimelinePanel()
    qtbot.addWidget(widget)
    widget.resize(700, 420)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_data(browse.timeline, snapshot.photos)
    widget.view.setFocus()
    return widget


def names(lib, ids):
    by_id = {v: k for k, v in lib.ids.items()}
    return [by_id[i] for i in ids]


def test_days_in_order_undated_last_with_their_albums(browse_lib):
    lib, _, browse, _ = browse_lib
    data = browse.timeline
    days = [day_text(data.day_of(g)) for g in range(data.day_count)]
    assert days == [
        "Sat 3 Jun 2023", "Fri 12 Apr 2024", "Sat 13 Apr 2024", "Sun 14 Apr 2024", "Mon 20 May 2024",
        "Tue 21 May 2024", "Undated",
    ]
    assert names(lib, data.photo_ids[data.day_starts[-2] :].tolist()) == ["scan0.jpg", "scan1.jpg"]
    assert data.albums_of(2) == ["Lisbon · 12–14 Apr 2024", "Unsorted"]  # three Lisbon photos, two copies
    assert data.albums_of(0) == ["My Rome"]
    assert month_text(data.day_of(0)) == "June 2023"


def test_month_headers_start_each_month(panel):
    layout = panel.view.layout_
    assert layout.new_month.tolist() == [True, True, False, False, True, False, True]


def test_keys_move_through_photos_across_days(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    view = panel.view
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert names(lib, [view.current_photo_id()]) == ["rome_0.jpg"]
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert names(lib, [view.current_photo_id()]) == ["rome_1.jpg"]
    qtbot.keyClick(view, Qt.Key.Key_Down)  # Rome's day has one row: down goes to 12 Apr, same column
    assert names(lib, [view.current_photo_id()]) == ["lisbon_1.jpg"]
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert names(lib, [view.current_photo_id()]) == ["rome_1.jpg"]
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert names(lib, [view.current_photo_id()]) == ["scan1.jpg"]
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0  # the end is scrolled into view
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert names(lib, view.selected_photo_ids()) == ["scan0.jpg", "scan1.jpg"]


def test_enter_and_double_click_open_the_photo(panel, browse_lib, qtbot):
    lib, _, browse, _ = browse_lib
    view = panel.view
    qtbot.keyClick(view, Qt.Key.Key_Home)
    with qtbot.waitSignal(view.photoActivated) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert signal.args == [browse.timeline.photo_ids.tolist(), 0]
    view.go_to_date(date(2024, 5, 20))
    rect = view.layout_.cell_rect(view.current)
    point = QPointF(rect.center().x(), rect.center().y() - view.verticalScrollBar().value()).toPoint()
    with qtbot.waitSignal(view.photoActivated) as signal:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert names(lib, [signal.args[0][signal.args[1]]]) == ["paris_0.jpg"]


def test_clicks_select_like_a_grid(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    view = panel.view
    view.scroll_to_group(0)

    def click(index, modifier=Qt.KeyboardModifier.NoModifier):
        rect = view.layout_.cell_rect(index)
        point = QPointF(rect.center().x(), rect.center().y() - view.verticalScrollBar().value()).toPoint()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, point)

    click(0)
    click(2, Qt.KeyboardModifier.ShiftModifier)
    assert names(lib, view.selected_photo_ids()) == ["rome_0.jpg", "rome_1.jpg", "rome_2.jpg"]
    click(1, Qt.KeyboardModifier.ControlModifier)
    assert names(lib, view.selected_photo_ids()) == ["rome_0.jpg", "rome_2.jpg"]


def test_go_to_date_by_typing(panel, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    qtbot.keyClicks(panel.date_field, "Apr 2024")
    qtbot.keyClick(panel.date_field, Qt.Key.Key_Return)
    view = panel.view
    assert names(lib, [view.current_photo_id()]) == ["lisbon_0.jpg"]
    assert view.top_group() == 1  # 12 Apr 2024 at the top
    panel.date_field.clear()
    qtbot.keyClicks(panel.date_field, "1 Jan 2030")  # after the last day: the last dated day
    qtbot.keyClick(panel.date_field, Qt.Key.Key_Return)
    assert names(lib, [view.current_photo_id()]) == ["paris_3.jpg"]
    assert not panel.go_to("someday")
    assert "not a date" in panel.status.text()


def test_scrubber_jumps_by_month_and_to_where_it_is_clicked(panel, qtbot):
    view, scrubber = panel.view, panel.scrubber
    view.scroll_to_group(0)
    labels = [label for _, label, _ in scrubber.marks()]
    assert labels[:2] == ["2023", "2024"] and labels[-1] == "?"
    scrubber.setFocus()
    qtbot.keyClick(scrubber, Qt.Key.Key_Down)  # Jun 2023 → the next month with photos: Apr 2024
    assert view.top_group() == 1
    wheel(scrubber, QPointF(30, 30), -1)  # wheel down: a month later → May 2024
    assert view.top_group() == 4
    qtbot.keyClick(scrubber, Qt.Key.Key_Up)
    assert view.top_group() == 1
    qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPointF(30, scrubber.height() - 2).toPoint())
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum()
    qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPointF(30, 1).toPoint())
    assert view.verticalScrollBar().value() == 0


def test_ctrl_wheel_changes_the_cell_size(panel):
    view = panel.view
    cell = view.cell
    wheel(view.viewport(), QPointF(100, 100), 1, Qt.KeyboardModifier.ControlModifier)
    assert view.cell > cell and view.layout_.cell == view.cell


def test_only_the_rows_on_screen_are_painted(qtbot, monkeypatch):
    """10k photos over 400 days: a paint touches the cells of one screen, not the library."""
    n = 10_000
    days = np.repeat(np.arange(19000, 19400), n // 400)
    table = PhotoTable(ids=np.arange(n), days=days.astype(np.int64), paths=[""] * n)
    data = TimelineData.build(table, {}, {})
    assert data.day_count == 400
    widget = TimelinePanel()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_data(data, PhotoSummaries())
    painted: list[int] = []
    original = widget.view._paint_cell
    monkeypatch.setattr(widget.view, "_paint_cell", lambda p, i, r: (painted.append(i), original(p, i, r)))
    widget.view.scroll_to_fraction(0.5)
    widget.view.viewport().grab()
    columns = widget.view.layout_.columns
    rows_on_screen = widget.view.viewport().height() // widget.view.cell + 2
    assert 0 < len(painted) <= columns * rows_on_screen
    assert abs(np.median(painted) - n / 2) < n / 20  # around the middle of the library


def test_undated_only_and_empty():
    table = PhotoTable(ids=np.array([5, 6]), days=np.array([NO_DAY, NO_DAY]), paths=["a", "b"])
    data = TimelineData.build(table, {}, {})
    assert data.day_count == 1 and day_text(data.day_of(0)) == "Undated"
    assert data.group_on_or_after(date(2020, 1, 1)) == 0
    assert TimelineData().day_count == 0
