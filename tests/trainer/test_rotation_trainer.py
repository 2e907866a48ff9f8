"""`album-trainer rotation --library`: train on a library's own photos, measure against the bundled model on
held-out photos, publish LIBRARY/models/rotation.onnx only when it is at least as accurate.

The library: sixteen small photos (a sky above the ground, so "up" means something), four of them named so
that `is_holdout` keeps them out of training, scanned with the real CLI. Training budgets are two steps;
the gate is forced either way with --min-gain (the figures are real, the decision is not what is under
test here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from json_lines import run_json_lines
from PIL import Image

torch = pytest.importorskip("torch")

from album_app.models.rotation import RotationModel, is_holdout  # noqa: E402

TINY = ["--threads", "1", "--log-every", "0", "--max-steps", "2", "--batch-size", "8", "--minutes", "2"]
PUBLISH = ["--min-gain", "-1"]  # any model passes
REFUSE = ["--min-gain", "1"]  # no model passes


def names(held: int, trained: int) -> list[str]:
    """File names of which the first ``held`` are in the trainer's hold-out and the rest are not."""
    out_held, out_train = [], []
    for i in range(1000):
        name = f"shot_{i:03d}.jpg"
        (out_held if is_holdout(name) else out_train).append(name)
    return out_held[:held] + out_train[:trained]


def make_upright(path: Path, seed: int) -> None:
    """Blue sky with a sun over green ground: which way is up is in the pixels."""
    rng = np.random.default_rng(seed)
    h, w = 60, 80
    pixels = np.zeros((h, w, 3), np.float32)
    horizon = int(rng.integers(25, 40))
    pixels[:horizon] = (90, 150, 230)
    pixels[horizon:] = (60, 140, 50)
    x = int(rng.integers(10, 70))
    pixels[5:15, x - 5 : x + 5] = (255, 240, 120)
    pixels += rng.normal(0, 12, pixels.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, "JPEG", quality=90)


def build_library(root: Path, held: int = 4, trained: int = 12) -> Path:
    for seed, name in enumerate(names(held, trained)):
        make_upright(root / "photos" / name, seed)
    library = root / "library"
    from album_app.cli import main as app

    code = app(["--library", str(library), "scan", str(root / "photos"), "--quiet", "--workers", "0", "--no-embed"])
    assert code == 0
    return library


