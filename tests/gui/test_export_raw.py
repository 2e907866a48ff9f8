"""The export dialog's RAW checkbox reaches the export, and the window remembers it (issue 16)."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from album_app.cli import main
from album_app.exit_codes import EXIT_OK
from album_app.gui.dialogs.export import ExportDialog

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"

pytest.importorskip("rawpy", reason="rawpy reads the RAW file")


def test_the_raw_checkbox_puts_the_raw_beside_its_jpeg(open_window, tmp_path, monkeypatch):
    card = tmp_path / "card"
    card.mkdir()
    for name in ("DSC_0042.DNG", "DSC_0042.JPG"):
        shutil.copy2(MEDIA / name, card / name)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--library", str(tmp_path / "library"), "scan", str(card), "--quiet", "--workers", "0",
                     "--no-embed"])
    assert code == EXIT_OK

    dialog = ExportDialog("")
    assert not dialog.with_raw()
    dialog.raw.click()
    assert dialog.with_raw() and ExportDialog("", with_raw=True).with_raw()
    assert len(dialog.chosen()) == 3  # destination, mode, Unsorted: as before

    window = open_window()
    shown: list[bool] = []
    wanted = iter([True, False])

    def accept(self: ExportDialog) -> int:
        shown.append(self.with_raw())
        self.destination.setText(str(tmp_path / "out"))
        self.raw.setChecked(next(wanted))
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window.export_albums()
    exported = sorted(path.name for path in (tmp_path / "out" / "Unsorted").iterdir())
    assert exported == ["DSC_0042.DNG", "DSC_0042.JPG"]
    window.export_albums()  # the choice is remembered, then unticked: the RAW goes, the JPEG stays
    assert shown == [False, True]
    assert sorted(path.name for path in (tmp_path / "out" / "Unsorted").iterdir()) == ["DSC_0042.JPG"]
