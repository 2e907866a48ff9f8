"""A library's album models: train the accepted albums whose members changed, keep the rest, calibrate the ensemble.

    album-trainer albums --library LIBRARY [--all]     (see `fit_library`)

A model is retrained only when its *fingerprint* (code model id + sorted member ids + settings) changes:
adding photos to one album retrains that album alone. The ensemble's ``sharpness`` (index.json) is the
softmax temperature that maximises the likelihood of held-out members' own albums, refitted whenever a
model changes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from album_app.models.album_ae import (
    INDEX_NAME,
    AlbumModelError,
    AlbumModels,
    album_models_dir,
    model_path,
    read_album_model_info,
)
from trainer.io import atomic_path

from .export import export_album_ae
from .model import DEFAULT_CONFIG, AlbumAE, AlbumAEConfig, fingerprint


@dataclass
class AlbumFitReport:
    trained: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)  # fingerprint unchanged: not retrained
    removed: list[int] = field(default_factory=list)  # no longer accepted, or too small now
    too_small: list[int] = field(default_factory=list)
    sharpness: float = 1.0
    seconds: float = 0.0


def fit_album_models(
    directory: str | os.PathLike[str],
    albums: Mapping[int, Sequence[int]],
    photo_ids: np.ndarray,
    codes: np.ndarray,
    code_model_id: str,
    *,
    config: AlbumAEConfig = DEFAULT_CONFIG,
    mean: np.ndarray | None = None,
    retrain_all: bool = False,
    log: bool = False,
) -> AlbumFitReport:
    """Bring ``directory`` in line with ``albums`` ({album id: member photo ids}): train the albums whose
    member set (fingerprint) changed, keep the rest, delete models of albums no longer given, recalibrate."""
    begin = time.perf_counter()
    threads = torch.get_num_threads()
    # A 4-layer MLP on a few hundred rows: every op is tiny, and more threads only add synchronisation
    # (measured: 2 threads on 2 busy cores made a fit 50x slower than 1).
    torch.set_num_threads(1)
    try:
        return _fit_album_models(
            directory, albums, photo_ids, codes, code_model_id, config, mean, retrain_all, log, begin
        )
    finally:
        torch.set_num_threads(threads)


def _fit_album_models(
    directory: str | os.PathLike[str],
    albums: Mapping[int, Sequence[int]],
    photo_ids: np.ndarray,
    codes: np.ndarray,
    code_model_id: str,
    config: AlbumAEConfig,
    mean: np.ndarray | None,
    retrain_all: bool,
    log: bool,
    begin: float,
) -> AlbumFitReport:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    photo_ids = np.asarray(photo_ids, np.int64)
    codes = np.asarray(codes, np.float32)
    row_of = {int(p): i for i, p in enumerate(photo_ids.tolist())}
    mean = np.asarray(codes.mean(axis=0) if mean is None else mean, np.float32)
    report = AlbumFitReport()
    wanted: set[int] = set()
    pending: list[tuple[int, list[int], list[int], AlbumAE]] = []
    pooled_logs: list[np.ndarray] = []
    for album_id, members in sorted(albums.items()):
        rows = [row_of[int(m)] for m in members if int(m) in row_of]
        member_ids = [int(photo_ids[r]) for r in rows]
        path = model_path(directory, album_id)
        if len(rows) < config.min_members:
            report.too_small.append(int(album_id))
            continue
        wanted.add(int(album_id))
        kept = None if retrain_all else kept_heldout_errors(path, fingerprint(member_ids, code_model_id, config))
        if kept is not None:
            report.kept.append(int(album_id))
            pooled_logs.append(np.log(kept or [1.0]))
            continue
        ae = AlbumAE(config).fit(codes[rows], mean)
        pending.append((int(album_id), rows, member_ids, ae))
        pooled_logs.append(np.log(np.maximum(ae.heldout_errors_, 1e-8)))
    # The pooled threshold: the same quantile of every album's held-out log errors, each album weighted
    # equally (a 1000-photo album must not set the bar for a 6-photo one alone).
    pooled = _pooled_threshold(pooled_logs, config.threshold_quantile)
    for album_id, rows, member_ids, ae in pending:
        ae.pool(pooled)
        export_album_ae(
            ae,
            model_path(directory, album_id),
            album_id=album_id,
            code_model_id=code_model_id,
            member_ids=member_ids,
            parity_codes=codes[rows[:64]],
        )
        report.trained.append(album_id)
        if log:
            print(
                f"album {album_id}: {len(rows)} photos, held-out log error {ae.loc_:.2f} ± {ae.temperature_:.2f}, "
                f"threshold {ae.threshold_:.3g}",
                file=sys.stderr,
            )
    for path in directory.glob("*.onnx"):
        if path.stem.isdigit() and int(path.stem) not in wanted:
            path.unlink()
            report.removed.append(int(path.stem))
    report.sharpness = calibrate_sharpness(directory, photo_ids, codes, code_model_id)
    write_index(
        directory,
        {
            "code_model_id": code_model_id,
            "sharpness": report.sharpness,
            "pooled_threshold": pooled,
            "albums": sorted(wanted),
            "config": asdict(config),
        },
    )
    report.seconds = time.perf_counter() - begin
    return report


def kept_heldout_errors(path: Path, expected: str) -> list[float] | None:
    """The held-out errors of the model at ``path`` when it was trained on what ``expected`` fingerprints (it
    is kept); None when it must be trained (absent, unreadable, or trained on something else)."""
    if not path.is_file():
        return None
    try:
        info = read_album_model_info(path)
    except AlbumModelError:
        return None  # unreadable: retrain it
    if info.fingerprint != expected:
        return None
    return list(json.loads(info.extra.get("heldout", "{}")).values())


def _pooled_threshold(logs: list[np.ndarray], quantile: float) -> float:
    if not logs:
        return 1.0
    weights = np.concatenate([np.full(len(x), 1.0 / max(len(x), 1)) for x in logs])
    values = np.concatenate(logs)
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(np.exp(values[order][min(np.searchsorted(cumulative, quantile), len(values) - 1)]))


def calibrate_sharpness(
    directory: Path, photo_ids: np.ndarray, codes: np.ndarray, code_model_id: str, *, normalise: bool = False
) -> float:
    """The softmax temperature that makes held-out members' own albums most likely (1.0 with < 2 albums)."""
    models = AlbumModels.load(directory, code_model_id)
    models.scorer.normalise = normalise
    if len(models) < 2:
        return 1.0
    row_of = {int(p): i for i, p in enumerate(np.asarray(photo_ids).tolist())}
    rows, own, own_errors = [], [], []
    for column, info in enumerate(models.infos):
        for photo, error in json.loads(info.extra.get("heldout", "{}")).items():
            if int(photo) in row_of:
                rows.append(row_of[int(photo)])
                own.append(column)
                own_errors.append(float(error))
    if not rows:
        return 1.0
    errors = models.errors(codes[rows])
    errors[np.arange(len(rows)), own] = own_errors  # its own album's model never saw it
    scores = models.scorer.scores(errors)
    best, best_nll = 1.0, np.inf
    for sharpness in np.exp(np.linspace(np.log(0.05), np.log(20.0), 61)):
        logits = -scores / sharpness
        logits = logits - logits.max(axis=1, keepdims=True)
        nll = float(np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(len(rows)), own]))
        if nll < best_nll:
            best, best_nll = float(sharpness), nll
    return best


