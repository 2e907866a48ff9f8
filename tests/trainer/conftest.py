from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def draw_photo(path: Path, kind: str, rng: random.Random, orientation: int = 1) -> None:
    """A small synthetic 'photo': warm blobs or cool stripes, with noise so no two are alike."""
    width, height = rng.randint(48, 80), rng.randint(40, 64)
    if kind == "warm":
        image = Image.new("RGB", (width, height), (rng.randint(150, 255), rng.randint(60, 120), 40))
        draw = ImageDraw.Draw(image)
        for _ in range(4):
            x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(4, 12)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, rng.randint(150, 230), 0))
    else:
        image = Image.new("RGB", (width, height), (30, rng.randint(60, 120), rng.randint(150, 255)))
        draw = ImageDraw.Draw(image)
        for x in range(0, width, rng.randint(5, 9)):
            draw.line((x, 0, x, height), fill=(200, 220, 255), width=2)
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=90, exif=exif)


@pytest.fixture(scope="session")
def photo_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 JPEGs in two class folders (one nested deeper, one rotated by EXIF)."""
    root = tmp_path_factory.mktemp("photos")
    rng = random.Random(0)
    for i in range(10):
        draw_photo(root / "warm" / f"w{i:02d}.jpg", "warm", rng, orientation=6 if i == 0 else 1)
        draw_photo(root / "cool" / ("deeper" if i % 2 else "") / f"c{i:02d}.jpg", "cool", rng)
    return root


@pytest.fixture
def intel_scenes() -> Path:
    path = SHARED_DATA / "intel-scenes" / "train"
    if not path.is_dir():
        pytest.skip(f"real photos absent: {path} (the shared data folder is not beside the repository)")
    return path
