"""A library's own rotation model: fine-tune on its photos, publish it only if it is as accurate.

    album-trainer rotation --library LIB [--minutes 10] [--threads 1] [--seed 0]

The library's own photos (read from the catalog read-only, pixels from its thumbnail cache, which holds
them upright) fine-tune the bundled model (`base_weights`: the weights read back out of its ONNX file, the
one file the app ships, checked to reproduce its logits; else a fresh network). The bundled model and the
new one are measured on the same held-out photos (`album_app.models.rotation.is_holdout`, never trained
on), each turned at random (`holdout_turn`) and at all four turns; the new one is published as
LIBRARY/models/rotation.onnx (written as .partial, read back by the app's loader, renamed) only when it is
at least as accurate as the bundled one, and as the library's current one when there is one, over the four
turns (GATE_KEYS: the expected accuracy under random turns, without the draw). Every step is a JSON line on
stdout and in LIBRARY/logs/trainer.log (trainer.io.JsonLines).

The network, its augmentations, the training loop, the export and the ``min_confidence`` calibration are
rotation/net.py's and rotation/train.py's.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch
from PIL import Image

from album_app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from album_app.library import LibraryPaths, resolve_library
from album_app.models.rotation import (
    RotationModel,
    RotationModelError,
    holdout_turn,
    is_holdout,
    library_rotation_model_path,
    turn_figures,
)
from album_app.preprocess import InputSpec, center_square, model_pixels, to_rgb
from trainer.encoder.data import PhotoRef
from trainer.io import LOG_FILE, JsonLines
from trainer.onnx import weights_from_onnx
from trainer.signals import StopFlag

from .net import CACHE, SIZE, RotationNet, calibrate_min_confidence, evaluate, export, to_input
from .train import (
    FRESH_LR,
    MIN_HELDOUT,
    MIN_TRAIN,
    RotationTrainer,
    fit_rotation,
    rotation_settings,
    row_weights,
)

#: What the publish gate compares: accuracy over the held-out photos at all four turns, which is the
#: expected accuracy over random turns without the luck of the draw (80 held-out photos, the same two
#: models: one random turn each put the bundled model 1 photo ahead, 2 behind, level under turn seeds
#: 0, 1, 2). The one-random-turn figure ("accuracy") is measured and reported beside it.
GATE_KEYS = ("accuracy_4way",)
FINE_TUNE_LR, FINE_TUNE_WARMUP = 1e-3, 20  # a third of FRESH_LR, reached after 20 steps


# --- where a fine-tune starts ----------------------------------------------------------------------


def base_weights(model: RotationNet, bundled: RotationModel, probe: np.ndarray) -> tuple[bool, str]:
    """Load ``model`` with the bundled model's weights, read back out of its ONNX file (trainer/onnx.py
    `weights_from_onnx`, as the encoder's fit does), if they reproduce its logits on ``probe`` pixels. Returns
    whether they did and a sentence saying where the weights came from (or why a fresh network trains)."""
    try:
        difference = weights_from_onnx(bundled.path, model, to_input(probe, bundled.spec).numpy())
    except ValueError as error:
        return False, str(error)
    return True, f"read back from {bundled.path} (reproduce its logits: max |diff| {difference:.2g})"


# --- a library's own model -----------------------------------------------------------------------


@dataclass
class LibraryPhotos:
    """A library's decoded photos: training squares, the app's view of each, and the split."""

    names: list[str]  # file paths (the hold-out and the test turn hash the file name)
    cache: np.ndarray  # (N, CACHE, CACHE, 3) uint8 upright centre squares (random crops come from these)
    pixels: np.ndarray  # (N, SIZE, SIZE, 3) uint8: what the app feeds the model (centre square at SIZE)
    held: np.ndarray  # (N,) bool, `is_holdout`
    groups: list[str]  # folder of each photo (sampling weights)

    def describe(self) -> dict[str, int]:
        return {"photos": len(self.names), "train": int((~self.held).sum()), "held_out": int(self.held.sum())}


def load_library(paths: LibraryPaths, *, max_photos: int | None, seed: int, threads: int) -> tuple[LibraryPhotos, int]:
    """Read the catalog (read-only, one short visit) and decode its indexed photos upright, from the
    thumbnail cache when it is big enough (the scan stores them with EXIF orientation applied), else from
    the original. Returns the photos and how many could not be read."""
    from album_app.catalog.training import read_training_snapshot
    from trainer.fit.library_data import load_cached, stable_unit

    photos = list(read_training_snapshot(paths).photos)
    if max_photos is not None and len(photos) > max_photos:
        # A stable sample (by content), as the encoder's fit takes it.
        photos = sorted(photos, key=lambda p: stable_unit(p.content_hash or str(p.id), seed + 1))[:max_photos]
        photos.sort(key=lambda p: p.id)
    spec = InputSpec(size=SIZE)

    def one(photo: Any) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            image = load_cached(
                paths, PhotoRef(photo.path, photo.orientation), photo.content_hash, 2 * SIZE, CACHE,
                thumbnail_only=photo.thumbnail_only,
            )
            image = to_rgb(image)
            square = center_square(image).resize((CACHE, CACHE), Image.Resampling.BILINEAR)
            return np.asarray(square, np.uint8), model_pixels(image, spec)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            return None  # vanished or unreadable since the scan

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        decoded = list(pool.map(one, photos))
    kept = [i for i, item in enumerate(decoded) if item is not None]
    names = [photos[i].path for i in kept]
    empty = np.zeros((0, CACHE, CACHE, 3), np.uint8), np.zeros((0, SIZE, SIZE, 3), np.uint8)
    cache = np.stack([decoded[i][0] for i in kept]) if kept else empty[0]  # type: ignore[index]
    pixels = np.stack([decoded[i][1] for i in kept]) if kept else empty[1]  # type: ignore[index]
    held = np.array([is_holdout(name) for name in names], bool)
    groups = [str(Path(name).parent) for name in names]
    return LibraryPhotos(names, cache, pixels, held, groups), len(photos) - len(kept)


def _rounded(figures: dict[str, float]) -> dict[str, float]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()}


def _worse(new: dict[str, float], old: dict[str, float], min_gain: float) -> list[str]:
    """What makes ``new`` less accurate than ``old`` (empty: at least as accurate, by ``min_gain``)."""
    return [
        f"{key} {new[key]:.3f} < {old[key]:.3f}{f' + {min_gain:g}' if min_gain else ''}"
        for key in GATE_KEYS
        if new[key] < old[key] + min_gain - 1e-12
    ]


def train_library(
    library: str | os.PathLike[str] | None,
    *,
    minutes: float = 10.0,
    threads: int = 1,
    seed: int = 0,
    fresh: bool = False,
    lr: float | None = None,
    batch_size: int = 128,
    max_photos: int | None = 10_000,
    max_steps: int | None = None,
    min_gain: float = 0.0,
    log_every_s: float = 20.0,
    stream: TextIO | None = None,
) -> int:
    """`album-trainer rotation --library`: the whole job (module docstring); returns the exit code.

    ``minutes`` is the job's wall clock: decoding, training, measuring and exporting all fit in it.
    ``min_gain``: the new model must beat every model it would replace by this much (0: tie or better).
    """
    paths = resolve_library(library)
    if not paths.catalog.exists():
        print(f"album-trainer rotation: no catalog at {paths.catalog} (scan a folder first)", file=sys.stderr)
        return EXIT_ERROR
    out = JsonLines(stream, paths.logs / LOG_FILE, tag={"job": "rotation"})  # trainer.log is shared with the fit
    emit = out.emit
    try:
        with StopFlag() as stop:
            settings = JobSettings(
                minutes, threads, seed, fresh, lr, batch_size, max_photos, max_steps, min_gain, log_every_s
            )
            return _train_library(paths, emit, stop, settings)
    except Exception as error:
        emit({"type": "error", "message": f"{type(error).__name__}: {error}"})
        print(f"album-trainer rotation: {error}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        out.close()


@dataclass(frozen=True)
class JobSettings:
    """`train_library`'s settings (its docstring)."""

    minutes: float
    threads: int
    seed: int
    fresh: bool
    lr: float | None
    batch_size: int
    max_photos: int | None
    max_steps: int | None
    min_gain: float
    log_every_s: float


