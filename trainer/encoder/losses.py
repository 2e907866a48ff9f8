"""Training objectives: reconstruction, NT-Xent view consistency, the VAE's KL term, supervised contrast.

An objective maps a model and a batch of two augmented views to named loss parts (weighted by the trainer);
`OBJECTIVES` names the ones `album-trainer train` can use (``LossConfig.objective``). The overnight fit's
objective over a library's events is fit/trainer.py's `library_objective`, built from these parts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

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
    model: AutoEncoder, view_a: torch.Tensor, view_b: torch.Tensor, config: LossConfig
) -> dict[str, torch.Tensor]:
    """Reconstruction of both views, NT-Xent between their projections (unless its weight is 0) and, for the
    variational variant, the KL term."""
    x = torch.cat([view_a, view_b])  # (2B, 3, S, S)
    out = model(x)
    parts = {"recon": reconstruction(out["recon"], model.recon_target(x))}
    if config.contrastive_weight > 0:
        proj_a, proj_b = out["proj"].chunk(2)
        parts["contrastive"] = nt_xent(proj_a, proj_b, config.temperature)
    if out["logvar"] is not None:
        parts["kl"] = kl_divergence(out["code"], out["logvar"])
    return parts


Objective = Callable[["AutoEncoder", torch.Tensor, torch.Tensor, "LossConfig"], dict[str, torch.Tensor]]
OBJECTIVES: dict[str, Objective] = {"autoencoder": autoencoder_objective}


def objective(config: LossConfig) -> Objective:
    try:
        return OBJECTIVES[config.objective]
    except KeyError:
        raise ValueError(f"unknown objective {config.objective!r} (choose from {', '.join(OBJECTIVES)})") from None


def loss_weights(config: LossConfig) -> dict[str, float]:
    return {"recon": config.recon_weight, "contrastive": config.contrastive_weight, "kl": config.kl_weight}
