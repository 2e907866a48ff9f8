"""What the worker threads run: the same core calls the CLI makes, with progress and cancel wired in.

Every function here takes a JobContext first and runs off the GUI thread; none touches a widget.
The heavier services (clustering pulls in scikit-learn: seconds) are imported inside the functions
that use them, so the window opens without waiting for them; the types are imported for annotations only.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from album_app.catalog import Catalog, extras, views
from album_app.catalog import albums as album_rows
from album_app.catalog.codes import active_model, load_codes, model_history
from album_app.gui.snapshot import UNSORTED_NAME, AlbumEntry, LibrarySnapshot, ModelInfo
from album_app.gui.workers import JobContext
from album_app.library import LibraryPaths
from album_app.progress import Progress, RateMeter

if TYPE_CHECKING:
    from album_app.albums.features import FusionWeights
    from album_app.catalog.codes import ModelRecord
    from album_app.ingest.scan import ScanSummary
    from album_app.models.encoder import Encoder
    from album_app.models.rotation import RotationModel
    from album_app.services.clustering import ClusterReport
    from album_app.services.export import ExportReport
    from album_app.services.stacks import LibraryStacks


# -- reading ------------------------------------------------------------------------------------------


def load_snapshot(ctx: JobContext) -> LibrarySnapshot:
    catalog: Catalog = ctx.catalog
    photos = views.photo_summaries(catalog)
    position = photos.position
    entries: list[AlbumEntry] = []
    for album in album_rows.load_albums(catalog, include_rejected=False):
        members = sorted((p for p in album.members if p in position), key=position.__getitem__)
        cover = album.cover_id if album.cover_id in position else (members[0] if members else None)
        entries.append(
            AlbumEntry(
                id=album.id,
                name=album.display_name,
                place=album.place,
                start_at=album.start_at,
                end_at=album.end_at,
                locked=album.locked,
                suggested=not album.touched,
                members=members,
                kind=album.kind,
                period=album.period,
                sections=album.sections,
                cover_hash=photos.content_hashes[position[cover]] if cover is not None else None,
                cover_path=photos.paths[position[cover]] if cover is not None else None,
            )
        )
    unsorted = sorted((p for p in album_rows.unsorted_photo_ids(catalog) if p in position), key=position.__getitem__)
    entries.append(AlbumEntry(id=None, name=UNSORTED_NAME, members=unsorted, suggested=False))
    record = active_model(catalog)
    snapshot = LibrarySnapshot(
        albums=entries,
        photos=photos,
        edits=views.edit_state(catalog),
        model=_model_info(record) if record else None,
        clustered=views.placed_count(catalog),
    )
    snapshot.album_of_photo()  # the 100k-entry index is built here, not on the GUI thread
    return snapshot


def load_weights(ctx: JobContext) -> FusionWeights:
    """The saved fusion weights."""
    from album_app.services.settings import load_weights as saved_weights

    return saved_weights(ctx.catalog)


def _model_info(record: ModelRecord) -> ModelInfo:
    return ModelInfo(record.id, record.path, record.source, record.added_at, dict(record.summary))


def load_details(ctx: JobContext, photo_id: int) -> views.PhotoDetails | None:
    details = views.photo_details(ctx.catalog, photo_id)
    if details is None:
        return None
    from album_app.catalog.albums import load_albums
    from album_app.services.album_opinion import why_for_photo

    top = why_for_photo(ctx.catalog, photo_id)
    if not top:
        return details
    names = {album.id: album.display_name for album in load_albums(ctx.catalog)}
    return replace(details, by_look=tuple((names.get(a, f"Album {a}"), float(p)) for a, p in top))


def load_stacks(ctx: JobContext, paths: LibraryPaths) -> LibraryStacks:
    """The library's burst stacks, from a reader Catalog of its own.

    Cached in the core while the codes and times it reads stay the same, so asking after every snapshot is
    cheap; the first computation takes seconds at 100k photos, so it runs on a queue of its own (details and
    the map never wait for it) and stops at the job's cancel token (closing the window stops it at once).
    """
    from album_app.services.stacks import library_stacks

    with Catalog(paths, writer=False) as catalog:
        return library_stacks(catalog, cancel=ctx.cancel)


@dataclass
class ModelPanelData:
    active: ModelInfo | None
    history: list[ModelInfo] = field(default_factory=list)


def load_models(ctx: JobContext) -> ModelPanelData:
    record = active_model(ctx.catalog)
    return ModelPanelData(_model_info(record) if record else None, [_model_info(r) for r in model_history(ctx.catalog)])


# -- the library map ----------------------------------------------------------------------------------


def pca_2d(codes: np.ndarray) -> np.ndarray:
    """2-D principal-component projection scaled into [0, 1]² (robustly: 1st–99th percentile).

    The SVD is of the d×d scatter matrix, not of the n×d codes: the same axes, and cheap at 100k photos.
    Signs are fixed (largest loading positive) so the map does not flip between reloads.
    """
    n = len(codes)
    if n == 0:
        return np.zeros((0, 2))
    x = np.asarray(codes, dtype=np.float64)
    x = x - x.mean(axis=0)
    if n < 3 or not np.any(x):
        return np.full((n, 2), 0.5)
    axes, _, _ = np.linalg.svd(x.T @ x)
    axes = axes[:, :2]
    axes *= np.sign(axes[np.abs(axes).argmax(axis=0), [0, 1]])
    xy = x @ axes
    low, high = np.percentile(xy, 1, axis=0), np.percentile(xy, 99, axis=0)
    span = np.where(high - low > 1e-12, high - low, 1.0)
    return np.clip((xy - low) / span, -0.05, 1.05)


@dataclass
class MapData:
    photo_ids: np.ndarray  # (n,) int64
    xy: np.ndarray  # (n, 2) in about [0, 1]
    labels: np.ndarray  # (n,) index into album_ids; -1 for Unsorted
    album_ids: list[int]  # in sidebar order, so colours match the sidebar's
    content_hashes: list[str | None]


def load_map(ctx: JobContext, snapshot: LibrarySnapshot) -> MapData:
    """Codes from the model in use → PCA; labels from the album membership the window shows."""
    ctx.progress(Progress("map", 0, 1, 0.0, None))
    record = active_model(ctx.catalog)
    ids, codes = load_codes(ctx.catalog, record.id) if record else ([], np.zeros((0, 0), dtype=np.float32))
    ctx.check()  # closing the window need not wait for the PCA of 100k codes
    album_ids = [a.id for a in snapshot.albums if a.id is not None]
    index_of = {album_id: i for i, album_id in enumerate(album_ids)}
    members = snapshot.album_of_photo()
    labels = np.array([index_of.get(members.get(p), -1) for p in ids], dtype=np.int64)
    photos = snapshot.photos
    hashes = [photos.content_hashes[w] if (w := photos.position.get(p)) is not None else None for p in ids]
    xy = pca_2d(codes)
    ctx.progress(Progress("map", 1, 1, 0.0, None))
    return MapData(np.asarray(ids, dtype=np.int64), xy, labels, album_ids, hashes)


# -- writing (the writer queue) -------------------------------------------------------------------------


class EncoderCache:
    """The encoder is loaded once per window (an ONNX session is slow to build), on the writer thread."""

    def __init__(self) -> None:
        self._encoder: Encoder | None = None

    def get(self, catalog: Catalog) -> tuple[Encoder, list[str]]:
        if self._encoder is not None:
            return self._encoder, []
        from album_app.models.active import open_active_encoder

        self._encoder, warnings = open_active_encoder(catalog)
        return self._encoder, list(warnings)


@dataclass
class ImportResult:
    summary: ScanSummary
    embedded: int = 0
    report: ClusterReport | None = None  # None when not clustered
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False


def import_folders(
    ctx: JobContext, folders: Sequence[Path], encoders: EncoderCache, scan_workers: int | None = None
) -> ImportResult:
    """Scan → embed what still lacks a code → place new photos into albums (or cluster from scratch)."""
    from album_app.ingest.reembed import embed_pending
    from album_app.ingest.scan import scan

    catalog: Catalog = ctx.catalog
    encoder, warnings = encoders.get(catalog)
    summary = scan(catalog, list(folders), encoder, workers=scan_workers, progress=ctx.progress, cancel=ctx.cancel)
    result = ImportResult(summary, warnings=warnings)
    if ctx.cancel.cancelled or summary.cancelled:
        result.cancelled = True
        return result
    result.embedded = embed_pending(catalog, encoder, progress=ctx.progress, cancel=ctx.cancel)
    if ctx.cancel.cancelled:
        result.cancelled = True
        return result
    from album_app.services import clustering

    ctx.progress(Progress("cluster", 0, 0, 0.0, None))
    # update() places photos never clustered; a library never clustered gets the full clustering.
    result.report = clustering.update(catalog) if views.placed_count(catalog) else clustering.recluster(catalog)
    return result


def recluster(ctx: JobContext, method: str, k: int | None, weights: FusionWeights | None) -> ClusterReport:
    from album_app.services import clustering
    from album_app.services.settings import save_weights

    ctx.progress(Progress("cluster", 0, 0, 0.0, None))
    if weights is not None:
        save_weights(ctx.catalog, weights)
    return clustering.recluster(ctx.catalog, method=method, k=k, weights=weights)


@dataclass(frozen=True)
class EditCall:
    """One call of services.edits: ``edits.<name>(catalog, *args)``."""

    name: str
    args: tuple[object, ...] = ()


def run_edits(ctx: JobContext, calls: Sequence[EditCall]) -> list[object]:
    """Several edits as one user action (e.g. moving ten photos); stops at the first that fails.

    The ones already made stay made (each is its own logged edit), and the caller counts them so
    that a single Undo takes back the whole action.
    """
    from album_app.services import edits

    results = []
    for call in calls:
        try:
            results.append(getattr(edits, call.name)(ctx.catalog, *call.args))
        except Exception as error:
            error.completed = len(results)  # type: ignore[attr-defined]
            raise
    return results


def undo_redo(ctx: JobContext, action: str, times: int) -> list[str]:
    """Undo (or redo) ``times`` logged edits; returns the kinds of edit taken back."""
    from album_app.services import edits

    function = edits.undo if action == "undo" else edits.redo
    kinds = []
    for _ in range(times):
        record = function(ctx.catalog)
        if record is None:
            break
        kinds.append(record.kind)
    return kinds


def export_albums(
    ctx: JobContext,
    paths: LibraryPaths,
    destination: Path,
    mode: str,
    include_unsorted: bool,
    turn_suggested: bool = False,
    rotation_models: RotationModels | None = None,
    with_raw: bool = False,
) -> ExportReport:
    """Albums to folders, read from a reader Catalog of its own (export never needs the writer).
    ``turn_suggested``: photos the rotation model says are sideways are written as turned copies (those it
    has not looked at yet, if any, are looked at first, not stored). Live Photo videos go with their
    photos; ``with_raw``: the RAW of each RAW+JPEG pair goes beside its JPEG too."""
    from album_app.services.export import UNSORTED, ExportAlbum, export
    from album_app.services.export_items import export_parts

    turns: dict[str, int] | None = None
    with Catalog(paths, writer=False) as catalog:
        if turn_suggested:
            from album_app.services.rotations import export_turns

            model, _ = (rotation_models or RotationModels()).get(paths)
            turns = export_turns(catalog, model, progress=ctx.progress)
        where = album_rows.photo_paths(catalog)
        albums = [
            ExportAlbum(a.id, a.display_name, [where[p] for p in a.members if p in where])
            for a in album_rows.load_albums(catalog, include_rejected=False)
        ]
        if include_unsorted:
            albums.append(ExportAlbum(None, UNSORTED, [where[p] for p in album_rows.unsorted_photo_ids(catalog)]))
        parts = export_parts(catalog, with_raw=with_raw)
    total = sum(len(a.photos) + sum(len(parts.get(photo, ())) for photo in a.photos) for a in albums)
    meter = RateMeter("export", total)

    def progress(done: int, _total: int) -> None:
        ctx.progress(meter.progress(done))
        ctx.check()  # Cancel stops between files: the export's journal lets the next run take over its work

    return export(albums, destination, mode, progress=progress, turns=turns, parts=parts)


# -- rotation suggestions (the background queue reads and judges, the writer queue stores) -------------


class RotationModels:
    """The library's rotation model (albums.rotation.RotationModel.for_library), loaded once and again only
    when the library's own model file changes (the trainer publishes a new one while the window is open)."""

    def __init__(self) -> None:
        self._key: object = None
        self._loaded: tuple[RotationModel, list[str]] | None = None
        self._lock = threading.Lock()  # the background and files queues may both ask

    def get(self, paths: LibraryPaths) -> tuple[RotationModel, list[str]]:
        from album_app.models.rotation import RotationModel, library_rotation_model_path

        try:
            stat = library_rotation_model_path(paths).stat()
            key: object = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = None
        with self._lock:
            if self._loaded is None or key != self._key:
                self._loaded, self._key = RotationModel.for_library(paths), key
            return self._loaded


