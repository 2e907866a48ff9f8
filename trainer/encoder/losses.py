"""Training objectives: reconstruction, NT-Xent view consistency, the VAE's KL term, supervised contrast.

An objective maps a model and a batch of views to named loss parts (weighted by the trainer); `OBJECTIVES`
names the ones `album-trainer train` can use (``LossConfig.objective``), each with the `PhotoSet` method that
cuts its views. The overnight fit's
objective over a library's events is fit/trainer.py's `library_objective`, built from these parts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

from .data import PhotoSet

if TYPE_CHECKING:
    from .config import LossConfig
    from .model import AutoEncoder


def reconstruction(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(recon, target)


def nt_xent(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's normalised-temperature cross entropy for N positive pairs (a[i], b[i]).

    Each of the 2N projections must pick its partner among the other 2N-1; the rest of the batch
    serves as negatives.
    """
    z = F.normalize(torch.cat([a, b]), dim=1)  # (2N, P)
    n = a.shape[0]
    logits = z @ z.t() / temperature  # (2N, 2N) cosine similarities
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(logits, targets)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma) || N(0, 1)) per sample, averaged over the batch."""
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)).mean()


def supcon(z: torch.Tensor, positives: torch.Tensor, candidates: torch.Tensor, temperature: float) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al. 2020) restricted to known pairs.

    Each row must rank its positives above the other candidates (self never counts); rows without a
    positive or without a non-positive candidate have nothing to learn and are skipped.
    """
    z = F.normalize(z, dim=1)
    eye = torch.eye(len(z), dtype=torch.bool, device=z.device)
    cand = candidates & ~eye
    pos = positives & cand
    rows = pos.any(1) & (cand & ~pos).any(1)
    if not bool(rows.any()):
        return z.sum() * 0.0
    # Only rows that have candidates: a row of -inf would make logsumexp's gradient NaN.
    logits = (z[rows] @ z.t() / temperature).masked_fill(~cand[rows], float("-inf"))
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    chosen = pos[rows]
    return (-log_prob.masked_fill(~chosen, 0.0).sum(1) / chosen.sum(1)).mean()


def autoencoder_objective(
    model: AutoEncoder, batch: Sequence[torch.Tensor], config: LossConfig
) -> dict[str, torch.Tensor]:
    """On two augmented views (`PhotoSet.pair_batch`): reconstruction of both views, NT-Xent between their
    projections (unless its weight is 0) and, for the variational variant, the KL term."""
    view_a, view_b = batch
    x = torch.cat([view_a, view_b])  # (2B, 3, S, S)
    out = model(x)
    parts = {"recon": reconstruction(out["recon"], model.recon_target(x))}
    if config.contrastive_weight > 0:
        proj_a, proj_b = out["proj"].chunk(2)
        parts["contrastive"] = nt_xent(proj_a, proj_b, config.temperature)
    if out["logvar"] is not None:
        parts["kl"] = kl_divergence(out["code"], out["logvar"])
    return parts


def multicrop_objective(
    model: AutoEncoder, batch: Sequence[torch.Tensor], config: LossConfig
) -> dict[str, torch.Tensor]:
    """On multi-crop views (`PhotoSet.multicrop_batch`): every view of a photo (two global, L details) is a
    positive of every other in a multi-positive NT-Xent; the decoder rebuilds each global view's clean framing
    from its code (denoising: it must undo the colour, blur and compression changes, so the code keeps the
    scene and not the camera)."""
    changed, framed, *details = batch
    n = len(changed) // 2
    code = model.encoder(changed)  # (2B, code)
    codes = [code] + [model.encoder(d) for d in details]  # details: (L*B, 3, s, s) at their own side
    z = model.projection(torch.cat(codes))
    photo = torch.arange(n, device=z.device).repeat(len(z) // n)  # the photo each view was cut from
    same = photo[:, None] == photo[None, :]
    everyone = torch.ones_like(same)
    parts = {"contrastive": supcon(z, same, everyone, config.temperature)}
    if config.recon_weight > 0:
        parts["recon"] = reconstruction(model.decoder(code), model.recon_target(framed))
    return parts


Objective = Callable[["AutoEncoder", Sequence[torch.Tensor], "LossConfig"], dict[str, torch.Tensor]]


@dataclass(frozen=True)
class Recipe:
    """An objective and the batch of views it is computed on (a `PhotoSet` method)."""

    views: Callable[[PhotoSet, Sequence[int], random.Random], tuple[np.ndarray, ...]]
    loss: Objective


OBJECTIVES: dict[str, Recipe] = {
    "autoencoder": Recipe(PhotoSet.pair_batch, autoencoder_objective),
    "multicrop": Recipe(PhotoSet.multicrop_batch, multicrop_objective),
}


def objective(config: LossConfig) -> Recipe:
    try:
        return OBJECTIVES[config.objective]
    except KeyError:
        raise ValueError(f"unknown objective {config.objective!r} (choose from {', '.join(OBJECTIVES)})") from None


def loss_weights(config: LossConfig) -> dict[str, float]:
    return {"recon": config.recon_weight, "contrastive": config.contrastive_weight, "kl": config.kl_weight}
