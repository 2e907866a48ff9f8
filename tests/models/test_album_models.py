"""Per-album models: the scoring rules (no model needed) and placement by trained models on clustered codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from album_app.models.album_ae import (
    INDEX_NAME,
    AlbumModels,
    AlbumScorer,
    album_models_dir,
    model_path,
)

# --- the rules, on hand-made errors ----------------------------------------------------------------------


def scorer(**kwargs: object) -> AlbumScorer:
    # Three albums; thresholds 0.1; loc/temperature only matter when normalising.
    return AlbumScorer([7, 8, 9], [np.log(0.05)] * 3, [0.5, 0.5, 0.5], [0.1, 0.1, 0.1], **kwargs)  # type: ignore[arg-type]


def test_clear_winner_outlier_and_ambiguous():
    errors = np.array(
        [
            [0.01, 0.09, 0.09],  # album 7 reconstructs it far better
            [0.50, 0.40, 0.30],  # nobody reconstructs it within the threshold: outlier
            [0.02, 0.021, 0.5],  # 7 and 8 about equally: ambiguous
        ]
    )
    placement = scorer().place(errors, min_probability=0.7)
    assert placement.labels.tolist() == [7, -1, -1]
    assert placement.outlier.tolist() == [False, True, False]
    assert placement.ambiguous.tolist() == [False, False, True]
    assert placement.best.tolist()[0] == 7
    np.testing.assert_allclose(placement.probabilities.sum(axis=1), 1.0)
    assert "fits no accepted album" in placement.reason(1)
    assert "about as likely" in placement.reason(2)
    assert "album 7" in placement.reason(0)


def test_why_lists_albums_by_probability():
    top = scorer().top(np.array([0.05, 0.01, 0.2]), k=2)
    assert [album for album, _ in top] == [8, 7]
    assert top[0][1] > top[1][1] > 0
    assert sum(p for _, p in scorer().top(np.array([0.05, 0.01, 0.2]), k=3)) == pytest.approx(1.0)


def test_sharpness_sharpens_and_normalise_rescales():
    errors = np.array([[0.01, 0.02, 0.04]])
    soft = scorer(sharpness=10.0).probabilities(errors)[0, 0]
    sharp = scorer(sharpness=0.1).probabilities(errors)[0, 0]
    assert sharp > soft
    normalised = AlbumScorer([1, 2], [np.log(0.01), np.log(0.1)], [1.0, 1.0], [1, 1], normalise=True)
    # Album 2 usually errs ten times more: the same error counts as a better fit there.
    assert normalised.place(np.array([[0.05, 0.05]]), min_probability=0).labels[0] == 2


def test_no_albums_means_unsorted():
    empty = AlbumScorer([], [], [], [])
    placement = empty.place(np.zeros((2, 0)))
    assert placement.labels.tolist() == [-1, -1] and placement.outlier.all()
    assert placement.reason(0) == "no accepted album has a model yet"
    with pytest.raises(ValueError):
        scorer().place(np.zeros((1, 2)))


def test_missing_folder_and_broken_files(tmp_path: Path):
    assert len(AlbumModels.load(tmp_path / "nothing")) == 0
    folder = album_models_dir(tmp_path)
    folder.mkdir()
    model_path(folder, 3).write_bytes(b"not onnx")
    (folder / INDEX_NAME).write_text("{broken")
    models = AlbumModels.load(folder)
    assert len(models) == 0 and models.stale and "3.onnx" in str(models.stale[0][0])
    assert models.why(np.zeros(4)) == []


# --- trained models on clustered codes (needs the trainer: torch) ------------------------------------------


DIM = 16


def clustered(rng: np.random.Generator, sizes: dict[int, int], per_centre: int = 2) -> tuple[dict, np.ndarray]:
    """Albums of codes around their own centres (two "scenes" each), with a shared offset as real codes have."""
    offset = 3.0 * rng.normal(size=DIM)
    centres = {album: [offset + 2.0 * rng.normal(size=DIM) for _ in range(per_centre)] for album in sizes}
    return centres, offset


def draw(rng: np.random.Generator, centres: list[np.ndarray], count: int) -> np.ndarray:
    picks = np.arange(count) % len(centres)  # every scene of an album among its members, even with 6
    return np.stack([centres[p] + 0.25 * rng.normal(size=DIM) for p in picks]).astype(np.float32)


def fit(tmp_path: Path, sizes: dict[int, int], seed: int = 0):
    pytest.importorskip("torch")
    from trainer.album_ae.library import fit_album_models
    from trainer.album_ae.model import AlbumAEConfig

    rng = np.random.default_rng(seed)
    centres, offset = clustered(rng, sizes)
    codes, ids, albums = [], [], {}
    next_id = 1
    for album, size in sizes.items():
        block = draw(rng, centres[album], size)
        albums[album] = list(range(next_id, next_id + size))
        ids += albums[album]
        codes.append(block)
        next_id += size
    codes = np.concatenate(codes)
    config = AlbumAEConfig(steps=120, folds=3, batch_size=128)
    report = fit_album_models(tmp_path, albums, np.array(ids), codes, "enc", config=config)
    return rng, centres, offset, report


def test_new_photos_go_to_their_album_and_strangers_to_unsorted(tmp_path: Path):
    rng, centres, offset, report = fit(tmp_path, {10: 40, 20: 40, 30: 40})
    assert sorted(report.trained) == [10, 20, 30] and report.sharpness > 0
    models = AlbumModels.load(tmp_path, "enc")
    assert len(models) == 3
    for album in (10, 20, 30):
        placement = models.place(draw(rng, centres[album], 10))
        assert (placement.labels == album).mean() >= 0.9, placement.labels
    strangers = (offset + 2.0 * rng.normal(size=(10, DIM))).astype(np.float32)
    assert (models.place(strangers).labels == -1).mean() >= 0.8
    why = models.why(draw(rng, centres[20], 1)[0])
    assert why[0][0] == 20 and why[0][1] > 0.5 and len(why) == 3
    # Another encoder's library sees no usable models (they are stale, not wrong).
    other = AlbumModels.load(tmp_path, "another-encoder")
    assert len(other) == 0 and len(other.stale) == 3


def test_a_hundred_to_one_imbalance_does_not_pull_photos_into_the_big_album(tmp_path: Path):
    rng, centres, _, _ = fit(tmp_path, {1: 600, 2: 6, 3: 6})
    models = AlbumModels.load(tmp_path, "enc")
    for small in (2, 3):
        labels = models.place(draw(rng, centres[small], 20)).labels
        assert (labels == 1).sum() == 0, labels
        assert (labels == small).mean() >= 0.8, labels
    assert (models.place(draw(rng, centres[1], 20)).labels == 1).mean() >= 0.9
    index = json.loads((tmp_path / INDEX_NAME).read_text())
    assert index["code_model_id"] == "enc" and index["albums"] == [1, 2, 3]
