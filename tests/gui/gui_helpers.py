"""Helpers for GUI tests: drops as a file manager sends them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def drop_folders(target: QWidget, folders: list[Path], position: QPoint | None = None) -> QDropEvent:
    """What a file manager does: drag enter, move, drop, with the folders' URLs."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder)) for folder in folders])
    return send_drop(target, mime, position)


def _drag_event(kind, point: QPointF, *rest):
    """PySide6 ≥ 6.12 takes a QPointF here; earlier releases only a QPoint."""
    try:
        return kind(point, *rest)
    except TypeError:
        return kind(point.toPoint(), *rest)


def send_drop(target: QWidget, mime: QMimeData, position: QPoint | None = None) -> QDropEvent:
    point = QPointF(position or target.rect().center())  # the QPoint constructors are deprecated
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = _drag_event(QDragEnterEvent, point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    move = _drag_event(QDragMoveEvent, point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(target, move)
    drop = QDropEvent(point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(target, drop)
    return drop
