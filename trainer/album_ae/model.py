"""One album's autoencoder on encoder codes: the network, its training and its held-out calibration.

Each accepted album gets a tiny MLP autoencoder ``D → hidden → bottleneck → hidden → D`` on its members'
codes (centred by the library's mean code and put on the unit sphere, as the albums code compares them).
Cheap: a few hundred full-batch AdamW steps on at most a few thousand rows, well under a second per album.

Calibration, on held-out members (K-fold: each member's error comes from a model that never saw it):
  * ``loc`` / ``temperature``: median and spread (MAD, shrunk towards a prior for small albums) of the
    held-out log errors (informational, and the optional ``normalise`` scoring in album_app/models/album_ae.py);
  * ``threshold``: the album's own ``exp(loc + z_q · temperature)`` (``z_q``: the normal quantile of
    ``threshold_quantile``; parametric, because an album of 6 photos has no empirical 90th percentile),
    shrunk in log space towards the same quantile of all albums' pooled held-out errors with a weight of
    ``pool_weight`` members (library.py): small albums lean on the library, big ones on themselves.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np
import torch
from torch import nn

from trainer.loop import Trainer
from trainer.train_config import TrainConfig


@dataclass(frozen=True)
class AlbumAEConfig:
    hidden: int = 32
    bottleneck: int = 8
    steps: int = 300
    batch_size: int = 256
    lr: float = 5e-3
    weight_decay: float = 1e-4
    noise: float = 0.3  # denoising: Gaussian noise of this norm (expected) added to each unit-length input
    folds: int = 5  # held-out errors by K-fold (leave-one-out below K members)
    threshold_quantile: float = 0.9  # 0.95 let in most unrelated photos (bench seeds 0-1, as for place.py)
    pool_weight: float = 10.0  # the pooled threshold counts as this many members of the album
    min_members: int = 3  # fewer photos than this teach a model nothing: no model
    prior_scale: float = 0.5  # log-error spread assumed before seeing members...
    prior_weight: float = 5.0  # ...worth this many members (small albums lean on it)
    min_scale: float = 0.05
    seed: int = 0

    def key(self) -> str:
        """The settings that change a trained model (part of the fingerprint)."""
        return json.dumps(asdict(self), sort_keys=True)


DEFAULT_CONFIG = AlbumAEConfig()


def fingerprint(member_ids: Sequence[int], code_model_id: str, config: AlbumAEConfig = DEFAULT_CONFIG) -> str:
    """Names what a model was trained on: same members, encoder and settings → same fingerprint."""
    digest = hashlib.sha256()
    digest.update(code_model_id.encode())
    digest.update(config.key().encode())
    digest.update(np.asarray(sorted(int(m) for m in member_ids), dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def unit_codes(codes: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """What the models see: codes minus the library mean, scaled to unit length (numpy twin of CodeAE.inputs)."""
    x = np.asarray(codes, np.float32) - np.asarray(mean, np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


class CodeAE(nn.Module):
    """Raw codes in, squared reconstruction error (in the unit-sphere space) out: what the ONNX file computes."""

    def __init__(self, dim: int, hidden: int, bottleneck: int, mean: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, np.float32)).reshape(dim))
        # Linear bottleneck, tanh elsewhere: smooth, bounded, and trivially expressed in ONNX.
        self.encoder = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, bottleneck))
        self.decoder = nn.Sequential(nn.Linear(bottleneck, hidden), nn.Tanh(), nn.Linear(hidden, dim))

    def inputs(self, codes: torch.Tensor) -> torch.Tensor:
        x = codes - self.mean
        return x / torch.sqrt((x * x).sum(dim=1, keepdim=True)).clamp_min(1e-12)

    def reconstruct(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(z))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        z = self.inputs(codes)
        return ((self.reconstruct(z) - z) ** 2).sum(dim=1)


class _Stack(nn.Module):
    """``M`` independent CodeAE bodies trained in one go (batched matmuls): an album's K fold models and its
    final model cost one training loop instead of K + 1 (each step of a tiny MLP is mostly overhead)."""

    def __init__(self, models: int, dim: int, hidden: int, bottleneck: int) -> None:
        super().__init__()
        self.shapes = [(dim, hidden), (hidden, bottleneck), (bottleneck, hidden), (hidden, dim)]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in self.shapes:
            bound = 1.0 / np.sqrt(fan_in)  # nn.Linear's default initialisation
            self.weights.append(nn.Parameter(torch.empty(models, fan_in, fan_out).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(models, 1, fan_out).uniform_(-bound, bound)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (M, B, D) -> (M, B, D)
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.baddbmm(bias, x, weight)
            if index in (0, 2):  # tanh after the hidden layers; the bottleneck and the output are linear
                x = torch.tanh(x)
        return x

    def extract(self, index: int, mean: np.ndarray) -> CodeAE:
        dim, hidden = self.shapes[0]
        model = CodeAE(dim, hidden, self.shapes[1][1], mean)
        linears = [layer for layer in (*model.encoder, *model.decoder) if isinstance(layer, nn.Linear)]
        with torch.no_grad():
            for layer, weight, bias in zip(linears, self.weights, self.biases, strict=True):
                layer.weight.copy_(weight[index].T)
                layer.bias.copy_(bias[index, 0])
        return model.eval()


class _StackTrainer(Trainer):
    """Denoising (noisy input, clean target), full batch up to ``config.batch_size`` rows; each model's loss is
    the mean error over the rows its mask lets it learn from."""

    def __init__(self, stack: _Stack, z: np.ndarray, masks: np.ndarray, config: AlbumAEConfig, seed: int) -> None:
        settings = TrainConfig(
            batch_size=min(len(z), config.batch_size),
            lr=config.lr,
            lr_final=0.1,
            warmup_steps=0,
            weight_decay=config.weight_decay,
            minutes=math.inf,  # a fixed number of steps
            max_steps=config.steps,
            device="cpu",
        )
        super().__init__(
            stack, settings, optimizer=lambda p: torch.optim.AdamW(p, lr=config.lr, weight_decay=config.weight_decay)
        )
        self.generator = torch.Generator().manual_seed(seed)
        self.data = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))
        self.masks = torch.from_numpy(np.asarray(masks, np.float32))
        self.full_batch = len(z) <= config.batch_size
        self.noise = config.noise / np.sqrt(z.shape[1])  # per-dimension std: the noise vector's norm is ~config.noise

    def train_step(self) -> dict[str, torch.Tensor]:
        if self.full_batch:
            batch, weight = self.data, self.masks
        else:
            rows = torch.randint(0, len(self.data), (self.settings.batch_size,), generator=self.generator)
            batch, weight = self.data[rows], self.masks[:, rows]
        clean = batch.expand(len(self.masks), *batch.shape)
        noisy = clean + self.noise * torch.randn(clean.shape, generator=self.generator) if self.noise > 0 else clean
        error = ((self.model(noisy) - clean) ** 2).sum(dim=2)  # (M, B)
        return {"recon": ((error * weight).sum(dim=1) / weight.sum(dim=1).clamp_min(1.0)).sum()}


def train_code_aes(
    z: np.ndarray, masks: np.ndarray, mean: np.ndarray, config: AlbumAEConfig, seed: int
) -> list[CodeAE]:
    """One CodeAE per row of ``masks`` ((M, n) bool: which rows of ``z`` each model learns from), trained
    together through the one loop (trainer/loop.py): AdamW, cosine decay to a tenth over ``config.steps``."""
    torch.manual_seed(seed)
    stack = _Stack(len(masks), z.shape[1], config.hidden, config.bottleneck)
    trainer = _StackTrainer(stack, z, masks, config, seed)
    trainer.run()
    return [stack.extract(index, mean) for index in range(len(masks))]


def model_errors(model: CodeAE, codes: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float32))).double().numpy()


class AlbumAE:
    """One album's autoencoder with its held-out calibration (scikit-learn conventions).

    Learned: ``model_`` (CodeAE on all members), ``heldout_errors_`` (each member's error under a model
    trained without it), ``loc_``, ``temperature_``, ``threshold_``.
    """

    def __init__(self, config: AlbumAEConfig = DEFAULT_CONFIG) -> None:
        self.config = config

    def fit(self, codes: np.ndarray, mean: np.ndarray | None = None) -> AlbumAE:
        """Train on one album's raw codes (``mean``: the library's mean code; the album's own when None)."""
        codes = np.asarray(codes, np.float32)
        c = self.config
        if len(codes) < max(c.min_members, 2):
            raise ValueError(f"an album model needs at least {max(c.min_members, 2)} photos, got {len(codes)}")
        self.mean_ = np.asarray(codes.mean(axis=0) if mean is None else mean, np.float32)
        z = unit_codes(codes, self.mean_)
        n = len(z)
        rng = np.random.default_rng(c.seed)
        order = rng.permutation(n)
        folds = int(min(c.folds, n))
        masks = np.ones((folds + 1, n), bool)  # rows 0..K-1: fold models; row K: the final model (all members)
        tests = [order[fold::folds] for fold in range(folds)]
        for fold, test in enumerate(tests):
            masks[fold, test] = False
        models = train_code_aes(z, masks, self.mean_, c, seed=c.seed)
        heldout = np.empty(n)
        for fold, test in enumerate(tests):
            heldout[test] = model_errors(models[fold], codes[test])
        self.model_ = models[-1]
        self.heldout_errors_ = heldout
        self.train_errors_ = model_errors(self.model_, codes)
        self.loc_, self.temperature_, self.threshold_ = calibrate(heldout, c)
        self.own_threshold_ = self.threshold_
        return self

    def pool(self, pooled_threshold: float) -> AlbumAE:
        """Shrink ``threshold_`` towards the library's pooled threshold (see the module docstring)."""
        n, w = len(self.heldout_errors_), self.config.pool_weight
        log_t = (n * np.log(self.own_threshold_) + w * np.log(pooled_threshold)) / (n + w)
        self.threshold_ = float(np.exp(log_t))
        return self

    def errors(self, codes: np.ndarray) -> np.ndarray:
        return model_errors(self.model_, codes)


def calibrate(heldout: np.ndarray, config: AlbumAEConfig) -> tuple[float, float, float]:
    """(loc, temperature, own threshold) from held-out errors: robust, and shrunk towards a prior when few."""
    logs = np.log(np.maximum(np.asarray(heldout, np.float64), 1e-8))
    loc = float(np.median(logs))
    mad = float(np.median(np.abs(logs - loc))) * 1.4826  # a normal's sigma
    n = len(logs)
    scale = np.sqrt((n * mad**2 + config.prior_weight * config.prior_scale**2) / (n + config.prior_weight))
    scale = float(max(scale, config.min_scale))
    z_q = NormalDist().inv_cdf(config.threshold_quantile)
    return loc, scale, float(np.exp(loc + z_q * scale))