@dataclass
class HeldOut:
    """The held-out photos every model is measured on: the app's pixels of each, and its test turn."""

    rows: np.ndarray
    pixels: np.ndarray
    turns: np.ndarray


def rival_models(paths: LibraryPaths, threads: int, emit: Callable[[dict[str, Any]], None]) -> dict[str, RotationModel]:
    """The models a new one must be as accurate as: the bundled one, and the library's own when it reads."""
    rivals = {"bundled": RotationModel.load(None, threads)}
    own_path = library_rotation_model_path(paths)
    if own_path.exists():
        try:
            rivals["library"] = RotationModel.load(own_path, threads)
        except RotationModelError as error:
            emit({"type": "note", "message": f"{error}: the app ignores it; a new model replaces it"})
    return rivals


def split(photos: LibraryPhotos, seed: int) -> tuple[np.ndarray, HeldOut]:
    """Training rows and the held-out set; ValueError when either is too small to mean anything."""
    train_rows, held_rows = np.flatnonzero(~photos.held), np.flatnonzero(photos.held)
    if len(train_rows) < MIN_TRAIN or len(held_rows) < MIN_HELDOUT:
        raise ValueError(
            f"too few photos: {len(train_rows)} to train on (need {MIN_TRAIN}), {len(held_rows)} held out "
            f"(need {MIN_HELDOUT}; about 1 in 10 photos is held out by its file name)"
        )
    turns = np.array([holdout_turn(photos.names[r], seed) for r in held_rows])
    return train_rows, HeldOut(held_rows, photos.pixels[held_rows], turns)


