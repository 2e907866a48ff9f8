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


class PointerError(ValueError):
    """models/current.json is there but does not say which model to use, or which ones came before."""


def load_pointer(paths: LibraryPaths) -> dict[str, object] | None:
    """The pointer as `point_to` writes it; None when there is none; PointerError when the file is there but
    is not one (unreadable JSON, no model id, a path outside models/)."""
    file = paths.models / POINTER
    try:
        data = json.loads(file.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise PointerError(f"{file} is unreadable ({error})") from error
    problem = _pointer_problem(paths, data)
    if problem:
        raise PointerError(f"{file} is malformed: {problem}")
    return data


def _pointer_problem(paths: LibraryPaths, data: object) -> str:
    if not isinstance(data, dict):
        return f"a JSON object was expected, not {type(data).__name__}"
    model_id, path = data.get("model_id"), data.get("path")
    if not isinstance(model_id, str) or not model_id:
        return f"model_id is {model_id!r}"
    if path is not None and not isinstance(path, str):
        return f"path is {path!r}"
    if path and model_id != BUNDLED and paths.models.resolve() not in (paths.root / path).resolve().parents:
        return f"path {path!r} is not in {paths.models}"
    return ""


def read_pointer(paths: LibraryPaths) -> dict[str, object] | None:
    """The pointer, or None when there is none or it is malformed: reading the library never fails on it
    (the app then goes on as if nothing was published: the catalog's active model, else the bundled one)."""
    try:
        return load_pointer(paths)
    except PointerError:
        return None


def history(pointer: dict[str, object]) -> list[dict[str, object]]:
    """The models in use before the pointer's, oldest first; PointerError when the list is malformed (an entry
    that is not {"model_id": ID, ...})."""
    entries = pointer.get("history", [])
    if not isinstance(entries, list):
        raise PointerError(f"its history is {type(entries).__name__}, not a list of earlier models")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("model_id"), str) or not entry["model_id"]:
            raise PointerError(f"its history holds {entry!r}, not an earlier model ({{'model_id': ID, ...}})")
    return entries


def current(paths: LibraryPaths) -> Published | None:
    """The published model the library should use, or None when nothing was ever published (or the pointer
    is malformed)."""
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
    try:
        earlier = list(history(pointer))
    except PointerError:
        earlier = []  # a malformed history is dropped, not repeated (rollback refuses to guess from one)
    if pointer.get("model_id"):
        earlier.append({"model_id": pointer["model_id"], "until": datetime.now(UTC).isoformat(timespec="seconds")})
    if model_id != BUNDLED and not (paths.models / f"{model_id}.onnx").is_file():
        raise FileNotFoundError(f"no published model {model_id} in {paths.models}")
    new = {
        "model_id": model_id,
        "path": None if model_id == BUNDLED else f"models/{model_id}.onnx",
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "history": earlier[-50:],
    }
    write_json_atomically(paths.models / POINTER, new)
    return new


def previous_model(paths: LibraryPaths) -> str:
    """The model in use before the current one (skipping ones whose file is gone), else "bundled";
    PointerError when the pointer or its history is malformed (there is no telling what came before)."""
    pointer = load_pointer(paths) or {}
    now = pointer.get("model_id")
    try:
        earlier = history(pointer)
    except PointerError as error:
        raise PointerError(f"{paths.models / POINTER} is malformed: {error}") from error
    for entry in reversed(earlier):
        candidate = str(entry["model_id"])
        if candidate == now:
            continue
        if candidate == BUNDLED or (paths.models / f"{candidate}.onnx").is_file():
            return candidate
    return BUNDLED
