"""The timeline: every photo by day, under month and day headers, with a scrubber that jumps by year and month.

Virtualised: the photos by day and their geometry are in timeline_layout.py (``TimelineData``, built in a
worker, and ``TimelineLayout``); the view paints only the rows on screen, so 100k photos cost what a
screen shows.

Keys: arrows move between photos, Page Up/Down by a screen, Home/End, Enter opens the current photo
(``photoActivated``), Ctrl+wheel or Ctrl +/- change the cell size. The scrubber: click or drag to a
date, wheel or Up/Down by month, Page Up/Down by year. "Go to date" takes what search reads as a date.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QMouseEvent, QPainter, QPalette, QPixmap, QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from album_app.catalog.search import NO_DAY
from album_app.catalog.views import PhotoSummaries
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.views.timeline_layout import (
    DAY_HEADER,
    GAP,
    MARGIN,
    MAX_ALBUM_NAMES,
    MONTH_HEADER,
    SIZES,
    TimelineData,
    TimelineLayout,
    day_text,
    month_text,
)
from album_app.services.search import EPOCH, parse_query


class TimelineView(QAbstractScrollArea):
    """The photos of ``TimelineData`` painted day by day; a current photo and a selection, like a grid."""

    currentPhotoChanged = Signal(object)  # photo id or None
    photoActivated = Signal(object, int)  # every photo id of the timeline (list), the index opened
    scrolled = Signal(int)  # the day group now at the top

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription("Every photo by day. Arrows move, Enter opens a photo, Home and End jump.")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setFocusProxy(self)
        self.thumbnails = thumbnails
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)
        self.data = TimelineData()
        self.photos = PhotoSummaries()
        self.cell = 128
        self.layout_ = TimelineLayout(self.data, 800, self.cell)
        self.current: int | None = None  # index into data
        self.selected: set[int] = set()
        self._anchor: int | None = None
        self.verticalScrollBar().valueChanged.connect(self._on_scroll)

    def sizeHint(self) -> QSize:
        return QSize(800, 600)

    # -- data ---------------------------------------------------------------------------------------

    def set_data(self, data: TimelineData, photos: PhotoSummaries) -> None:
        """Take new data; the photo that was current stays current (and in view) when it is still there."""
        keep = self.current_photo_id()
        self.data, self.photos = data, photos
        self.current, self.selected, self._anchor = None, set(), None
        self._relayout()
        if keep is not None:
            found = np.flatnonzero(data.photo_ids == keep)
            if len(found):
                self.set_current(int(found[0]))

    def current_photo_id(self) -> int | None:
        return int(self.data.photo_ids[self.current]) if self.current is not None else None

    def selected_photo_ids(self) -> list[int]:
        return self.data.photo_ids[sorted(self.selected)].tolist()

    # -- layout and scrolling -----------------------------------------------------------------------

    def _relayout(self) -> None:
        self.layout_ = TimelineLayout(self.data, self.viewport().width(), self.cell)
        bar = self.verticalScrollBar()
        bar.setRange(0, max(0, self.layout_.height - self.viewport().height()))
        bar.setPageStep(self.viewport().height())
        bar.setSingleStep(self.cell // 2)
        self.viewport().update()

    def resizeEvent(self, event: object) -> None:
        top = self.top_group()
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._relayout()
        if self.current is not None:
            self.ensure_visible(self.current)
        else:
            self.scroll_to_group(top)

    def top_group(self) -> int:
        return self.layout_.group_at(self.verticalScrollBar().value())

    def scroll_to_group(self, group: int) -> None:
        if self.data.day_count:
            self.verticalScrollBar().setValue(int(self.layout_.tops[group]))

    def scroll_to_fraction(self, fraction: float) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(round(float(np.clip(fraction, 0.0, 1.0)) * bar.maximum()))

    def ensure_visible(self, index: int) -> None:
        rect = self.layout_.cell_rect(index)
        bar = self.verticalScrollBar()
        group = self.data.group_of_photo(index)
        if rect.top() - GAP < bar.value():
            # The first row of a day shows with its header, so the day is never cut off above its photos.
            first_row = index - int(self.data.day_starts[group]) < self.layout_.columns
            bar.setValue(int(self.layout_.tops[group]) if first_row else rect.top() - GAP)
        elif index == len(self.data) - 1:
            bar.setValue(bar.maximum())  # the last photo: the very end, margin and all
        elif rect.bottom() + GAP > bar.value() + self.viewport().height():
            bar.setValue(rect.bottom() + GAP - self.viewport().height())

    def go_to_date(self, day: date) -> int | None:
        """Show the first day with photos on or after ``day`` and make its first photo current."""
        if self.data.day_count == 0:
            return None
        group = self.data.group_on_or_after(day)
        self.scroll_to_group(group)
        self.set_current(int(self.data.day_starts[group]), scroll=False)
        return group

    def go_to_photo(self, photo_id: int) -> bool:
        """Make a photo current and scroll to it (the viewer closing on it, a search result picked)."""
        found = np.flatnonzero(self.data.photo_ids == photo_id)
        if len(found) == 0:
            return False
        self.set_current(int(found[0]))
        return True

    def jump_months(self, months: int) -> None:
        """To the first day of the month ``months`` after (before) the one at the top that has photos."""
        if self.data.day_count == 0:
            return
        keys = self.layout_.months
        top = self.top_group()
        target = keys[top] + months if keys[top] != NO_DAY else keys[top]
        dated = keys != NO_DAY
        if months > 0:
            later = np.flatnonzero(dated & (keys >= target))
            group = int(later[0]) if len(later) else int(np.flatnonzero(dated)[-1] if dated.any() else top)
        else:
            earlier = np.flatnonzero(dated & (keys <= target)) if keys[top] != NO_DAY else np.flatnonzero(dated)
            group = int(np.flatnonzero(dated & (keys == keys[earlier[-1]]))[0]) if len(earlier) else 0
        self.scroll_to_group(group)

    @Slot(int)
    def _on_scroll(self, value: int) -> None:
        self.viewport().update()
        self.scrolled.emit(self.layout_.group_at(value))

    # -- current photo and selection ----------------------------------------------------------------

    def set_current(self, index: int | None, *, select: str = "only", scroll: bool = True) -> None:
        """``select``: "only" (the current alone), "toggle" (Ctrl), "range" (Shift), "keep"."""
        if index is not None:
            index = int(np.clip(index, 0, len(self.data) - 1)) if len(self.data) else None
        previous = self.current
        self.current = index
        if index is not None:
            if select == "only":
                self.selected, self._anchor = {index}, index
            elif select == "toggle":
                self.selected ^= {index}
                self._anchor = index
            elif select == "range":
                anchor = self._anchor if self._anchor is not None else index
                self.selected = set(range(min(anchor, index), max(anchor, index) + 1))
            if scroll:
                self.ensure_visible(index)
        self.viewport().update()
        if previous != index:
            self.currentPhotoChanged.emit(self.current_photo_id())

    def _activate(self) -> None:
        if self.current is not None:
            self.photoActivated.emit(self.data.photo_ids.tolist(), self.current)

    # -- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self.viewport())
        palette = self.palette()
        painter.fillRect(self.viewport().rect(), palette.color(QPalette.ColorRole.Base))
        if len(self.data) == 0:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, "Photos appear here by day.")
            return
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        layout = self.layout_
        first, last = layout.group_at(top), layout.group_at(bottom)
        painter.translate(0, -top)
        for group in range(first, last + 1):
            self._paint_day(painter, group, top, bottom)

    def _paint_day(self, painter: QPainter, group: int, top: int, bottom: int) -> None:
        layout, data, palette = self.layout_, self.data, self.palette()
        y = int(layout.tops[group])
        width = self.viewport().width()
        day = data.day_of(group)
        if layout.new_month[group]:
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.45)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(QRect(MARGIN, y + 8, width - 2 * MARGIN, MONTH_HEADER - 8),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, month_text(day))
            y += MONTH_HEADER
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        title = self.day_title(group)
        title_rect = QRect(MARGIN, y, width - 2 * MARGIN, DAY_HEADER)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        albums = data.albums_of(group)
        if albums:
            shown = albums[:MAX_ALBUM_NAMES]
            text = " · ".join(shown) + (f"  +{len(albums) - len(shown)} more" if len(albums) > len(shown) else "")
            painter.setFont(self.font())
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            offset = painter.fontMetrics().horizontalAdvance(title) + 40
            metrics = painter.fontMetrics()
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(title_rect.width() - offset, 0))
            painter.drawText(title_rect.adjusted(offset, 0, 0, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        start, end = int(data.day_starts[group]), int(data.day_starts[group + 1])
        row_top = y
        cell = self.cell + GAP
        first_row = max(0, (top - row_top) // cell)
        last_row = min(int(layout.rows[group]) - 1, (bottom - row_top) // cell)
        for row in range(first_row, last_row + 1):
            for k in range(start + row * layout.columns, min(start + (row + 1) * layout.columns, end)):
                self._paint_cell(painter, k, layout.cell_rect(k))

    def day_title(self, group: int) -> str:
        """A day's header ("Fri 12 Apr 2024"); views of one album say more (views/album_days.py)."""
        return day_text(self.data.day_of(group))

    def _paint_cell(self, painter: QPainter, index: int, rect: QRect) -> None:
        palette = self.palette()
        if index in self.selected:
            painter.fillRect(rect.adjusted(-2, -2, 2, 2), palette.color(QPalette.ColorRole.Highlight))
        pixmap = self._pixmap(index)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            # Square crops, as phones' timelines show them: the middle of the photo.
            size = pixmap.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatioByExpanding)
            ratio = pixmap.width() / max(size.width(), 1)
            cut_w, cut_h = rect.width() * ratio, rect.height() * ratio
            source = QRectF((pixmap.width() - cut_w) / 2, (pixmap.height() - cut_h) / 2, cut_w, cut_h)
            painter.drawPixmap(QRectF(rect), pixmap, source)
        else:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Midlight))
        if index == self.current and self.hasFocus():
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(140))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))

    def _pixmap(self, index: int) -> QPixmap | None:
        if self.thumbnails is None:
            return None
        where = self.photos.position.get(int(self.data.photo_ids[index]))
        if where is None:
            return None
        size = -(-self.cell // 32) * 32
        return self.thumbnails.pixmap(
            self.photos.content_hashes[where], size, self.devicePixelRatioF(), self.photos.paths[where]
        )

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        self.viewport().update()

    # -- input --------------------------------------------------------------------------------------

    def _index_at(self, point: QPoint) -> int | None:
        return self.layout_.photo_at(point.x(), point.y() + self.verticalScrollBar().value())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self._index_at(event.position().toPoint())
        if index is None or event.button() != Qt.MouseButton.LeftButton:
            return
        modifiers = event.modifiers()
        select = "only"
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            select = "range"
        elif modifiers & Qt.KeyboardModifier.ControlModifier:
            select = "toggle"
        self.set_current(index, select=select)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self._index_at(event.position().toPoint())
        if index is not None:
            self.set_current(index)
            self._activate()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def zoom(self, steps: int) -> None:
        current = min(range(len(SIZES)), key=lambda i: abs(SIZES[i] - self.cell))
        self.cell = SIZES[max(0, min(len(SIZES) - 1, current + steps))]
        self._relayout()
        if self.current is not None:
            self.ensure_visible(self.current)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if len(self.data) == 0:
            super().keyPressEvent(event)
            return
        key = event.key()
        if event.matches(QKeySequence.StandardKey.ZoomIn):
            self.zoom(1)
            return
        if event.matches(QKeySequence.StandardKey.ZoomOut):
            self.zoom(-1)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._activate()
            return
        current = self.current if self.current is not None else self.layout_.photo_at(MARGIN, self._top_y())
        current = current if current is not None else 0
        screen_rows = max(1, self.viewport().height() // (self.cell + GAP))
        moves = {
            Qt.Key.Key_Left: lambda: current - 1,
            Qt.Key.Key_Right: lambda: current + 1,
            Qt.Key.Key_Up: lambda: self.layout_.step(current, -1),
            Qt.Key.Key_Down: lambda: self.layout_.step(current, 1),
            Qt.Key.Key_PageUp: lambda: self.layout_.step(current, -screen_rows),
            Qt.Key.Key_PageDown: lambda: self.layout_.step(current, screen_rows),
            Qt.Key.Key_Home: lambda: 0,
            Qt.Key.Key_End: lambda: len(self.data) - 1,
        }
        move = moves.get(key)  # type: ignore[call-overload]
        if move is None:
            super().keyPressEvent(event)
            return
        select = "range" if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else "only"
        self.set_current(move(), select=select)

    def _top_y(self) -> int:
        return self.verticalScrollBar().value() + int(self.layout_.header[self.top_group()]) + GAP


class TimelineScrubber(QWidget):
    """A strip beside the timeline: years and months at their place; click or drag jumps there."""

    def __init__(self, view: TimelineView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.setAccessibleName("Date scrubber")
        self.setAccessibleDescription("Click or drag to a date. Up and Down move by month, Page Up and Down by year.")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFixedWidth(64)
        self.setMouseTracking(True)
        self._hover_y: int | None = None
        view.verticalScrollBar().valueChanged.connect(self.update)
        view.verticalScrollBar().rangeChanged.connect(self.update)

    def _fraction_of(self, content_y: float) -> float:
        total = max(self.view.layout_.height - self.view.viewport().height(), 1)
        return float(np.clip(content_y / total, 0.0, 1.0))

    def _y_of(self, content_y: float) -> float:
        return 6 + self._fraction_of(content_y) * (self.height() - 12)

    def marks(self) -> list[tuple[float, str, bool]]:
        """(y, label, is a year) for the first day of each year, and of each month where there is room."""
        layout, data = self.view.layout_, self.view.data
        months = layout.months
        if data.day_count == 0:
            return []
        starts = np.flatnonzero(layout.new_month)
        out: list[tuple[float, str, bool]] = []
        last_y = -1e9
        for group in starts.tolist():
            day = data.day_of(group)
            y = self._y_of(float(layout.tops[group]))
            if day == NO_DAY:
                out.append((y, "?", True))
                continue
            moment = EPOCH + timedelta(days=day)
            is_year = group == 0 or (months[group] // 12) != (months[starts[starts < group][-1]] // 12)
            if is_year or y - last_y >= 14:
                out.append((y, str(moment.year) if is_year else calendar.month_abbr[moment.month], is_year))
                last_y = y
        return out

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.85)
        bold = QFont(self.font())
        bold.setBold(True)
        for y, label, is_year in self.marks():
            painter.setFont(bold if is_year else small)
            painter.setPen(palette.color(QPalette.ColorRole.Text if is_year else QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(4, y - 8, self.width() - 8, 16), Qt.AlignmentFlag.AlignRight, label)
        bar = self.view.verticalScrollBar()
        y = self._y_of(bar.value())
        height = max(6.0, bar.pageStep() / max(self.view.layout_.height, 1) * (self.height() - 12))
        shade = QColor(palette.color(QPalette.ColorRole.Highlight))
        shade.setAlpha(70)
        painter.fillRect(QRectF(0, y, 4, height), palette.color(QPalette.ColorRole.Highlight))
        painter.fillRect(QRectF(4, y, self.width() - 4, height), shade)

    def _jump(self, y: float) -> None:
        fraction = (y - 6) / max(self.height() - 12, 1)
        self.view.scroll_to_fraction(fraction)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._jump(event.position().y())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event.position().y())

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.view.jump_months(-1 if event.angleDelta().y() > 0 else 1)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -12, Qt.Key.Key_PageDown: 12}
        step = steps.get(event.key())  # type: ignore[call-overload]
        if step is None:
            super().keyPressEvent(event)
        else:
            self.view.jump_months(step)


class TimelinePanel(QWidget):
    """The timeline with its scrubber and a "Go to date" field."""

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = TimelineView(thumbnails)
        self.scrubber = TimelineScrubber(self.view)
        self.date_field = QLineEdit()
        self.date_field.setPlaceholderText("Go to date: 12 Apr 2024, Apr 2024, 2019…")
        self.date_field.setAccessibleName("Go to date")
        self.date_field.setClearButtonEnabled(True)
        self.date_field.returnPressed.connect(self._go)
        self.status = QLabel()
        self.status.setAccessibleName("Timeline status")
        bar = QHBoxLayout()
        bar.addWidget(self.date_field, 1)
        bar.addWidget(self.status)
        body = QHBoxLayout()
        body.setSpacing(0)
        body.addWidget(self.view, 1)
        body.addWidget(self.scrubber)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(body, 1)
        self.view.scrolled.connect(self._show_where)

    def set_data(self, data: TimelineData, photos: PhotoSummaries) -> None:
        self.view.set_data(data, photos)
        self._show_where(self.view.top_group())

    def go_to(self, text: str) -> bool:
        """Read a date as search does ("Apr 2024"); False (and a note) when it is none."""
        query = parse_query(text)
        if not query.dates:
            self.status.setText(f"“{text}” is not a date")
            return False
        self.view.go_to_date(query.dates[0].start)
        self.view.setFocus()
        return True

    def _go(self) -> None:
        self.go_to(self.date_field.text())

    @Slot(int)
    def _show_where(self, group: int) -> None:
        data = self.view.data
        if data.day_count == 0:
            self.status.setText("")
            return
        dated = int(np.count_nonzero(data.days != NO_DAY))
        self.status.setText(f"{month_text(data.day_of(group))} · {len(data):,} photos, {len(data) - dated:,} undated")