def rotation(library: Path, *args: str) -> tuple[int, list[dict]]:
    """album-trainer rotation --library in this process (torch is imported once for the module)."""
    from trainer.cli import main

    return run_json_lines(main, ["rotation", "--library", str(library), *TINY, *args])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One library: trained and published (forced), then trained again and refused (forced)."""
    library = build_library(tmp_path_factory.mktemp("rotation"))
    catalog = library / "catalog.db"
    before = (catalog.stat().st_mtime_ns, catalog.read_bytes())
    published = rotation(library, *PUBLISH)
    model = library / "models" / "rotation.onnx"
    model_bytes = model.read_bytes() if model.exists() else None
    refused = rotation(library, *REFUSE)
    return {
        "library": library,
        "catalog_before": before,
        "published": published,
        "model_bytes": model_bytes,
        "refused": refused,
    }


def test_publishes_a_library_model_the_app_reads(runs: dict) -> None:
    code, lines = runs["published"]
    assert code == 0, lines[-3:]
    types = [line["type"] for line in lines]
    assert types[0] == "start" and "progress" in types and types[-1] == "published"
    start = lines[0]
    assert start["data"] == {"photos": 16, "train": 12, "held_out": 4}
    assert start["base"] == "bundled" and start["current"] is None and start["threads"] == 1
    assert any("read back from" in line.get("message", "") for line in lines if line["type"] == "note")
    measured = [line for line in lines if line["type"] == "measured"]
    assert [m["model"] for m in measured] == ["bundled"] and measured[0]["photos"] == 4
    result = lines[-1]
    library = runs["library"]
    path = library / "models" / "rotation.onnx"
    assert result["path"] == str(path) and result["steps"] == 2 and result["held_out"] == 4
    for name in ("new", "bundled"):
        assert {"accuracy", "accuracy_4way", "suggested_right", "suggested_wrong", "upright_flagged"} <= result[
            name
        ].keys()
    assert result["bundled"]["accuracy"] == measured[0]["accuracy"]
    assert not list(path.parent.glob("*.partial")) and not list(path.parent.glob(".*"))
    model = RotationModel.load(path)
    assert model.model_id == result["model_id"] and not model.bundled
    assert model.summary["base"] == "bundled" and model.summary["photos"] == {"train": 12, "held_out": 4}
    assert 0.5 <= model.min_confidence < 1.0
    chosen, notes = RotationModel.for_library(library)
    assert notes == [] and chosen.model_id == result["model_id"]
    log = (library / "logs" / "trainer.log").read_text().splitlines()
    first = json.loads(log[0])
    assert first["type"] == "start" and first["job"] == "rotation" and "at" in first  # the log is shared


def test_the_catalog_is_only_read(runs: dict) -> None:
    catalog = runs["library"] / "catalog.db"
    assert (catalog.stat().st_mtime_ns, catalog.read_bytes()) == runs["catalog_before"]


def test_refuses_a_model_that_is_not_as_accurate_and_keeps_the_one_in_use(runs: dict) -> None:
    code, lines = runs["refused"]
    assert code == 0, lines[-3:]
    start, result = lines[0], lines[-1]
    assert result["type"] == "refused" and "published" not in [line["type"] for line in lines]
    published_id = runs["published"][1][-1]["model_id"]
    assert start["current"] == published_id
    # Measured against both the bundled model and the library's current one, on the same photos.
    assert [m["model"] for m in lines if m["type"] == "measured"] == ["bundled", "library"]
    assert "vs bundled" in result["reason"] and "vs library" in result["reason"]
    assert "keeping this library's current model" in result["reason"]
    model = runs["library"] / "models" / "rotation.onnx"
    assert model.read_bytes() == runs["model_bytes"]
    assert not list(model.parent.glob("*.partial"))


def test_too_few_held_out_photos_is_an_error(tmp_path: Path) -> None:
    library = build_library(tmp_path, held=1, trained=9)
    code, lines = rotation(library)
    assert code == 1
    assert lines[-1]["type"] == "error" and "too few photos" in lines[-1]["message"]
    assert not (library / "models" / "rotation.onnx").exists()


def test_no_catalog_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = rotation(tmp_path / "nowhere")
    assert code == 1 and "no catalog" in capsys.readouterr().err


def test_data_needs_out_and_the_sources_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    from trainer.cli import main

    assert main(["rotation", "--data", "somewhere"]) == 2
    with pytest.raises(SystemExit):
        main(["rotation", "--data", "a", "--library", "b"])


def test_the_bundled_weights_read_back_out_of_its_onnx_reproduce_it() -> None:
    from trainer.onnx import torch_compute
    from trainer.rotation.library import base_weights
    from trainer.rotation.net import RotationNet, to_input

    bundled = RotationModel.load()
    model = RotationNet()
    pixels = np.random.default_rng(0).integers(0, 255, (8, 64, 64, 3), dtype=np.uint8)
    tuned, origin = base_weights(model, bundled, pixels)
    assert tuned and origin.startswith(f"read back from {bundled.path}")
    inputs = to_input(pixels, bundled.spec).numpy()
    theirs = bundled.session.run(None, {bundled.session.get_inputs()[0].name: inputs})[0]
    assert np.max(np.abs(torch_compute(model)(inputs) - theirs)) < 1e-4


def test_a_bundled_model_that_cannot_be_read_back_means_a_fresh_network(tmp_path: Path) -> None:
    import shutil

    from trainer.rotation.library import base_weights
    from trainer.rotation.net import RotationNet

    copy = tmp_path / "rotation.onnx"
    shutil.copy(RotationModel.load().path, copy)
    bundled = RotationModel.load(copy)
    copy.write_bytes(b"damaged after it was opened")
    model = RotationNet()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    pixels = np.zeros((2, 64, 64, 3), np.uint8)
    tuned, origin = base_weights(model, bundled, pixels)
    assert not tuned and str(copy) in origin
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # still the fresh network
