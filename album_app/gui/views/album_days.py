"""One album by day: the timeline view over an everyday month's or a trip's photos, and "Split here" on a trip.

Everyday months and trips open this way instead of the grid (AlbumEntry.shown_as_timeline): their photos are
a stretch of life, read by day. A trip's day headers carry its sections' labels ("Fri 12 Apr · Lisbon") and,
from the second day on, a "Split here" link: the trip splits where that day starts (services.edits
.split_at_day), both parts trips. Days start at 04:00 local time, as the clustering's and the sections' do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QFont, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from album_app.albums.kinds import TRIP
from album_app.albums.life import photo_days
from album_app.catalog.search import NO_DAY
from album_app.catalog.views import PhotoSummaries
from album_app.gui.snapshot import AlbumEntry
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.views.timeline import TimelineView
from album_app.gui.views.timeline_layout import DAY_HEADER, MARGIN, MONTH_HEADER, TimelineData
from album_app.services.search import EPOCH

SPLIT_TEXT = "Split here"


def album_timeline(album: AlbumEntry, photos: PhotoSummaries) -> TimelineData:
    """The album's photos by day (undated last), in the snapshot's time order within a day."""
    ids = [p for p in album.members if p in photos.position]
    local_h = np.array([_wall_clock_h(photos.taken_at[photos.position[p]]) for p in ids], np.float64)
    days = np.where(np.isfinite(local_h), photo_days(local_h), NO_DAY).astype(np.int64)
    order = np.argsort(np.where(days == NO_DAY, np.iinfo(np.int64).max, days), kind="stable")
    days = days[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(days)) + 1, [len(days)]]).astype(np.int64)
    return TimelineData(np.asarray(ids, np.int64)[order], days, np.full(len(ids), -1, np.int32), [], starts)


def _wall_clock_h(text: str | None) -> float:
    """Hours since 1970 of a stored time's wall clock (its offset dropped), NaN without one."""
    if not text:
        return float("nan")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return float("nan")
    return (moment.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds() / 3600.0


class AlbumDaysView(TimelineView):
    """The timeline of one album (module docstring)."""

    splitRequested = Signal(object)  # the date the second part starts (datetime.date)

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(thumbnails, parent)
        self.setAccessibleName("Album by day")
        self.setAccessibleDescription("The album's photos by day. On a trip, “Split here” on a day splits it there.")
        self.labels: dict[int, str] = {}
        self.splittable = False

    def show_album(self, album: AlbumEntry, photos: PhotoSummaries) -> None:
        data = album_timeline(album, photos)
        self.labels = {(date.fromisoformat(str(s["day"])) - EPOCH).days: str(s["label"]) for s in album.sections}
        self.splittable = album.kind == TRIP and data.day_count > 1
        if self.data.photo_ids.tolist() != data.photo_ids.tolist():
            self.set_data(data, photos)
            self.verticalScrollBar().setValue(0)
        else:
            self.photos = photos
            self.viewport().update()

    def day_title(self, group: int) -> str:
        return self.labels.get(self.data.day_of(group)) or super().day_title(group)

    def split_rect(self, group: int) -> QRect | None:
        """Where a day's "Split here" is drawn, in content coordinates (None: that day has none)."""
        day = self.data.day_of(group)
        if not self.splittable or group == 0 or day == NO_DAY:
            return None
        top = int(self.layout_.tops[group]) + (MONTH_HEADER if self.layout_.new_month[group] else 0)
        width = self.fontMetrics().horizontalAdvance(SPLIT_TEXT) + 16
        return QRect(self.viewport().width() - MARGIN - width, top, width, DAY_HEADER)

    def _paint_day(self, painter: QPainter, group: int, top: int, bottom: int) -> None:
        super()._paint_day(painter, group, top, bottom)
        rect = self.split_rect(group)
        if rect is None:
            return
        font = QFont(self.font())
        font.setUnderline(True)
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.ColorRole.Link))
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, SPLIT_TEXT)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        content_y = point.y() + self.verticalScrollBar().value()
        if event.button() == Qt.MouseButton.LeftButton and len(self.data):
            group = self.layout_.group_at(content_y)
            rect = self.split_rect(group)
            if rect is not None and rect.contains(point.x(), content_y):
                self.splitRequested.emit(EPOCH + timedelta(days=self.data.day_of(group)))
                return
        super().mousePressEvent(event)
