"""Models published into a library's models/ folder by the trainer, and the pointer to the one in use.

The trainer never writes to the catalog (the app may hold it open): it publishes atomically into
``LIBRARY/models/`` and moves the pointer ``models/current.json``; the app reads the pointer when it
opens an encoder and records the model in the catalog's history. Rollback moves the pointer back.

    models/<model_id>.onnx    the encoder (written as .partial, validated, renamed)
    models/<model_id>.json    its record: published_at, base model, data, figures before/after
    models/current.json       {"model_id": ID or "bundled", "path": "models/ID.onnx" or null, "history": [...]}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from album_app.library import LibraryPaths

POINTER = "current.json"
BUNDLED = "bundled"


@dataclass(frozen=True)
class Published:
    model_id: str  # "bundled" for the model that ships with the app
    path: Path | None  # None for the bundled model
    record: dict[str, object]


def read_pointer(paths: LibraryPaths) -> dict[str, object] | None:
    try:
        data = json.loads((paths.models / POINTER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "model_id" in data else None


def current(paths: LibraryPaths) -> Published | None:
    """The published model the library should use, or None when nothing was ever published."""
    pointer = read_pointer(paths)
    if pointer is None:
        return None
    model_id = str(pointer["model_id"])
    if model_id == BUNDLED or not pointer.get("path"):
        return Published(BUNDLED, None, {})
    path = paths.root / str(pointer["path"])
    return Published(model_id, path, read_record(paths, model_id))


def read_record(paths: LibraryPaths, model_id: str) -> dict[str, object]:
    try:
        data = json.loads((paths.models / f"{model_id}.json").read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_json_atomically(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w") as handle:
        json.dump(value, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def point_to(paths: LibraryPaths, model_id: str) -> dict[str, object]:
    """Make ``model_id`` (a published id, or "bundled") the library's model; keeps the history of pointers."""
    pointer = read_pointer(paths) or {"history": []}
    history = list(pointer.get("history", []))  # type: ignore[call-overload]
    if pointer.get("model_id"):
        history.append({"model_id": pointer["model_id"], "until": datetime.now(UTC).isoformat(timespec="seconds")})
    if model_id != BUNDLED and not (paths.models / f"{model_id}.onnx").is_file():
        raise FileNotFoundError(f"no published model {model_id} in {paths.models}")
    new = {
        "model_id": model_id,
        "path": None if model_id == BUNDLED else f"models/{model_id}.onnx",
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "history": history[-50:],
    }
    write_json_atomically(paths.models / POINTER, new)
    return new


def previous_model(paths: LibraryPaths) -> str:
    """The model in use before the current one (skipping ones whose file is gone), else "bundled"."""
    pointer = read_pointer(paths) or {}
    now = pointer.get("model_id")
    for entry in reversed(list(pointer.get("history", []))):  # type: ignore[call-overload]
        candidate = str(entry.get("model_id"))
        if candidate == now:
            continue
        if candidate == BUNDLED or (paths.models / f"{candidate}.onnx").is_file():
            return candidate
    return BUNDLED
