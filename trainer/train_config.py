"""How one training run is run — budget, schedule, checkpoints, device — for every model `trainer.loop.Trainer`
fits. Torch-free (the CLI builds it), stored in each checkpoint with the rest of a run's configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TrainConfig:
    batch_size: int = 128  # examples per step (the encoder: photos, each giving two augmented views)
    lr: float = 1e-3
    lr_final: float = 0.1  # cosine decay over the run's budget down to lr * lr_final
    warmup_steps: int = 20  # linear warm-up of a fresh run (Adam + BN are touchy at the start)
    weight_decay: float = 0.0
    optimizer: str = "adam"  # adam (L2 weight decay) | adamw (decoupled weight decay)
    minutes: float = 10.0  # wall-clock budget of this run (a resumed run gets a fresh budget); inf: none
    max_steps: int | None = None  # stop at this total step count (checkpoint step included)
    seed: int = 0
    threads: int | None = None  # torch CPU threads; None = torch's default
    log_every_s: float = 2.0
    checkpoint_every_s: float = 120.0
    device: str | None = None  # None = cuda when present, else cpu
    freeze_bn: bool = False  # keep BatchNorm statistics (of `Trainer.batchnorm_to_freeze`) as they are
