"""Export albums to folders: destination, links or copies, with or without Unsorted, sideways photos turned
or not, RAW files beside their JPEGs or not (a Live Photo's video always goes with its photo)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MODES = (
    ("symlink", "Symbolic links (no extra space; originals must stay where they are)"),
    ("hardlink", "Hard links (no extra space; same disk only)"),
    ("copy", "Copies (independent of the originals; uses space)"),
)


def _option(text: str, tip: str, checked: bool) -> QCheckBox:
    box = QCheckBox(text)
    box.setAccessibleName(text.replace("&", ""))
    box.setToolTip(tip)
    box.setChecked(checked)
    return box


class ExportDialog(QDialog):
    def __init__(
        self, destination: str = "", parent: QWidget | None = None, *, turn_suggested: bool = False,
        with_raw: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export albums")
        self.setAccessibleName("Export dialog")
        self.destination = QLineEdit(destination)
        self.destination.setAccessibleName("Destination folder")
        self.destination.setPlaceholderText("A folder for the album folders")
        browse = QPushButton("Browse…")
        browse.setAccessibleName("Choose destination folder")
        browse.clicked.connect(self._browse)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.destination, 1)
        row_layout.addWidget(browse)
        self.mode = QComboBox()
        self.mode.setAccessibleName("Export mode")
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.unsorted = QCheckBox("Include an Unsorted folder")
        self.unsorted.setChecked(True)
        self.turn = _option(
            "&Turn photos the app thinks are sideways",
            "Those photos are written as turned copies (they use space, whatever the mode); "
            "your originals stay as they are.",
            turn_suggested,
        )
        self.raw = _option(
            "Include the &RAW file of RAW+JPEG pairs",
            "The camera's RAW file is exported beside its JPEG, under the same name. "
            "A Live Photo's video always goes with its photo.",
            with_raw,
        )
        form = QFormLayout()
        form.addRow("&Destination:", row)
        form.addRow("&As:", self.mode)
        form.addRow("", self.unsorted)
        form.addRow("", self.turn)
        form.addRow("", self.raw)
        note = QLabel(
            "One folder per album. Your originals are never moved or changed; "
            "exporting again brings the folder up to date."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.destination.textChanged.connect(self._validate)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())
        self._validate()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.destination.text() or str(Path.home()))
        if folder:
            self.destination.setText(folder)

    def _validate(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.destination.text().strip()))

    def turn_suggested(self) -> bool:
        """Write turned copies of the photos the rotation model says are sideways."""
        return self.turn.isChecked()

    def with_raw(self) -> bool:
        """Export the RAW file of each RAW+JPEG pair beside its JPEG."""
        return self.raw.isChecked()

    def chosen(self) -> tuple[Path, str, bool]:
        return (
            Path(self.destination.text().strip()).expanduser(),
            str(self.mode.currentData()),
            self.unsorted.isChecked(),
        )
