"""Progress of long work: counts, rate and ETA for any front end, and the CLI's stderr line."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Progress:
    stage: str  # "scan", "embed", "cluster", …
    done: int
    total: int
    rate: float  # items per second over the stage so far
    eta_s: float | None
    detail: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


ProgressCallback = Callable[[Progress], None]


class Cancelled(Exception):
    """Raised inside long work when the person asked it to stop."""


class CancelToken:
    """Set from any thread (a Cancel button, Ctrl-C); long work checks it between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class RateMeter:
    """Turns a running count into a Progress with rate and ETA."""

    def __init__(self, stage: str, total: int) -> None:
        self.stage = stage
        self.total = total
        self.started = time.monotonic()

    def progress(self, done: int, detail: str = "") -> Progress:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 and done else None
        return Progress(self.stage, done, self.total, rate, eta, detail)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class StderrProgress:
    """One self-overwriting line on a terminal; a line every few seconds when stderr is a file."""

    def __init__(self, stream: TextIO | None = None, interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = interval if interval is not None else (0.2 if self.tty else 2.0)
        self._last = 0.0
        self._last_stage = ""

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        finished = progress.done >= progress.total
        if not finished and progress.stage == self._last_stage and now - self._last < self.interval:
            return
        self._last, self._last_stage = now, progress.stage
        line = (
            f"{progress.stage}: {progress.done}/{progress.total} photos"
            f"  {progress.rate:.1f}/s  ETA {format_eta(progress.eta_s)}"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if finished else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
