"""SIGINT/SIGTERM as a request that training loops honour between steps (so a save is never torn)."""

from __future__ import annotations

import signal
from typing import Any

from album_app.exit_codes import EXIT_INTERRUPTED


class StopFlag:
    """Turns SIGINT/SIGTERM into ``requested``; with ``second_signal_exits`` a second signal exits at once
    (safe where every file the job writes is replaced atomically)."""

    def __init__(self, *, second_signal_exits: bool = False) -> None:
        self.second_signal_exits = second_signal_exits
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopFlag:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.second_signal_exits and self.signal_name is not None:
            raise SystemExit(EXIT_INTERRUPTED)
        self.signal_name = signal.Signals(signum).name

    @property
    def requested(self) -> bool:
        return self.signal_name is not None
