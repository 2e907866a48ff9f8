"""Candidate encoders for issue 15: plain Conv-BN-ReLU stages (ONNX-recoverable), avg or GeM pooling."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

ARCHS = {
    # name: (widths, extra stride-1 convs per stage)
    "c4": ((32, 64, 128, 256), (0, 0, 1, 1)),        # the bundled encoder's layout
    "c4x": ((32, 64, 128, 256), (1, 1, 1, 1)),
    "c4w": ((48, 96, 192, 384), (0, 1, 1, 1)),
    "c5": ((24, 48, 96, 192, 384), (0, 0, 1, 1, 1)),
}


def conv_block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class GeM(nn.Module):
    """Generalised mean pooling (Radenovic et al.): p=1 is average, p->inf max; p is learnt."""

    def __init__(self, p: float = 3.0, eps: float = 1e-6) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.tensor([p]))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.p.clamp(1.0, 8.0)
        return x.clamp(min=self.eps).pow(p).mean(dim=(2, 3)).pow(1.0 / p)


class Encoder(nn.Module):
    def __init__(self, arch: str = "c4x", pool: str = "gem", code_size: int = 128) -> None:
        super().__init__()
        widths, extra = ARCHS[arch]
        stages, cin = [], 3
        for width, n in zip(widths, extra):
            stages.append(nn.Sequential(conv_block(cin, width, 2), *[conv_block(width, width, 1) for _ in range(n)]))
            cin = width
        self.stages = nn.ModuleList(stages)
        self.pool_kind = pool
        self.pool = GeM() if pool == "gem" else nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(cin, code_size)
        self.width = cin
        self.local_width = widths[-2]

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        maps = []
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        return maps

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        h = self.feature_maps(x)[-1]
        return self.pool(h).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pooled(x))


class WithLocal(nn.Module):
    """Export wrapper: code plus the L2-normalised second-to-last feature map (for local matching)."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = self.encoder.feature_maps(x)
        code = self.encoder.head(self.encoder.pool(maps[-1]).flatten(1))
        return code, F.normalize(maps[-2], dim=1)


class Decoder(nn.Module):
    """Code -> 32x32 image (normalised units): fc to 4x4, three nearest-up + conv stages."""

    def __init__(self, code_size: int = 128, widths: tuple[int, ...] = (128, 64, 32), side: int = 32) -> None:
        super().__init__()
        self.start = side // 2 ** len(widths)
        self.first = widths[0]
        self.fc = nn.Linear(code_size, self.first * self.start * self.start)
        layers, cin = [], self.first
        for w in widths:
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), conv_block(cin, w, 1)]
            cin = w
        self.ups = nn.Sequential(*layers)
        self.out = nn.Conv2d(cin, 3, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc(z)).view(-1, self.first, self.start, self.start)
        return self.out(self.ups(h))


def projector(code_size: int, hidden: int, out: int, layers: int = 2) -> nn.Sequential:
    mods: list[nn.Module] = []
    cin = code_size
    for _ in range(layers - 1):
        mods += [nn.Linear(cin, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)]
        cin = hidden
    mods.append(nn.Linear(cin, out))
    return nn.Sequential(*mods)


def macs(encoder: Encoder, size: int) -> int:
    total = 0
    hooks = []

    def hook(m, inp, out):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            total += out.numel() // out.shape[0] * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features

    for m in encoder.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        encoder.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total
