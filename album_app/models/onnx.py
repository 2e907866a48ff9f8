"""The ONNX plumbing every model shares: one way to open a session, one way to find a bundled model file.

The app runs its models with onnxruntime on the CPU; torch never enters the app.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import numpy as np
import onnxruntime as ort

import album_app


def open_session(path: Path, threads: int | None = None, *, error: type[Exception] = RuntimeError,
                 what: str = "model") -> ort.InferenceSession:
    """A CPU inference session, graph optimisation on; ``error`` (a human message) for a missing or
    unreadable file. ``threads`` None: every core (the encoder during a scan); tiny models pass 1."""
    if not path.is_file():
        raise error(f"{what} not found: {path}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1  # the graphs are chains: parallelism lives inside the operators
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: warnings would reach the user's terminal
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as cause:  # onnxruntime raises its own pybind exception types
        detail = str(cause).strip().splitlines()[0][:300] if str(cause).strip() else type(cause).__name__
        raise error(f"{path} is not a readable ONNX model ({detail})") from cause


def metadata(session: ort.InferenceSession) -> dict[str, str]:
    """The model's metadata_props (where every album_app model keeps its contract)."""
    return dict(session.get_modelmeta().custom_metadata_map)


def bundled_asset(name: str) -> Path:
    """A model file shipped in assets/: a source checkout's or a frozen app's, else an installed wheel's
    share/album_app/assets/ (a wheel's data files land in its scheme's data root: the venv, /usr/local on
    Debian, ~/.local for ``pip install --user``). The first candidate when none exists (for the message)."""
    parts = ("assets", name)
    candidates = [Path(album_app.__file__).resolve().parent.parent.joinpath(*parts)]
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller: album_app/ and assets/ both lie in _internal/
    if frozen:
        candidates.append(Path(frozen).joinpath(*parts))
    roots = [
        sys.prefix,
        sysconfig.get_path("data"),
        sysconfig.get_path("data", sysconfig.get_preferred_scheme("user")),
    ]
    candidates += [Path(root, "share", "album_app", *parts) for root in dict.fromkeys(roots)]
    return next((c for c in candidates if c.is_file()), candidates[0])


#: Codes whose spread across varied photos falls below this share of their size tell photos apart by
#: nothing but rounding: a collapsed model (a trained-to-death fit, weights zeroed by a bad export).
MIN_RELATIVE_SPREAD = 1e-3


def output_problems(outputs: np.ndarray) -> list[str]:
    """What is wrong with a model's outputs for a batch of different photos (empty: nothing).

    A model that gives NaN, infinities, all zeros or one code for every photo would be accepted by its
    contract and then quietly break every album; this is checked on real thumbnails before a model is used.
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.size == 0:
        return ["gives no output"]
    if not np.isfinite(outputs).all():
        return ["gives NaN or infinite values"]
    scale = float(np.abs(outputs).max())
    if scale == 0.0:
        return ["gives all-zero output"]
    spread = float(outputs.std(axis=0).max()) if len(outputs) > 1 else scale
    if spread <= MIN_RELATIVE_SPREAD * scale:
        return ["gives the same output for every photo"]
    return []
