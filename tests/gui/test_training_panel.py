"""The "Train on my library tonight" panel: an out-of-process command with JSON-line progress and a cancel."""

from __future__ import annotations

import signal
import sys
import textwrap

from album_app.gui import training
from album_app.gui.dialogs.model_info import ModelDialog
from album_app.gui.training import TrainerProcess, describe

# A stand-in trainer: prints JSON lines until SIGINT, then "checkpoints" and exits 0, as the real one does.
FAKE = textwrap.dedent("""
    import json, signal, sys, time
    stop = False
    def interrupted(*_):
        global stop
        stop = True
    signal.signal(signal.SIGINT, interrupted)
    step = 0
    while not stop:
        step += 1
        print(json.dumps({"type": "progress", "step": step, "loss": 1.0 / step, "eta_s": 600}), flush=True)
        time.sleep(0.05)
    print(json.dumps({"type": "done", "stopped": "signal", "step": step}), flush=True)
""")


def test_progress_lines_arrive_and_sigint_stops_the_trainer(qtbot, monkeypatch, tmp_path):
    script = tmp_path / "fake_trainer.py"
    script.write_text(FAKE)
    monkeypatch.setattr(training, "trainer_command", lambda *args: (sys.executable, [str(script)]))
    trainer = TrainerProcess()
    seen: list[dict] = []
    trainer.line.connect(seen.append)
    with qtbot.waitSignal(trainer.line, timeout=10_000):
        trainer.fit(tmp_path, "07:00")
    assert seen[0]["type"] == "progress"
    with qtbot.waitSignal(trainer.finished, timeout=10_000) as finished:
        trainer.cancel()
    assert finished.args == [0]
    assert seen[-1] == {"type": "done", "stopped": "signal", "step": seen[-1]["step"]}
    assert signal.SIGINT  # the cancel path sends SIGINT first (SIGTERM only after the grace period)


def test_describe_turns_lines_into_sentences():
    assert "step 12" in describe({"type": "progress", "step": 12, "loss": 0.5, "eta_s": 120})
    assert "current one stays" in describe({"type": "refused", "reason": "placed 0.31 < 0.35"})


def test_panel_offers_training_only_when_the_trainer_is_installed(qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr("album_app.gui.dialogs.model_info.trainer_available", lambda: False)
    dialog = ModelDialog(None, library=tmp_path)
    qtbot.addWidget(dialog)
    assert not dialog.train.isEnabled() and not dialog.rollback.isEnabled()
    monkeypatch.setattr("album_app.gui.dialogs.model_info.trainer_available", lambda: True)
    dialog = ModelDialog(None, library=tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.train.isEnabled() and dialog.rollback.isEnabled()
