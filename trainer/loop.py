"""The one training loop: every model the trainer fits runs through `Trainer`.

A subclass says what one step computes: `train_step` returns the loss parts of one batch (unweighted;
``loss_weights`` weighs them). The loop owns everything else, once:
  * stopping: a wall-clock budget (``minutes``), a total step count (``max_steps``), SIGINT/SIGTERM (a
    `StopFlag`, honoured between steps so a save is never torn);
  * the learning rate: cosine decay from ``lr`` to ``lr * lr_final`` over the budget (`schedule_fraction`),
    after a linear warm-up of a fresh run (Adam's first steps move every weight by about the full rate,
    which undoes much of what a trained model knows before the gradients' scale is known);
  * BatchNorm freezing (``freeze_bn``: fine-tunes keep the statistics they start from — a library's batches
    are small and skewed, and weights read back out of an ONNX file carry their BatchNorm folded);
  * callbacks ("on_batch_end", "on_checkpoint", "on_done"), one checkpoint file replaced atomically, resume.

Users: the encoder (encoder/train.py), the overnight fit (fit/trainer.py), the rotation suggester
(rotation/train.py) and the per-album autoencoders (album_ae/model.py).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trainer.io import JsonLines, atomic_path
from trainer.signals import StopFlag
from trainer.train_config import TrainConfig

CHECKPOINT_FORMAT = "album_app.trainer/1"


def pick_device(requested: str | None) -> torch.device:
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cosine_rate(lr: float, lr_final: float, fraction: float) -> float:
    """``lr`` decayed along half a cosine to ``lr * lr_final`` as ``fraction`` goes from 0 to 1."""
    return lr * (lr_final + (1 - lr_final) * 0.5 * (1 + math.cos(math.pi * min(1.0, max(0.0, fraction)))))


def freeze_batchnorm(module: nn.Module) -> None:
    """Put every BatchNorm in ``module`` in eval mode: it normalises with its stored statistics and stops
    updating them (its affine weights still train)."""
    for child in module.modules():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            child.eval()


OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def default_optimizer(settings: TrainConfig, params: Any) -> torch.optim.Optimizer:
    """The optimiser ``settings.optimizer`` names, at its learning rate and weight decay."""
    try:
        kind = OPTIMIZERS[settings.optimizer]
    except KeyError:
        raise ValueError(f"unknown optimizer {settings.optimizer!r} (choose from {', '.join(OPTIMIZERS)})") from None
    return kind(params, lr=settings.lr, weight_decay=settings.weight_decay)


class Trainer:
    """Runs `train_step` until the budget, max_steps or a stop signal; callbacks observe it (module docstring).

    A callback receives the trainer and reads what it needs (step, last_loss, parts, lr, ...). With a
    ``checkpoint`` path the state is saved every ``checkpoint_every_s`` and when a run ends; ``resume`` is
    such a saved state.
    """

    def __init__(
        self,
        model: nn.Module,
        settings: TrainConfig,
        *,
        optimizer: Callable[[Any], torch.optim.Optimizer] | None = None,
        checkpoint: Path | None = None,
        resume: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.device = pick_device(settings.device)
        self.model = model.to(self.device)
        params = self.model.parameters()
        if optimizer is None:
            self.optimizer = default_optimizer(settings, params)
        else:
            self.optimizer = optimizer(params)
        self.checkpoint = checkpoint
        self.loss_weights: dict[str, float] = {}  # a part without a weight counts once
        self.callbacks: dict[str, list[Callable[[Trainer], None]]] = defaultdict(list)
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
        self.last_loss = float("nan")
        self.smoothed_loss: float | None = None
        self.parts: dict[str, float] = {}
        self.stop_reason = ""
        self.run_started = 0.0
        self.run_seconds = 0.0
        self.start_step = self.step
        self.images_per_s = 0.0
        self.lr = settings.lr

    # --- what a subclass says -------------------------------------------------------------------------

    def train_step(self) -> dict[str, torch.Tensor]:
        """The loss parts of one batch (the model is in train mode, BatchNorm frozen if asked)."""
        raise NotImplementedError

    def batchnorm_to_freeze(self) -> nn.Module:
        """The part of the model whose BatchNorm statistics ``freeze_bn`` keeps (default: all of it)."""
        return self.model

    def schedule_fraction(self, ran_s: float) -> float:
        """How far along the schedule this step is: the share of the run's budget used, or of its steps
        when ``max_steps`` comes first (the number of steps in a time budget is not known in advance)."""
        cfg = self.settings
        budget_s = cfg.minutes * 60
        fraction = ran_s / budget_s if budget_s > 0 else 1.0
        if cfg.max_steps is not None:
            fraction = max(fraction, (self.step - self.start_step) / max(1, cfg.max_steps - self.start_step))
        return fraction

    def checkpoint_state(self) -> dict[str, Any]:
        """What the checkpoint file holds; subclasses add what describes their run."""
        return {
            "format": CHECKPOINT_FORMAT,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "elapsed_s": self.elapsed_s,
            "best_score": self.best_score,
            "score_name": "smoothed training loss (lower is better)",
            "history": self.history,
            "runs": self.runs,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    # --- the loop ---------------------------------------------------------------------------------------

    def add_callback(self, event: str, callback: Callable[[Trainer], None]) -> None:
        self.callbacks[event].append(callback)

    def trigger(self, event: str) -> None:
        for callback in self.callbacks.get(event, []):
            callback(self)

    def learning_rate(self, fraction: float) -> float:
        """Cosine decay (`cosine_rate`), after a linear warm-up when this run started the training."""
        cfg = self.settings
        lr = cosine_rate(cfg.lr, cfg.lr_final, fraction)
        if self.start_step == 0 and self.step < cfg.warmup_steps:
            lr *= (self.step + 1) / cfg.warmup_steps
        return lr

    def one_step(self, lr: float) -> None:
        """One optimiser step at rate ``lr`` on the weighted sum of `train_step`'s parts."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        if self.settings.freeze_bn:
            freeze_batchnorm(self.batchnorm_to_freeze())
        parts = self.train_step()
        loss = sum(self.loss_weights.get(name, 1.0) * value for name, value in parts.items())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[union-attr]
        self.optimizer.step()
        self.step += 1
        self.last_loss = float(loss.detach())  # type: ignore[union-attr]
        self.parts = {name: float(value.detach()) for name, value in parts.items()}
        # A smoothed loss is the score: a single batch's loss is too noisy to rank checkpoints.
        if self.smoothed_loss is None or not math.isfinite(self.smoothed_loss):
            self.smoothed_loss = self.last_loss
        else:
            self.smoothed_loss = 0.95 * self.smoothed_loss + 0.05 * self.last_loss

    def stop_now(self, stop: StopFlag | None, ran_s: float) -> str:
        """Why the run must stop before another step ('' when it need not)."""
        if stop is not None and stop.requested:
            return stop.signal_name or "signal"
        if self.settings.max_steps is not None and self.step >= self.settings.max_steps:
            return "max_steps"
        if ran_s >= self.settings.minutes * 60:
            return "budget"
        return ""

    def run(self, stop: StopFlag | None = None) -> str:
        """Train until a stop condition; returns why it stopped ('budget', 'max_steps', 'SIGINT', ...)."""
        cfg = self.settings
        self.run_started = time.monotonic()
        self.start_step = self.step
        last_save = self.run_started
        while not (reason := self.stop_now(stop, time.monotonic() - self.run_started)):
            step_started = time.monotonic()
            self.lr = self.learning_rate(self.schedule_fraction(step_started - self.run_started))
            self.one_step(self.lr)
            now = time.monotonic()
            self.elapsed_s += now - step_started
            self.images_per_s = (self.step - self.start_step) * cfg.batch_size / max(now - self.run_started, 1e-9)
            self.trigger("on_batch_end")
            if self.checkpoint is not None and now - last_save >= cfg.checkpoint_every_s:
                self.save_checkpoint()
                last_save = now
        self.stop_reason = reason
        self.model.eval()
        self.run_seconds = time.monotonic() - self.run_started
        self.runs.append(
            {"steps": self.step - self.start_step, "seconds": round(self.run_seconds, 1), "stopped": reason}
        )
        self.record_history()
        if self.checkpoint is not None:
            self.save_checkpoint()
        self.trigger("on_done")
        return reason

    def save_checkpoint(self) -> Path | None:
        if self.checkpoint is None:
            return None
        if self.smoothed_loss is not None and (self.best_score is None or self.smoothed_loss < self.best_score):
            self.best_score = self.smoothed_loss
        with atomic_path(self.checkpoint) as tmp:  # a kill mid-save leaves the previous checkpoint intact
            torch.save(self.checkpoint_state(), tmp)
        self.trigger("on_checkpoint")
        return self.checkpoint

    def eta_s(self, now: float) -> float:
        eta = max(0.0, self.settings.minutes * 60 - (now - self.run_started))
        if self.settings.max_steps is not None and self.images_per_s > 0:
            steps_left = max(0, self.settings.max_steps - self.step)
            eta = min(eta, steps_left * self.settings.batch_size / self.images_per_s)
        return eta

    def record_history(self) -> None:
        point = {"step": self.step, "loss": round(self.smoothed_loss or float("nan"), 5)}
        point.update({k: round(v, 5) for k, v in self.parts.items()})
        if not self.history or self.history[-1]["step"] != self.step:
            self.history.append(point)