def start_network(bundled: RotationModel, held: HeldOut, fresh: bool) -> tuple[RotationNet, bool, str]:
    """The network to train, whether it holds the bundled model's weights, and a sentence saying so."""
    model = RotationNet()
    tuned, origin = (False, "--fresh") if fresh else base_weights(model, bundled, held.pixels[:16])
    if tuned:
        return model, True, f"fine-tuning the bundled model {bundled.model_id}: weights {origin}"
    return model, False, f"starting from a fresh network ({origin})"


def _train_library(
    paths: LibraryPaths, emit: Callable[[dict[str, Any]], None], stop: StopFlag, job: JobSettings
) -> int:
    began = time.perf_counter()
    torch.set_num_threads(max(1, job.threads))
    torch.manual_seed(job.seed)
    rng = np.random.default_rng(job.seed)
    rivals = rival_models(paths, job.threads, emit)
    bundled = rivals["bundled"]
    photos, unreadable = load_library(paths, max_photos=job.max_photos, seed=job.seed, threads=job.threads)
    if unreadable:
        emit({"type": "note", "message": f"{unreadable} photos could not be read and are left out"})
    train_rows, held = split(photos, job.seed)
    figures = {name: _rounded(turn_figures(model, held.pixels, held.turns)) for name, model in rivals.items()}
    model, tuned, origin_note = start_network(bundled, held, job.fresh)
    lr = job.lr if job.lr is not None else (FINE_TUNE_LR if tuned else FRESH_LR)
    load_s = time.perf_counter() - began
    # Measuring both models and exporting take a few seconds per thousand held-out photos, plus the export.
    train_s = max(0.0, job.minutes * 60.0 - load_s - (20.0 + 0.02 * len(held.rows)))
    emit(
        {
            "type": "start",
            "library": str(paths.catalog),
            "data": photos.describe(),
            "folders": len(set(photos.groups)),
            "base": "bundled" if tuned else "fresh",
            "base_model": bundled.model_id,
            "current": rivals["library"].model_id if "library" in rivals else None,
            "load_s": round(load_s, 1),
            "train_s": round(train_s, 1),
            "threads": job.threads,
            "seed": job.seed,
            "lr": lr,
            "batch_size": job.batch_size,
        }
    )
    emit({"type": "note", "message": origin_note})
    for name, rival in rivals.items():
        emit({"type": "measured", "model": name, "model_id": rival.model_id, **figures[name]})

    # Each folder gets a share of the batches that grows with the square root of its size: a folder of a
    # few camera photos beside hundreds of product shots is not drowned out, nor drawn a hundred times over.
    weights = row_weights(np.asarray(photos.groups, dtype=object)[train_rows], 0.5)
    settings = rotation_settings(
        seconds=train_s,
        lr=lr,
        batch_size=job.batch_size,
        fine_tune=tuned,
        warmup_steps=FINE_TUNE_WARMUP if tuned else 0,
        max_steps=job.max_steps,
    )
    trainer = RotationTrainer(model, photos.cache[train_rows], weights, rng, settings)
    fit_rotation(trainer, log=lambda r: emit({"type": "progress", **r}), log_every_s=job.log_every_s, stop=stop)
    if stop.requested:
        emit({"type": "stopped", "step": trainer.step, "message": "stopped before the end: nothing written"})
        return EXIT_INTERRUPTED
    summary = {
        "library": str(paths.catalog),
        "base": "bundled" if tuned else "fresh",
        "base_model": bundled.model_id,
        "photos": {"train": len(train_rows), "held_out": len(held.rows)},
        "steps": trainer.step,
        "examples_seen": trainer.step * job.batch_size,
        "minutes": round(trainer.run_seconds / 60, 2),
        "threads": job.threads,
        "seed": job.seed,
        "lr": lr,
        "bundled_held_out_accuracy": figures["bundled"]["accuracy_4way"],
        "torch": torch.__version__,
    }
    return gate_and_publish(paths, emit, trainer, held, summary, figures, job, began)


