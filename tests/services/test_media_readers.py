"""Code outside the scan that reads pixels never opens a video or RAW original with Pillow (issue 16): the
rotation pass judges stills only (a HEIC by its thumbnail), the trainer's catalog readers read videos and
RAW files from the scan's thumbnails only. On the fixtures of tests/fixtures/media."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_helpers import cli, scanned_card, snapshot

from album_app.catalog import Catalog, read_photo_paths
from album_app.catalog.extras import photos_without_rotation
from album_app.catalog.training import read_training_snapshot
from album_app.ingest.decode import thumbnail_path
from album_app.library import resolve_library
from album_app.models.rotation import RotationModel

#: A Live Photo, a RAW on its own (no JPEG beside it), a motion photo, two videos, a plain photo.
CARD = ("IMG_0001.HEIC", "IMG_0001.MOV", "DSC_0042.DNG", "PXL_motion.jpg", "clip.mp4", "portrait.mov",
        "scan_0007.jpg")
STILLS = ["IMG_0001.HEIC", "PXL_motion.jpg", "scan_0007.jpg"]
NOT_FOR_PILLOW = ["DSC_0042.DNG", "clip.mp4", "portrait.mov"]

pytest.importorskip("av", reason="PyAV reads the videos")
pytest.importorskip("rawpy", reason="rawpy reads the RAW file")


@pytest.fixture
def card(tmp_path: Path) -> tuple[Path, Path]:
    library, folder = scanned_card(tmp_path, CARD)
    code, out, err = cli("--library", str(library), "photos", "--json")
    assert code == 0, err
    indexed = sorted(Path(r["path"]).name for r in json.loads(out) if r["status"] == "indexed")
    assert indexed == sorted(STILLS + NOT_FOR_PILLOW)  # the RAW alone is an item, the MOV a part
    return library, folder


def test_the_rotation_pass_judges_stills_only_and_a_heic_by_its_thumbnail(card):
    from album_app.services.rotations import update_suggestions

    library, folder = card
    before = snapshot(sorted(folder.iterdir()))
    model = RotationModel.load()
    with Catalog(resolve_library(library), writer=True) as catalog:
        pending = {Path(p.path).name: p for p in photos_without_rotation(catalog, model.model_id)}
        assert sorted(pending) == sorted(STILLS)  # no video, no RAW file
        heic = pending["IMG_0001.HEIC"]
        assert heic.thumbnail is not None and Path(heic.thumbnail).is_file()
        assert pending["scan_0007.jpg"].thumbnail is None  # a JPEG is judged from itself (a reduced decode)
        found = update_suggestions(catalog, model)
        assert len(found.rows) == len(STILLS) and found.unreadable == 0
        assert photos_without_rotation(catalog, model.model_id) == []
    assert snapshot(sorted(folder.iterdir())) == before


def test_a_heic_without_its_thumbnail_is_judged_from_the_original(card):
    from album_app.services.rotations import update_suggestions

    library, _ = card
    model = RotationModel.load()
    with Catalog(resolve_library(library), writer=True) as catalog:
        [heic] = [p for p in photos_without_rotation(catalog, model.model_id) if p.path.endswith(".HEIC")]
        Path(heic.thumbnail).unlink()
        found = update_suggestions(catalog, model)
        assert heic.photo_id in {pid for pid, _, _ in found.rows} and found.unreadable == 0


def test_the_trainers_readers_take_videos_and_raw_files_from_the_thumbnails_only(card):
    library, _ = card
    paths = resolve_library(library)
    assert sorted(Path(p).name for p, _ in read_photo_paths(library)) == sorted(STILLS)
    photos = {Path(p.path).name: p for p in read_training_snapshot(paths).photos}
    assert sorted(photos) == sorted(STILLS + NOT_FOR_PILLOW)
    assert sorted(name for name, p in photos.items() if p.thumbnail_only) == sorted(NOT_FOR_PILLOW)
    for name in NOT_FOR_PILLOW:
        assert thumbnail_path(paths.thumbnails, photos[name].content_hash).is_file()


def test_the_trainer_reads_a_videos_poster_and_never_the_video(card):
    pytest.importorskip("torch", reason="the trainer's data module")
    from trainer.encoder.data import PhotoRef
    from trainer.fit.library_data import load_cached

    library, _ = card
    paths = resolve_library(library)
    video = next(p for p in read_training_snapshot(paths).photos if p.path.endswith("clip.mp4"))
    ref = PhotoRef(video.path, video.orientation)
    poster = load_cached(paths, ref, video.content_hash, 64, 32, thumbnail_only=True)
    assert min(poster.size) >= 32
    thumbnail_path(paths.thumbnails, video.content_hash).unlink()
    with pytest.raises(ValueError, match="without a thumbnail"):
        load_cached(paths, ref, video.content_hash, 64, 32, thumbnail_only=True)
