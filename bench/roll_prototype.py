"""album_app.albums.roll called directly on a scanned catalog (the "prototype" row beside the CLI's).

`load_roll_view` reads what the scan stored as the app's clustering reads it (library_view, then
RollView.from_library); `planned_view` builds a RollView straight from a planned roll (no pixels, random
codes) for timing at 100k photos.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import numpy as np

from album_app.albums.roll import RollView, roll_albums


@dataclass
class Loaded:
    view: RollView
    paths: list[str]  # relative to the roll root, in view order


def load_roll_view(library: Path, roll: Path) -> Loaded:
    """The roll as the app's clustering sees it (services.clustering.library_view, RollView.from_library), read
    from a copy of the catalog (so that a catalog another checkout wrote, of an older schema, is read too)."""
    from album_app.catalog import Catalog
    from album_app.catalog import albums as rows
    from album_app.library import CATALOG_NAME, resolve_library
    from album_app.services.clustering import library_view

    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(resolve_library(library).catalog, Path(scratch) / CATALOG_NAME)
        with Catalog(resolve_library(Path(scratch)), writer=True) as catalog:
            view = library_view(catalog)
            by_id = rows.photo_paths(catalog, view.photo_ids.tolist())
    root = roll.resolve()
    paths = [str(Path(by_id[int(pid)]).resolve().relative_to(root)) for pid in view.photo_ids.tolist()]
    return Loaded(RollView.from_library(view), paths)


def prototype_albums(loaded: Loaded) -> list[dict]:
    result = roll_albums(loaded.view)
    return [{"name": album.name, "kind": album.kind, "photos": [loaded.paths[i] for i in album.rows.tolist()]}
            for album in result.albums]


def planned_view(n_photos: int, seed: int = 7) -> tuple[RollView, int]:
    """A planned roll scaled to about ``n_photos`` (more photos per day and more years), as arrays."""
    from roll_places import gazetteer
    from roll_plan import offset, plan_person

    base = plan_person(gazetteer(), seed, months=18)
    scale = max(1.0, n_photos / max(len(base.shots), 1))
    months = int(18 * min(scale, 8.0))  # up to 12 years, then more photos a day
    person = plan_person(gazetteer(), seed, months=months, scale=max(1.0, scale * 18 / months))
    shots = person.shots
    rng = np.random.default_rng(seed)
    local = np.array([s.local.replace(tzinfo=UTC).timestamp() for s in shots])
    instant = np.array([(s.local - offset(s.zone, s.local)).replace(tzinfo=UTC).timestamp() for s in shots])
    no_exif = np.array([s.device == "none" for s in shots])
    names = [("Screenshot_x.png" if s.kind == "screenshot" else f"IMG-{s.local:%Y%m%d}-WA0001.jpg"
              if s.kind == "friend" else "download.jpg") if s.device == "none" else "PXL_x.jpg" for s in shots]
    view = RollView(
        names=names, formats=["PNG" if s.kind == "screenshot" else "JPEG" for s in shots],
        width=np.where(no_exif, 1080.0, 320.0), height=np.where(no_exif, 2400.0, 240.0),
        has_camera=~no_exif, device=np.array([1 if s.device == "camera" else 0 for s in shots]),
        taken_ts=np.where(no_exif, np.nan, instant), local_ts=np.where(no_exif, np.nan, local),
        hint_ts=np.array([(s.sent or s.local).replace(tzinfo=UTC).timestamp() if s.kind == "friend" else np.nan
                          for s in shots]),
        lat=np.array([np.nan if s.lat is None else s.lat for s in shots]),
        lon=np.array([np.nan if s.lon is None else s.lon for s in shots]),
        codes=rng.normal(size=(len(shots), 128)).astype(np.float32),
    )
    return view, len(shots)
