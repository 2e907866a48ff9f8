"""On this day: a strip of the photos taken on today's date in earlier years, one button per year.

Fed with ``SearchIndex.on_this_day`` ({year: photo ids}, latest year first); a button shows the year's
first photo and how many there are, and opens them in the viewer (``photosActivated(ids, 0)``). Hidden
when no earlier year has photos on this date.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from album_app.catalog.views import PhotoSummaries
from album_app.gui import formatting
from album_app.gui.thumbnails import ThumbnailLoader

MAX_YEARS = 6
ICON = 64


class OnThisDay(QFrame):
    photosActivated = Signal(object, int)  # the year's photo ids, the index to open

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("On this day")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumbnails = thumbnails
        self.photos = PhotoSummaries()
        self.years: dict[int, list[int]] = {}
        self.buttons: list[QToolButton] = []
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(8, 4, 8, 4)
        self._row.addWidget(self.title)
        self._row.addStretch(1)
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)
        self.setVisible(False)

    def set_days(self, years: Mapping[int, Sequence[int]], photos: PhotoSummaries, today: date) -> None:
        self.photos = photos
        self.years = {year: list(ids) for year, ids in list(years.items())[:MAX_YEARS] if ids}
        for button in self.buttons:
            self._row.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        self.title.setText(f"On this day, {today.day} {calendar.month_name[today.month]}")
        for year, ids in self.years.items():
            button = QToolButton()
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setIconSize(QSize(ICON, ICON))
            button.setAutoRaise(True)
            ago = today.year - year
            button.setText(f"{year}\n{ago} year{'s' if ago > 1 else ''} ago · {formatting.count(len(ids))}")
            button.setAccessibleName(f"On this day in {year}")
            button.clicked.connect(lambda _=False, y=year: self.open_year(y))
            self._row.insertWidget(self._row.count() - 1, button)
            self.buttons.append(button)
        self._show_icons()
        self.setVisible(bool(self.years))

    def open_year(self, year: int) -> None:
        ids = self.years.get(year)
        if ids:
            self.photosActivated.emit(list(ids), 0)

    def _show_icons(self) -> None:
        for button, ids in zip(self.buttons, self.years.values(), strict=True):
            pixmap = self._pixmap(ids[0])
            if pixmap is not None:
                button.setIcon(QIcon(pixmap))

    def _pixmap(self, photo_id: int) -> QPixmap | None:
        where = self.photos.position.get(photo_id)
        if self.thumbnails is None or where is None:
            return None
        pixmap = self.thumbnails.pixmap(
            self.photos.content_hashes[where], ICON * 2, self.devicePixelRatioF(), self.photos.paths[where]
        )
        return pixmap if isinstance(pixmap, QPixmap) and not pixmap.isNull() else None

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        if self.buttons:
            self._show_icons()
