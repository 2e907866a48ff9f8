"""The scan: walk → (process pool) analyse → (this process) embed → one writer → catalog.

Stages overlap: workers decode the next files while this process embeds and writes the last
batch. Every batch is one transaction, so a kill -9 leaves the catalog consistent and the next
scan resumes where this one stopped (unchanged files are not read again).
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from album_app.catalog import Catalog
from album_app.catalog.photos import (
    IndexedFile,
    KnownFile,
    apply_pairs,
    count_parts,
    known_files,
    mark_excluded,
    mark_missing,
    mark_present,
    pair_candidates,
    write_files,
)
from album_app.ingest.analyse import Analysis, analyse, init_worker
from album_app.ingest.decode import short_reason
from album_app.ingest.pairing import find_parts
from album_app.ingest.walk import ExcludedFolder, FoundFile, walk
from album_app.preprocess import InputSpec
from album_app.progress import CancelToken, ProgressCallback, RateMeter


class EncoderLike(Protocol):
    model_id: str
    spec: InputSpec

    def embed(self, pixels: np.ndarray) -> np.ndarray: ...


class ScanError(Exception):
    """The scan cannot go on (an unusable folder, a full disk); the message is meant for a person."""


@dataclass
class ScanSummary:
    """What a scan did. ``skipped`` counts files skipped now; ``still_skipped`` unchanged files skipped by an
    earlier scan (not read again: their reasons cannot have changed), so that skipped + still_skipped is
    what `status` counts as skipped under the scanned folders. ``skip_reasons`` covers both."""

    found: int = 0
    unchanged: int = 0
    indexed: int = 0
    skipped: int = 0
    still_skipped: int = 0
    parts: int = 0  # files shown as part of another item (Live Photo videos, paired RAWs, exact copies)
    indexed_parts: int = 0  # ...of the files indexed now: `indexed` counts files, indexed − this counts items
    unreadable: int = 0  # known photos that could not be read now: kept as they were, read again next scan
    missing: int = 0
    embedded: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    excluded_folders: list[dict[str, str]] = field(default_factory=list)  # {"path", "why"}: folders the app wrote

    indexed_paths: set[str] = field(default_factory=set, repr=False)  # for indexed_parts; not reported

    def as_dict(self) -> dict[str, object]:
        return {key: value for key, value in self.__dict__.items() if key != "indexed_paths"}

    def count_skip(self, reason: str) -> None:
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1


def check_roots(roots: Sequence[str | os.PathLike[str]]) -> list[Path]:
    checked = []
    for root in roots:
        path = Path(os.path.abspath(os.path.expanduser(root)))
        if not path.exists():
            raise ScanError(f"No such folder: {path}")
        if not os.access(path, os.R_OK):
            raise ScanError(f"Cannot read {path}: permission denied")
        checked.append(path)
    return checked


def scan(
    catalog: Catalog,
    roots: Sequence[str | os.PathLike[str]],
    encoder: EncoderLike | None = None,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    batch_size: int = 64,
) -> ScanSummary:
    """Index the photos under ``roots``. ``workers=0`` analyses in this process (tests, tiny jobs)."""
    started = time.monotonic()
    cancel = cancel or CancelToken()
    folders = check_roots(roots)
    summary = ScanSummary()
    excluded: list[ExcludedFolder] = []
    files = list(walk(folders, exclude={catalog.paths.root}, excluded=excluded))
    summary.found = len(files)
    summary.excluded_folders = [{"path": folder.path, "why": folder.why} for folder in excluded]
    mark_excluded(catalog, [(folder.path, folder.why) for folder in excluded])
    known = known_files(catalog, encoder.model_id if encoder else None)
    todo, back = _changed_files(files, known, summary)
    mark_present(catalog, back)

    meter = RateMeter("scan", len(todo))
    writer = _BatchWriter(catalog, encoder, summary)
    thumbnails = catalog.paths.thumbnails
    spec = encoder.spec if encoder else None
    try:
        for done, analysis in enumerate(_analyse_all(todo, spec, thumbnails, workers, cancel), start=1):
            writer.add(analysis)
            if len(writer.pending) >= batch_size:
                writer.flush()
            if progress:
                progress(meter.progress(done, analysis.path))
    except KeyboardInterrupt:
        cancel.cancel()
    finally:
        try:
            writer.flush()
        except sqlite3.OperationalError as error:
            raise ScanError(f"Cannot write to the catalog: {error} (is the disk full?)") from error
    summary.cancelled = cancel.cancelled
    if not summary.cancelled:
        summary.missing += mark_missing(catalog, folders, {f.path for f in files})
        if todo or summary.missing:  # pairs change only when files do
            candidates = pair_candidates(catalog, folders)
            apply_pairs(catalog, candidates, find_parts(candidates))
        summary.parts = count_parts(catalog, {found.path for found in files})
        summary.indexed_parts = count_parts(catalog, summary.indexed_paths) if summary.parts else 0
    summary.seconds = time.monotonic() - started
    return summary


def _changed_files(
    files: list[FoundFile], known: dict[str, KnownFile], summary: ScanSummary
) -> tuple[list[FoundFile], list[int]]:
    """(files to read, ids of missing files that are back unchanged). A file is read again when its size,
    mtime or sidecar changed, or when it was skipped for a reason that may pass (retry)."""
    todo: list[FoundFile] = []
    back: list[int] = []
    for found in files:
        old = known.get(found.path)
        if (
            old is not None and old.size == found.size and old.mtime_ns == found.mtime_ns and not old.retry
            and old.sidecar_mtime_ns == found.sidecar_mtime_ns
        ):
            summary.unchanged += 1
            if old.status == "missing":
                back.append(old.id)
            elif old.status == "skipped" and old.part_of is None:
                summary.still_skipped += 1
                summary.count_skip(old.skip_reason or "unknown")
        else:
            todo.append(found)
    return todo, back


#: With files in flight and no result for this long, the pool is taken to be stuck on a file (a decoder
#: looping or waiting forever on a hostile file, which a crash test cannot catch): its workers are killed
#: and the files in flight retried one at a time, as after a crash; the one that stalls alone is skipped.
#: Generous: a 100-megapixel photo decodes in a few seconds on a slow laptop.
STALL_S = 120.0


class _BatchWriter:
    """Embeds a batch of analysed files and writes it in one transaction."""

    def __init__(self, catalog: Catalog, encoder: EncoderLike | None, summary: ScanSummary) -> None:
        self.catalog = catalog
        self.encoder = encoder
        self.summary = summary
        self.pending: list[Analysis] = []

    def add(self, analysis: Analysis) -> None:
        self.pending.append(analysis)

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        codes = self._embed(batch)
        rows = [
            IndexedFile(
                path=analysis.path,
                size=analysis.size,
                mtime_ns=analysis.mtime_ns,
                content_hash=analysis.content_hash,
                format=analysis.format,
                skip_reason=analysis.skip_reason,
                meta=analysis.meta,
                width=analysis.width,
                height=analysis.height,
                code=codes.get(analysis.path),
                transient=analysis.transient,
                vanished=analysis.vanished,
                media_kind=analysis.media_kind,
                sidecar=analysis.sidecar,
                sidecar_mtime_ns=analysis.sidecar_mtime_ns,
            )
            for analysis in batch
        ]
        outcomes = write_files(self.catalog, rows, self.encoder.model_id if self.encoder else None)
        for analysis, outcome in zip(batch, outcomes, strict=True):
            if outcome == "indexed":
                self.summary.indexed += 1
                self.summary.indexed_paths.add(analysis.path)
            elif outcome == "missing":
                self.summary.missing += 1
            elif outcome == "kept":
                self.summary.unreadable += 1
            elif outcome == "skipped" and analysis.skip_reason:
                self.summary.skipped += 1
                self.summary.count_skip(analysis.skip_reason)

    def _embed(self, batch: list[Analysis]) -> dict[str, np.ndarray]:
        if self.encoder is None:
            return {}
        ready = [a for a in batch if a.pixels is not None and not a.skip_reason]
        if not ready:
            return {}
        codes = self.encoder.embed(np.stack([a.pixels for a in ready]))
        self.summary.embedded += len(ready)
        return {a.path: code for a, code in zip(ready, codes, strict=True)}


def _analyse_all(
    files: list[FoundFile], spec: InputSpec | None, thumbnails: Path, workers: int | None, cancel: CancelToken
) -> Iterator[Analysis]:
    """Analyses in completion order; stops handing out files once cancelled.

    A decoder that crashes its process (a native library meeting a hostile file) costs that file
    only: the pool is restarted, and the files that were in flight are retried one at a time so
    the culprit can be named and skipped.
    """
    if workers is None:
        workers = os.cpu_count() or 1
    if workers == 0 or len(files) < 4:
        for found in files:
            if cancel.cancelled:
                return
            yield analyse(found, spec, thumbnails)
        return
    queue = list(reversed(files))
    suspects: list[FoundFile] = []
    while (queue or suspects) and not cancel.cancelled:
        if suspects:
            # One at a time: whichever breaks (or stalls) a one-worker pool is the file to blame.
            found = suspects.pop()
            failed: list[tuple[FoundFile, str]] = []
            yield from _run_pool([found], 1, spec, thumbnails, cancel, failed, [])
            for culprit, why in failed:
                yield Analysis(culprit.path, culprit.size, culprit.mtime_ns, skip_reason=why,
                               sidecar=culprit.sidecar, sidecar_mtime_ns=culprit.sidecar_mtime_ns)
        else:
            batch, queue = list(reversed(queue)), []
            leftover: list[FoundFile] = []
            in_doubt: list[tuple[FoundFile, str]] = []
            yield from _run_pool(batch, workers, spec, thumbnails, cancel, in_doubt, leftover)
            suspects.extend(found for found, _why in in_doubt)
            queue = list(reversed(leftover))


def _run_pool(
    files: list[FoundFile], workers: int, spec: InputSpec | None, thumbnails: Path, cancel: CancelToken,
    failed: list[tuple[FoundFile, str]], leftover: list[FoundFile],
) -> Iterator[Analysis]:
    """Run files through a fresh pool. When it breaks or stalls, files in flight go to ``failed`` with
    the reason (one of them did it) and files not yet handed out go to ``leftover``.

    The stall clock runs from the last sign of life: a worker reporting ready (after its imports, which
    take seconds on a loaded machine) or a result. Before any worker is ready nothing can have hung.
    """
    # spawn: a forked child of a process with threads (Qt, onnxruntime) can deadlock.
    context = multiprocessing.get_context("spawn")
    ready = context.Value("i", 0)
    pending = iter(files)
    in_flight: dict[Future[Analysis], FoundFile] = {}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker, initargs=(ready,))
    alive_since: float | None = None  # the last ready report or result
    ready_seen = 0
    try:
        while True:
            while not cancel.cancelled and len(in_flight) < workers * 4:
                found = next(pending, None)
                if found is None:
                    break
                in_flight[pool.submit(analyse, found, spec, thumbnails)] = found
            if not in_flight:
                return
            done, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            now = time.monotonic()
            if ready.value != ready_seen:
                ready_seen, alive_since = ready.value, now
            if done:
                alive_since = now
            elif alive_since is not None and now - alive_since > STALL_S:
                why = f"the image decoder hung on this file (no result in {STALL_S:g} s)"
                failed.extend((found, why) for found in in_flight.values())
                leftover.extend(pending)
                in_flight.clear()
                _stop_workers(pool)
                return
            for future in done:
                found = in_flight.pop(future)
                try:
                    yield _result(future, found)
                except BrokenProcessPool:
                    why = "the image decoder crashed on this file"
                    failed.append((found, why))
                    failed.extend((other, why) for other in in_flight.values())
                    leftover.extend(pending)
                    in_flight.clear()
                    return
    finally:
        for future in in_flight:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (one is stuck in a decoder and would never return)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.join(timeout=5)


def _result(future: Future[Analysis], found: FoundFile) -> Analysis:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as error:  # analyse() never raises for a bad file; this is a last guard
        return Analysis(found.path, found.size, found.mtime_ns, skip_reason=f"internal error: {short_reason(error)}",
                        transient=True)
