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
from rotation_photos import landscape

from album_app.catalog import Catalog
from album_app.cli import main
from album_app.exit_codes import EXIT_OK
from album_app.library import resolve_library
from album_app.models.rotation import (
    RotationModel,
    default_rotation_model_path,
    holdout_turn,
    library_rotation_model_path,
    turn_figures,
)

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


# --- the core pass (update_suggestions), `rotations` output and `export --turn-suggested` ------------------


def sky_on_top(path: Path) -> bool:
    """The photo as stored shows the sky (blue) at the top and the ground at the bottom."""
    from PIL import Image

    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"), np.float64)
    top, bottom = pixels[: len(pixels) // 4], pixels[-len(pixels) // 4 :]
    return top[..., 2].mean() > top[..., 1].mean() and bottom[..., 1].mean() > bottom[..., 2].mean()


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.fixture
def sideways(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A library of two photos: one upright, one saved a quarter turn counter-clockwise (indexed, no codes)."""
    upright = landscape(tmp_path / "photos" / "upright.jpg")
    turned = landscape(tmp_path / "photos" / "sideways.jpg", 1)
    root = tmp_path / "library"
    code, _, err = run(
        "--library", str(root), "scan", str(tmp_path / "photos"), "--quiet", "--workers", "0", "--no-embed"
    )
    assert code == EXIT_OK, err
    return root, upright, turned


def photo_ids(root: Path) -> dict[str, int]:
    with Catalog(resolve_library(root), writer=False) as catalog:
        return {Path(p).name: int(i) for i, p in catalog.conn.execute("SELECT id, path FROM photos")}


def test_update_suggestions_stores_and_a_new_model_id_looks_again(sideways):
    from dataclasses import replace

    from album_app.services.rotations import current_suggestions, update_suggestions

    root, upright, turned = sideways
    before = {p: fingerprint(p) for p in (upright, turned)}
    ids = photo_ids(root)
    model = RotationModel.load()
    seen = []
    with Catalog(resolve_library(root), writer=True) as catalog:
        found = update_suggestions(catalog, model, progress=seen.append)
        assert sorted(pid for pid, _, _ in found.rows) == sorted(ids.values())
        assert found.turned == 1 and found.unreadable == 0 and not found.cancelled
        assert seen[-1].stage == "rotations" and (seen[-1].done, seen[-1].total) == (2, 2)
        shown = current_suggestions(catalog, model.model_id, model.min_confidence)
        assert list(shown) == [ids["sideways.jpg"]] and shown[ids["sideways.jpg"]].quarter_turns == 1
        assert update_suggestions(catalog, model).rows == []  # stored: nothing left to look at
        other = replace(model, model_id=OTHER_ID)  # what a newly trained model looks like to the store
        assert len(update_suggestions(catalog, other).rows) == 2
    assert stored_model_ids(root) == {model.model_id, OTHER_ID}
    assert {p: fingerprint(p) for p in (upright, turned)} == before  # the photos are only read


def test_judge_photos_stops_at_the_cancel_token_keeping_what_it_judged(sideways):
    from album_app.catalog.extras import photos_without_rotation
    from album_app.progress import CancelToken
    from album_app.services.rotations import judge_photos

    root, _, _ = sideways
    model = RotationModel.load()
    with Catalog(resolve_library(root), writer=False) as catalog:
        pending = photos_without_rotation(catalog, model.model_id)
        assert [p.photo_id for p in photos_without_rotation(catalog, model.model_id, after=pending[0].photo_id)] == [
            pending[1].photo_id
        ]
    cancel = CancelToken()
    batches = []
    found = judge_photos(
        model, pending, cancel=cancel, on_batch=lambda rows: (batches.append(rows), cancel.cancel()), batch=1
    )
    assert found.cancelled and len(found.rows) == 1 and batches == [found.rows]
    assert found.last_id == pending[0].photo_id


def test_rotations_command_lists_the_sideways_photo(sideways):
    root, _, turned = sideways
    code, out, err = run("--library", str(root), "rotations")
    assert code == EXIT_OK, err
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{turned}: turn 90° clockwise (") and lines[0].endswith("% sure)")
    assert "rotation model" in err and "(bundled)" in err
    code, out, _ = run("--library", str(root), "rotations", "--json")
    [record] = json.loads(out)
    assert record["path"] == str(turned) and record["quarter_turns"] == 1 and record["confidence"] > 0.73


def test_export_turn_suggested_writes_a_turned_copy_and_leaves_the_originals(sideways, tmp_path: Path):
    root, upright, turned = sideways
    before = {p: fingerprint(p) for p in (upright, turned)}
    dest = tmp_path / "out"
    code, out, err = run("--library", str(root), "export", str(dest), "--turn-suggested")
    assert code == EXIT_OK, err
    assert "2 written" in out and "1 turned upright" in out
    copy, link = dest / "Unsorted" / "sideways.jpg", dest / "Unsorted" / "upright.jpg"
    assert link.is_symlink() and link.resolve() == upright
    assert copy.is_file() and not copy.is_symlink() and sky_on_top(copy) and not sky_on_top(turned)
    from PIL import Image

    with Image.open(copy) as image:
        assert image.size == (96, 72)
    manifest = json.loads((dest / ".album_app-export.json").read_text())["files"]
    assert manifest["Unsorted/sideways.jpg"]["mode"] == "turned"
    assert stored_model_ids(root) == {RotationModel.load().model_id}  # the suggestions were stored for next time
    # Again: nothing to do. Then without the option: the link comes back in place of the turned copy.
    code, out, _ = run("--library", str(root), "export", str(dest), "--turn-suggested", "--json")
    report = json.loads(out)
    assert (report["written"], report["kept"], report["turned"], report["not_turned"]) == (0, 2, 1, [])
    code, out, _ = run("--library", str(root), "export", str(dest))
    assert code == EXIT_OK and "1 written, 1 already there" in out and "turned" not in out
    assert copy.is_symlink() and copy.resolve() == turned
    assert {p: fingerprint(p) for p in (upright, turned)} == before
    assert not list(dest.rglob("*.partial")) and not [
        p for p in (dest / "Unsorted").iterdir() if p.name.startswith(".")
    ]


def test_export_turns_from_a_reader_judges_unseen_photos_without_storing(sideways):
    from album_app.catalog.extras import dismiss_rotation, store_rotations
    from album_app.services.rotations import export_turns

    root, _, turned = sideways
    model = RotationModel.load()
    with Catalog(resolve_library(root), writer=False) as catalog:
        assert export_turns(catalog, model) == {str(turned): 1}
    assert stored_model_ids(root) == set()  # a reader stores nothing
    ids = photo_ids(root)
    with Catalog(resolve_library(root), writer=True) as catalog:
        with catalog.transaction() as conn:  # stored answers: a dismissed one and one below the model's floor
            store_rotations(conn, model.model_id, [(ids["sideways.jpg"], 1, 0.99), (ids["upright.jpg"], 2, 0.5)])
            dismiss_rotation(conn, ids["sideways.jpg"], model.model_id)
        assert export_turns(catalog, model) == {}


def test_export_turn_suggested_works_while_another_process_holds_the_library(sideways, tmp_path: Path):
    root, _, turned = sideways
    with Catalog(resolve_library(root), writer=True):  # the window, say: the writer lock is taken
        code, out, err = run("--library", str(root), "export", str(tmp_path / "out"), "--turn-suggested")
    assert code == EXIT_OK, err
    assert "1 turned upright" in out
    copy = tmp_path / "out" / "Unsorted" / "sideways.jpg"
    assert copy.is_file() and not copy.is_symlink() and sky_on_top(copy) and not sky_on_top(turned)
    assert stored_model_ids(root) == set()  # looked at for that export only
