"""A library where no photo has a trusted EXIF time (a downloads folder, a friend's WhatsApp dump): every
clustering method gives albums by look alone instead of crashing (issue 12, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_library import run
from PIL import Image


def look(kind: int, seed: int) -> Image.Image:
    """Three unmistakable looks (stripes, checks, a gradient), each photo a slightly different take."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:96, 0:128]
    shift = int(rng.integers(0, 6))
    if kind == 0:
        base = np.stack([((x + shift) // 8 % 2) * 220, np.full_like(x, 40), np.full_like(x, 30)], -1)
    elif kind == 1:
        base = np.stack([np.full_like(x, 30), (((x + shift) // 16 + y // 16) % 2) * 200, np.full_like(x, 220)], -1)
    else:
        base = np.stack([np.full_like(x, 200), (y * 2 + shift) % 256, (x + shift) % 256], -1)
    noise = rng.normal(0, 8, base.shape)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("untimed")
    photos, kinds = root / "downloads", {}
    photos.mkdir()
    for i in range(27):
        path = photos / f"image ({i}).jpg"  # a browser's download names: no date anywhere
        look(i % 3, i).save(path, "JPEG", quality=90)
        kinds[str(path)] = i % 3
    library = root / "library"
    run(library, "scan", str(photos), "--quiet", "--workers", "0")
    return library, kinds


@pytest.mark.parametrize("method", ["auto", "affinity", "kmeans", "hdbscan"])
def test_every_method_groups_an_untimed_library_by_look(scanned, method):
    library, kinds = scanned
    run(library, "cluster", "--method", method)
    state = json.loads(run(library, "albums", "--json"))
    assert state["albums"], f"{method}: no album at all for 27 photos of three looks"
    for album in state["albums"]:
        looks = {kinds[path] for path in album["photos"]}
        assert len(looks) == 1, f"{method}: album {album['name']!r} mixes looks {looks}"
    placed = sum(len(album["photos"]) for album in state["albums"])
    assert placed >= 18, f"{method}: only {placed} of 27 photos in albums"
