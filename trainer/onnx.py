"""ONNX in and out, for every model the trainer makes: one stamped export, one parity check, one way to read
torch weights back out of an exported file.

  * `export_stamped`: a torch module as one self-contained ONNX file, its id and contract in the metadata;
  * `write_checked`: any ONNX file is written beside its destination and moves into place only after
    onnxruntime (opened the way the app opens it) has reproduced torch's outputs and the app's own loader
    has accepted it, so a broken export never replaces a working model;
  * `weights_from_onnx`: the inverse, for fine-tunes that must start from the model in use when the app
    ships (or a library holds) only its ONNX file.
"""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from torch import nn

from album_app.models.onnx import open_session

from .io import atomic_path

PARITY_ATOL = 1e-4
#: The exporter computes in another order than torch (folded BatchNorm, fused ops): weights read back must
#: reproduce the file's outputs to this, which is far below anything a photo's code or a logit resolves.
RECOVERY_ATOL = 1e-3
BATCHNORM_EPS = 1e-5  # torch's default: a folded BatchNorm gets running_var 1 - eps, so sqrt(var + eps) = 1

Compute = Callable[[np.ndarray], np.ndarray]  # float32 model inputs -> outputs
T = TypeVar("T")


class ExportError(RuntimeError):
    """An export that must not be used: torch and onnxruntime disagree, or the file does not load."""


def torch_compute(module: nn.Module) -> Compute:
    """``module`` in eval mode as a numpy function (what an exported file must reproduce), on whichever device
    the module lives (a fit on a GPU checks its start weights there)."""

    def compute(inputs: np.ndarray) -> np.ndarray:
        module.eval()
        device = next((p.device for p in module.parameters()), torch.device("cpu"))
        with torch.no_grad():
            return module(torch.from_numpy(np.ascontiguousarray(inputs)).to(device)).cpu().numpy()

    return compute


def export_stamped(
    module: nn.Module,
    example: torch.Tensor,
    path: Path,
    input_name: str,
    output_name: str,
    metadata_for: Callable[[str], dict[str, str]],
    *,
    ignore: type[Warning] = Warning,
) -> dict[str, str]:
    """``module`` (one input, dynamic batch axis) as one self-contained ONNX file at ``path``, stamped with
    ``metadata_for(model_id)`` and checked; returns the metadata. The id names graph + weights: the same
    export twice gets the same id, any change a new one. Warnings of class ``ignore`` are hushed."""
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".export-") as folder:
        raw_path = Path(folder) / "raw.onnx"
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
    stamp(proto, metadata)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return metadata


def stamp(proto: onnx.ModelProto, metadata: dict[str, str]) -> None:
    """Replace the model's metadata_props (where every album_app model keeps its contract)."""
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)


def check_parity(
    compute: Compute, path: Path, inputs: np.ndarray, *, atol: float | None = PARITY_ATOL, what: str = "model"
) -> float:
    """torch (``compute``) vs onnxruntime on the same inputs: the largest |difference|; ExportError when the
    shapes differ or (unless ``atol`` is None: measure only) any value is further apart than ``atol``."""
    inputs = np.ascontiguousarray(inputs, dtype=np.float32)
    session = open_session(path, threads=1, error=ExportError, what=what)
    got = session.run([session.get_outputs()[0].name], {session.get_inputs()[0].name: inputs})[0]
    expected = np.asarray(compute(inputs))
    if got.shape != expected.shape:
        raise ExportError(f"{what}: onnxruntime output shape {got.shape} != torch {expected.shape}")
    difference = float(np.max(np.abs(got - expected))) if got.size else 0.0
    if atol is not None and not np.allclose(got, expected, atol=atol):
        raise ExportError(f"{what}: onnxruntime and torch disagree: max |diff| {difference:.3g} > {atol}")
    return difference


def write_checked(
    out: str | Path,
    write: Callable[[Path], T],
    compute: Compute,
    inputs: np.ndarray,
    *,
    validate: Callable[[Path], object] | None = None,
    what: str = "model",
) -> tuple[T, float]:
    """Write an ONNX file to ``out`` atomically: ``write(tmp)`` makes it beside ``out``, then onnxruntime must
    reproduce ``compute`` on ``inputs`` (`check_parity`) and ``validate(tmp)`` (the app's loader) accept it
    before it replaces ``out``. Returns what ``write`` returned and the parity's max |difference|."""
    with atomic_path(out) as tmp:
        written = write(tmp)
        difference = check_parity(compute, tmp, inputs, what=what)
        if validate is not None:
            validate(tmp)
    return written, difference


def weights_from_onnx(path: str | Path, module: nn.Module, inputs: np.ndarray, *, atol: float = RECOVERY_ATOL) -> float:
    """Load ``module`` with the weights of the exported ``path`` (a file exported from a module of the same
    architecture) and check that it reproduces the file's outputs on ``inputs``; returns the max |difference|.

    Initializers are matched by name (the exporter keeps torch's parameter names). The exporter folds each
    BatchNorm into the convolution before it (``<conv>.weight`` scaled, plus a ``<conv>.weight_bias``);
    such a BatchNorm gets identity statistics and the folded bias, which computes the same function in eval
    mode, so it must stay frozen (eval) while fine-tuning. Raises ValueError when the file's weights do not
    map onto ``module``, the file does not load, or the loaded module misses the file's outputs by more than
    ``atol``; ``module`` is then left as it was.
    """
    try:
        proto = onnx.load(str(path))
    except Exception as error:  # OSError, protobuf's DecodeError, ...: a file that is not what it says
        raise ValueError(f"{path} is not a readable ONNX model ({type(error).__name__}: {error})") from error
    found = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy()) for i in proto.graph.initializer}
    folded = _folded_batchnorms(module)
    state: dict[str, torch.Tensor] = {}
    for name, tensor in module.state_dict().items():
        prefix, _, leaf = name.rpartition(".")
        if name in found:
            state[name] = found[name]
        elif leaf == "num_batches_tracked":
            state[name] = tensor.clone()
        elif prefix in folded and f"{folded[prefix]}.weight_bias" in found:
            bias = found[f"{folded[prefix]}.weight_bias"]
            state[name] = {
                "weight": torch.ones_like(tensor),
                "bias": bias,
                "running_mean": torch.zeros_like(tensor),
                "running_var": torch.full_like(tensor, 1.0 - BATCHNORM_EPS),
            }[leaf]
        else:
            raise ValueError(f"{path}: no weights for {name}")
        if state[name].shape != tensor.shape:
            raise ValueError(f"{path}: {name} is {tuple(state[name].shape)}, the model wants {tuple(tensor.shape)}")
    before = {name: tensor.clone() for name, tensor in module.state_dict().items()}
    module.load_state_dict(state)
    try:
        difference = check_parity(torch_compute(module), Path(path), inputs, atol=None, what=str(path))
        if not difference <= atol:  # NaN included
            raise ValueError(f"the weights read back from {path} miss its outputs by {difference:.3g} (> {atol:g})")
    except (ValueError, ExportError) as error:
        module.load_state_dict(before)  # the caller's module is as it was
        raise ValueError(str(error)) from error
    return difference


def _folded_batchnorms(module: nn.Module) -> dict[str, str]:
    """{BatchNorm module name: the convolution just before it}: where the exporter folds one into the other."""
    pairs, last_conv = {}, None
    for name, child in module.named_modules():
        if isinstance(child, nn.modules.conv._ConvNd):
            last_conv = name
        elif isinstance(child, nn.modules.batchnorm._BatchNorm) and last_conv is not None:
            pairs[name] = last_conv
            last_conv = None
    return pairs
