"""Job queues on real threads: order, progress to the GUI thread, errors as sentences, cancel, coalescing."""

from __future__ import annotations

import threading
import time

from album_app.gui.workers import CANCELLED, DONE, FAILED, Job, JobQueue, ProgressThrottle, SyncPool
from album_app.progress import Progress


def test_jobs_run_in_order_off_the_gui_thread_and_report_on_it(qtbot):
    queue = JobQueue()
    gui = threading.get_ident()
    ran: list[tuple[str, int]] = []
    callbacks: list[int] = []
    progress: list[Progress] = []
    queue.jobProgress.connect(lambda job, p: (progress.append(p), callbacks.append(threading.get_ident())))

    def work(name: str):
        def run(ctx):
            ran.append((name, threading.get_ident()))
            for i in range(200):
                ctx.progress(Progress("scan", i + 1, 200, 100.0, 1.0))
            return name.upper()

        return run

    results = []

    def done(result: str) -> None:
        results.append(result)
        callbacks.append(threading.get_ident())

    jobs = [queue.submit(Job(n, work(n), on_done=done)) for n in ("a", "b", "c")]
    with qtbot.waitSignal(queue.idle, timeout=5000):
        pass
    assert [name for name, _ in ran] == ["a", "b", "c"]
    assert all(thread != gui for _, thread in ran)
    assert results == ["A", "B", "C"] and all(j.state == DONE for j in jobs)
    assert set(callbacks) == {gui}
    # Throttled: the first and the last of each stage arrive, not all 600 updates.
    assert len(progress) < 100 and progress[-1].done == 200


def test_a_failure_becomes_a_sentence(qtbot):
    from album_app.catalog import CatalogError

    queue = JobQueue()
    errors: list[str] = []

    def broken(ctx):
        raise CatalogError("The catalog is on a disk that went away.")

    def bug(ctx):
        raise KeyError("photo_meta")

    first = queue.submit(Job("one", broken, on_error=errors.append))
    second = queue.submit(Job("two", bug, on_error=errors.append))
    with qtbot.waitSignal(queue.idle, timeout=5000):
        pass
    assert first.state == FAILED and second.state == FAILED
    assert errors[0] == "The catalog is on a disk that went away."
    assert errors[1].startswith("Something went wrong") and "Traceback" not in errors[1]


def test_cancel_stops_the_running_job_and_drops_queued_ones(qtbot):
    queue = JobQueue()
    started = threading.Event()
    cancelled: list[str] = []

    def long(ctx):
        started.set()
        while True:
            ctx.check()  # raises Cancelled once the token is set
            time.sleep(0.005)

    running = queue.submit(Job("long", long, cancellable=True, on_cancelled=lambda: cancelled.append("long")))
    waiting = queue.submit(Job("next", lambda ctx: 1, on_cancelled=lambda: cancelled.append("next")))
    assert started.wait(5)
    with qtbot.waitSignal(queue.idle, timeout=5000):
        queue.cancel_all()
    assert running.state == CANCELLED and waiting.state == CANCELLED
    assert sorted(cancelled) == ["long", "next"]


def test_coalescing_keeps_only_the_newest_queued_refresh():
    queue = JobQueue(pool=SyncPool())
    blocker = Job("blocker", lambda ctx: None)
    queue._running = blocker  # pretend something runs, so submissions wait in the queue
    first = queue.submit(Job("refresh", lambda ctx: 1, coalesce="snapshot"))
    second = queue.submit(Job("refresh", lambda ctx: 2, coalesce="snapshot"))
    assert first.state == CANCELLED and queue.pending() == [second]


def test_shutdown_waits_for_the_worker(qtbot):
    queue = JobQueue()
    finished = threading.Event()

    def work(ctx):
        while not ctx.cancel.cancelled:
            time.sleep(0.005)
        time.sleep(0.05)  # finishing the batch in hand
        finished.set()

    queue.submit(Job("work", work, cancellable=True))
    qtbot.waitUntil(lambda: queue.running is not None)
    assert queue.shutdown(5000)
    assert finished.is_set()
    assert queue.submit(Job("late", lambda ctx: 1)).state == CANCELLED


def test_stop_asks_every_job_to_stop_without_waiting(qtbot):
    # The session stops all its queues first, then waits: their workers wind down side by side.
    queue = JobQueue()
    finished = threading.Event()

    def work(ctx):
        while not ctx.cancel.cancelled:
            time.sleep(0.005)
        time.sleep(0.3)  # finishing the batch in hand
        finished.set()

    running = queue.submit(Job("work", work, cancellable=True))
    queued = queue.submit(Job("next", lambda ctx: 1))
    qtbot.waitUntil(lambda: queue.running is not None)
    queue.stop()
    assert running.cancel.cancelled and queued.state == CANCELLED and not finished.is_set()
    assert queue.submit(Job("late", lambda ctx: 1)).state == CANCELLED
    assert queue.shutdown(5000) and finished.is_set()


def test_progress_throttle_passes_first_last_and_stage_changes():
    seen: list[Progress] = []
    throttle = ProgressThrottle(seen.append, interval=10.0)
    for i in range(1, 101):
        throttle(Progress("scan", i, 100, 1.0, None))
    throttle(Progress("embed", 1, 50, 1.0, None))
    assert [(p.stage, p.done) for p in seen] == [("scan", 1), ("scan", 100), ("embed", 1)]
