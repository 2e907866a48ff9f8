"""Background work: serial job queues on QThreadPool, progress and results sent to the GUI thread.

A JobQueue runs one job at a time, in order, on its own one-thread pool: the writer queue owns the
library's single writer Catalog (opened with shared=True, used by one thread at a time because the
queue is serial), the reader queue a read-only Catalog that never blocks the writer (WAL).

Threading contract:
- a job's function runs in a worker thread and gets a JobContext (catalog, cancel token, progress);
- everything it sends back (progress, its result, its error) crosses to the GUI thread as Qt signals
  (queued connections), where the job's callbacks run;
- progress is throttled in the worker (ten updates a second) so a fast scan cannot flood the GUI thread.

Tests pass a SyncPool: jobs then run at once on the calling thread, deterministically.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from album_app.gui.errors import human_message
from album_app.progress import Cancelled, CancelToken, Progress

log = logging.getLogger("album_app.gui.workers")

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


class Pool(Protocol):
    def start(self, runnable: QRunnable) -> None: ...
    def waitForDone(self, msecs: int = -1) -> bool: ...


class SyncPool:
    """A stand-in for QThreadPool that runs each runnable at once on the caller's thread (tests)."""

    def start(self, runnable: QRunnable) -> None:
        runnable.run()

    def waitForDone(self, msecs: int = -1) -> bool:
        return True

    def clear(self) -> None:
        pass


def serial_pool() -> QThreadPool:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    return pool


class ProgressThrottle:
    """Passes on the first update of a stage, the last, and at most one per ``interval`` seconds between."""

    def __init__(self, emit: Callable[[Progress], None], interval: float = 0.1) -> None:
        self.emit = emit
        self.interval = interval
        self._last = 0.0
        self._stage: str | None = None

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        final = progress.total > 0 and progress.done >= progress.total
        if progress.stage != self._stage or final or now - self._last >= self.interval:
            self._stage, self._last = progress.stage, now
            self.emit(progress)


class JobContext:
    """What a job function gets: the queue's catalog (or None), its cancel token, and a progress sink."""

    def __init__(self, catalog: Any, cancel: CancelToken, progress: Callable[[Progress], None]) -> None:
        self.catalog = catalog
        self.cancel = cancel
        self.progress = progress

    def check(self) -> None:
        self.cancel.raise_if_cancelled()


@dataclass(eq=False)
class Job:
    """One unit of background work and what to do (on the GUI thread) when it ends."""

    label: str
    run: Callable[[JobContext], object]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[str], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    cancellable: bool = False
    coalesce: str | None = None  # a newer job with the same key replaces a queued (not running) one
    cancel: CancelToken = field(default_factory=CancelToken)
    state: str = QUEUED
    result: object = None
    error: str | None = None


class _RunnerSignals(QObject):
    progress = Signal(object)
    finished = Signal(object, object, str)  # result, error message (or None), final state


class _Runner(QRunnable):
    def __init__(self, job: Job, catalog: Any, signals: _RunnerSignals, interval: float) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the queue keeps a reference until the finished signal arrives
        self.job = job
        self.catalog = catalog
        self.signals = signals
        self.interval = interval

    def run(self) -> None:
        throttle = ProgressThrottle(self.signals.progress.emit, self.interval)
        context = JobContext(self.catalog, self.job.cancel, throttle)
        try:
            result = self.job.run(context)
        except Cancelled:
            self.signals.finished.emit(None, None, CANCELLED)
        except BaseException as error:  # every failure becomes a message; nothing escapes a thread
            log.error("job %r failed", self.job.label, exc_info=error)
            self.signals.finished.emit(None, human_message(error), FAILED)
        else:
            state = CANCELLED if self.job.cancel.cancelled and self.job.cancellable else DONE
            self.signals.finished.emit(result, None, state)


class JobQueue(QObject):
    """Runs jobs one at a time, in order; signals carry their life to the GUI thread."""

    jobStarted = Signal(object)
    jobProgress = Signal(object, object)  # job, Progress
    jobFinished = Signal(object)  # job (its state says how it ended)
    idle = Signal()

    def __init__(
        self,
        catalog: Any = None,
        pool: Pool | None = None,
        *,
        progress_interval: float = 0.1,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.pool: Pool = pool if pool is not None else serial_pool()
        self.progress_interval = progress_interval
        self._queue: deque[Job] = deque()
        self._running: Job | None = None
        self._runner: _Runner | None = None
        self._closed = False
        self._thread = threading.get_ident()

    # -- public ---------------------------------------------------------------------------------

    @property
    def running(self) -> Job | None:
        return self._running

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._queue)

    def pending(self) -> list[Job]:
        return list(self._queue)

    def submit(self, job: Job) -> Job:
        if self._closed:
            job.state = CANCELLED
            return job
        if job.coalesce is not None:
            for queued in [j for j in self._queue if j.coalesce == job.coalesce]:
                self._queue.remove(queued)
                queued.state = CANCELLED
        self._queue.append(job)
        self._pump()
        return job

    def cancel_running(self) -> None:
        if self._running is not None:
            self._running.cancel.cancel()

    def cancel_all(self) -> None:
        """Drop queued jobs (their on_cancelled runs) and ask the running one to stop."""
        dropped = list(self._queue)
        self._queue.clear()
        for job in dropped:
            job.state = CANCELLED
            self._callback(job.on_cancelled)
        self.cancel_running()

    def stop(self) -> None:
        """Refuse new jobs, drop queued ones and ask the running one to stop; does not wait (see shutdown)."""
        self._closed = True
        self.cancel_all()

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Cancel everything and wait for the running job to stop; True when no thread uses the catalog."""
        self.stop()
        return self.pool.waitForDone(timeout_ms)

    # -- machinery (GUI thread) -----------------------------------------------------------------

    def _pump(self) -> None:
        if self._running is not None or not self._queue:
            return
        job = self._queue.popleft()
        job.state = RUNNING
        self._running = job
        signals = _RunnerSignals()
        # Bound slots of this QObject (it lives on the GUI thread): Qt queues the worker's emits to
        # this thread. A lambda has no thread of its own and could run in the worker instead.
        signals.progress.connect(self._on_progress)
        signals.finished.connect(self._on_finished)
        self._runner = _Runner(job, self.catalog, signals, self.progress_interval)
        self.jobStarted.emit(job)
        self.pool.start(self._runner)

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if self._running is not None:
            self.jobProgress.emit(self._running, progress)

    @Slot(object, object, str)
    def _on_finished(self, result: object, error: str | None, state: str) -> None:
        if self._running is not None:
            self._finish(self._running, result, error, state)

    def _finish(self, job: Job, result: object, error: str | None, state: str) -> None:
        job.result, job.error, job.state = result, error, state
        self._running, self._runner = None, None
        if state == DONE:
            self._callback(job.on_done, result)
        elif state == FAILED:
            self._callback(job.on_error, error or "")
        else:
            self._callback(job.on_cancelled)
            if result is not None and job.on_done is not None and job.cancellable:
                # A cancelled scan still returns what it did; let the caller report it.
                self._callback(job.on_done, result)
        self.jobFinished.emit(job)
        if not self._closed:
            self._pump()
        if self._running is None and not self._queue:
            self.idle.emit()

    @staticmethod
    def _callback(function: Callable[..., None] | None, *args: object) -> None:
        if function is None:
            return
        try:
            function(*args)
        except Exception:  # a broken callback must not stall the queue; the excepthook shows it
            import sys

            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
