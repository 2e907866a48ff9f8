"""The sidebar: one row per album (cover, name, dates, place, count, suggested/accepted), Unsorted last; with
albums of several kinds, a header row per section (Trips, Events, …: title and count) that a click, Space or
Enter hides or shows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QKeyEvent, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from album_app.gui import formatting
from album_app.gui.models import AlbumListModel, Roles

ROW_HEIGHT = 72
SECTION_HEIGHT = 30
PAD = 8

Index = QModelIndex | QPersistentModelIndex


class AlbumDelegate(QStyledItemDelegate):
    """Paints a two-line album row with its cover; the rename editor sits on the name line."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(240, SECTION_HEIGHT if index.data(Roles.Section) else ROW_HEIGHT)

    def _cover_rect(self, rect: QRect) -> QRect:
        size = AlbumListModel.COVER_SIZE
        return QRect(rect.left() + PAD, rect.top() + (rect.height() - size) // 2, size, size)

    def _text_left(self, rect: QRect) -> int:
        return rect.left() + PAD * 2 + AlbumListModel.COVER_SIZE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if index.data(Roles.Section):
            self._paint_section(painter, option, index)
            return
        self.initStyleOption(option, index)
        widget = option.widget  # type: ignore[attr-defined]
        style = widget.style() if widget else QApplication.style()
        # The platform's own selection/hover background: follows the system palette and theme.
        option.text = ""  # type: ignore[attr-defined]
        option.icon = option.icon.__class__()  # type: ignore[attr-defined]
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        quiet = text if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_cover(
            painter,
            self._cover_rect(rect),
            index.data(Qt.ItemDataRole.DecorationRole),
            palette,
            bool(index.data(Roles.IsUnsorted)),
        )
        left = self._text_left(rect)
        width = rect.right() - left - PAD
        name_font = QFont(option.font)  # type: ignore[attr-defined]
        name_font.setBold(True)
        small = QFont(option.font)  # type: ignore[attr-defined]
        small.setPointSizeF(max(small.pointSizeF() * 0.88, 7.0))
        painter.setFont(name_font)
        line = painter.fontMetrics().height()
        name = str(index.data() or "")
        y = rect.top() + PAD
        painter.setPen(text)
        painter.drawText(
            QRect(left, y, width, line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, width),
        )
        painter.setFont(small)
        small_line = painter.fontMetrics().height()
        y += line + 1
        painter.setPen(quiet)
        painter.drawText(
            QRect(left, y, width, small_line),
            Qt.AlignmentFlag.AlignLeft,
            painter.fontMetrics().elidedText(self.details(index), Qt.TextElideMode.ElideRight, width),
        )
        y += small_line
        mark, accepted = self._mark(index)
        if mark:
            if accepted and not selected:
                painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.drawText(QRect(left, y, width, small_line), Qt.AlignmentFlag.AlignLeft, mark)
        painter.restore()

    @staticmethod
    def _paint_section(painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """▾ Trips   4 (▸ when hidden), in the quiet colour, on the list's own background."""
        rect: QRect = option.rect  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        font = QFont(option.font)  # type: ignore[attr-defined]
        font.setBold(True)
        painter.save()
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        arrow = "▸" if index.data(Roles.Collapsed) else "▾"
        text_rect = QRect(rect.left() + PAD, rect.top(), rect.width() - 2 * PAD, rect.height())
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(text_rect, align | Qt.AlignmentFlag.AlignLeft, f"{arrow}  {index.data()}")
        painter.drawText(text_rect, align | Qt.AlignmentFlag.AlignRight, str(index.data(Roles.Count) or 0))
        painter.restore()

    @staticmethod
    def details(index: Index) -> str:
        """Count, then the place and dates the name does not already say (automatic names hold both)."""
        name = str(index.data() or "")
        parts = [formatting.count(int(index.data(Roles.Count) or 0))]
        parts += [p for p in (index.data(Roles.Place), index.data(Roles.DateRange)) if p and p not in name]
        return " · ".join(parts)

    @staticmethod
    def _mark(index: Index) -> tuple[str, bool]:
        """Suggested (untouched), accepted (locked) or edited: what the person has done with it."""
        state = formatting.album_state(bool(index.data(Roles.IsUnsorted)), bool(index.data(Roles.Locked)),
                                       bool(index.data(Roles.Suggested)), str(index.data(Roles.Kind) or ""))
        return ("✓ Accepted", True) if state == "accepted" else (state.capitalize(), False)

    @staticmethod
    def _paint_cover(painter: QPainter, rect: QRect, pixmap: object, palette: QPalette, unsorted: bool) -> None:
        path = QPainterPath()
        path.addRoundedRect(rect, 6, 6)
        painter.fillPath(path, palette.color(QPalette.ColorRole.Midlight))
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            painter.save()
            painter.setClipPath(path)
            # Fill the square (crop), drawing the high-resolution pixmap into logical pixels.
            source = pixmap.rect()
            side = min(source.width(), source.height())
            source = QRect((source.width() - side) // 2, (source.height() - side) // 2, side, side)
            painter.drawPixmap(rect, pixmap, source)
            painter.restore()
        elif unsorted:
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.6)
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "?")

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect  # type: ignore[attr-defined]
        left = self._text_left(rect)
        height = editor.sizeHint().height()
        editor.setGeometry(QRect(left - 2, rect.top() + PAD - 3, rect.right() - left - PAD, height))


class AlbumListView(QListView):
    """Accepts photos dropped on an album (the model decides); F2 or double-click renames."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(AlbumDelegate(self))
        self.setUniformItemSizes(False)  # section headers are lower than album rows
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        # Overwrite mode: dropping anywhere on a row means "onto this album", never "between albums".
        self.setDragDropOverwriteMode(True)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("Albums")
        self.setAccessibleDescription(
            "Albums by kind (trips, events, everyday, screenshots, yours); Unsorted is last. F2 renames; "
            "Space on a section's header hides or shows it.")
        self.setMinimumWidth(220)
        self.clicked.connect(self._toggle_section)

    def _toggle_section(self, index: QModelIndex) -> None:
        model = self.model()
        title = index.data(Roles.Section) if index.isValid() else None
        if title and isinstance(model, AlbumListModel):
            model.toggle_section(str(title))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                self.currentIndex().data(Roles.Section):
            self._toggle_section(self.currentIndex())
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        # Moved to a screen of another scale: ask for thumbnails at the new pixel size.
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            model = self.model()
            if isinstance(model, AlbumListModel):
                model.device_ratio = self.devicePixelRatioF()
                self.viewport().update()
        return super().event(event)

    def setModel(self, model: object) -> None:
        super().setModel(model)  # type: ignore[arg-type]
        if isinstance(model, AlbumListModel):
            model.device_ratio = self.devicePixelRatioF()

    def selected_album_ids(self) -> list[int | None]:
        model = self.model()
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes()) if model else []
        return [model.index(r, 0).data(Roles.AlbumId) for r in rows]

    def current_album_id(self) -> int | None:
        index = self.currentIndex()
        return index.data(Roles.AlbumId) if index.isValid() else None
