"""One album's autoencoder as an ONNX file the app reads (album_app/models/album_ae.py), parity-checked."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from album_app.models.album_ae import CONTRACT_KEY, CONTRACT_VERSION, INPUT_NAME, OUTPUT_NAME
from trainer.onnx import stamp, write_checked

from .model import AlbumAE, CodeAE, fingerprint

OPSET = 17
#: Held-out member errors kept in a model's metadata for the ensemble calibration (a seeded sample).
MAX_HELDOUT_IN_METADATA = 256


def _layers(model: CodeAE) -> list[nn.Module]:
    return [*model.encoder, *model.decoder]


def to_onnx(model: CodeAE, metadata: Mapping[str, str]) -> onnx.ModelProto:
    """The CodeAE as an ONNX graph, written node by node (a 4-layer MLP needs no exporter; this takes a
    millisecond where torch's dynamo exporter takes a second per album): code (N, D) → error (N,)."""
    dim = int(model.mean.shape[0])
    inits = [
        numpy_helper.from_array(model.mean.detach().numpy().astype(np.float32), "mean"),
        numpy_helper.from_array(np.array([1e-12], np.float32), "eps"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
    ]
    nodes = [
        helper.make_node("Sub", [INPUT_NAME, "mean"], ["centred"]),
        helper.make_node("Mul", ["centred", "centred"], ["centred_sq"]),
        helper.make_node("ReduceSum", ["centred_sq", "axis1"], ["norm_sq"], keepdims=1),
        helper.make_node("Sqrt", ["norm_sq"], ["norm"]),
        helper.make_node("Max", ["norm", "eps"], ["norm_safe"]),
        helper.make_node("Div", ["centred", "norm_safe"], ["z"]),
    ]
    current = "z"
    for index, layer in enumerate(_layers(model)):
        out = f"h{index}"
        if isinstance(layer, nn.Linear):
            weight, bias = f"w{index}", f"b{index}"
            inits.append(numpy_helper.from_array(layer.weight.detach().numpy().astype(np.float32), weight))
            inits.append(numpy_helper.from_array(layer.bias.detach().numpy().astype(np.float32), bias))
            nodes.append(helper.make_node("Gemm", [current, weight, bias], [out], transB=1))
        elif isinstance(layer, nn.Tanh):
            nodes.append(helper.make_node("Tanh", [current], [out]))
        else:
            raise TypeError(f"cannot export layer {layer!r}")
        current = out
    nodes += [
        helper.make_node("Sub", [current, "z"], ["residual"]),
        helper.make_node("Mul", ["residual", "residual"], ["residual_sq"]),
        helper.make_node("ReduceSum", ["residual_sq", "axis1"], [OUTPUT_NAME], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "album_autoencoder",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", dim])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch"])],
        initializer=inits,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="album_app.trainer")
    proto.ir_version = 8  # readable by every onnxruntime this app supports (>= 1.17)
    stamp(proto, dict(metadata))
    onnx.checker.check_model(proto)
    return proto


def export_album_ae(
    ae: AlbumAE,
    path: str | os.PathLike[str],
    *,
    album_id: int,
    code_model_id: str,
    member_ids: Sequence[int],
    parity_codes: np.ndarray | None = None,
) -> dict[str, str]:
    """Write ``path`` atomically (after an onnxruntime-vs-torch parity check, trainer/onnx.py); returns the
    metadata."""
    c = ae.config
    rng = np.random.default_rng(c.seed)
    members = np.asarray(member_ids, np.int64)
    keep = np.sort(rng.choice(len(members), min(len(members), MAX_HELDOUT_IN_METADATA), replace=False))
    metadata = {
        CONTRACT_KEY: CONTRACT_VERSION,
        "album_id": str(int(album_id)),
        "code_model_id": code_model_id,
        "code_size": str(int(ae.mean_.shape[0])),
        "member_count": str(len(members)),
        "fingerprint": fingerprint(members.tolist(), code_model_id, c),
        "loc": repr(ae.loc_),
        "temperature": repr(ae.temperature_),
        "threshold": repr(ae.threshold_),
        "threshold_quantile": repr(c.threshold_quantile),
        # {photo id: held-out error}: lets the ensemble calibration reuse this album without retraining it.
        "heldout": json.dumps({str(int(members[i])): float(ae.heldout_errors_[i]) for i in keep}),
        "config": c.key(),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    proto = to_onnx(ae.model_, metadata)
    probe = parity_codes if parity_codes is not None else np.zeros((1, ae.mean_.shape[0]), np.float32)
    write_checked(path, lambda tmp: onnx.save(proto, str(tmp)), ae.errors, probe, what=f"album {album_id}")
    return metadata
