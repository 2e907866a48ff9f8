"""A library's own rotation model: preferred when present and readable, the bundled one otherwise (with a
message), and `album-app rotations` stores its suggestions under the model id it really used. No torch:
the "library model" here is the bundled file with another model id written into its metadata."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from album_app.albums.rotation import (
    RotationModel,
    default_rotation_model_path,
    holdout_turn,
    library_rotation_model_path,
    turn_figures,
)
from album_app.catalog import Catalog
from album_app.cli import EXIT_OK, main
from album_app.library import resolve_library

OTHER_ID = "0123456789abcdef"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def relabelled_model(dest: Path, model_id: str = OTHER_ID) -> Path:
    """The bundled model's graph and weights under another model id (what a library-trained model looks like
    to the app)."""
    onnx = pytest.importorskip("onnx")
    proto = onnx.load(str(default_rotation_model_path()))
    for entry in proto.metadata_props:
        if entry.key == "model_id":
            entry.value = model_id
    dest.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(dest))
    return dest


@pytest.fixture
def scanned(tmp_path: Path, make_photo) -> Path:
    """A library of four small photos, indexed (no codes: rotations need none)."""
    for i in range(4):
        make_photo(tmp_path / "photos" / f"p{i}.jpg", seed=i)
    root = tmp_path / "library"
    code, _, err = run(
        "--library", str(root), "scan", str(tmp_path / "photos"), "--quiet", "--workers", "0", "--no-embed"
    )
    assert code == EXIT_OK, err
    return root


def stored_model_ids(root: Path) -> set[str]:
    with Catalog(resolve_library(root), writer=False) as catalog:
        return {row[0] for row in catalog.conn.execute("SELECT DISTINCT model_id FROM rotation_suggestions")}


def test_without_a_library_model_the_bundled_one_is_used(tmp_path: Path):
    model, notes = RotationModel.for_library(resolve_library(tmp_path / "library"))
    assert model.bundled and notes == []
    model, notes = RotationModel.for_library(None)
    assert model.bundled and notes == []


def test_the_library_model_is_preferred(tmp_path: Path):
    paths = resolve_library(tmp_path / "library")
    own = relabelled_model(library_rotation_model_path(paths))
    assert own == tmp_path / "library" / "models" / "rotation.onnx"
    model, notes = RotationModel.for_library(paths)
    assert notes == [] and not model.bundled
    assert model.path == own and model.model_id == OTHER_ID


@pytest.mark.parametrize("content", ["junk", "foreign", "empty"])
def test_a_corrupt_or_foreign_library_model_falls_back_to_the_bundled_one(tmp_path: Path, content: str):
    paths = resolve_library(tmp_path / "library")
    own = library_rotation_model_path(paths)
    own.parent.mkdir(parents=True)
    if content == "junk":
        own.write_bytes(b"\x08\x07not an onnx model")
    elif content == "foreign":
        shutil.copy(default_rotation_model_path().with_name("encoder.onnx"), own)  # valid ONNX, not a rotation model
    else:
        own.write_bytes(b"")
    model, notes = RotationModel.for_library(paths)
    assert model.bundled
    assert len(notes) == 1 and str(own) in notes[0] and "bundled" in notes[0]


def test_rotations_command_uses_the_library_model_and_re_suggests_for_a_new_one(scanned: Path):
    bundled_id = RotationModel.load().model_id
    code, out, err = run("--library", str(scanned), "rotations", "--json")
    assert code == EXIT_OK, err
    assert isinstance(json.loads(out), list)
    assert stored_model_ids(scanned) == {bundled_id}

    relabelled_model(scanned / "models" / "rotation.onnx")
    code, _, err = run("--library", str(scanned), "rotations")
    assert code == EXIT_OK, err
    assert f"rotation model {OTHER_ID} (this library's own" in err
    # Keyed by model id: the new model looked at every photo again; the old answers stay for a rollback.
    assert stored_model_ids(scanned) == {bundled_id, OTHER_ID}
    with Catalog(resolve_library(scanned), writer=False) as catalog:
        count = catalog.conn.execute(
            "SELECT count(*) FROM rotation_suggestions WHERE model_id = ?", (OTHER_ID,)
        ).fetchone()[0]
    assert count == 4


def test_rotations_command_with_a_corrupt_library_model_warns_and_goes_on(scanned: Path):
    own = scanned / "models" / "rotation.onnx"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_bytes(b"half a file")
    code, _, err = run("--library", str(scanned), "rotations")
    assert code == EXIT_OK
    assert str(own) in err and "using the bundled rotation model instead" in err
    assert stored_model_ids(scanned) == {RotationModel.load().model_id}


def test_turn_figures_and_holdout_turns():
    model = RotationModel.load()
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (6, 64, 64, 3), dtype=np.uint8)
    turns = np.array([holdout_turn(f"photo_{i}.jpg", seed=3) for i in range(6)])
    assert holdout_turn("a/b/photo_1.jpg", 3) == holdout_turn("photo_1.jpg", 3)  # the file name decides
    figures = turn_figures(model, pixels, turns)
    assert figures["photos"] == 6
    for key in ("accuracy", "accuracy_4way", "suggested_right", "suggested_wrong", "upright_flagged"):
        assert 0.0 <= figures[key] <= 1.0
    # The four-way figure is the mean over the four turns, each measured the way `accuracy` measures one.
    per_turn = [turn_figures(model, pixels, np.full(6, k))["accuracy"] for k in range(4)]
    assert figures["accuracy_4way"] == pytest.approx(np.mean(per_turn))
    assert {holdout_turn(f"x{i}.jpg") for i in range(40)} == {0, 1, 2, 3}
