"""The model in use: the catalog remembers it; a broken one gives way to the bundled default.

A model the trainer published into the library's models/ folder (see published.py) takes over the
next time an encoder is opened, and enters the catalog's model history with its figures.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from album_app.catalog import Catalog
from album_app.catalog.codes import active_model, probe_hashes, register_model, set_active_model
from album_app.ingest.decode import load_thumbnail
from album_app.library import LibraryPaths
from album_app.models import published
from album_app.models.encoder import PROBE_PHOTOS, Encoder, default_model_path, load_encoder, open_encoder


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

    Every model is tried on some of the library's own thumbnails first: one that gives NaN, zeros or the
    same code for everything is refused, and the model in use until now (whose codes the catalog holds)
    stays. An ``override`` (``embeddings --model``) is what the person asked for: refused, it raises
    ModelError instead of falling back. With ``activate`` (and a writable catalog) the model that actually
    loaded is recorded as the one in use, so photos embedded by another model are re-embedded in the
    background.
    """
    record = active_model(catalog)
    chosen = published.current(catalog.paths)
    probe = library_thumbnails(catalog)
    if override is not None:
        encoder, warnings = open_encoder(override, threads, probe), []
    else:
        path = model_path_in_use(catalog.paths, record.path if record else None)
        in_use = Path(record.path) if record else None
        encoder, warnings = load_encoder(path, threads, probe=probe, fallback=in_use)
    if activate and catalog.writer:
        bundled = encoder.path.resolve() == default_model_path().resolve()
        published_one = chosen is not None and not bundled and encoder.path == chosen.path
        summary = dict(chosen.record) if published_one else dict(encoder.summary)  # type: ignore[union-attr]
        register_model(catalog, encoder.model_id, str(encoder.path), "bundled" if bundled else "trained", summary)
        if record is None or record.id != encoder.model_id:
            set_active_model(catalog, encoder.model_id)
    return encoder, warnings


def library_thumbnails(catalog: Catalog, count: int = PROBE_PHOTOS) -> list[Image.Image]:
    """Some of the library's own photos (from the thumbnail cache) to try a model on."""
    found = (load_thumbnail(catalog.paths.thumbnails, h) for h in probe_hashes(catalog, count))
    return [image for image in found if image is not None]
