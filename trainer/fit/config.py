"""The settings of a fit job and its budget (torch-free: the CLI builds them)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

#: FitConfig fields a resumed job takes from the new command rather than from the job it continues.
RUN_SETTINGS = ("threads", "nice", "device", "max_steps", "min_gain", "nmi_slack", "checkpoint_every_s", "log_every_s")


@dataclass
class FitConfig:
    """Settings of one fit job (stored in LIBRARY/training/job.json and in the published record)."""

    holdout_share: float = 0.2  # share of each event's EXIF photos kept out of training, for the gate
    seed: int = 0
    batch_size: int = 64  # photos per step (two views each)
    per_event: int = 4  # photos of one event (or kept album) drawn together
    labelled_share: float = 0.75  # share of a batch drawn event by event; the rest from all photos
    lr: float = 5e-4  # fine-tuning: half the base model's rate
    freeze_bn: bool = True  # encoder BatchNorm statistics stay the base model's
    warmup_steps: int = 20
    # When the decoder and projection head start fresh (weights read back out of the model in use, which holds
    # the encoder only), their random gradients would first pull the encoder away from what it knows: measured, a
    # 20-minute fit from the bundled model placed fewer friend's copies (0.50 -> 0.39). So the encoder stays
    # frozen for this share of the training time while the heads learn to read it.
    head_warmup_share: float = 0.15
    recon_weight: float = 1.0  # denoising reconstruction: keeps the code describing the photo
    consistency: str = "ntxent"  # ntxent (views of a photo agree and differ from other photos) | align (agree only)
    consistency_weight: float = 1.0  # two friend-like views of a photo
    consistency_temperature: float = 0.2
    library_weight: float = 1.0  # supervised contrast over events and the user's albums
    library_temperature: float = 0.3  # 0.1 packed events so tight that the outlier limit shrank past the copies
    max_photos: int | None = 10_000  # decoded photos kept in memory (~37 kB each at 128×96)
    threads: int | None = None  # torch threads; None = max(1, cores − 1), the app keeps a core
    nice: int = 10  # added to the process's niceness: overnight work must not slow the person's machine
    device: str = "auto"
    checkpoint_every_s: float = 180.0
    log_every_s: float = 10.0
    max_steps: int | None = None  # stop training at this total step count (tests, quick checks)
    min_gain: float = 0.0  # the held-out score must rise by more than this (negative: tests, experts)
    nmi_slack: float = 0.01  # ...and NMI may not fall by more than this

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FitConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class Budget:
    """When training must stop: a wall-clock deadline (--until) or seconds of this job (--hours/--minutes)."""

    seconds: float | None = None
    until: str | None = None  # "HH:MM", local time

    def describe(self) -> str:
        return f"until {self.until}" if self.until else f"{(self.seconds or 0) / 60:.1f} min"


def reserve_s(total_s: float) -> float:
    """Time kept back from training for measuring, exporting and publishing (10 %, 20 s to 5 min)."""
    return min(300.0, max(20.0, 0.1 * total_s))


def next_time(hhmm: str, now: datetime) -> datetime:
    """The next local wall-clock HH:MM after ``now`` (tonight's 07:00 is tomorrow morning)."""
    try:
        hour, minute = (int(part) for part in hhmm.split(":"))
        moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    except ValueError as error:
        raise ValueError(f"--until wants HH:MM (24-hour clock), got {hhmm!r}") from error
    return moment if moment > now else moment + timedelta(days=1)
