"""Train the rotation suggester on upright photos turned four ways, through the one loop (trainer/loop.py).

    album-trainer rotation --data DIR [--data DIR ...] --out rotation.onnx [--minutes 10] [--threads 1]

Photos whose file-name hash puts them in the hold-out (`album_app.models.rotation.is_holdout`, about 1 in
10) are never trained on; the run ends by measuring them (every photo × 4 turns) and by calibrating
``min_confidence`` (rotation/net.py). ``--library LIB`` (a library's own model, fine-tuned from the bundled
one and published only past a hold-out gate) is the job in rotation/library.py, which builds on these.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from album_app.models.rotation import is_holdout
from album_app.preprocess import InputSpec
from trainer.encoder.data import folder_photos
from trainer.loop import Trainer
from trainer.signals import StopFlag
from trainer.train_config import TrainConfig

from .net import (
    SIZE,
    RotationNet,
    augment,
    calibrate_min_confidence,
    centre,
    evaluate,
    export,
    squares,
    to_input,
    turned,
)

MIN_TRAIN, MIN_HELDOUT = 8, 4
FRESH_LR = 3e-3  # the bundled model's rate
LR_FINAL = 0.05  # cosine decay to 5 % of the rate over the time budget
WEIGHT_DECAY = 1e-4


def row_weights(groups: np.ndarray, alpha: float) -> np.ndarray:
    """Sampling probability per row when each group (a --data folder, a library's folder) gets a share of
    the batches proportional to its size ** ``alpha``: 0 = every group equally, 1 = every photo equally."""
    groups = np.asarray(groups)
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weights = counts[inverse].astype(np.float64) ** (alpha - 1.0)
    return weights / weights.sum()


class RotationTrainer(Trainer):
    """Random turns of augmented crops of ``cache`` (rows drawn with probabilities ``weights``), cross entropy
    against the turn; AdamW. On the CPU: the batches are made there, and the model is small."""

    def __init__(
        self, model: nn.Module, cache: np.ndarray, weights: np.ndarray, rng: np.random.Generator, settings: TrainConfig
    ) -> None:
        super().__init__(
            model, settings, optimizer=lambda p: torch.optim.AdamW(p, lr=settings.lr, weight_decay=WEIGHT_DECAY)
        )
        self.cache, self.weights, self.rng = cache, weights, rng
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
        self.spec = InputSpec(size=SIZE)

    def train_step(self) -> dict[str, torch.Tensor]:
        batch = self.settings.batch_size
        rows = self.rng.choice(len(self.cache), batch, p=self.weights)
        labels = self.rng.integers(0, 4, batch)
        inputs = to_input(turned(augment(self.cache[rows], self.rng), labels), self.spec)
        return {"rotation": self.loss_fn(self.model(inputs), torch.from_numpy(labels))}


def rotation_settings(
    *,
    seconds: float,
    lr: float,
    batch_size: int,
    fine_tune: bool,
    warmup_steps: int = 0,
    max_steps: int | None = None,
) -> TrainConfig:
    """The loop's settings for a rotation run of ``seconds`` of wall clock. ``fine_tune`` freezes BatchNorm
    (weights read back out of an ONNX file carry theirs folded into the convolutions)."""
    return TrainConfig(
        batch_size=batch_size,
        lr=lr,
        lr_final=LR_FINAL,
        warmup_steps=warmup_steps,
        minutes=seconds / 60,
        max_steps=max_steps,
        device="cpu",
        freeze_bn=fine_tune,
    )


def fit_rotation(
    trainer: RotationTrainer,
    *,
    log: Callable[[dict[str, object]], None] | None = None,
    log_every_s: float = 20.0,
    stop: StopFlag | None = None,
) -> RotationTrainer:
    """Run ``trainer`` to its budget (or a stop signal), logging {step, seen, loss, elapsed_s} every
    ``log_every_s``; the model ends in eval mode."""
    if log is not None:
        last = [time.monotonic()]

        def progress(t: Trainer) -> None:
            now = time.monotonic()
            if now - last[0] >= log_every_s:
                last[0] = now
                seen = (t.step - t.start_step) * t.settings.batch_size
                log(
                    {
                        "step": t.step,
                        "seen": seen,
                        "loss": round(t.smoothed_loss or float("nan"), 4),
                        "elapsed_s": round(now - t.run_started, 1),
                    }
                )

        trainer.add_callback("on_batch_end", progress)
    trainer.run(stop)
    return trainer


def train(
    folders: list[str],
    out: str | os.PathLike[str],
    *,
    minutes: float = 4.0,
    threads: int = 2,
    seed: int = 0,
    batch_size: int = 128,
    lr: float = 3e-3,
    limit: int | None = None,
    log_every_s: float = 20.0,
    balance: bool = True,
) -> dict[str, object]:
    """Train for ``minutes`` of wall clock on the non-held-out photos under ``folders``; export to ``out``."""
    torch.set_num_threads(max(1, threads))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    begin = time.perf_counter()
    refs, sources = [], []
    for index, folder in enumerate(folders):
        found = folder_photos(folder)
        refs += found
        sources += [index] * len(found)
    if limit is not None and len(refs) > limit:
        picked = sorted(rng.choice(len(refs), limit, replace=False))
        refs, sources = [refs[i] for i in picked], [sources[i] for i in picked]
    held = np.array([is_holdout(r.path) for r in refs], bool)
    train_refs = [r for r, h in zip(refs, held, strict=True) if not h]
    held_refs = [r for r, h in zip(refs, held, strict=True) if h]
    if len(train_refs) < MIN_TRAIN or len(held_refs) < MIN_HELDOUT:
        raise ValueError(f"too few photos: {len(train_refs)} to train on, {len(held_refs)} held out")
    train_cache, kept = squares(train_refs, threads)
    held_cache, _ = squares(held_refs, threads)
    # Each --data folder is drawn equally often: a small folder of another kind of photo (product shots
    # beside 8k landscapes) is otherwise all but ignored (first run: 0.33 accuracy on it, 0.86 on scenes).
    groups = np.asarray(sources)[~held][kept]
    decode_s = time.perf_counter() - begin
    spec = InputSpec(size=SIZE)
    model = RotationNet()

    def log(record: dict[str, object]) -> None:
        print(json.dumps(record), file=sys.stderr, flush=True)

    settings = rotation_settings(seconds=minutes * 60.0, lr=lr, batch_size=batch_size, fine_tune=False)
    trainer = RotationTrainer(model, train_cache, row_weights(groups, 0.0 if balance else 1.0), rng, settings)
    fit_rotation(trainer, log=log, log_every_s=log_every_s)
    held_pixels = centre(held_cache)
    probs = evaluate(model, held_pixels, spec)
    truth = np.broadcast_to(np.arange(4), probs.shape[:2])
    accuracy = float(np.mean(probs.argmax(axis=2) == truth))
    min_confidence = calibrate_min_confidence(probs)
    summary = {
        "data": [str(Path(f)) for f in folders],
        "photos": {"train": len(train_cache), "held_out": len(held_cache)},
        "steps": trainer.step,
        "examples_seen": trainer.step * batch_size,
        "minutes": round(trainer.run_seconds / 60, 2),
        "decode_s": round(decode_s, 1),
        "threads": threads,
        "seed": seed,
        "balanced_folders": balance,
        "held_out_accuracy": round(accuracy, 4),
        "min_confidence": round(min_confidence, 4),
        "torch": torch.__version__,
    }
    export(model, out, spec, min_confidence, summary, held_pixels[:32])
    return summary
