"""Which files an export takes along with each item: the parts the scan paired with it (ingest.pairing).

- A Live Photo's video (``live``) always goes beside its photo: without it the photo is no longer live.
- The RAW of a RAW+JPEG pair (``raw``) goes beside its JPEG only when asked (``--with-raw``, the export
  dialog's checkbox): it is large, and the JPEG is what the library shows.
- An exact copy of a photo already in the library (``copy``) never goes: the item is that photo.
- The XMP sidecar of the item and of each part that goes (digiKam's ``IMG_1.JPG.xmp``, Lightroom's
  ``IMG_1.xmp``) goes beside it: it holds the person's ratings, keywords and corrections, and the programs
  that wrote it find it by name (services.export.plan_layout keeps ``.CR2.xmp``-style double suffixes).

A motion photo (Samsung, Pixel) is one file with its video inside, so it needs nothing here: it is exported
as it is, and never as a turned copy (services.rotations.rotate_for_export refuses, keeping the video).
"""

from __future__ import annotations

from album_app.catalog import Catalog
from album_app.catalog.albums import photo_paths
from album_app.catalog.photos import item_parts, sidecars
from album_app.ingest.pairing import LIVE, RAW


def export_parts(catalog: Catalog, *, with_raw: bool = False) -> dict[str, list[str]]:
    """Item path -> the paths of the part files an export puts beside it (items without any are left out)."""
    kinds = {LIVE, RAW} if with_raw else {LIVE}
    paths = photo_paths(catalog)
    parts = item_parts(catalog, list(paths))
    beside = sidecars(catalog)
    found = {}
    for item, path in paths.items():
        files = [part for part, kind in parts.get(item, []) if kind in kinds]
        files = [*files, *(beside[file] for file in (path, *files) if file in beside)]
        if files:
            found[path] = files
    return found
