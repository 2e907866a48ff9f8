"""One open library: its writer and reader catalogs, the job queues, and the edit/undo bookkeeping.

No widgets here: the main window asks the session to do things and listens to its signals, so the
same flow runs in tests with a synchronous pool.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from album_app.catalog import Catalog
from album_app.gui import browse_tasks, tasks
from album_app.gui.browse_tasks import BrowseData
from album_app.gui.snapshot import LibrarySnapshot
from album_app.gui.tasks import EditCall
from album_app.gui.workers import Job, JobQueue, Pool, serial_pool
from album_app.library import LibraryPaths
from album_app.progress import Progress
from album_app.services.similar import CodeIndex, Neighbours

log = logging.getLogger("album_app.gui.session")

REFRESH_DURING_SCAN_S = 4.0  # photos appear in Unsorted while a scan runs, without re-reading too often
#: Photos the rotation model judges per job (a few seconds); their answers are stored (and shown) after each.
ROTATION_CHUNK = 250


class LibrarySession(QObject):
    """Opens the library for writing (raises CatalogError if another process has it) and runs its jobs."""

    snapshotChanged = Signal(object)  # LibrarySnapshot
    errorOccurred = Signal(str)  # a sentence for a person
    statusMessage = Signal(str)
    importFinished = Signal(object)  # tasks.ImportResult
    rotationsChanged = Signal(object)  # dict[photo id, catalog.extras.RotationRow]: the turns to suggest

    def __init__(
        self,
        paths: LibraryPaths,
        *,
        pool_factory: Callable[[], Pool] | None = None,
        scan_workers: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.scan_workers = scan_workers
        # The writer first: it creates and migrates the catalog, and refuses a second process.
        self.catalog = Catalog(paths, writer=True, shared=True)
        try:
            self.reader = Catalog(paths, writer=False, shared=True)
            self.browse_reader = Catalog(paths, writer=False, shared=True)
        except BaseException:
            self.catalog.close()
            raise
        make = pool_factory or serial_pool
        self.writes = JobQueue(self.catalog, make(), parent=self)  # scan, embed, cluster, edits: one at a time
        self.reads = JobQueue(self.reader, make(), parent=self)  # snapshots, details, map: never wait for a scan
        # The browsing views' data (2 s at 100k photos): details and "more like this" never wait behind it.
        self.browse_reads = JobQueue(self.browse_reader, make(), parent=self)
        self.files = JobQueue(None, make(), parent=self)  # export: opens its own reader
        # Burst stacks: seconds at 100k photos, so not on the reader queue; cancellable, opens its own reader.
        self.background = JobQueue(None, make(), parent=self)
        # Rotation suggestions: minutes for a first look at 100k photos, in chunks; opens its own reader.
        self.rotation_jobs = JobQueue(None, make(), parent=self)
        self.encoders = tasks.EncoderCache()
        self.rotation_models = tasks.RotationModels()
        self.rotations: dict[int, Any] = {}  # photo id -> catalog.extras.RotationRow, as last published
        self._rotations_running = False
        self._rotations_again = False
        self._rotation_pass = 0  # callbacks of an earlier pass (one cancelled at closing) are ignored
        self._quiet: weakref.WeakSet[Job] = weakref.WeakSet()
        self.snapshot = LibrarySnapshot()
        self._undo_groups: list[int] = []  # edits per user action, so one Undo takes back a whole drag
        self._redo_groups: list[int] = []
        self._last_refresh = 0.0
        self._closed = False
        self.writes.jobProgress.connect(self._on_write_progress)
        self.writes.idle.connect(self._resume_rotations)

    # -- jobs ---------------------------------------------------------------------------------------

    def _submit(
        self,
        queue: JobQueue,
        label: str,
        run: Callable[[Any], object],
        on_done: Callable[[Any], None] | None = None,
        *,
        on_error: Callable[[str], None] | None = None,
        **options: Any,
    ) -> Job:
        """A job on one of the queues; a failure is shown as a message unless ``on_error`` says otherwise.
        ``options``: the other Job fields (coalesce, cancellable, on_cancelled)."""
        job = Job(label, run, on_done=on_done, on_error=on_error or self.errorOccurred.emit, **options)
        return queue.submit(job)

    # -- reading ------------------------------------------------------------------------------------

    def refresh(self) -> Job:
        self._last_refresh = time.monotonic()
        return self._submit(
            self.reads, "Reading the library", tasks.load_snapshot, self._set_snapshot, coalesce="snapshot"
        )

    def _set_snapshot(self, snapshot: LibrarySnapshot) -> None:
        self.snapshot = snapshot
        self.snapshotChanged.emit(snapshot)

    def _on_write_progress(self, job: Job, progress: Progress) -> None:
        if progress.stage == "scan" and time.monotonic() - self._last_refresh > REFRESH_DURING_SCAN_S:
            self.refresh()

    def weights(self, on_done: Callable[[Any], None]) -> Job:
        return self._submit(self.reads, "Reading weights", tasks.load_weights, on_done, coalesce="weights")

    def details(self, photo_id: int, on_done: Callable[[Any], None], *, asker: str = "details") -> Job:
        """A photo's PhotoDetails; a newer request of the same ``asker`` (the details panel, the viewer)
        replaces a queued one, so each gets the last photo it asked about."""
        run = partial(tasks.load_details, photo_id=photo_id)
        return self._submit(self.reads, "Reading photo details", run, on_done, coalesce=asker)

    def models(self, on_done: Callable[[Any], None]) -> Job:
        return self._submit(self.reads, "Reading models", tasks.load_models, on_done, coalesce="models")

    def map_data(self, on_done: Callable[[Any], None]) -> Job:
        run = partial(tasks.load_map, snapshot=self.snapshot)
        return self._submit(self.reads, "Drawing the map", run, on_done, coalesce="map")

    def browse(self, on_done: Callable[[BrowseData], None], today: date | None = None) -> Job:
        """The places, timeline and search data of the snapshot shown (browse_tasks.load_browse)."""
        run = partial(browse_tasks.load_browse, snapshot=self.snapshot, today=today)
        return self._submit(self.browse_reads, "Reading places and dates", run, on_done, coalesce="browse")

    def codes(self, on_done: Callable[[CodeIndex | None], None]) -> Job:
        """Every photo's code from the model in use, for "more like this" (browse_tasks.load_code_index)."""
        return self._submit(
            self.browse_reads, "Reading the photos' codes", browse_tasks.load_code_index, on_done, coalesce="codes"
        )

    def similar(
        self, codes: CodeIndex, photo_ids: Sequence[int], on_done: Callable[[Neighbours], None]
    ) -> Job:
        """The photos nearest these in code space: ~70 ms at 100k photos, so in a worker (the reader queue:
        it waits for no 2-second browse read); a newer request replaces a queued one."""
        run = partial(browse_tasks.find_similar, codes=codes, photo_ids=list(photo_ids))
        return self._submit(self.reads, "Finding similar photos", run, on_done, coalesce="similar")

    def stacks(self, on_done: Callable[[Any], None]) -> Job:
        """Burst stacks (albums.stacks.LibraryStacks) on their own queue: a first computation takes seconds
        at 100k photos, and details or the map must not wait behind it. A newer request replaces a queued
        one; closing cancels a running one. A failure is logged, not shown: stacks are only a way of showing.
        """
        run = partial(tasks.load_stacks, paths=self.paths)
        return self._submit(
            self.background,
            "Finding bursts",
            run,
            on_done,
            on_error=lambda message: log.warning("burst stacks not shown: %s", message),
            cancellable=True,
            coalesce="stacks",
        )

    # -- rotation suggestions -----------------------------------------------------------------------

    def suggest_rotations(self) -> None:
        """Let the rotation model look at the photos it has not seen, then publish the suggestions
        (rotationsChanged). In chunks: each judged on a queue of its own (a reader of its own, cancellable,
        never in the way of details, the map or stacks), stored by a short job on the writer queue, then shown; a
        chunk is not started while a scan runs (the scan has the CPU; it goes on when the writer is idle).
        Asked again while a pass runs, it runs once more after it. Only suggestions: no photo is written.
        """
        if self._closed:
            return
        if self._rotations_running:
            self._rotations_again = True
            return
        self._rotations_running, self._rotations_again = True, False
        self._rotation_pass += 1
        self._rotation_step(self._rotation_pass, 0)

    def is_quiet(self, job: Job) -> bool:
        """A job the window need not show (the milliseconds that store rotation suggestions)."""
        return job in self._quiet

    def _scanning(self) -> bool:
        return any(job.cancellable for job in [self.writes.running, *self.writes.pending()] if job is not None)

    def _rotation_step(self, pass_id: int, after: int) -> None:
        if self._scanning():
            self._rotations_running, self._rotations_again = False, True  # _resume_rotations goes on
            return
        models, limit = self.rotation_models, ROTATION_CHUNK
        run = partial(tasks.suggest_rotation_chunk, paths=self.paths, models=models, after=after, limit=limit)
        self._submit(
            self.rotation_jobs,
            "Looking for sideways photos",
            run,
            partial(self._rotation_chunk_done, pass_id),
            on_error=partial(self._rotations_failed, pass_id),
            cancellable=True,
            on_cancelled=partial(self._rotations_ended, pass_id),
        )

    def _rotation_chunk_done(self, pass_id: int, chunk: tasks.RotationChunk) -> None:
        if pass_id != self._rotation_pass or not self._rotations_running:
            return  # a chunk cancelled at closing still returns what it judged: not stored
        for note in chunk.notes:
            log.warning("rotation model: %s", note)
        job = Job(
            "Saving rotation suggestions",
            partial(tasks.store_rotation_chunk, chunk=chunk),
            on_done=partial(self._rotation_chunk_stored, pass_id, chunk),
            on_error=partial(self._rotations_failed, pass_id),
            on_cancelled=partial(self._rotations_ended, pass_id),
        )
        self._quiet.add(job)
        self.writes.submit(job)

    def _rotation_chunk_stored(self, pass_id: int, chunk: tasks.RotationChunk, suggestions: dict[int, Any]) -> None:
        if suggestions != self.rotations:
            self.rotations = suggestions
            self.rotationsChanged.emit(suggestions)
        if chunk.more and pass_id == self._rotation_pass and not self._closed:
            self._rotation_step(pass_id, chunk.last_id)
        else:
            self._rotations_ended(pass_id)

    def _rotations_failed(self, pass_id: int, message: str) -> None:
        # Only suggestions: a failure is logged, never shown, and the window goes on without them.
        log.warning("rotation suggestions stopped: %s", message)
        if pass_id == self._rotation_pass:
            self._rotations_again = False
        self._rotations_ended(pass_id)

    def _rotations_ended(self, pass_id: int) -> None:
        if pass_id != self._rotation_pass or not self._rotations_running:
            return  # an earlier pass's, or this one's once more (cancelled: on_cancelled, then on_done)
        self._rotations_running = False
        if self._rotations_again:
            self.suggest_rotations()

    def _resume_rotations(self) -> None:
        if self._rotations_again and not self._rotations_running:
            self.suggest_rotations()

    # -- long writes --------------------------------------------------------------------------------

    def import_folders(self, folders: Sequence[Path]) -> Job:
        run = partial(
            tasks.import_folders, folders=list(folders), encoders=self.encoders, scan_workers=self.scan_workers
        )
        return self._submit(
            self.writes,
            "Adding photos",
            run,
            self._imported,
            on_error=self._write_failed,
            cancellable=True,
            on_cancelled=self.refresh,
        )

    def _imported(self, result: tasks.ImportResult) -> None:
        for warning in result.warnings:
            self.statusMessage.emit(warning)
        self.importFinished.emit(result)
        self.refresh()

    def recluster(
        self, method: str, k: int | None, weights: object | None, on_done: Callable[[Any], None] | None = None
    ) -> Job:
        def done(report: Any) -> None:
            self.statusMessage.emit(
                f"{report.albums} albums suggested, {report.unsorted} photos unsorted "
                f"({report.method}); your edits were kept."
            )
            if on_done:
                on_done(report)
            self.refresh()

        run = partial(tasks.recluster, method=method, k=k, weights=weights)
        return self._submit(self.writes, "Suggesting albums", run, done, on_error=self._write_failed)

    def export(
        self,
        destination: Path,
        mode: str,
        include_unsorted: bool,
        on_done: Callable[[Any], None] | None = None,
        *,
        turn_suggested: bool = False,
        with_raw: bool = False,
    ) -> Job:
        run = partial(
            tasks.export_albums,
            paths=self.paths,
            destination=destination,
            mode=mode,
            include_unsorted=include_unsorted,
            turn_suggested=turn_suggested,
            rotation_models=self.rotation_models,
            with_raw=with_raw,
        )
        return self._submit(self.files, "Exporting", run, on_done, cancellable=True)

    def _write_failed(self, message: str) -> None:
        self.errorOccurred.emit(message)
        self.refresh()

    # -- edits and undo -----------------------------------------------------------------------------

    def edit(
        self, label: str, calls: Sequence[EditCall], on_done: Callable[[list[object]], None] | None = None
    ) -> Job | None:
        """Run edits as one user action (one Undo). Queued behind a running scan: the writer is single."""
        if not calls:
            return None
        if self.writes.busy:
            self.statusMessage.emit(f"{label}: waiting for the current task to finish.")
        calls = list(calls)

        def done(results: list[object]) -> None:
            self._record_group(len(results))
            self.statusMessage.emit(label)
            if on_done:  # before the refresh: it may say what the refreshed view should select
                on_done(results)
            self.refresh()

        def failed(message: str) -> None:
            # Edits made before the failing one stay made; they still form one undo step.
            self._record_group(getattr(job, "completed", 0))
            self._write_failed(message)

        def run(ctx: Any) -> list[object]:
            try:
                return tasks.run_edits(ctx, calls)
            except Exception as error:
                job.completed = getattr(error, "completed", 0)  # type: ignore[attr-defined]
                raise

        job = Job(label, run, on_done=done, on_error=failed)
        return self.writes.submit(job)

    def _record_group(self, size: int) -> None:
        if size:
            self._undo_groups.append(size)
            self._redo_groups.clear()  # a new edit ends the redo history (the core does the same)

    def undo(self) -> Job:
        return self._undo_redo("undo", self._undo_groups, self._redo_groups)

    def redo(self) -> Job:
        return self._undo_redo("redo", self._redo_groups, self._undo_groups)

    def _undo_redo(self, action: str, source: list[int], target: list[int]) -> Job:
        # Edits made in an earlier session have no group: one at a time, as the CLI does.
        times = source.pop() if source else 1

        def done(kinds: list[str]) -> None:
            if kinds:
                target.append(len(kinds))
                verb = "Undid" if action == "undo" else "Redid"
                what = kinds[0] if len(set(kinds)) == 1 else "edits"
                self.statusMessage.emit(f"{verb} {what}" + (f" ({len(kinds)} edits)" if len(kinds) > 1 else ""))
            else:
                self.statusMessage.emit(f"Nothing to {action}.")
            self.refresh()

        run = partial(tasks.undo_redo, action=action, times=times)
        return self._submit(self.writes, action.capitalize(), run, done, on_error=self._write_failed)

    # -- closing ------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.writes.busy or self.files.busy

    def close(self, timeout_ms: int = 120_000) -> bool:
        """Cancel work, wait for the workers, then close both catalogs. False if a worker would not stop."""
        if self._closed:
            return True
        queues = (self.writes, self.reads, self.browse_reads, self.files, self.background, self.rotation_jobs)
        for queue in queues:  # every worker told first, so that they stop side by side
            queue.stop()
        stopped = all([queue.shutdown(timeout_ms) for queue in queues])
        if not stopped:
            log.error("a worker did not stop within %d ms; leaving the catalog open", timeout_ms)
            return False
        self.reader.close()
        self.browse_reader.close()
        self.catalog.close()
        self._closed = True
        return True
