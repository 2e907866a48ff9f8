"""Configuration dataclasses (every field has a default; the CLI only overrides what it is given).

The whole configuration is stored in each checkpoint and in the exported model's training summary,
so a run is described by its files alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from trainer.train_config import TrainConfig

VARIANTS = ("plain", "denoising", "variational")
POOLS = ("avg", "gem")


@dataclass
class DataConfig:
    data: tuple[str, ...] = ()  # folder trees of photos (searched recursively)
    library: str | None = None  # or an album_app catalog (read-only)
    size: int = 64  # model input side in pixels (InputSpec.size): what the app feeds the exported encoder
    # Global views' side while training (None = size). Smaller than `size` is "FixRes" (Touvron et al. 2019):
    # more steps in the same time, then BatchNorm re-calibrated at `size` (bn_recalibration) closes the gap.
    train_size: int | None = None
    exclude: tuple[str, ...] = ()  # sub-folders of a --data root left out (held-out groups), as "a/b"
    cache_side: int = 96  # decoded photos are kept in memory with this short side (room for crops)
    limit: int | None = None  # at most this many photos (a seeded sample), None = all
    crop_scale: tuple[float, float] = (0.2, 1.0)  # random resized crop: share of the area kept
    jitter: float = 0.4  # brightness/contrast/saturation strength
    white_balance: float = 0.15  # per-channel gain spread
    grayscale_p: float = 0.2
    blur_p: float = 0.3
    jpeg_p: float = 0.3
    downscale_p: float = 0.2
    # Multi-crop (Caron et al., SwAV): this many small views of a detail of each photo beside the two global
    # views; matching a detail to the whole is what a friend's closer or wider framing asks of the code.
    local_views: int = 0
    local_size: int = 48
    local_scale: tuple[float, float] = (0.05, 0.3)
    bn_recalibration: int = 0  # after training: BN statistics from this many clean photos at `size` (0 = off)

    @property
    def view_size(self) -> int:
        """The global training views' side."""
        return self.train_size or self.size


@dataclass
class ModelConfig:
    architecture: str = "conv_autoencoder"  # a name in model.ARCHITECTURES (the one place models are built)
    pool: str = "avg"  # avg | gem (generalised mean, learnt exponent: lets a few strong details decide)
    variant: str = "plain"  # plain | denoising | variational (one code path, see model.py)
    widths: tuple[int, ...] = (32, 64, 128, 256)  # one stride-2 stage per width
    extra_convs: tuple[int, ...] = (0, 0, 1, 1)  # stride-1 convs after each stage's stride-2 one
    decoder_widths: tuple[int, ...] = (64, 32, 16)  # upsampling stages, coarse to fine
    code_size: int = 128
    proj_size: int = 64  # contrastive projection head output (training only, not exported)
    proj_hidden: int | None = None  # its hidden width (None = code_size)
    recon_side: int = 32  # the decoder rebuilds the photo at this side, whatever the input side
    noise_std: float = 0.3  # denoising: Gaussian noise (in normalised units) ...
    mask_p: float = 0.2  # ... and this share of pixels zeroed


@dataclass
class LossConfig:
    objective: str = "autoencoder"  # a name in losses.OBJECTIVES: what `album-trainer train` minimises
    recon_weight: float = 1.0
    contrastive_weight: float = 1.0  # 0 turns the model into a plain autoencoder
    temperature: float = 0.2
    kl_weight: float = 1e-3  # variational only


@dataclass
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunConfig:
        """Rebuild from `to_dict` output; unknown keys are ignored so old checkpoints still load."""
        return cls(
            data=_build(DataConfig, raw.get("data", {})),
            model=_build(ModelConfig, raw.get("model", {})),
            loss=_build(LossConfig, raw.get("loss", {})),
            train=_build(TrainConfig, raw.get("train", {})),
        )

    def validate(self) -> None:
        if self.model.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.model.variant!r} (choose from {', '.join(VARIANTS)})")
        if bool(self.data.data) == (self.data.library is not None):
            raise ValueError("give exactly one data source: a folder (--data) or a catalog (--library)")
        if self.model.pool not in POOLS:
            raise ValueError(f"unknown pool {self.model.pool!r} (choose from {', '.join(POOLS)})")
        for name, side in (("size", self.data.size), ("train_size", self.data.view_size)):
            if side % (2 ** len(self.model.widths)) != 0:
                raise ValueError(f"{name} {side} must be divisible by 2**{len(self.model.widths)}")
        if self.model.recon_side % (2 ** len(self.model.decoder_widths)) != 0:
            raise ValueError(
                f"recon_side {self.model.recon_side} must be divisible by 2**{len(self.model.decoder_widths)}"
            )
        if len(self.model.extra_convs) != len(self.model.widths):
            raise ValueError("extra_convs needs one count per encoder stage (widths)")
        if len(self.model.decoder_widths) > len(self.model.widths):
            raise ValueError("the decoder cannot have more stages than the encoder")
        if self.data.cache_side < max(self.data.size, self.data.view_size):
            raise ValueError("cache_side must be at least size and train_size")
        if self.train.batch_size < 2:
            raise ValueError("batch_size must be at least 2 (the contrastive loss needs negatives)")


def _build(cls: type, raw: dict[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    kwargs = {}
    for key, value in raw.items():
        if cls is DataConfig and key == "data":
            value = [] if value is None else [value] if isinstance(value, str) else value
        if key in known:
            # JSON and torch.save round-trip tuples as lists; the dataclasses declare tuples.
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)
