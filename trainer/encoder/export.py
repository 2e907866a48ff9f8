"""Checkpoint -> encoder.onnx: the encoder only, with its contract in the model's metadata.

The file is written next to its destination and moved into place only after onnxruntime has
reproduced torch's codes on real photos (trainer/onnx.py), so a broken export never replaces a working model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from album_app.preprocess import InputSpec
from trainer.onnx import ExportError, export_stamped, torch_compute, write_checked

from .config import RunConfig
from .data import PhotoRef, load_all, source_photos
from .model import build_model
from .train import load_checkpoint

CONTRACT_VERSION = "1"
INPUT_NAME = "image"
OUTPUT_NAME = "code"


def parity_pixels(photos: list[PhotoRef], spec: InputSpec, count: int = 32) -> np.ndarray:
    """Real photos as the app would feed them (float32 NCHW), for the torch/onnxruntime comparison."""
    from album_app.preprocess import model_pixels, normalise

    images, _ = load_all(photos[:count], max(spec.size, 2 * spec.size), threads=2)
    if not images:
        raise ExportError("no readable photos for the parity check")
    return normalise(np.stack([model_pixels(image, spec) for image in images]), spec)


def training_summary(state: dict[str, Any]) -> dict[str, Any]:
    """What the model was trained on and how, compact enough for ONNX metadata."""
    config = state["config"]
    history = state.get("history", [])
    return {
        "data": state.get("data_summary", {}),
        "steps": int(state["step"]),
        "minutes": round(float(state.get("elapsed_s", 0.0)) / 60, 2),
        "variant": config["model"]["variant"],
        "config": config,
        "losses": history[-1] if history else {},
        "loss_curve": history[:: max(1, len(history) // 20)],
        "runs": state.get("runs", []),
        "figures": state.get("figures", {}),
        "encoder_parameters": state.get("parameters"),
        "saved_at": state.get("saved_at"),
    }


def export_onnx(
    run_dir: str | Path,
    out: str | Path,
    parity_photos: list[PhotoRef] | None = None,
    figures: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Export RUN_DIR's encoder to `out`; returns the metadata written. ExportError on parity failure."""
    state = load_checkpoint(run_dir)
    config = RunConfig.from_dict(state["config"])
    model = build_model(config)
    model.load_state_dict(state["model"])
    encoder = model.encoder.eval()  # eval: BatchNorm uses its running statistics, output is the mean code
    spec = InputSpec(size=config.data.size)
    if figures:
        state["figures"] = figures

    if parity_photos is None:
        parity_photos = source_photos(config.data) if _source_exists(config) else []
    if not parity_photos:
        raise ExportError("no photos for the parity check: give parity photos (the training data is gone)")
    pixels = parity_pixels(parity_photos, spec)

    metadata, difference = write_checked(
        out,
        lambda tmp: export_stamped(
            encoder,
            torch.from_numpy(pixels[:2]),
            tmp,
            INPUT_NAME,
            OUTPUT_NAME,
            lambda model_id: {
                "album_app.contract": CONTRACT_VERSION,
                "input_spec": spec.to_json(),
                "code_size": str(config.model.code_size),
                "model_id": model_id,
                "training_summary": json.dumps(training_summary(state), sort_keys=True),
            },
            ignore=FutureWarning,  # torch.export's deprecation chatter (pytree internals) says nothing here
        ),
        torch_compute(encoder),
        pixels,
        what="encoder",
    )
    print(f"exported {out} (model_id {metadata['model_id']}, parity max |diff| {difference:.2e})", file=sys.stderr)
    return {**metadata, "parity_max_abs_diff": difference}


def _source_exists(config: RunConfig) -> bool:
    if config.data.data:
        return all(Path(folder).is_dir() for folder in config.data.data)
    return config.data.library is not None and Path(config.data.library).exists()
