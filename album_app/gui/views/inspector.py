"""Photo details: a preview, when (and how we know), where, with what, and why it is in its album."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPalette, QPixmap, QTransform
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from album_app.catalog.views import PhotoDetails
from album_app.gui import formatting
from album_app.gui.models import turn_text

PREVIEW = 240
TURNED_PREVIEW = 96  # the photo as a suggested turn would show it: small, beside the suggestion


def why_text(details: PhotoDetails) -> str:
    """The placement's reason in words, with how sure clustering was."""
    if not details.clustered:
        return "Not sorted yet: albums are suggested after the scan."
    reason = details.reason or ("put here by you" if details.pinned else "suggested by similarity")
    reason = reason[0].upper() + reason[1:]
    if details.confidence is not None and not details.pinned:
        reason += f" (confidence {details.confidence:.0%})"
    return reason


class PhotoInspector(QWidget):
    """Shows one photo's details; the window fills it from a worker-read PhotoDetails."""

    openRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Photo details")
        self.details: PhotoDetails | None = None
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(QSize(PREVIEW, PREVIEW * 3 // 4))
        self.preview.setAccessibleName("Preview")
        self._pixmap: QPixmap | None = None  # the preview as given, for the turned preview
        self.quarter_turns = 0
        # A rotation suggestion: what to do, how sure, and the photo turned (small). Shown, never written.
        self.turn_text = QLabel()
        self.turn_text.setWordWrap(True)
        self.turn_text.setAccessibleName("Rotation suggestion")
        self.turn_text.setToolTip(
            "Only a suggestion: the original is never changed. An export can write turned copies "
            "(Export albums → Turn photos the app thinks are sideways)."
        )
        self.turn_preview = QLabel()
        self.turn_preview.setAccessibleName("Turned preview")
        self.turn_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.turn_box = QWidget()
        turn_layout = QHBoxLayout(self.turn_box)
        turn_layout.setContentsMargins(0, 0, 0, 0)
        turn_layout.addWidget(self.turn_preview)
        turn_layout.addWidget(self.turn_text, 1)
        self.turn_box.setVisible(False)
        self.empty = QLabel("Select a photo to see where it comes from and why it is in its album.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.fields: dict[str, QLabel] = {}
        form = self.form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for key, label in (
            ("file", "File"),
            ("taken", "Taken"),
            ("source", "Time from"),
            ("place", "Place"),
            ("camera", "Camera"),
            ("size", "Size"),
            ("album", "Album"),
            ("why", "Why here"),
            ("by_look", "By look"),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label)
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.fields[key] = value
            form.addRow(f"{label}:", value)
        self.open_button = QPushButton("Open in viewer")
        self.open_button.setAccessibleName("Open in viewer")
        self.open_button.setToolTip("Open the original with the system's photo viewer")
        self.open_button.clicked.connect(self._open)
        self.folder_button = QPushButton("Show folder")
        self.folder_button.setAccessibleName("Show folder")
        self.folder_button.clicked.connect(self._open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.preview)
        body.addWidget(self.turn_box)
        body.addLayout(form)
        body.addLayout(buttons)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.empty)
        layout.addWidget(self.body)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.show_details(None)

    def show_details(self, details: PhotoDetails | None, album_place: str | None = None) -> None:
        self.details = details
        self.empty.setVisible(details is None)
        self.body.setVisible(details is not None)
        if details is None:
            self.preview.clear()
            self._pixmap = None
            self.set_rotation(0)
            return
        self.fields["file"].setText(Path(details.path).name)
        self.fields["file"].setToolTip(details.path)
        if details.taken_at:
            self.fields["taken"].setText(formatting.when(details.taken_at))
        elif details.time_hint:
            self.fields["taken"].setText(formatting.day(details.time_hint))  # a file name gives a day, not an hour
        else:
            self.fields["taken"].setText("unknown")
        self.fields["source"].setText(
            formatting.time_source_text(details.time_source, details.time_hint_source, details.rejected_time)
        )
        where = formatting.coordinates(details.lat, details.lon)
        if album_place and where:
            where = f"{where} (near {album_place})"
        self.fields["place"].setText(where or "no location in the file")
        self.fields["camera"].setText(details.camera or "unknown")
        dims = f"{details.width} × {details.height} px, " if details.width and details.height else ""
        self.fields["size"].setText(f"{dims}{formatting.file_size(details.size)}")
        self.fields["album"].setText(details.album_name or "Unsorted")
        self.fields["why"].setText(why_text(details))
        by_look = ", ".join(f"{name} {probability:.0%}" for name, probability in details.by_look)
        self.fields["by_look"].setText(by_look)
        for widget in (self.fields["by_look"], self.form.labelForField(self.fields["by_look"])):
            if widget is not None:
                widget.setVisible(bool(by_look))
        self.open_button.setEnabled(Path(details.path).exists())

    def set_rotation(self, quarter_turns: int, confidence: float = 0.0) -> None:
        """The app's rotation suggestion for the photo shown (0: none): its text and the turned preview."""
        self.quarter_turns = quarter_turns % 4
        text = turn_text(self.quarter_turns, confidence)
        self.turn_text.setText(text)
        self.turn_box.setVisible(bool(text))
        self._show_turned()

    def _show_turned(self) -> None:
        pixmap = self._pixmap
        if not self.quarter_turns or pixmap is None or pixmap.isNull():
            self.turn_preview.clear()
            return
        turned = pixmap.transformed(QTransform().rotate(90 * self.quarter_turns))  # clockwise on screen
        self.turn_preview.setPixmap(self._fitted(turned, TURNED_PREVIEW))

    def set_preview(self, pixmap: QPixmap | None) -> None:
        self._pixmap = pixmap
        self._show_turned()
        if pixmap is None or pixmap.isNull():
            self.preview.clear()
            return
        self.preview.setPixmap(self._fitted(pixmap, PREVIEW))

    def _fitted(self, pixmap: QPixmap, side: int) -> QPixmap:
        """``pixmap`` scaled into a ``side``-point square, sharp on high-density screens."""
        ratio = self.devicePixelRatioF()
        scaled = pixmap.scaled(
            QSize(int(side * ratio), int(side * ratio)),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        scaled.setDevicePixelRatio(ratio)
        return scaled

    def _open(self) -> None:
        if self.details is not None:
            self.openRequested.emit(self.details.path)
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.details.path))

    def _open_folder(self) -> None:
        if self.details is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.details.path).parent)))
