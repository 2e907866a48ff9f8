"""The Model panel: which encoder describes the photos, and the models this library has used."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from album_app.gui.snapshot import ModelInfo
from album_app.gui.tasks import ModelPanelData
from album_app.gui.training import TrainerProcess, describe, trainer_available

SOURCES = {"bundled": "bundled with album_app", "user": "chosen by you", "trained": "trained on this library"}


class ModelDialog(QDialog):
    def __init__(
        self, parent: QWidget | None = None, library: Path | None = None, trainer: TrainerProcess | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
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
        self.until = QTimeEdit(QTime(7, 0))
        self.until.setDisplayFormat("HH:mm")
        self.until.setAccessibleName("Train until")
        self.cancel_training = QPushButton("Stop training")
        self.cancel_training.setEnabled(False)
        self.rollback = QPushButton("Go back to the previous model")
        self.rollback.setAccessibleName("Roll back the model")
        self.training_status = QLabel("")
        self.training_status.setWordWrap(True)
        self.training_status.setAccessibleName("Training status")
        # The main window owns the trainer, so a training night outlives this panel.
        self.trainer = trainer or TrainerProcess(self)
        self.trainer.line.connect(lambda event: self.training_status.setText(describe(event)))
        self.trainer.finished.connect(self._trainer_finished)
        self.train.clicked.connect(self._start_training)
        self.cancel_training.clicked.connect(self.trainer.cancel)
        self.rollback.clicked.connect(self._rollback)
        available = trainer_available() and library is not None
        running = self.trainer.running
        for button in (self.train, self.rollback, self.until):
            button.setEnabled(available)
        if running:
            self._set_running(True)
            self.training_status.setText("Training is running…")
        later = QLabel("" if available else "Training needs the trainer: pip install 'album-app[train]'")
        later.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form = QFormLayout()
        form.addRow("In use:", self.active)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Models this library has used:"))
        layout.addWidget(self.history, 1)
        row = QHBoxLayout()
        row.addWidget(self.train)
        row.addWidget(QLabel("until"))
        row.addWidget(self.until)
        row.addWidget(self.cancel_training)
        row.addStretch(1)
        row.addWidget(self.rollback)
        layout.addLayout(row)
        layout.addWidget(self.training_status)
        layout.addWidget(later)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def _start_training(self) -> None:
        if self.library is None or self.trainer.running:
            return
        self.trainer.fit(self.library, self.until.time().toString("HH:mm"))
        self.training_status.setText("Starting the trainer (it runs at low priority; you can keep working)…")
        self._set_running(True)

    def _rollback(self) -> None:
        if self.library is None or self.trainer.running:
            return
        self.trainer.rollback(self.library)
        self.training_status.setText("Going back to the previous model…")
        self._set_running(True)

    def _set_running(self, running: bool) -> None:
        self.train.setEnabled(not running)
        self.rollback.setEnabled(not running)
        self.cancel_training.setEnabled(running)

    def _trainer_finished(self, code: int) -> None:
        self._set_running(False)
        if code != 0:
            self.training_status.setText(f"The trainer stopped with an error (exit {code}); see logs/trainer.log.")
        elif not self.training_status.text() or self.training_status.text().startswith(("Starting", "Going")):
            self.training_status.setText("Done. The app uses the model in use the next time it embeds.")

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
