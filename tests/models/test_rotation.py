"""Rotation suggestions (the shipped model on held-out photos), rotated export copies, the suggestion table."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album_app.models.rotation import (
    ORIENTATION_TAG,
    RotationModel,
    RotationModelError,
    default_rotation_model_path,
    is_holdout,
    turn_clockwise,
)
from album_app.services.rotations import rotate_for_export

CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")
SCENES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "intel-scenes" / "train"


@pytest.fixture(scope="module")
def model() -> RotationModel:
    return RotationModel.load()


def test_shipped_model_is_small_and_calibrated(model: RotationModel):
    assert default_rotation_model_path().stat().st_size < 2_000_000
    assert 0.5 <= model.min_confidence < 1.0 and len(model.model_id) == 16
    assert model.spec.size == 64 and model.summary.get("held_out_accuracy", 0) > 0.7


def test_shipped_model_finds_the_turn_of_held_out_photos(model: RotationModel):
    if not SCENES.is_dir():
        pytest.skip(f"needs the real photos at {SCENES} (../shared/data beside the repository), which is absent")
    root = SCENES
    photos = []
    for name in CLASSES:
        held = [p for p in sorted((root / name).glob("*.jpg")) if is_holdout(p.name)]
        photos += held[:3]  # never trained on (the trainer skips the same hash split)
    images = [Image.open(p).convert("RGB") for p in photos]
    right, total = 0, 0
    for k in range(4):
        # Turned k quarter turns counter-clockwise: k clockwise turns make it upright again.
        shown = [turn_clockwise(image, -k) for image in images]
        probs = model.probabilities(np.stack([np.asarray(im.resize((64, 64))) for im in shown]))
        right += int((probs.argmax(axis=1) == k).sum())
        total += len(shown)
    assert right / total >= 0.8, f"{right}/{total}"
    suggestions = model.suggest([turn_clockwise(image, -1) for image in images])
    assert sum(s.quarter_turns == 1 for s in suggestions) >= len(images) // 2
    assert all(s.quarter_turns in (0, 1) or s.confidence >= model.min_confidence for s in suggestions)


def test_missing_or_foreign_model_is_refused(tmp_path: Path):
    with pytest.raises(RotationModelError):
        RotationModel.load(tmp_path / "absent.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"junk")
    with pytest.raises(RotationModelError):
        RotationModel.load(tmp_path / "junk.onnx")


# --- rotate_for_export ----------------------------------------------------------------------------


def marked_photo(path: Path, orientation: int = 1) -> Path:
    """40×20 grey, with a red block in the top-left corner of the stored pixels."""
    pixels = np.full((20, 40, 3), 128, np.uint8)
    pixels[:6, :6] = (255, 0, 0)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2024:04:12 10:00:00"
    if orientation != 1:
        exif[ORIENTATION_TAG] = orientation
    Image.fromarray(pixels).save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def red_corner(image: Image.Image) -> str:
    array = np.asarray(image.convert("RGB"), np.int32)
    h, w = array.shape[:2]
    corners = {
        "top-left": array[1, 1],
        "top-right": array[1, w - 2],
        "bottom-left": array[h - 2, 1],
        "bottom-right": array[h - 2, w - 2],
    }
    return max(corners, key=lambda c: corners[c][0] - corners[c][2])


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_rotate_for_export_writes_a_turned_copy_and_never_touches_the_original(tmp_path: Path):
    src = marked_photo(tmp_path / "in.jpg")
    before = fingerprint(src)
    out = rotate_for_export(src, 1, tmp_path / "out" / "in.jpg")
    assert fingerprint(src) == before
    with Image.open(out) as copy:
        assert copy.size == (20, 40)  # a quarter turn clockwise
        assert red_corner(copy) == "top-right"
        exif = copy.getexif()
        assert exif.get(ORIENTATION_TAG, 1) == 1
        assert exif.get_ifd(0x8769).get(0x9003) == "2024:04:12 10:00:00"  # the rest of the EXIF travels
    rotate_for_export(src, 3, tmp_path / "left.jpg")
    with Image.open(tmp_path / "left.jpg") as copy:
        assert red_corner(copy) == "bottom-left"
    assert fingerprint(src) == before


def test_rotate_for_export_starts_from_the_displayed_photo(tmp_path: Path):
    src = marked_photo(tmp_path / "tagged.jpg", orientation=6)  # shown turned a quarter clockwise
    out = rotate_for_export(src, 0, tmp_path / "copy.jpg")
    with Image.open(out) as copy:
        assert copy.size == (20, 40) and red_corner(copy) == "top-right"
        assert copy.getexif().get(ORIENTATION_TAG, 1) == 1  # baked in: no viewer turns it twice


def test_rotate_for_export_refuses_the_original_and_links_to_it(tmp_path: Path):
    src = marked_photo(tmp_path / "in.jpg")
    before = fingerprint(src)
    with pytest.raises(ValueError):
        rotate_for_export(src, 1, src)
    os.link(src, tmp_path / "hard.jpg")
    with pytest.raises(ValueError):
        rotate_for_export(src, 1, tmp_path / "hard.jpg")
    os.symlink(src, tmp_path / "soft.jpg")
    with pytest.raises(ValueError):
        rotate_for_export(src, 2, tmp_path / "soft.jpg")
    assert fingerprint(src) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_rotate_for_export_png(tmp_path: Path):
    src = tmp_path / "in.png"
    pixels = np.zeros((10, 30, 4), np.uint8)
    pixels[..., 3] = 255
    Image.fromarray(pixels, "RGBA").save(src)
    out = rotate_for_export(src, 2, tmp_path / "out.png")
    with Image.open(out) as copy:
        assert copy.format == "PNG" and copy.size == (30, 10) and copy.mode == "RGBA"


# --- the suggestion table (migration 3 text) ---------------------------------------------------------


def test_rotation_table_round_trip(tmp_path: Path):
    from album_app.catalog import Catalog
    from album_app.catalog.extras import (
        dismiss_rotation,
        has_rotation_table,
        photos_without_rotation,
        rotation_for,
        store_rotations,
        suggested_rotations,
    )
    from album_app.catalog.photos import IndexedFile, write_files
    from album_app.ingest.meta import PhotoMeta
    from album_app.library import resolve_library

    with Catalog(resolve_library(tmp_path / "library")) as catalog:
        assert has_rotation_table(catalog)  # migration 3
        write_files(
            catalog, [IndexedFile(f"/p/{i}.jpg", 1, 1, f"h{i}", "JPEG", meta=PhotoMeta()) for i in range(3)], None
        )
        pending = photos_without_rotation(catalog, "rot")
        assert [p.path for p in pending] == ["/p/0.jpg", "/p/1.jpg", "/p/2.jpg"]
        ids = [p.photo_id for p in pending]
        with catalog.transaction() as conn:
            store_rotations(conn, "rot", [(ids[0], 0, 0.99), (ids[1], 1, 0.95), (ids[2], 3, 0.91)])
        assert photos_without_rotation(catalog, "rot") == []
        assert [r.photo_id for r in suggested_rotations(catalog, "rot")] == [ids[1], ids[2]]
        with catalog.transaction() as conn:
            dismiss_rotation(conn, ids[1], "rot")
            store_rotations(conn, "rot", [(ids[1], 1, 0.97)])  # a re-run keeps the dismissal
        row = rotation_for(catalog, ids[1], "rot")
        assert row is not None and row.dismissed and row.confidence == pytest.approx(0.97)
        assert [r.photo_id for r in suggested_rotations(catalog, "rot")] == [ids[2]]
        assert rotation_for(catalog, ids[0], "other-model") is None
