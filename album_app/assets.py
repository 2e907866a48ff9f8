"""Where the bundled data files lie: a source checkout's or a frozen app's assets/, else an installed wheel's share/."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import album_app


def bundled_asset(name: str) -> Path:
    """The path of ``assets/NAME`` wherever this install keeps it (the first candidate when none has it)."""
    candidates = [Path(album_app.__file__).resolve().parent.parent / "assets" / name]
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller: album_app/ and assets/ both lie in _internal/
    if frozen:
        candidates.append(Path(frozen, "assets", name))
    # A wheel's data files land in its scheme's data root: the venv, /usr/local on Debian, ~/.local for --user.
    roots = [
        sys.prefix,
        sysconfig.get_path("data"),
        sysconfig.get_path("data", sysconfig.get_preferred_scheme("user")),
    ]
    candidates += [Path(root, "share", "album_app", "assets", name) for root in dict.fromkeys(roots)]
    return next((c for c in candidates if c.is_file()), candidates[0])
