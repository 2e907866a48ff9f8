"""`album-trainer train`: the encoder on a folder of photos (or a catalog), through the one loop (trainer/loop.py).

The checkpoint (RUN_DIR/checkpoint.pt) is self-describing: model and optimizer state, the full
RunConfig, step, elapsed time, loss history, data summary and best score, so `export` and
`--resume` need nothing else. SIGINT/SIGTERM stop the loop after the current step, save, and return.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch

from trainer.io import JsonLines
from trainer.loop import CHECKPOINT_FORMAT, JsonProgress, Trainer, pick_device
from trainer.signals import StopFlag

from . import losses
from .config import RunConfig
from .data import EpochSampler, PhotoSet
from .model import build_model, constrain_parameters, count_parameters

CHECKPOINT_NAME = "checkpoint.pt"


def checkpoint_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / CHECKPOINT_NAME


def load_checkpoint(run_dir: str | Path) -> dict[str, Any]:
    return load_weights(checkpoint_path(run_dir), missing=f"no checkpoint in {run_dir}")


def load_weights(path: Path, missing: str | None = None) -> dict[str, Any]:
    """A checkpoint written by `EncoderTrainer` (a run's, or a published model's weights)."""
    if not path.is_file():
        raise FileNotFoundError(f"{missing or 'no weights'} (expected {path})")
    state = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT or "model" not in state:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{path} is not an album_app trainer checkpoint (format {found!r})")
    return state


class EncoderTrainer(Trainer):
    """The encoder's step: two augmented views of a batch of photos, the configured objective on them."""

    def __init__(
        self, config: RunConfig, photos: PhotoSet, run_dir: str | Path, resume: dict[str, Any] | None = None
    ) -> None:
        self.config = config
        self.photos = photos
        self.run_dir = Path(run_dir)
        torch.manual_seed(config.train.seed)
        model = build_model(config)
        if pick_device(config.train.device).type == "cpu":
            model = model.to(memory_format=torch.channels_last)  # see to_device
        super().__init__(model, config.train, checkpoint=checkpoint_path(run_dir), resume=resume)
        self.objective = losses.objective(config.loss)
        self.loss_weights = losses.loss_weights(config.loss)
        self.sampler = EpochSampler(len(photos), config.train.batch_size, config.train.seed)
        self._views_rng: random.Random | None = None

    @property
    def views_rng(self) -> random.Random:
        """The augmentations' random source, seeded where this run starts (a resumed run does not replay
        the same views)."""
        if self._views_rng is None:
            self._views_rng = random.Random(self.config.train.seed * 7919 + self.step)
        return self._views_rng

    def to_device(self, *arrays: np.ndarray) -> list[torch.Tensor]:
        tensors = [torch.from_numpy(a).to(self.device) for a in arrays]
        if self.device.type == "cpu":
            # oneDNN's convolutions run about 1.3x faster on channels-last tensors on a CPU (measured, 1 thread).
            tensors = [t.contiguous(memory_format=torch.channels_last) for t in tensors]
        return tensors

    def one_step(self, lr: float) -> None:
        super().one_step(lr)
        constrain_parameters(self.model)

    def train_step(self) -> dict[str, torch.Tensor]:
        views = self.objective.views(self.photos, self.sampler.batch(self.step), self.views_rng)
        return self.objective.loss(self.model, self.to_device(*views), self.config.loss)

    def recalibrate_batchnorm(self, photos: int, batch_size: int = 128) -> None:
        """BatchNorm statistics measured afresh on clean centre squares at the model's input side (FixRes):
        training saw augmented views at other sides, the app feeds clean photos at ``data.size``."""
        from album_app.preprocess import normalise

        norms = [m for m in self.model.encoder.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # a cumulative average over all the batches below
        rows = random.Random(self.config.train.seed + 1).sample(range(len(self.photos)), min(photos, len(self.photos)))
        self.model.encoder.train()
        with torch.no_grad():
            for start in range(0, len(rows), batch_size):
                pixels = self.photos.clean_pixels(rows[start : start + batch_size])
                self.model.encoder(*self.to_device(normalise(pixels, self.photos.spec)))
        for norm in norms:
            norm.momentum = 0.1
        self.model.encoder.eval()

    def checkpoint_state(self) -> dict[str, Any]:
        return {
            **super().checkpoint_state(),
            "config": self.config.to_dict(),
            "data_summary": self.photos.describe(),
            "parameters": count_parameters(self.model.encoder),
        }

    def embed(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 NHWC model pixels -> codes, with the encoder in eval mode as it will be exported."""
        from album_app.preprocess import normalise

        encoder = self.model.encoder.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(pixels), 256):
                batch = torch.from_numpy(normalise(pixels[start : start + 256], self.photos.spec)).to(self.device)
                out.append(encoder(batch).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.config.model.code_size), np.float32)


def train(config: RunConfig, run_dir: str | Path, resume: bool = False, stream: TextIO | None = None) -> EncoderTrainer:
    """Load photos, train within the budget, save the checkpoint; the CLI's `train` command.

    With resume=True the model, optimizer, step and history come from RUN_DIR's checkpoint, and the
    data and model settings from its stored config (the caller's train settings, e.g. minutes, win).
    """
    with StopFlag() as stop:
        state = None
        if resume:
            state = load_checkpoint(run_dir)
            stored = RunConfig.from_dict(state["config"])
            if not config.data.data and config.data.library is None:
                config.data = stored.data
            config.model = stored.model  # the weights only fit the architecture they were trained with
        config.validate()
        if config.train.threads:
            torch.set_num_threads(config.train.threads)
        out = JsonLines(stream)
        loaded_at = time.monotonic()
        photos = PhotoSet.load(config.data, threads=config.train.threads or 2)
        out.emit(
            {
                "type": "data",
                "photos": len(photos),
                "seconds": round(time.monotonic() - loaded_at, 1),
                "resume_step": int(state["step"]) if state else 0,
            }
        )
        trainer = EncoderTrainer(config, photos, run_dir, resume=state)
        JsonProgress(out, config.train.log_every_s).attach(trainer)
        reason = trainer.run(stop)
        if config.data.bn_recalibration and not stop.requested:
            trainer.recalibrate_batchnorm(config.data.bn_recalibration)
            trainer.save_checkpoint()
            out.emit(
                {
                    "type": "batchnorm",
                    "photos": min(config.data.bn_recalibration, len(photos)),
                    "size": config.data.size,
                }
            )
        if stop.requested:
            print(f"stopped by {reason}: checkpoint saved at step {trainer.step} in {run_dir}", file=sys.stderr)
        return trainer
