"""The dialogs read back what a person chose, without being shown modally."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from album_app.gui.dialogs.export import ExportDialog
from album_app.gui.dialogs.model_info import ModelDialog
from album_app.gui.dialogs.recluster import ReclusterDialog
from album_app.gui.snapshot import ModelInfo
from album_app.gui.tasks import ModelPanelData


def test_recluster_dialog_returns_method_k_and_weights(qtbot):
    from album_app.albums.features import FusionWeights

    dialog = ReclusterDialog(FusionWeights(content=1.0, time=0.5, place=2.0), photo_count=120)
    qtbot.addWidget(dialog)
    assert dialog.chosen_method() == "auto" and dialog.chosen_k() is None
    assert [dialog.method.itemText(i) for i in range(5)] == [
        "Auto (recommended)",
        "Life: trips, outings, gatherings, everyday months",
        "KMeans",
        "Affinity propagation",
        "HDBSCAN",
    ]
    dialog.method.setCurrentIndex(dialog.method.findData("kmeans"))
    assert dialog.k.isEnabled()
    dialog.k.setValue(7)
    dialog.sliders["time"].setValue(30)
    assert dialog.chosen_method() == "kmeans" and dialog.chosen_k() == 7
    assert dialog.chosen_weights() == FusionWeights(content=1.0, time=1.5, place=2.0)
    assert dialog.values["time"].text() == "1.50"


def test_export_dialog_needs_a_destination(qtbot, tmp_path):
    dialog = ExportDialog("")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()
    dialog.destination.setText(str(tmp_path / "out"))
    dialog.mode.setCurrentIndex(2)
    dialog.unsorted.setChecked(False)
    assert ok.isEnabled()
    assert dialog.chosen() == (Path(tmp_path / "out"), "copy", False)


def test_model_dialog_marks_the_model_in_use(qtbot):
    dialog = ModelDialog()
    qtbot.addWidget(dialog)
    bundled = ModelInfo("a1b2c3d4e5f60718", "/app/assets/encoder.onnx", "bundled", "2024-05-01T10:00:00")
    trained = ModelInfo("ffee000011112222", "/lib/models/m.onnx", "trained", "2024-06-01T03:00:00")
    dialog.set_data(ModelPanelData(trained, [bundled, trained]))
    assert "ffee000011112222" in dialog.active.text()
    assert dialog.history.topLevelItemCount() == 2
    assert dialog.history.topLevelItem(1).font(0).bold()
    assert not dialog.train.isEnabled()  # no library given: nothing to train on


def test_inspector_shows_the_album_models_opinion_only_when_there_is_one(qtbot):
    from album_app.catalog.views import PhotoDetails
    from album_app.gui.views.inspector import PhotoInspector

    inspector = PhotoInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    base = PhotoDetails(
        id=1, path="/p/IMG-20240612-WA0001.jpg", status="indexed", content_hash=None, size=1000, format="JPEG",
        width=10, height=10, taken_at=None, time_source=None, rejected_time=None, time_hint="2024-06-12T00:00:00",
        time_hint_source="filename", lat=None, lon=None, alt=None, camera=None, album_id=3, album_name="Lisbon",
        pinned=False, confidence=0.9, reason="looks like IMG_0042.jpg", clustered=True,
    )
    inspector.show_details(base)
    assert not inspector.fields["by_look"].isVisible()
    inspector.show_details(replace(base, by_look=(("Lisbon", 0.82), ("Porto", 0.11))))
    assert inspector.fields["by_look"].isVisible()
    assert inspector.fields["by_look"].text() == "Lisbon 82%, Porto 11%"
