"""Mouse events as a person's hand sends them, for views that read the wheel and plain moves."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget


def wheel(widget: QWidget, position: QPointF, notches: float, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    event = QWheelEvent(
        QPointF(position),
        QPointF(widget.mapToGlobal(QPointF(position))),
        QPoint(0, 0),
        QPoint(0, round(120 * notches)),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def move(widget: QWidget, position: QPointF, buttons=Qt.MouseButton.NoButton) -> None:
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(position),
        QPointF(widget.mapToGlobal(QPointF(position))),
        Qt.MouseButton.NoButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, start: QPointF, end: QPointF, steps: int = 5) -> None:
    """Press at ``start``, move to ``end`` in steps with the button held, release there."""
    from PySide6.QtTest import QTest

    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPointF(start).toPoint())
    for k in range(1, steps + 1):
        point = QPointF(start) + (QPointF(end) - QPointF(start)) * (k / steps)
        move(widget, point, Qt.MouseButton.LeftButton)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPointF(end).toPoint())
