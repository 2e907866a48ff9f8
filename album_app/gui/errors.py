"""Errors as sentences a person can act on; tracebacks go to the log, never to a dialog."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

log = logging.getLogger("album_app.gui")

# Exceptions whose message the core wrote for a person (matched by name: importing each module
# here would pull the whole core into the window's start-up).
HUMAN_ERRORS = {"CatalogError", "EditError", "ScanError", "ExportError", "ModelError", "UserError", "DecodeError"}


def human_message(error: BaseException) -> str:
    """The text a dialog shows for ``error``; unexpected errors get a generic sentence and go to the log."""
    if type(error).__name__ in HUMAN_ERRORS:
        return str(error)
    if type(error).__module__ == "sqlite3":  # a read outside a transaction met a damaged or full catalog
        from album_app.catalog.store import catalog_error

        return str(catalog_error(error))  # type: ignore[arg-type]
    if isinstance(error, PermissionError):
        return f"Permission denied: {error.filename or error}"
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}."
    if isinstance(error, MemoryError):
        return "The computer ran out of memory for this task."
    summary = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
    return f"Something went wrong: {summary}. The details were written to the log."


def setup_logging(log_dir: Path | None) -> Path | None:
    """Log to ``log_dir/gui.log`` (created) and stderr; returns the log file, None when it cannot be written."""
    root = logging.getLogger("album_app")
    root.setLevel(logging.INFO)
    if not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler) for h in root.handlers):
        root.addHandler(logging.StreamHandler(sys.stderr))
    if log_dir is None:
        return None
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / "gui.log"
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for old in [h for h in root.handlers if getattr(h, "album_app_gui", False)]:  # one log file at a time
        root.removeHandler(old)
        old.close()
    handler.album_app_gui = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path


Notifier = Callable[[str], None]


def install_excepthook(notify: Notifier) -> Callable[..., None]:
    """An uncaught exception (in a slot, a timer, a callback) is logged and shown as a message.

    Returns the previous hook so tests can put it back. Qt keeps running after a slot raised, so the
    person sees a sentence and can carry on instead of losing the window.
    """
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        log.error("uncaught exception:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        try:
            notify(human_message(error))
        except Exception:  # the hook must never raise: that would recurse
            log.exception("could not show the error message")

    sys.excepthook = hook
    return previous
