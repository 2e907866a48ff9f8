"""A library with one GPS album and many unrelated downloads: the look limit must not vanish with few albums
(issue 12: 30 of 32 unrelated EXIF-less photos went into the only album, "Arezzo"). Real photos: the
9-photo GPS walk of exif-samples and 32 product and scene photos without EXIF."""

from __future__ import annotations

import json
import shutil

from cli_library import run
from shared_data import shared_path


def test_unrelated_downloads_stay_out_of_the_only_album(tmp_path):
    walk = sorted(shared_path("exif-samples", "jpg", "gps").glob("*.jpg"))
    unrelated = sorted(shared_path("clothing-small", "test").glob("*/*.jpg"))[:16]
    scenes = shared_path("intel-scenes", "train")
    unrelated += [sorted((scenes / kind).glob("*.jpg"))[i] for kind in ("sea", "forest") for i in range(8)]
    photos = tmp_path / "photos"
    (photos / "downloads").mkdir(parents=True)
    for path in walk:
        shutil.copy(path, photos / path.name)
    for i, path in enumerate(unrelated):
        shutil.copy(path, photos / "downloads" / f"image ({i}).jpg")
    library = tmp_path / "library"
    run(library, "scan", str(photos), "--quiet", "--workers", "0")
    run(library, "cluster")
    state = json.loads(run(library, "albums", "--json"))
    walk_album = next(a for a in state["albums"] if str(photos / walk[0].name) in a["photos"])
    assert {str(photos / p.name) for p in walk} <= set(walk_album["photos"])
    strangers = [p for p in walk_album["photos"] if p.startswith(str(photos / "downloads"))]
    assert len(strangers) <= 0.1 * len(unrelated), f"{len(strangers)} unrelated photos in {walk_album['name']!r}"
