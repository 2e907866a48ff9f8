"""A small library driven through the real CLI (in process): run a command, read the albums back."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from album_app.cli import main

LISBON = (38.7223, -9.1393)
PARIS = (48.8566, 2.3522)


def run(library: Path, *args: str) -> str:
    """stdout of ``album-app --library LIBRARY ARGS...``; the command must succeed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--library", str(library), *args])
    assert code == 0, f"album-app {' '.join(args)} exited {code}"
    return out.getvalue()


def albums(library: Path) -> dict[str, object]:
    return json.loads(run(library, "albums", "--json"))


def album_of(state: dict[str, object], path: Path) -> int | None:
    for album in state["albums"]:  # type: ignore[union-attr]
        if str(path) in album["photos"]:
            return int(album["id"])
    return None
