"""What the trainer's commands write: JSON lines (stdout, and the library's trainer.log), files replaced atomically.

Exit codes come from album_app.exit_codes (one list for album-app and album-trainer).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

#: The library's trainer log (LIBRARY/logs/trainer.log), shared by every job run on a library.
LOG_FILE = "trainer.log"


class JsonLines:
    """One JSON object per line to ``stream`` (stdout by default) and, stamped with the time, appended to
    ``log_path`` when one is given. ``tag`` is merged into every record (``{"job": "rotation"}``: the
    library's log is shared)."""

    def __init__(
        self, stream: TextIO | None = None, log_path: Path | None = None, *, tag: dict[str, Any] | None = None
    ) -> None:
        self.stream = stream or sys.stdout  # looked up now, not at import: tests and the GUI swap stdout
        self.tag = dict(tag or {})
        self.log: TextIO | None = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self.log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - closed in close()

    def emit(self, record: dict[str, Any]) -> None:
        record = {**self.tag, **record}
        self.stream.write(json.dumps(record, default=str) + "\n")
        self.stream.flush()
        if self.log is not None:
            at = datetime.now().astimezone().isoformat(timespec="seconds")
            self.log.write(json.dumps({"at": at, **record}, default=str) + "\n")
            self.log.flush()

    def close(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary file beside ``path`` to write to; it replaces ``path`` when the block ends without an error,
    and is removed when it raises. A kill mid-write leaves the previous file intact (and at worst a hidden
    ``.NAME.*.partial`` beside it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    try:
        yield Path(name)
        os.replace(name, path)
    finally:
        if os.path.exists(name):
            os.unlink(name)