class JsonProgress:
    """The loop's progress as JSON lines (for the CLI, the GUI and scripts): a line per step at most every
    ``every_s`` seconds, one per checkpoint, one when the run ends."""

    def __init__(self, out: JsonLines, every_s: float = 2.0) -> None:
        self.out = out
        self.every_s = every_s
        self.last = 0.0

    def attach(self, trainer: Trainer) -> None:
        trainer.add_callback("on_batch_end", self.on_batch_end)
        trainer.add_callback("on_checkpoint", self.on_checkpoint)
        trainer.add_callback("on_done", self.on_done)

    def on_batch_end(self, trainer: Trainer) -> None:
        now = time.monotonic()
        if now - self.last < self.every_s and trainer.step > 1:
            return
        self.last = now
        if len(trainer.history) == 0 or trainer.step - trainer.history[-1]["step"] >= 50:
            trainer.record_history()
        self.out.emit(
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
        self.out.emit({"type": "checkpoint", "step": trainer.step, "path": str(trainer.checkpoint)})

    def on_done(self, trainer: Trainer) -> None:
        self.out.emit(
            {
                "type": "done",
                "step": trainer.step,
                "stopped": trainer.stop_reason,
                "loss": round(trainer.smoothed_loss or float("nan"), 5),
                "best_score": trainer.best_score,
                "elapsed_s": round(trainer.elapsed_s, 1),
                "checkpoint": str(trainer.checkpoint),
            }
        )
