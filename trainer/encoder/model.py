"""A small conv autoencoder with a contrastive projection head; three variants, one code path.

    plain        encoder(x) -> code -> decoder -> x'
    denoising    encoder(corrupt(x)) -> code -> decoder -> x'   (target: the clean x)
    variational  encoder(x) -> (mu, logvar); z = mu + eps*sigma -> decoder -> x'; code = mu

Beside reconstruction, code -> projection head -> NT-Xent between two augmented views of the same
photo (losses.py): reconstruction alone learns colour and layout, not what a scene *is* (FIELD-NOTES).
Only the encoder up to the code is exported; the decoder and projection head exist for training.

`build_model` is the one place a model is made, by name (``ModelConfig.architecture``, `ARCHITECTURES`). An
architecture takes (ModelConfig, input side) and provides what the objectives and the export use:
``encoder`` (photo -> code; this module in eval mode is what encoder.onnx holds), ``decoder``,
``projection``, ``corrupt(x)``, ``recon_target(x)`` and ``forward(x)`` -> {code, logvar, recon, proj}.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig, RunConfig


def conv_block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def up_block(cin: int, cout: int) -> nn.Sequential:
    # Nearest upsampling + 3x3 conv: cheap, and free of a strided transposed conv's checkerboard.
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv_block(cin, cout, 1))


class GeM(nn.Module):
    """Generalised mean pooling (Radenović et al. 2018): p = 1 is the average, large p the maximum; p is learnt.

    A place is often told by a few strong details (a tower, a sign) rather than by the whole frame's average.
    p is used as it is and kept in range by `constrain` after each optimiser step: a clamp inside ``forward``
    would be folded into an anonymous constant by the ONNX exporter, and the fit could not read p back out of
    the model in use (trainer/onnx.py `weights_from_onnx` matches weights by name).
    """

    p_range = (1.0, 8.0)

    def __init__(self, p: float = 3.0, eps: float = 1e-6) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.tensor([p]))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(min=self.eps).pow(self.p).mean(dim=(2, 3), keepdim=True).pow(1.0 / self.p)

    @torch.no_grad()
    def constrain(self) -> None:
        self.p.clamp_(*self.p_range)


def constrain_parameters(model: nn.Module) -> None:
    """Project constrained parameters (GeM's p) back into range; call after each optimiser step."""
    for module in model.modules():
        if isinstance(module, GeM):
            module.constrain()


def make_pool(name: str) -> nn.Module:
    """The global pooling ``ModelConfig.pool`` names (config.POOLS lists them)."""
    return GeM() if name == "gem" else nn.AdaptiveAvgPool2d(1)


class Encoder(nn.Module):
    """Photo -> code. This module (eval mode; `forward` = mean code) is what encoder.onnx holds."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        stages, cin = [], 3
        for width, extra in zip(config.widths, config.extra_convs, strict=True):
            # (N, cin, s, s) -> (N, width, s/2, s/2); extra stride-1 convs add depth where it is cheap
            # (a conv's cost is width^2 * area, constant across stages as width doubles and area quarters).
            stages.append(conv_block(cin, width, 2))
            stages += [conv_block(width, width, 1) for _ in range(extra)]
            cin = width
        self.features = nn.Sequential(*stages)
        self.pool = make_pool(config.pool)  # (N, C, s', s') -> (N, C, 1, 1): tolerant to framing
        outputs = config.code_size * (2 if config.variant == "variational" else 1)
        self.head = nn.Linear(cin, outputs)  # (N, C) -> (N, code) or (N, 2*code) = mu | logvar
        self.code_size = config.code_size

    def moments(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(N, 3, S, S) -> mu (N, code), logvar (N, code) for the variational variant else None."""
        h = self.pool(self.features(x)).flatten(1)
        out = self.head(h)
        if out.shape[1] == self.code_size:
            return out, None
        return out[:, : self.code_size], out[:, self.code_size :]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.moments(x)[0]


class Decoder(nn.Module):
    """Code -> the photo at reduced resolution (normalised units, so no output activation).

    Reconstruction is an auxiliary signal here, so the decoder is light and stops at ``recon_side`` pixels
    whatever the input side (a model trained small and used larger keeps its decoder); the target is the
    input average-pooled to that side.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.start = config.recon_side // 2 ** len(config.decoder_widths)  # side of the first feature map
        self.first = config.decoder_widths[0]
        self.fc = nn.Linear(config.code_size, self.first * self.start * self.start)  # (N, code) -> (N, C*s*s)
        widths = list(config.decoder_widths)
        # (N, w0, s, s) -> ... -> (N, w_last, s * 2**len(widths), same)
        self.ups = nn.Sequential(
            *[up_block(a, b) for a, b in zip([self.first, *widths[:-1]], widths, strict=True)]
        )
        self.out = nn.Conv2d(widths[-1], 3, 3, padding=1)  # -> (N, 3, side, side)
        self.side = self.start * 2 ** len(widths)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc(z)).view(-1, self.first, self.start, self.start)
        return self.out(self.ups(h))


class AutoEncoder(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        # Contrastive head (SimCLR): the loss acts on its output, so the code keeps more than the
        # augmentation-invariant part (the decoder also needs it), which clusters better downstream.
        hidden = config.proj_hidden or config.code_size
        self.projection = nn.Sequential(
            nn.Linear(config.code_size, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, config.proj_size),
        )

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        """Denoising input: Gaussian noise plus a share of pixels (all channels) set to the mean."""
        noisy = x + self.config.noise_std * torch.randn_like(x)
        keep = (torch.rand_like(x[:, :1]) >= self.config.mask_p).to(x.dtype)
        return noisy * keep

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor | None]:
        """x (N, 3, S, S) -> code, logvar, reconstruction (N, 3, S, S), projection (N, proj)."""
        source = self.corrupt(x) if self.config.variant == "denoising" and self.training else x
        mu, logvar = self.encoder.moments(source)
        z = mu
        if logvar is not None and self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return {"code": mu, "logvar": logvar, "recon": self.decoder(z), "proj": self.projection(mu)}

    def recon_target(self, x: torch.Tensor) -> torch.Tensor:
        """The clean input at the decoder's resolution."""
        side = self.decoder.side
        return F.adaptive_avg_pool2d(x, side) if x.shape[-1] != side else x


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


ARCHITECTURES: dict[str, type[AutoEncoder]] = {"conv_autoencoder": AutoEncoder}


def build_model(config: RunConfig) -> AutoEncoder:
    """The model a run's configuration names (fresh weights, from torch's current seed)."""
    try:
        architecture = ARCHITECTURES[config.model.architecture]
    except KeyError:
        raise ValueError(
            f"unknown architecture {config.model.architecture!r} (choose from {', '.join(ARCHITECTURES)})"
        ) from None
    return architecture(config.model)
