"""Where a fit starts: the model the app uses now, and torch weights that reproduce it.

The model in use is what album_app.models.active decides (models/current.json, else the catalog's active
model, else the bundled one). Its weights come from that model, never from a source checkout:
  1. a model this trainer published carries its torch weights beside it (models/<id>.pt, with the decoder
     and projection head the fit also trains);
  2. otherwise (the bundled model ships as ONNX only) the encoder's weights are read back out of the ONNX
     file (trainer/onnx.py `weights_from_onnx`, the routine the rotation trainer uses too), in the
     architecture its training summary names; the decoder and projection head start fresh;
  3. either is used only if it reproduces the model in use's codes on the library's own photos (within
     CODES_ATOL); when neither does, the fit starts from a freshly initialised encoder and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from album_app.library import LibraryPaths
from album_app.models.encoder import Encoder
from album_app.preprocess import normalise
from trainer.encoder.config import RunConfig
from trainer.encoder.train import EncoderTrainer, load_weights
from trainer.onnx import RECOVERY_ATOL, weights_from_onnx

#: Start weights may miss the model in use's codes by this much (the exporter's folded BatchNorm and fused
#: ops compute in another order): far below anything a code resolves, far above a different model.
CODES_ATOL = RECOVERY_ATOL


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
    """The architecture and input contract the fit trains (``config``), and the published weights file it
    starts from when the model in use has one (``state``; else its ONNX file is read back)."""

    config: RunConfig
    state: dict[str, Any] | None = None
    path: Path | None = None
    notes: tuple[str, ...] = ()


def published_weights(base: BaseModel) -> tuple[dict[str, Any] | None, str | None]:
    """The torch weights published beside the model in use (models/<id>.pt), or (None, why not)."""
    path = base.onnx_path.with_suffix(".pt")
    if base.bundled or not path.is_file():
        return None, None
    try:
        state = load_weights(path)
    except (OSError, ValueError, RuntimeError, EOFError) as error:
        return None, f"{path} is unreadable ({error})"
    if state.get("model_id") not in (None, base.model_id):
        return None, f"{path} holds the weights of {state.get('model_id')}, not of {base.model_id}"
    return state, None


def onnx_config(base: BaseModel) -> RunConfig:
    """The architecture the model in use was trained with (its training summary's config), at its input size."""
    config = RunConfig.from_dict(base.encoder.summary.get("config") or {})
    config.data.size = base.encoder.spec.size
    config.data.cache_side = max(config.data.cache_side, config.data.size)
    config.model.code_size = base.encoder.code_size
    return config


def start_point(base: BaseModel) -> StartPoint:
    """Where a new fit's weights come from (module docstring)."""
    state, why_not = published_weights(base)
    if state is not None:
        return StartPoint(RunConfig.from_dict(state["config"]), state, base.onnx_path.with_suffix(".pt"))
    return StartPoint(onnx_config(base), notes=(why_not,) if why_not else ())


@dataclass(frozen=True)
class StartWeights:
    """Where the trainer's weights came from, and how closely they reproduce the model in use."""

    source: str  # "published" (models/<id>.pt) | "onnx" (read back out of the model in use) | "fresh"
    path: str | None
    max_abs_diff: float | None  # the start encoder's codes vs the model in use's, on the library's photos
    message: str

    def record(self) -> dict[str, Any]:
        return {"source": self.source, "path": self.path, "max_abs_diff": self.max_abs_diff, "tolerance": CODES_ATOL}


def codes_difference(trainer: EncoderTrainer, base: BaseModel, pixels: np.ndarray) -> float:
    """Largest |code difference| between the trainer's encoder and the model in use on ``pixels`` (uint8 NHWC)."""
    return float(np.max(np.abs(trainer.embed(pixels) - base.encoder.embed(pixels))))


def load_start_weights(trainer: EncoderTrainer, base: BaseModel, start: StartPoint, pixels: np.ndarray) -> StartWeights:
    """Load a new fit's start weights into ``trainer`` (module docstring); ``pixels``: some of the library's
    photos (uint8 NHWC at the model's input size) to check them on."""
    tried = list(start.notes)
    fresh = {name: tensor.clone() for name, tensor in trainer.model.state_dict().items()}
    if start.state is not None:
        trainer.model.load_state_dict(start.state["model"])
        difference = codes_difference(trainer, base, pixels)
        if difference <= CODES_ATOL:
            return StartWeights(
                "published",
                str(start.path),
                difference,
                f"starting from the model in use {base.model_id}: its weights {start.path} reproduce its codes "
                f"(max |diff| {difference:.2g} <= {CODES_ATOL:g})",
            )
        tried.append(f"{start.path} misses its codes by {difference:.3g}")
        trainer.model.load_state_dict(fresh)
    if base.encoder.spec.size != trainer.photos.spec.size:
        tried.append(f"it takes {base.encoder.spec.size} px, the weights {trainer.photos.spec.size} px")
    else:
        try:
            difference = weights_from_onnx(
                base.onnx_path, trainer.model.encoder, normalise(pixels, base.encoder.spec), atol=CODES_ATOL
            )
        except ValueError as error:
            tried.append(str(error))
        else:
            passed_over = f" (passed over: {'; '.join(tried)})" if tried else ""
            return StartWeights(
                "onnx",
                str(base.onnx_path),
                difference,
                f"starting from the model in use {base.model_id}: its encoder's weights read back out of "
                f"{base.onnx_path} reproduce its codes (max |diff| {difference:.2g} <= {CODES_ATOL:g}); "
                f"the decoder and projection head start fresh{passed_over}",
            )
    trainer.model.load_state_dict(fresh)
    return StartWeights(
        "fresh",
        None,
        None,
        f"cannot start from the model in use {base.model_id} ({'; '.join(tried)}): starting from a freshly "
        "initialised encoder, which the gate will likely refuse",
    )
