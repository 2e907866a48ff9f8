"""The training loop: a minGPT-style Trainer with callbacks, a time budget, one checkpoint file.

The checkpoint (RUN_DIR/checkpoint.pt) is self-describing: model and optimizer state, the full
RunConfig, step, elapsed time, loss history, data summary and best score, so `export` and
`--resume` need nothing else. SIGINT/SIGTERM stop the loop after the current step, save, and return.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch

from trainer.io import JsonLines, atomic_path
from trainer.signals import StopFlag

from . import losses
from .config import RunConfig
from .data import EpochSampler, PhotoSet
from .model import AutoEncoder, count_parameters

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_FORMAT = "album_app.trainer/1"


def pick_device(requested: str | None) -> torch.device:
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def checkpoint_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / CHECKPOINT_NAME


def load_checkpoint(run_dir: str | Path) -> dict[str, Any]:
    path = checkpoint_path(run_dir)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint in {run_dir} (expected {path})")
    state = torch.load(path, map_location="cpu", weights_only=False)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an album_app trainer checkpoint (format {state.get('format')!r})")
    return state


def build_model(config: RunConfig) -> AutoEncoder:
    return AutoEncoder(config.model, config.data.size)


class Trainer:
    """Runs steps until the time budget, max_steps, or a stop signal; callbacks observe it.

    Events: "on_batch_end" (after each step), "on_checkpoint" (after each save), "on_done".
    A callback receives the trainer and reads what it needs (step, last_loss, parts, ...).
    """

    def __init__(
        self, config: RunConfig, photos: PhotoSet, run_dir: str | Path, resume: dict[str, Any] | None = None
    ) -> None:
        self.config = config
        self.photos = photos
        self.run_dir = Path(run_dir)
        self.callbacks: dict[str, list[Callable[[Trainer], None]]] = defaultdict(list)
        self.device = pick_device(config.train.device)
        torch.manual_seed(config.train.seed)
        self.model = build_model(config).to(self.device)
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), lr=config.train.lr, weight_decay=config.train.weight_decay
        )
        self.step = 0
        self.elapsed_s = 0.0  # training seconds over all runs of this checkpoint
        self.best_score: float | None = None  # lowest smoothed loss seen at a checkpoint (lower is better)
        self.history: list[dict[str, float]] = []  # one point per checkpoint/progress line, for the summary
        self.runs: list[dict[str, Any]] = []
        if resume is not None:
            self.model.load_state_dict(resume["model"])
            self.optimizer.load_state_dict(resume["optimizer"])
            self.step = int(resume["step"])
            self.elapsed_s = float(resume.get("elapsed_s", 0.0))
            self.best_score = resume.get("best_score")
            self.history = list(resume.get("history", []))
            self.runs = list(resume.get("runs", []))
        self.sampler = EpochSampler(len(photos), config.train.batch_size, config.train.seed)
        self.last_loss = float("nan")
        self.smoothed_loss: float | None = None
        self.parts: dict[str, float] = {}
        self.stop_reason = ""
        self.run_started = 0.0
        self.images_per_s = 0.0
        self.lr = config.train.lr

    def add_callback(self, event: str, callback: Callable[[Trainer], None]) -> None:
        self.callbacks[event].append(callback)

    def trigger(self, event: str) -> None:
        for callback in self.callbacks.get(event, []):
            callback(self)

    def learning_rate(self, fraction: float, run_steps: int) -> float:
        """Cosine decay over the run's time budget, after a linear warm-up of a fresh run."""
        cfg = self.config.train
        lr = cfg.lr * (cfg.lr_final + (1 - cfg.lr_final) * 0.5 * (1 + math.cos(math.pi * min(1.0, fraction))))
        if self.step < cfg.warmup_steps and run_steps == self.step:
            lr *= (self.step + 1) / cfg.warmup_steps
        return lr

    def train_step(self, rng: random.Random, lr: float | None = None) -> None:
        cfg = self.config
        if lr is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        indices = self.sampler.batch(self.step)
        view_a, view_b = self.photos.pair_batch(indices, rng)
        x = torch.from_numpy(np.concatenate([view_a, view_b])).to(self.device)  # (2B, 3, S, S)
        self.model.train()
        out = self.model(x)
        parts = {"recon": losses.reconstruction(out["recon"], self.model.recon_target(x))}
        if cfg.loss.contrastive_weight > 0:
            proj_a, proj_b = out["proj"].chunk(2)
            parts["contrastive"] = losses.nt_xent(proj_a, proj_b, cfg.loss.temperature)
        if out["logvar"] is not None:
            parts["kl"] = losses.kl_divergence(out["code"], out["logvar"])
        weights = {
            "recon": cfg.loss.recon_weight,
            "contrastive": cfg.loss.contrastive_weight,
            "kl": cfg.loss.kl_weight,
        }
        self.apply_losses(parts, weights)

    def apply_losses(self, parts: dict[str, Any], weights: dict[str, float]) -> None:
        """One optimiser step on the weighted sum of the loss parts, and the running figures."""
        loss = sum(weights[name] * value for name, value in parts.items())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        self.last_loss = float(loss.detach())
        self.parts = {name: float(value.detach()) for name, value in parts.items()}
        # A smoothed loss is the score: a single batch's loss is too noisy to rank checkpoints.
        if self.smoothed_loss is None or not math.isfinite(self.smoothed_loss):
            self.smoothed_loss = self.last_loss
        else:
            self.smoothed_loss = 0.95 * self.smoothed_loss + 0.05 * self.last_loss

    def save_checkpoint(self) -> Path:
        if self.smoothed_loss is not None and (
            self.best_score is None or self.smoothed_loss < self.best_score
        ):
            self.best_score = self.smoothed_loss
        state = {
            "format": CHECKPOINT_FORMAT,
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "elapsed_s": self.elapsed_s,
            "best_score": self.best_score,
            "score_name": "smoothed training loss (lower is better)",
            "history": self.history,
            "runs": self.runs,
            "data_summary": self.photos.describe(),
            "parameters": count_parameters(self.model.encoder),
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = checkpoint_path(self.run_dir)
        with atomic_path(path) as tmp:  # a kill mid-save leaves the previous checkpoint intact
            torch.save(state, tmp)
        self.trigger("on_checkpoint")
        return path

    def eta_s(self, now: float) -> float:
        budget_left = self.config.train.minutes * 60 - (now - self.run_started)
        eta = max(0.0, budget_left)
        if self.config.train.max_steps is not None and self.images_per_s > 0:
            steps_left = max(0, self.config.train.max_steps - self.step)
            eta = min(eta, steps_left * self.config.train.batch_size / self.images_per_s)
        return eta

    def run(self, stop: StopFlag | None = None) -> str:
        """Train until a stop condition; returns why it stopped ('budget', 'max_steps', 'SIGINT', ...)."""
        cfg = self.config.train
        rng = random.Random(cfg.seed * 7919 + self.step)  # a resumed run does not replay the same views
        self.run_started = time.monotonic()
        start_step = self.step
        last_save = self.run_started
        budget_s = cfg.minutes * 60
        while True:
            if stop is not None and stop.requested:
                self.stop_reason = stop.signal_name or "signal"
                break
            if cfg.max_steps is not None and self.step >= cfg.max_steps:
                self.stop_reason = "max_steps"
                break
            now = time.monotonic()
            if now - self.run_started >= budget_s:
                self.stop_reason = "budget"
                break
            step_started = now
            fraction = (now - self.run_started) / budget_s if budget_s > 0 else 1.0
            if cfg.max_steps is not None:
                steps_total = max(1, cfg.max_steps - start_step)
                fraction = max(fraction, (self.step - start_step) / steps_total)
            self.lr = self.learning_rate(fraction, self.step - start_step)
            self.train_step(rng, self.lr)
            now = time.monotonic()
            self.elapsed_s += now - step_started
            ran = now - self.run_started
            self.images_per_s = (self.step - start_step) * cfg.batch_size / max(ran, 1e-9)
            self.trigger("on_batch_end")
            if now - last_save >= cfg.checkpoint_every_s:
                self.save_checkpoint()
                last_save = now
        self.runs.append(
            {
                "steps": self.step - start_step,
                "seconds": round(time.monotonic() - self.run_started, 1),
                "stopped": self.stop_reason,
            }
        )
        self.record_history()
        self.save_checkpoint()
        self.trigger("on_done")
        return self.stop_reason

    def record_history(self) -> None:
        point = {"step": self.step, "loss": round(self.smoothed_loss or float("nan"), 5)}
        point.update({k: round(v, 5) for k, v in self.parts.items()})
        if not self.history or self.history[-1]["step"] != self.step:
            self.history.append(point)


class JsonProgress:
    """Writes progress as JSON lines (one object per line) for the CLI, the GUI and scripts."""

    def __init__(self, out: JsonLines, every_s: float = 2.0) -> None:
        self.out = out
        self.every_s = every_s
        self.last = 0.0

    def emit(self, record: dict[str, Any]) -> None:
        self.out.emit(record)

    def on_batch_end(self, trainer: Trainer) -> None:
        now = time.monotonic()
        if now - self.last < self.every_s and trainer.step > 1:
            return
        self.last = now
        if len(trainer.history) == 0 or trainer.step - trainer.history[-1]["step"] >= 50:
            trainer.record_history()
        self.emit(
            {
                "type": "progress",
                "step": trainer.step,
                "loss": round(trainer.last_loss, 5),
                "smoothed_loss": round(trainer.smoothed_loss or float("nan"), 5),
                "parts": {k: round(v, 5) for k, v in trainer.parts.items()},
                "lr": round(trainer.lr, 6),
                "images_per_s": round(trainer.images_per_s, 1),
                "eta_s": round(trainer.eta_s(now), 1),
            }
        )

    def on_checkpoint(self, trainer: Trainer) -> None:
        self.emit({"type": "checkpoint", "step": trainer.step, "path": str(checkpoint_path(trainer.run_dir))})

    def on_done(self, trainer: Trainer) -> None:
        self.emit(
            {
                "type": "done",
                "step": trainer.step,
                "stopped": trainer.stop_reason,
                "loss": round(trainer.smoothed_loss or float("nan"), 5),
                "best_score": trainer.best_score,
                "elapsed_s": round(trainer.elapsed_s, 1),
                "checkpoint": str(checkpoint_path(trainer.run_dir)),
            }
        )


def train(
    config: RunConfig, run_dir: str | Path, resume: bool = False, stream: TextIO | None = None
) -> Trainer:
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
        progress = JsonProgress(JsonLines(stream), config.train.log_every_s)
        loaded_at = time.monotonic()
        photos = PhotoSet.load(config.data, threads=config.train.threads or 2)
        progress.emit(
            {
                "type": "data",
                "photos": len(photos),
                "seconds": round(time.monotonic() - loaded_at, 1),
                "resume_step": int(state["step"]) if state else 0,
            }
        )
        trainer = Trainer(config, photos, run_dir, resume=state)
        trainer.add_callback("on_batch_end", progress.on_batch_end)
        trainer.add_callback("on_checkpoint", progress.on_checkpoint)
        trainer.add_callback("on_done", progress.on_done)
        reason = trainer.run(stop)
        if stop.requested:
            print(
                f"stopped by {reason}: checkpoint saved at step {trainer.step} in {run_dir}", file=sys.stderr
            )
        return trainer
