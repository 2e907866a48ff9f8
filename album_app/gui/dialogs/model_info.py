"""The Model panel: which encoder describes the photos, and the models this library has used."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from album_app.gui.snapshot import ModelInfo
from album_app.gui.tasks import ModelPanelData

SOURCES = {"bundled": "bundled with album_app", "user": "chosen by you", "trained": "trained on this library"}


class ModelDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model")
        self.setAccessibleName("Model panel")
        self.active = QLabel("Reading…")
        self.active.setWordWrap(True)
        self.active.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.active.setAccessibleName("Model in use")
        self.history = QTreeWidget()
        self.history.setAccessibleName("Model history")
        self.history.setHeaderLabels(["Model", "Source", "Added", "File"])
        self.history.setRootIsDecorated(False)
        self.history.setAlternatingRowColors(True)
        self.train = QPushButton("Train on my library tonight")
        self.train.setAccessibleName("Train on my library tonight")
        self.train.setEnabled(False)
        self.train.setToolTip("comes with the trainer")
        # A disabled button shows no tooltip on some styles: say it beside the button too.
        later = QLabel("comes with the trainer")
        later.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form = QFormLayout()
        form.addRow("In use:", self.active)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Models this library has used:"))
        layout.addWidget(self.history, 1)
        layout.addWidget(self.train)
        layout.addWidget(later)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def set_data(self, data: ModelPanelData) -> None:
        self.active.setText(self._describe(data.active) if data.active else "none yet: add photos first")
        self.history.clear()
        for model in data.history:
            item = QTreeWidgetItem([model.id, SOURCES.get(model.source, model.source), model.added_at, model.path])
            item.setToolTip(0, json.dumps(model.summary, indent=1)[:2000] if model.summary else model.id)
            if data.active and model.id == data.active.id:
                font = item.font(0)
                font.setBold(True)
                for column in range(4):
                    item.setFont(column, font)
            self.history.addTopLevelItem(item)
        for column in range(3):
            self.history.resizeColumnToContents(column)

    @staticmethod
    def _describe(model: ModelInfo) -> str:
        return f"{model.id} — {SOURCES.get(model.source, model.source)}\n{model.path}"
