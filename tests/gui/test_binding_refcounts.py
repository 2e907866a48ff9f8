"""The Qt binding must not leak references to None/True (PySide6 6.12's abi3 wheels do on Python 3.11,
which aborts the app within minutes: "Fatal Python error: none_dealloc"). pyproject pins below it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A model answering None and a signal delivered to a Python slot: the commonest calls in a session.
REPRO = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Signal
    from PySide6.QtWidgets import QApplication
    app = QApplication([])

    class Model(QAbstractListModel):
        def rowCount(self, parent=QModelIndex()):
            return 1

        def data(self, index, role=0):
            return None

    class Sender(QObject):
        changed = Signal(int)

    model = Model()
    index = model.index(0)
    sender = Sender()
    sender.changed.connect(lambda value: None)
    none, true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(5000):
        index.data(1)
        sender.changed.emit(7)
    print(none - sys.getrefcount(None), true - sys.getrefcount(True))
""")


def test_the_installed_binding_keeps_its_references():
    result = subprocess.run([sys.executable, "-c", REPRO], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"the Qt binding crashed the interpreter:\n{result.stderr[-2000:]}"
    lost_none, lost_true = (int(n) for n in result.stdout.split())
    # Immortal objects (3.12+) or a correct binding: counts may drift by a few, never by thousands.
    assert lost_none < 1000 and lost_true < 1000, (lost_none, lost_true)
