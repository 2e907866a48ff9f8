"""Publish a fitted encoder into a library atomically, or point the library back at an earlier model.

Publishing follows album_app.models.published: models/<id>.onnx is exported as a .partial file,
parity-checked against torch (trainer/onnx.py) and validated with the app's own read_contract,
its record (<id>.json) and torch weights (<id>.pt, so a later fit can continue) are written, the
.partial is renamed, and only then does point_to() move models/current.json.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from album_app.exit_codes import EXIT_ERROR, EXIT_OK
from album_app.library import LibraryPaths, resolve_library
from album_app.models import published
from album_app.models.encoder import ModelError, read_contract
from trainer.encoder.export import export_onnx
from trainer.io import LOG_FILE, JsonLines, atomic_path


def publish(
    paths: LibraryPaths,
    run_dir: Path,
    record: dict[str, Any],
    parity_photos: list[Any],
    weights: dict[str, Any],
) -> tuple[str, Path]:
    """Export RUN_DIR's checkpoint into LIBRARY/models and point the library at it; returns (id, path).

    Raises ExportError (parity) or ModelError (the app would refuse it); nothing is pointed at then,
    and the partial file is removed.
    """
    models = paths.models
    models.mkdir(parents=True, exist_ok=True)
    partial = models / f".fit-{os.getpid()}.onnx.partial"
    try:
        meta = export_onnx(run_dir, partial, parity_photos=parity_photos, figures=record.get("figures"))
        contract = read_contract(partial)  # exactly the app's check: a model it would refuse is never published
        if contract.model_id != meta["model_id"]:
            raise ModelError(f"exported model id {meta['model_id']} reads back as {contract.model_id}")
        model_id = contract.model_id
        final = models / f"{model_id}.onnx"
        record = {
            **record,
            "id": model_id,
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "contract": {"size": contract.spec.size, "code_size": contract.code_size},
            "parity_max_abs_diff": meta["parity_max_abs_diff"],
            "path": f"models/{model_id}.onnx",
        }
        with atomic_path(models / f"{model_id}.pt") as tmp:
            torch.save({**weights, "model_id": model_id}, tmp)
        published.write_json_atomically(models / f"{model_id}.json", record)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    published.point_to(paths, model_id)
    return model_id, final


def rollback(paths: LibraryPaths, to: str | None = None) -> dict[str, Any]:
    """Point the library back at ``to`` (a published id or "bundled"), by default the previous model.

    A published model is re-validated with the app's read_contract first: rolling back to a file
    that the app would refuse would only make it fall back to the bundled model with a warning. Without
    ``to``, a malformed pointer history raises published.PointerError: nothing is moved.
    """
    pointer = published.read_pointer(paths) or {}
    target = to or published.previous_model(paths)
    if target != published.BUNDLED:
        path = paths.models / f"{target}.onnx"
        if path.parent != paths.models:  # an id, not a path
            raise FileNotFoundError(f"{target!r} is not a model id (no published model {target} in {paths.models})")
        if not path.is_file():
            raise FileNotFoundError(f"no published model {target} in {paths.models}")
        read_contract(path)
    new = published.point_to(paths, target)
    return {"from": pointer.get("model_id", published.BUNDLED), "to": new["model_id"], "path": new["path"]}


def run_rollback(library: str | None, to: str | None) -> int:
    """`album-trainer rollback`: `rollback`, said as a JSON line (and in trainer.log); returns the exit code."""
    paths = resolve_library(library)
    out = JsonLines(log_path=paths.logs / LOG_FILE)
    try:
        out.emit({"type": "rollback", **rollback(paths, to)})
        return EXIT_OK
    except published.PointerError as error:  # no telling which model came before: the person says
        message = f"{error}; name the model to go back to: --to ID (a file in {paths.models}) or --to bundled"
        return _refuse(out, message)
    except (FileNotFoundError, ModelError) as error:
        return _refuse(out, str(error))
    finally:
        out.close()


def _refuse(out: JsonLines, message: str) -> int:
    out.emit({"type": "error", "command": "rollback", "message": message})
    print(f"album-trainer rollback: {message}", file=sys.stderr)
    return EXIT_ERROR