@dataclass
class RotationChunk:
    """The rotation model's answers for one chunk of photos it had not looked at (not stored yet)."""

    model_id: str
    min_confidence: float
    rows: list[tuple[int, int, float]]  # (photo id, clockwise quarter turns, confidence)
    last_id: int  # the next chunk starts after this photo
    more: bool  # photos are left for a next chunk
    notes: list[str] = field(default_factory=list)


def suggest_rotation_chunk(
    ctx: JobContext, paths: LibraryPaths, models: RotationModels, after: int, limit: int
) -> RotationChunk:
    """Judge up to ``limit`` photos (ids above ``after``) the rotation model has not looked at, from a reader
    Catalog of its own; stops at the job's cancel token, returning what it judged. Nothing is written."""
    from album_app.services.rotations import judge_photos

    model, notes = models.get(paths)
    with Catalog(paths, writer=False) as catalog:
        pending = extras.photos_without_rotation(catalog, model.model_id, limit + 1, after=after)
    found = judge_photos(model, pending[:limit], cancel=ctx.cancel, progress=ctx.progress)
    more = len(pending) > limit and not found.cancelled
    return RotationChunk(model.model_id, model.min_confidence, found.rows, found.last_id, more, list(notes))


def store_rotation_chunk(ctx: JobContext, chunk: RotationChunk) -> dict[int, extras.RotationRow]:
    """Store a chunk's answers (writer queue: one short transaction); returns the suggestions to show now
    (photo id -> row; at or above the model's min_confidence, not dismissed)."""
    from album_app.services.rotations import current_suggestions

    if chunk.rows:
        with ctx.catalog.transaction() as conn:
            extras.store_rotations(conn, chunk.model_id, chunk.rows)
    return current_suggestions(ctx.catalog, chunk.model_id, chunk.min_confidence)
