"""Where a fit starts: the model the app uses now, and torch weights that reproduce it.

The model in use is what album_app.models.active decides (models/current.json, else the catalog's active
model, else the bundled one). Its torch weights: models/<id>.pt beside a published model; for the bundled
model a source checkout's runs/default/checkpoint.pt or assets/encoder.pt; else a fresh encoder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from album_app.library import LibraryPaths
from album_app.models.encoder import Encoder
from trainer.encoder.config import RunConfig
from trainer.encoder.train import EncoderTrainer, load_weights

REPO = Path(__file__).resolve().parents[2]
#: Codes of the start weights may differ from the model in use's by this much (float order of operations).
CODES_ATOL = 1e-3


@dataclass(frozen=True)
class BaseModel:
    """The model the app uses now: the gate's "before", and what the fit starts from."""

    model_id: str
    onnx_path: Path
    bundled: bool
    encoder: Encoder
    notes: list[str] = field(default_factory=list)  # what the app would warn about when opening it


def model_in_use(paths: LibraryPaths, active_path: str | None, threads: int) -> BaseModel:
    """The model the app would use now for this library (as album_app.models.active decides it)."""
    from album_app.models import load_encoder
    from album_app.models.active import model_path_in_use
    from album_app.models.encoder import default_model_path

    encoder, warnings = load_encoder(model_path_in_use(paths, active_path), threads)
    bundled = encoder.path.resolve() == default_model_path().resolve()
    return BaseModel(encoder.model_id, encoder.path, bundled, encoder, list(warnings))


@dataclass(frozen=True)
class StartPoint:
    """The architecture and input contract the fit trains (``config``) and, when there is one, the torch file
    whose weights it starts from."""

    config: RunConfig
    state: dict[str, Any] | None = None
    path: Path | None = None


def weight_candidates(base: BaseModel) -> list[Path]:
    if base.bundled:
        from album_app.models.encoder import default_model_path

        return [REPO / "runs" / "default" / "checkpoint.pt", default_model_path().with_suffix(".pt")]
    return [base.onnx_path.with_suffix(".pt")]


def start_point(base: BaseModel) -> StartPoint:
    """The first torch weights file that exists for the model in use, else a fresh default encoder."""
    path = next((c for c in weight_candidates(base) if c.is_file()), None)
    if path is None:
        return StartPoint(RunConfig())
    state = load_weights(path)
    return StartPoint(RunConfig.from_dict(state["config"]), state, path)


@dataclass(frozen=True)
class StartWeights:
    """Where the trainer's weights came from, and how closely they reproduce the model in use."""

    source: str  # "published" | "checkpoint" | "fresh"
    path: str | None
    max_abs_diff: float | None
    message: str

    def record(self) -> dict[str, Any]:
        return {"source": self.source, "path": self.path, "max_abs_diff": self.max_abs_diff, "tolerance": CODES_ATOL}


def codes_difference(trainer: EncoderTrainer, base: BaseModel, pixels: np.ndarray) -> float | None:
    """Largest |code difference| between the trainer's encoder and the model in use on ``pixels`` (uint8 NHWC at
    the trainer's input size); None when the two do not even take the same input."""
    if base.encoder.spec.size != trainer.photos.spec.size:
        return None
    return float(np.max(np.abs(trainer.embed(pixels) - base.encoder.embed(pixels))))


def load_start_weights(trainer: EncoderTrainer, base: BaseModel, start: StartPoint, pixels: np.ndarray) -> StartWeights:
    """Load ``start``'s weights into a new fit's trainer and say how well they reproduce the model in use
    (training goes on from them anyway; the gate still compares against the model really in use)."""
    if start.state is None:
        tried = ", ".join(map(str, weight_candidates(base)))
        return StartWeights(
            "fresh",
            None,
            None,
            f"no torch weights for the model in use ({base.model_id}; looked for {tried}): "
            "starting from a freshly initialised encoder",
        )
    trainer.model.load_state_dict(start.state["model"])
    difference = codes_difference(trainer, base, pixels)
    source = "checkpoint" if base.bundled else "published"
    if difference is None:
        message = (
            f"weights {start.path} take {trainer.photos.spec.size} px, the model in use "
            f"{base.encoder.spec.size} px: they are not the same model"
        )
    elif difference > CODES_ATOL:
        message = (
            f"weights {start.path} do not reproduce the model in use {base.model_id} "
            f"(max |diff| {difference:.3g}); fine-tuning them anyway"
        )
    else:
        message = f"starting from {start.path} (reproduces {base.model_id}: max |diff| {difference:.2g})"
    return StartWeights(source, str(start.path), difference, message)
