"""The accepted albums' own autoencoders as a second opinion: which album a photo without a time belongs to.

The models are album_app.models.album_ae (trained by trainer/album_ae/); this module loads a library's
models and asks them, for the window's "why" and for clustering.service.update.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from album_app.catalog import Catalog
from album_app.catalog.codes import active_model
from album_app.catalog.extras import accepted_album_members, photo_code
from album_app.models.album_ae import INDEX_NAME, AlbumModels, album_models_dir

if TYPE_CHECKING:  # the pipeline pulls in the clustering libraries; the runner does not need them
    from album_app.albums.features import LibraryView
    from album_app.albums.pipeline import Suggestion

# --- a library's models, for the window ------------------------------------------------------------------

_CACHE: dict[tuple[str, str], tuple[tuple[tuple[str, int], ...], AlbumModels]] = {}


def library_album_models(catalog: Catalog) -> AlbumModels:
    """The usable album models of a catalog's library for its active encoder, loaded once and reloaded only
    when the files change (a hundred albums take ~1 s to open, the inspector asks for every photo)."""
    model = active_model(catalog)
    if model is None:
        return AlbumModels([], [])
    directory = album_models_dir(catalog.paths.models)
    files = [*sorted(directory.glob("*.onnx")), directory / INDEX_NAME] if directory.is_dir() else []
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in files if p.exists())
    key = (str(directory), model.id)
    cached = _CACHE.get(key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, AlbumModels.load(directory, model.id))
        _CACHE[key] = cached
    return cached[1]


def why_for_photo(catalog: Catalog, photo_id: int, k: int = 3) -> list[tuple[int, float]]:
    """The inspector's "which album, by look": [(album_id, probability)], best first; [] without models."""
    models = library_album_models(catalog)
    model = active_model(catalog)
    if not len(models) or model is None:
        return []
    code = photo_code(catalog, photo_id, model.id)
    return [] if code is None else models.why(code, k)


def second_opinion(
    catalog: Catalog, view: LibraryView, suggestion: Suggestion, rows: np.ndarray, album_ids: Sequence[int]
) -> int:
    """Photos without a time among ``rows`` that the nearest-album rule left Unsorted: place those the
    accepted albums' models are sure of (in place, with the models' reason). ``album_ids[label]`` is the
    album behind suggestion label ``label`` (service.update's numbering). Returns how many were placed."""
    label_of = {int(a): i for i, a in enumerate(album_ids)}
    left = [int(r) for r in np.asarray(rows).reshape(-1) if suggestion.labels[r] < 0 and np.isnan(view.taken_ts[r])]
    if not left:
        return 0
    models = library_album_models(catalog)
    if not len(models):
        return 0
    accepted = set(accepted_album_members(catalog))
    placement = models.place(view.codes[left])
    placed = 0
    for slot, row in enumerate(left):
        album = int(placement.labels[slot])
        if album in accepted and album in label_of:
            suggestion.labels[row] = label_of[album]
            suggestion.confidence[row] = float(placement.probability[slot])
            suggestion.reason[row] = "no EXIF; " + placement.reason(slot)
            placed += 1
    return placed
