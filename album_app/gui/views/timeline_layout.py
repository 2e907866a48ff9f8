"""The timeline's data and geometry, without widgets: photos grouped by day, and where each day goes.

``TimelineData`` (numpy, built in a worker) groups the photos by day, undated last; ``TimelineLayout``
places days, headers and rows of cells for a width with a few vectorised sums, so the view
(views/timeline.py) finds what is on screen by binary search: 100k photos cost what a screen shows.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from PySide6.QtCore import QRect

from album_app.catalog.search import NO_DAY, PhotoTable
from album_app.services.search import EPOCH

MONTH_HEADER = 44
DAY_HEADER = 28
SIZES = (80, 104, 128, 160, 208)
GAP = 4
MARGIN = 12
MAX_ALBUM_NAMES = 3



@dataclass
class TimelineData:
    """Photos in day order (undated last) with their days and albums, and where each day starts."""

    photo_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    days: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # NO_DAY: undated
    album: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # index into album_names, -1 none
    album_names: list[str] = field(default_factory=list)
    day_starts: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))  # len(days of photos) + 1

    @classmethod
    def build(
        cls, table: PhotoTable, album_of: Mapping[int, int | None], album_names: Mapping[int | None, str]
    ) -> TimelineData:
        """``album_of``: photo id → album id (None: Unsorted); ``album_names``: album id → its name."""
        dated = table.days != NO_DAY
        key = np.where(dated, table.days, np.iinfo(np.int64).max)
        order = np.argsort(key, kind="stable")  # the table's time order within a day
        ids = table.ids[order]
        days = table.days[order]
        names = list(dict.fromkeys(album_names.values()))
        column = {name: i for i, name in enumerate(names)}
        album = np.array(
            [column.get(album_names.get(album_of.get(p, -1), ""), -1) for p in ids.tolist()], np.int32
        )
        starts = np.concatenate([[0], np.flatnonzero(np.diff(days)) + 1, [len(days)]]).astype(np.int64)
        return cls(ids, days, album, names, starts)

    def __len__(self) -> int:
        return len(self.photo_ids)

    @property
    def day_count(self) -> int:
        return len(self.day_starts) - 1

    def day_of(self, group: int) -> int:
        return int(self.days[self.day_starts[group]])

    def group_of_photo(self, index: int) -> int:
        return int(np.searchsorted(self.day_starts, index, side="right") - 1)

    def group_on_or_after(self, day: date) -> int:
        """The first day with photos on or after ``day`` (the last dated day when none is)."""
        number = (day - EPOCH).days
        firsts = self.days[self.day_starts[:-1]]
        dated = int(np.count_nonzero(firsts != NO_DAY))
        group = int(np.searchsorted(firsts[:dated], number, side="left"))
        return min(group, max(dated - 1, 0))

    def albums_of(self, group: int) -> list[str]:
        """The albums a day's photos are in, most photos first."""
        chosen = self.album[self.day_starts[group] : self.day_starts[group + 1]]
        chosen = chosen[chosen >= 0]
        values, counts = np.unique(chosen, return_counts=True)
        return [self.album_names[v] for v in values[np.argsort(-counts, kind="stable")]]


def day_text(day_number: int) -> str:
    if day_number == NO_DAY:
        return "Undated"
    day = EPOCH + timedelta(days=day_number)
    return f"{calendar.day_abbr[day.weekday()]} {day.day} {calendar.month_abbr[day.month]} {day.year}"


def month_text(day_number: int) -> str:
    if day_number == NO_DAY:
        return "No date"
    day = EPOCH + timedelta(days=day_number)
    return f"{calendar.month_name[day.month]} {day.year}"


def month_key(day_number: int) -> int:
    """Months since January 1970 (a NO_DAY is its own month)."""
    if day_number == NO_DAY:
        return NO_DAY
    day = EPOCH + timedelta(days=day_number)
    return (day.year - 1970) * 12 + day.month - 1


class TimelineLayout:
    """Where each day's header and photos go for a width: one vectorised pass, redone on resize."""

    def __init__(self, data: TimelineData, width: int, cell: int) -> None:
        self.data = data
        self.cell = cell
        self.columns = max(1, (width - 2 * MARGIN + GAP) // (cell + GAP))
        starts = data.day_starts
        counts = np.diff(starts)
        firsts = data.days[starts[:-1]]
        months = np.array([month_key(int(d)) for d in firsts.tolist()], np.int64)
        self.new_month = np.concatenate([[True], months[1:] != months[:-1]]) if len(months) else np.zeros(0, bool)
        self.months = months
        self.rows = -(-counts // self.columns)  # rows of cells per day
        header = DAY_HEADER + np.where(self.new_month, MONTH_HEADER, 0)
        heights = header + self.rows * (cell + GAP) + GAP
        self.tops = np.concatenate([[0], np.cumsum(heights)]).astype(np.int64)  # day k spans tops[k]..tops[k+1]
        self.header = header
        self.height = int(self.tops[-1]) + MARGIN

    def group_at(self, y: int) -> int:
        return int(np.clip(np.searchsorted(self.tops, y, side="right") - 1, 0, max(self.data.day_count - 1, 0)))

    def cell_rect(self, index: int) -> QRect:
        """A photo's cell in content coordinates (y from the top of the timeline)."""
        group = self.data.group_of_photo(index)
        k = index - int(self.data.day_starts[group])
        row, column = divmod(k, self.columns)
        top = int(self.tops[group] + self.header[group]) + row * (self.cell + GAP)
        return QRect(MARGIN + column * (self.cell + GAP), top, self.cell, self.cell)

    def photo_at(self, x: int, y: int) -> int | None:
        group = self.group_at(y)
        if self.data.day_count == 0:
            return None
        inside = y - int(self.tops[group] + self.header[group])
        column = (x - MARGIN) // (self.cell + GAP)
        row = inside // (self.cell + GAP)
        if inside < 0 or not 0 <= column < self.columns or (x - MARGIN) % (self.cell + GAP) >= self.cell:
            return None
        k = row * self.columns + column
        start, end = int(self.data.day_starts[group]), int(self.data.day_starts[group + 1])
        return start + k if start + k < end and (inside % (self.cell + GAP)) < self.cell else None

    def step(self, index: int, rows: int) -> int:
        """The photo ``rows`` lines of cells below (negative: above) in the same column, across days."""
        group = self.data.group_of_photo(index)
        k = index - int(self.data.day_starts[group])
        row, column = divmod(k, self.columns)
        for _ in range(abs(rows)):
            if rows > 0 and row + 1 < self.rows[group]:
                row += 1
            elif rows > 0 and group + 1 < self.data.day_count:
                group, row = group + 1, 0
            elif rows < 0 and row > 0:
                row -= 1
            elif rows < 0 and group > 0:
                group, row = group - 1, int(self.rows[group - 1]) - 1
            else:
                break
        start, end = int(self.data.day_starts[group]), int(self.data.day_starts[group + 1])
        return min(start + row * self.columns + column, end - 1)
