"""The model in use: the catalog remembers it; a broken one gives way to the bundled default.

A model the trainer published into the library's models/ folder (see published.py) takes over the
next time an encoder is opened, and enters the catalog's model history with its figures.
"""

from __future__ import annotations

from pathlib import Path

from album_app.catalog import Catalog
from album_app.catalog.codes import active_model, register_model, set_active_model
from album_app.library import LibraryPaths
from album_app.models import published
from album_app.models.encoder import Encoder, default_model_path, load_encoder


def model_path_in_use(paths: LibraryPaths, active_path: str | None) -> Path | None:
    """The published pointer wins, else the catalog's active model; None means the bundled one.

    The trainer's fit starts from the same model, so both call this.
    """
    chosen = published.current(paths)
    if chosen is not None:
        return chosen.path  # None: the library was rolled back to the bundled model
    return Path(active_path) if active_path else None


def open_active_encoder(
    catalog: Catalog, override: Path | None = None, *, threads: int | None = None, activate: bool = True
) -> tuple[Encoder, list[str]]:
    """The encoder to embed with, and warnings for the person (e.g. "model X is corrupt, using default").

    With ``activate`` (and a writable catalog) the model that actually loaded is recorded as the
    one in use, so photos embedded by another model are re-embedded in the background.
    """
    record = active_model(catalog)
    chosen = published.current(catalog.paths)
    path = override if override is not None else model_path_in_use(catalog.paths, record.path if record else None)
    encoder, warnings = load_encoder(path, threads)
    if activate and catalog.writer:
        bundled = encoder.path.resolve() == default_model_path().resolve()
        summary = dict(chosen.record) if chosen and not bundled else dict(encoder.summary)
        register_model(catalog, encoder.model_id, str(encoder.path), "bundled" if bundled else "trained", summary)
        if record is None or record.id != encoder.model_id:
            set_active_model(catalog, encoder.model_id)
    return encoder, warnings
