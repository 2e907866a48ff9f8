"""The fit's training step: the encoder's loop (trainer/loop.py) with a library's batches and objective.

Batches come a few events (or kept albums) at a time (library_data.EventBatchSampler); two friend-like views
of each photo go through `library_objective`; the learning rate follows one cosine over the whole job's
training time, so a resumed job does not restart the schedule; the encoder's BatchNorm statistics stay the
base model's (``freeze_bn``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from trainer.encoder.config import RunConfig
from trainer.encoder.losses import reconstruction, supcon
from trainer.encoder.model import AutoEncoder
from trainer.encoder.train import EncoderTrainer

from .config import FitConfig
from .library_data import EventBatchSampler, LibraryExamples


def library_objective(
    model: AutoEncoder,
    view_a: torch.Tensor,
    view_b: torch.Tensor,
    positives: torch.Tensor,
    negatives: torch.Tensor,
    timed: torch.Tensor,
    fit: FitConfig,
) -> dict[str, torch.Tensor]:
    """The fit's loss parts for B photos' two views, given which of them the library says belong together
    (``positives``, ``negatives``: (2B, 2B) over both views) and which have a trusted time (``timed``, (2B,))."""
    # Denoising: view A goes in corrupted, and both views are rebuilt clean; view B stays clean so that
    # BatchNorm also sees the clean photos the app will feed it.
    clean = torch.cat([view_a, view_b])
    code = model.encoder(torch.cat([model.corrupt(view_a), view_b]))  # (2B, code)
    parts = {"recon": reconstruction(model.decoder(code), model.recon_target(clean))}
    n = len(view_a)
    same = torch.eye(2 * n, dtype=torch.bool, device=code.device).roll(n, dims=1)  # view i <-> view i+B
    if fit.consistency_weight > 0:
        if fit.consistency == "align":
            # Two views of a photo land on the same point, and nothing is pushed away: a library is full of
            # near-duplicate shots of one scene, which instance discrimination would tear apart.
            a, b = F.normalize(code, dim=1).chunk(2)
            parts["consistency"] = (a - b).pow(2).sum(1).mean()
        else:
            # NT-Xent, where only photos known to differ are negatives: not two photos of one event (the library
            # term pulls them together), and not a photo without a time, which may well be a friend's copy of
            # the other one (instance discrimination would push it away from it).
            apart = ~positives & timed[:, None] & timed[None, :]
            parts["consistency"] = supcon(model.projection(code), same, same | apart, fit.consistency_temperature)
    if fit.library_weight > 0:
        together = positives | same
        parts["library"] = supcon(code, together, together | negatives, fit.library_temperature)
    return parts


class FitTrainer(EncoderTrainer):
    """EncoderTrainer with the fit's batches, objective and job-long learning-rate schedule."""

    photos: LibraryExamples

    def __init__(
        self,
        config: RunConfig,
        examples: LibraryExamples,
        run_dir: Path,
        resume: dict[str, Any] | None,
        fit: FitConfig,
        train_budget_s: float,
    ) -> None:
        super().__init__(config, examples, run_dir, resume=resume)
        self.fit = fit
        self.train_budget_s = max(train_budget_s, 1e-6)
        self.batches = EventBatchSampler(
            examples.labels, examples.train_rows, fit.batch_size, fit.per_event, fit.labelled_share, fit.seed
        )
        self.loss_weights = {
            "recon": fit.recon_weight,
            "consistency": fit.consistency_weight,
            "library": fit.library_weight,
        }

    heads_warmup_s = 0.0  # training seconds (of the whole job) during which only the heads learn
    heads_warmup_steps: int | None = None  # ...and, under a step cap, the steps: whichever ends first

    def encoder_frozen(self) -> bool:
        if self.heads_warmup_steps is not None and self.step >= self.heads_warmup_steps:
            return False
        return self.elapsed_s < self.heads_warmup_s

    def one_step(self, lr: float) -> None:
        frozen = self.encoder_frozen()
        for parameter in self.model.encoder.parameters():
            parameter.requires_grad_(not frozen)  # a frozen parameter gets no gradient, so Adam leaves it as is
        super().one_step(lr)

    def schedule_fraction(self, ran_s: float) -> float:
        # One cosine over the whole job's training time, so a resumed job does not restart the schedule.
        return self.elapsed_s / self.train_budget_s

    def batchnorm_to_freeze(self) -> nn.Module:
        # The corrupted and zoomed views would move the encoder's statistics away from the clean photos the app
        # feeds, and a library's batches are small and skewed.
        return self.model.encoder

    def train_step(self) -> dict[str, torch.Tensor]:
        rows = self.batches.batch(self.step)
        view_a, view_b = self.to_device(*self.photos.pair_batch(rows, self.views_rng))
        labels = self.photos.labels
        positives, negatives = (torch.from_numpy(np.tile(m, (2, 2))).to(self.device) for m in labels.relations(rows))
        timed = torch.from_numpy(np.tile(labels.event[rows] >= 0, 2)).to(self.device)
        return library_objective(self.model, view_a, view_b, positives, negatives, timed, self.fit)
