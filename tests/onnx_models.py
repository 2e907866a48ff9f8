"""Tiny encoder-shaped ONNX models built with onnx.helper (no torch), for tests of how the app opens,
checks and refuses models. Needs the ``onnx`` package (the train extra)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from album_app.preprocess import InputSpec


def make_model(
    path: Path,
    size: int = 16,
    code: int = 5,
    metadata: dict[str, str] | None = None,
    graph_size: int | None = None,
    graph_code: int | None = None,
    batch: int | str = "N",
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
) -> Path:
    """A tiny valid encoder-shaped ONNX model whose metadata (and declared shapes) a test chooses: the code
    is ``mean colour @ weight (+ bias)``, so a test can make one that gives NaN, zeros or a constant."""
    graph_size = graph_size or size
    graph_code = graph_code or code
    if weight is None:
        weight = np.arange(3 * graph_code, dtype=np.float32).reshape(3, graph_code) / 10
    initializers = [numpy_helper.from_array(np.asarray(weight, np.float32), "w")]
    nodes = [
        helper.make_node("GlobalAveragePool", ["image"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w"], ["code"] if bias is None else ["product"]),
    ]
    if bias is not None:
        nodes.append(helper.make_node("Add", ["product", "b"], ["code"]))
        initializers.append(numpy_helper.from_array(np.asarray(bias, np.float32), "b"))
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, graph_size, graph_size])],
        [helper.make_tensor_value_info("code", TensorProto.FLOAT, [batch, graph_code])],
        initializer=initializers,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    proto.ir_version = 8
    if metadata is None:
        metadata = contract(size, code)
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
    return path


def contract(size: int = 16, code: int = 5, **spec_changes: object) -> dict[str, str]:
    spec = InputSpec(size=size, **spec_changes)  # type: ignore[arg-type]
    return {
        "album_app.contract": "1",
        "input_spec": spec.to_json(),
        "code_size": str(code),
        "model_id": "0123456789abcdef",
        "training_summary": json.dumps({"steps": 3}),
    }


