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
from album_app.catalog.photos import IndexedFile, known_files, mark_missing, mark_present, write_files
from album_app.ingest.analyse import Analysis, analyse, init_worker
from album_app.ingest.walk import FoundFile, walk
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
    found: int = 0
    unchanged: int = 0
    indexed: int = 0
    skipped: int = 0
    missing: int = 0
    embedded: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


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
    files = list(walk(folders))
    summary.found = len(files)
    known = known_files(catalog, encoder.model_id if encoder else None)
    todo: list[FoundFile] = []
    back: list[int] = []
    for found in files:
        old = known.get(found.path)
        if old and old.size == found.size and old.mtime_ns == found.mtime_ns:
            summary.unchanged += 1
            if old.status == "missing":
                back.append(old.id)
        else:
            todo.append(found)
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
        summary.missing = mark_missing(catalog, folders, {f.path for f in files})
    summary.seconds = time.monotonic() - started
    return summary


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
        rows = []
        for analysis in batch:
            if analysis.skip_reason:
                self.summary.skipped += 1
                self.summary.skip_reasons[analysis.skip_reason] = (
                    self.summary.skip_reasons.get(analysis.skip_reason, 0) + 1
                )
            else:
                self.summary.indexed += 1
            rows.append(
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
                )
            )
        write_files(self.catalog, rows, self.encoder.model_id if self.encoder else None)

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
            yield analyse(found.path, found.size, found.mtime_ns, spec, thumbnails)
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
                yield Analysis(culprit.path, culprit.size, culprit.mtime_ns, skip_reason=why)
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
    the reason (one of them did it) and files not yet handed out go to ``leftover``."""
    # spawn: a forked child of a process with threads (Qt, onnxruntime) can deadlock.
    context = multiprocessing.get_context("spawn")
    pending = iter(files)
    in_flight: dict[Future[Analysis], FoundFile] = {}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker)
    last_result = time.monotonic()
    try:
        while True:
            while not cancel.cancelled and len(in_flight) < workers * 4:
                found = next(pending, None)
                if found is None:
                    break
                in_flight[pool.submit(analyse, found.path, found.size, found.mtime_ns, spec, thumbnails)] = found
            if not in_flight:
                return
            done, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            if done:
                last_result = time.monotonic()
            elif time.monotonic() - last_result > STALL_S:
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
        return Analysis(found.path, found.size, found.mtime_ns, skip_reason=f"internal error: {error}")
