"""The main window: the widgets and their layout (window.py)."""

from __future__ import annotations

from album_app.gui.main_window.window import MainWindow

__all__ = ["MainWindow"]
