"""Checkpoint -> encoder.onnx: the encoder only, with its contract in the model's metadata.

The file is written next to its destination and moved into place only after onnxruntime has
reproduced torch's codes on real photos, so a broken export never replaces a working model.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch

from album_app.preprocess import InputSpec

from .config import RunConfig
from .data import PhotoRef, folder_photos, load_all, source_photos
from .train import build_model, load_checkpoint

CONTRACT_VERSION = "1"
INPUT_NAME = "image"
OUTPUT_NAME = "code"
PARITY_ATOL = 1e-4


class ExportError(RuntimeError):
    pass


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


def export_stamped(
    module: torch.nn.Module,
    example: torch.Tensor,
    folder: Path,
    input_name: str,
    output_name: str,
    metadata_for: Callable[[str], dict[str, str]],
    *,
    ignore: type[Warning] = Warning,
) -> tuple[Path, dict[str, str]]:
    """``module`` (one input, dynamic batch axis) as one self-contained ONNX file in ``folder``, stamped with
    ``metadata_for(model_id)`` and checked; returns (its path, the metadata). The id names graph + weights:
    the same export twice gets the same id, any change a new one. Warnings of class ``ignore`` are hushed."""
    raw_path = folder / "raw.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ignore)
        torch.onnx.export(
            module,
            (example,),
            str(raw_path),
            input_names=[input_name],
            output_names=[output_name],
            dynamic_shapes={"x": {0: torch.export.Dim("batch")}},
            external_data=False,  # one self-contained file, no *.onnx.data beside it
            dynamo=True,
            verbose=False,
        )
    proto = onnx.load(str(raw_path))
    metadata = metadata_for(hashlib.sha256(proto.SerializeToString()).hexdigest()[:16])
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    final = folder / "final.onnx"
    onnx.save(proto, str(final))
    return final, metadata


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

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as tmp:
        final_tmp, metadata = export_stamped(
            encoder,
            torch.from_numpy(pixels[:2]),
            Path(tmp),
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
        )

        difference = check_parity(encoder, final_tmp, pixels)
        os.replace(final_tmp, out)
    print(f"exported {out} (model_id {metadata['model_id']}, parity max |diff| {difference:.2e})", file=sys.stderr)
    return {**metadata, "parity_max_abs_diff": difference}


def check_parity(encoder: torch.nn.Module, path: Path, pixels: np.ndarray) -> float:
    """torch vs onnxruntime on the same inputs; raises ExportError beyond PARITY_ATOL."""
    with torch.no_grad():
        expected = encoder(torch.from_numpy(pixels)).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT_NAME], {INPUT_NAME: pixels})[0]
    if got.shape != expected.shape:
        raise ExportError(f"onnxruntime output shape {got.shape} != torch {expected.shape}")
    difference = float(np.max(np.abs(got - expected)))
    if not np.allclose(got, expected, atol=PARITY_ATOL):
        raise ExportError(f"onnxruntime and torch disagree: max |diff| {difference:.3g} > {PARITY_ATOL}")
    return difference


def _source_exists(config: RunConfig) -> bool:
    if config.data.data:
        return all(Path(folder).is_dir() for folder in config.data.data)
    return config.data.library is not None and Path(config.data.library).exists()


def photos_from_folder(folder: str | Path) -> list[PhotoRef]:
    return folder_photos(folder)
