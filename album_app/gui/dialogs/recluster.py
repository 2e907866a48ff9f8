"""Re-cluster on demand: the method and how much content, time and place count. Edits always survive."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from album_app.albums import USER_METHODS

METHOD_LABELS = {
    "auto": "Auto (recommended)",
    "life": "Life: trips, outings, gatherings, everyday months",
    "affinity": "Affinity propagation",
    "kmeans": "KMeans",
    "hdbscan": "HDBSCAN",
}
METHODS = tuple((method, METHOD_LABELS[method]) for method in USER_METHODS)
WEIGHTS = (("content", "What photos show"), ("time", "When they were taken"), ("place", "Where they were taken"))
SLIDER_STEPS = 60  # 0 … 3.0 in steps of 0.05
SLIDER_SCALE = 20.0
DEFAULT_WEIGHT = 1.0


def _weight_fields(weights: object | None) -> dict[str, float]:
    return {name: float(getattr(weights, name, DEFAULT_WEIGHT)) for name, _ in WEIGHTS}


class ReclusterDialog(QDialog):
    def __init__(self, weights: object | None, photo_count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-cluster the library")
        self.setAccessibleName("Re-cluster dialog")
        self._weights = weights
        self.method = QComboBox()
        self.method.setAccessibleName("Clustering method")
        for key, label in METHODS:
            self.method.addItem(label, key)
        self.method.setItemData(self.method.findData("affinity"), "Slow and memory-hungry past a few thousand photos",
                                Qt.ItemDataRole.ToolTipRole)
        self.k = QSpinBox()
        self.k.setAccessibleName("Number of albums")
        self.k.setRange(0, max(2, photo_count))
        self.k.setSpecialValueText("chosen automatically")
        self.k.setEnabled(False)
        self.method.currentIndexChanged.connect(lambda _: self.k.setEnabled(self.method.currentData() == "kmeans"))
        form = QFormLayout()
        form.addRow("&Method:", self.method)
        form.addRow("&Albums (KMeans):", self.k)
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        for name, text in WEIGHTS:
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, SLIDER_STEPS)
            slider.setAccessibleName(f"Weight of {name}")
            slider.setPageStep(5)
            value = QLabel()
            value.setMinimumWidth(36)
            slider.valueChanged.connect(lambda v, label=value: label.setText(f"{v / SLIDER_SCALE:.2f}"))
            row = QWidget()
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(slider, 1)
            layout.addWidget(value)
            form.addRow(f"{text}:", row)
            self.sliders[name], self.values[name] = slider, value
        self.set_weights(weights)
        note = QLabel(
            "Renamed, accepted, moved and removed photos keep your choices: re-clustering only changes suggestions."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Re-cluster")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self._defaults)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def set_weights(self, weights: object | None, *, saved: bool = False) -> None:
        """Show these weights; ``saved`` ones (read from the library) also become the base of chosen_weights()."""
        if saved:
            self._weights = weights
        for name, value in _weight_fields(weights).items():
            self.sliders[name].setValue(round(value * SLIDER_SCALE))
            self.values[name].setText(f"{value:.2f}")

    def _defaults(self) -> None:
        try:
            from album_app.albums.features import FusionWeights

            self.set_weights(FusionWeights())
        except ImportError:
            self.set_weights(None)

    def chosen_method(self) -> str:
        return str(self.method.currentData())

    def chosen_k(self) -> int | None:
        return self.k.value() or None if self.chosen_method() == "kmeans" else None

    def chosen_values(self) -> dict[str, float]:
        return {name: slider.value() / SLIDER_SCALE for name, slider in self.sliders.items()}

    def chosen_weights(self) -> object | None:
        """The loaded FusionWeights with the slider values (other fields kept), or None without clustering."""
        values = self.chosen_values()
        base = self._weights
        if base is None:
            try:
                from album_app.albums.features import FusionWeights
            except ImportError:
                return None
            base = FusionWeights()
        if dataclasses.is_dataclass(base) and not isinstance(base, type):
            return dataclasses.replace(base, **values)
        return type(base)(**values)
