"""Albums from a photo library: time/place events, EXIF-less photos placed by look, clustering, names.

    from album_app.albums import LibraryView, suggest_albums, place_new, describe_album
    suggestion = suggest_albums(view)            # labels (-1 = Unsorted), confidence, reason, method
    names = [describe_album(t, lat, lon).name for t, lat, lon in ...]

Pure: arrays in, labels out (no SQL, no Qt, no files); see pipeline.py for the flow.
"""

from __future__ import annotations

import importlib
from typing import Any

# Lazy: edits, export and the GUI import this package without paying for scikit-learn (~3 s cold).
_EXPORTS = {
    "FusionWeights": "features",
    "LibraryView": "features",
    "AlbumDescription": "naming",
    "describe_album": "naming",
    "format_date_range": "naming",
    "AUTO_METHOD": "pipeline",
    "Suggestion": "suggestion",
    "place_new": "pipeline",
    "suggest_albums": "pipeline",
}

#: One estimator each in cluster.py (the one list every caller takes its choices from).
ESTIMATORS = ("events", "affinity", "kmeans", "hdbscan")
#: Albums shaped like a life around a home: trips, outings, gatherings, everyday months (life_suggest.py).
LIFE = "life"
#: What ``method=`` accepts: ``auto`` is ``life`` for a library lived around a home, else the estimator that
#: scores best on a library of events (pipeline.AUTO_METHOD).
METHODS = ("auto", LIFE, *ESTIMATORS)
#: What a person chooses from (CLI, window): ``events`` alone is a baseline for the benchmarks.
USER_METHODS = ("auto", LIFE, "kmeans", "affinity", "hdbscan")

__all__ = ["ESTIMATORS", "LIFE", "METHODS", "USER_METHODS", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