def gate_and_publish(
    paths: LibraryPaths,
    emit: Callable[[dict[str, Any]], None],
    trainer: RotationTrainer,
    held: HeldOut,
    summary: dict[str, Any],
    figures: dict[str, dict[str, float]],
    job: JobSettings,
    began: float,
) -> int:
    """Calibrate and export the new model, measure it as the app will read it, and publish it only if it is at
    least as accurate as every rival (module docstring); the partial file never stays behind."""
    model = trainer.model
    probs = evaluate(model, held.pixels, InputSpec(size=SIZE))
    min_confidence = calibrate_min_confidence(probs)
    picked = probs[np.arange(len(held.turns)), held.turns].argmax(axis=1)
    summary = {
        **summary,
        "held_out_accuracy": round(float(np.mean(probs.argmax(axis=2) == np.arange(4))), 4),
        "held_out_accuracy_random_turns": round(float(np.mean(picked == held.turns)), 4),
        "min_confidence": round(min_confidence, 4),
    }
    own_path = library_rotation_model_path(paths)
    paths.models.mkdir(parents=True, exist_ok=True)
    partial = own_path.with_name(own_path.name + ".partial")
    try:
        model_id = export(model, partial, InputSpec(size=SIZE), min_confidence, summary, held.pixels[:32], quiet=True)
        candidate = RotationModel.load(partial, job.threads)  # what the app will read, read the way it will
        new = _rounded(turn_figures(candidate, held.pixels, held.turns))
        reasons = {name: why for name, fig in figures.items() if (why := _worse(new, fig, job.min_gain))}
        record = {
            "model_id": model_id,
            "held_out": len(held.rows),
            "new": new,
            **figures,
            "steps": trainer.step,
            "minutes": round(trainer.run_seconds / 60, 2),
            "job_s": round(time.perf_counter() - began, 1),
        }
        if reasons:
            keeping = "this library's current model" if "library" in figures else "the bundled model"
            why = "; ".join(f"vs {name}: {', '.join(items)}" for name, items in reasons.items())
            reason = f"less accurate on the held-out photos ({why}); keeping {keeping}"
            emit({"type": "refused", "reason": reason, **record})
            return EXIT_OK
        os.replace(partial, own_path)
        gain = f" (with --min-gain {job.min_gain:g})" if job.min_gain else ""
        reason = f"at least as accurate on the held-out photos as {' and '.join(figures)}{gain}"
        emit({"type": "published", "path": str(own_path), "reason": reason, **record})
        return EXIT_OK
    finally:
        partial.unlink(missing_ok=True)