def write_index(directory: Path, value: dict[str, object]) -> None:
    with atomic_path(directory / INDEX_NAME) as tmp:
        tmp.write_text(json.dumps(value, indent=1, sort_keys=True))


def fit_library(
    library: str | os.PathLike[str],
    *,
    retrain_all: bool = False,
    threads: int = 1,
    config: AlbumAEConfig = DEFAULT_CONFIG,
) -> AlbumFitReport:
    """Album models for a library's accepted (locked) albums, from its catalog (opened read-only)."""
    from album_app.catalog import Catalog, CatalogError
    from album_app.catalog.codes import active_model, load_codes
    from album_app.catalog.extras import accepted_album_members
    from album_app.library import resolve_library

    torch.set_num_threads(max(1, threads))
    paths = resolve_library(library)
    with Catalog(paths, writer=False) as catalog:
        model = active_model(catalog)
        if model is None:
            raise CatalogError("No photos have been embedded yet: scan a folder first (album-app scan FOLDER).")
        ids, codes = load_codes(catalog, model.id)
        accepted = accepted_album_members(catalog)
    if not ids:
        raise CatalogError("No codes in the catalog for the model in use: scan first.")
    return fit_album_models(
        album_models_dir(paths.models),
        accepted,
        np.asarray(ids),
        codes,
        model.id,
        config=config,
        retrain_all=retrain_all,
        log=True,
    )
