"""The strip at the bottom while work runs: what is happening, a bar, speed, time left, Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from album_app.gui import formatting
from album_app.progress import Progress


class ProgressPanel(QWidget):
    cancelClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Progress")
        self.label = QLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setAccessibleName("Progress text")
        self.bar = QProgressBar()
        self.bar.setMinimumWidth(240)
        self.bar.setMaximumWidth(420)
        self.bar.setAccessibleName("Progress bar")
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel the running task")
        self.cancel.setToolTip("Stop after the photos in hand; what is done stays done (Esc)")
        self.cancel.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

    def start(self, label: str, cancellable: bool) -> None:
        self.label.setText(f"{label}…")
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.cancel.setEnabled(cancellable)
        self.cancel.setVisible(cancellable)
        self.cancel.setText("Cancel")
        self.show()

    def update_progress(self, progress: Progress) -> None:
        self.label.setText(formatting.progress_line(progress))
        if progress.total > 0:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(min(progress.done, progress.total))
            self.bar.setFormat("%p%")
        else:
            self.bar.setRange(0, 0)

    def stopping(self) -> None:
        self.cancel.setEnabled(False)
        self.cancel.setText("Stopping…")

    def finish(self) -> None:
        self.hide()

    def _cancel(self) -> None:
        self.stopping()
        self.cancelClicked.emit()
