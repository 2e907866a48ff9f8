"""The prototype (album_app.albums.roll) on a scanned catalog, read-only, before it is wired into the app.

`load_roll_view` reads what the scan stored (album_app.catalog: photo records and codes) into a RollView;
phase 2 moves this into the albums service. `planned_view` builds a RollView straight from a planned roll
(no pixels, random codes) for timing at 100k photos.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from album_app.albums.roll import RollView, roll_albums


@dataclass
class Loaded:
    view: RollView
    paths: list[str]  # relative to the roll root, in view order


def load_roll_view(library: Path, roll: Path) -> Loaded:
    from album_app.catalog import Catalog
    from album_app.catalog import albums as rows
    from album_app.catalog.codes import active_model
    from album_app.catalog.photos import photo_records
    from album_app.library import resolve_library

    with Catalog(resolve_library(library), writer=False) as catalog:
        model = active_model(catalog)
        facts = rows.photo_facts(catalog, model.id)
        records = {int(r["id"]): r for r in photo_records(catalog, "indexed")}
    ordered = [records[int(pid)] for pid in facts.photo_ids.tolist()]
    view = roll_view(ordered, facts.codes)
    root = roll.resolve()
    paths = [str(Path(r["path"]).resolve().relative_to(root)) for r in ordered]
    return Loaded(view, paths)


def roll_view(records: list[dict], codes: np.ndarray) -> RollView:
    """A RollView from catalog photo records (the `photos --json` fields) and their codes, in that order.

    A time with an offset gives both the instant and the local wall clock; a time without one is a wall
    clock, whose instant is taken at the offset most of the roll's photos carry (a camera without a time
    zone is usually set to home time)."""
    n = len(records)
    local = np.full(n, np.nan)
    instant = np.full(n, np.nan)
    offsets: list[float | None] = []
    for i, record in enumerate(records):
        text = record.get("taken_at")
        offset = None
        if text:
            moment = datetime.fromisoformat(text)
            local[i] = moment.replace(tzinfo=UTC).timestamp()
            if moment.utcoffset() is not None:
                offset = moment.utcoffset().total_seconds()
        offsets.append(offset)
    known = [o for o in offsets if o is not None]
    usual = Counter(known).most_common(1)[0][0] if known else 0.0
    for i, offset in enumerate(offsets):
        instant[i] = local[i] - (offset if offset is not None else usual)
    cameras = [record.get("camera") or "" for record in records]
    device_ids = {name: index for index, name in enumerate(sorted(set(cameras)))}
    return RollView(
        names=[Path(str(r["path"])).name for r in records],
        formats=[r.get("format") for r in records],
        width=np.array([r.get("width") or np.nan for r in records], np.float64),
        height=np.array([r.get("height") or np.nan for r in records], np.float64),
        has_camera=np.array([bool(c) for c in cameras]),
        device=np.array([device_ids[c] for c in cameras], np.int64),
        taken_ts=instant, local_ts=local,
        hint_ts=np.array([np.nan if r.get("time_hint_ts") is None else r["time_hint_ts"] for r in records]),
        lat=np.array([np.nan if r.get("lat") is None else r["lat"] for r in records], np.float64),
        lon=np.array([np.nan if r.get("lon") is None else r["lon"] for r in records], np.float64),
        codes=np.asarray(codes, np.float32),
    )


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
