"""Training objectives: reconstruction, NT-Xent view consistency, and the VAE's KL term."""

from __future__ import annotations

import torch
import torch.nn.functional as F


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
