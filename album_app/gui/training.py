"""The overnight trainer, run out of process: `album-trainer fit` with a deadline, its JSON lines read
as progress, cancelled with SIGINT (it checkpoints) and SIGTERM after a grace period.

The app never imports torch: it only starts the trainer's command when the `train` extra is installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

GRACE_MS = 15_000  # time for the trainer to write its checkpoint after SIGINT


def trainer_available() -> bool:
    """True when this Python can run the trainer (torch and the trainer package are installed)."""
    return importlib.util.find_spec("torch") is not None and importlib.util.find_spec("trainer") is not None


def trainer_command(*args: str) -> tuple[str, list[str]]:
    return sys.executable, ["-m", "trainer", *args]


class TrainerProcess(QObject):
    """One trainer command; ``line`` carries each JSON object it prints, ``finished`` its exit code."""

    line = Signal(dict)
    finished = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(lambda code, _status: self.finished.emit(int(code)))
        self._buffer = b""
        self._terminate = QTimer(self)
        self._terminate.setSingleShot(True)
        self._terminate.timeout.connect(self._escalate)

    @property
    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, *args: str) -> None:
        program, arguments = trainer_command(*args)
        self.process.start(program, arguments)

    def fit(self, library: Path, until: str) -> None:
        self.start("fit", "--library", str(library), "--until", until)

    def rollback(self, library: Path) -> None:
        self.start("rollback", "--library", str(library))

    def cancel(self) -> None:
        """SIGINT first, so the trainer saves a checkpoint; SIGTERM if it has not stopped after the grace period."""
        pid = int(self.process.processId())
        if not self.running or pid <= 0:
            return
        os.kill(pid, signal.SIGINT)
        self._terminate.start(GRACE_MS)

    def _escalate(self) -> None:
        if self.running:
            self.process.terminate()  # SIGTERM: the trainer checkpoints on it too

    def _read(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            try:
                value = json.loads(raw)
            except ValueError:
                continue  # not a progress line
            if isinstance(value, dict):
                self.line.emit(value)


def describe(event: dict[str, object]) -> str:
    """One trainer JSON line as a sentence for the panel."""
    kind = event.get("type")
    if kind == "progress":
        eta = event.get("eta_s")
        left = f", about {int(float(eta) // 60)} min left" if isinstance(eta, int | float) else ""  # type: ignore[arg-type]
        return f"Training: step {event.get('step')}, loss {event.get('loss')}{left}"
    if kind == "refused":
        return f"The new model was not better, so the current one stays ({event.get('reason', 'see the log')})."
    if kind == "published":
        return f"A better model was published ({event.get('model_id')}); photos will be re-embedded."
    if kind == "done":
        return f"Training stopped ({event.get('stopped', 'done')})."
    return str(event.get("message", kind))
