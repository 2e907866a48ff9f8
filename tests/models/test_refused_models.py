"""A model that gives NaN, zeros or one code for every photo is refused before it touches the library
(issue 12, item 6): the model in use and its codes stay, clustering keeps working, `embeddings --model`
says no."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from album_app.catalog import Catalog
from album_app.catalog.codes import active_model, load_codes
from album_app.cli import main
from album_app.library import resolve_library
from album_app.models import ModelError, load_encoder
from album_app.models.encoder import default_model_path, read_contract
from album_app.models.onnx import output_problems

pytest.importorskip("onnx")
from onnx_models import contract, make_model

BROKEN = {
    "nan": {"weight": np.full((3, 5), np.nan)},
    "zeros": {"weight": np.zeros((3, 5))},
    "constant": {"weight": np.zeros((3, 5)), "bias": np.arange(5, dtype=np.float32)},
}


def run(library: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--library", str(library), *args])
    return code, out.getvalue(), err.getvalue()


def broken_model(path: Path, kind: str) -> Path:
    spec = read_contract(default_model_path()).spec  # the bundled model's input: thumbnails fit it
    meta = contract(spec.size, 5)
    meta["input_spec"] = spec.to_json()
    meta["model_id"] = f"{kind:0<16}"[:16]
    return make_model(path, size=spec.size, code=5, metadata=meta, **BROKEN[kind])


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_output_problems_names_what_is_wrong(kind):
    rng = np.random.default_rng(0)
    good = rng.normal(size=(16, 8))
    assert output_problems(good) == []
    bad = {"nan": np.where(good > 1, np.nan, good), "zeros": np.zeros_like(good), "constant": np.ones_like(good)}
    assert output_problems(bad[kind])


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_load_encoder_passes_over_a_broken_model(tmp_path, kind):
    path = broken_model(tmp_path / f"{kind}.onnx", kind)
    encoder, warnings = load_encoder(path)
    assert encoder.path == default_model_path()
    assert len(warnings) == 1 and str(path) in warnings[0] and "bundled encoder instead" in warnings[0]


@pytest.fixture
def scanned(tmp_path, make_photo) -> Path:
    photos = tmp_path / "photos"
    start = datetime(2024, 5, 1, 9)
    for i in range(8):
        make_photo(photos / f"IMG_{i}.jpg", seed=i, taken=start + timedelta(hours=i), gps=(45.76, 4.83 + i * 1e-3))
    library = tmp_path / "library"
    code, _, err = run(library, "scan", str(photos), "--quiet", "--workers", "0")
    assert code == 0, err
    return library


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_published_broken_model_is_refused_and_the_old_codes_stay(scanned, kind):
    from album_app.models import published

    paths = resolve_library(scanned)
    with Catalog(paths, writer=False) as catalog:
        before = active_model(catalog).id
        ids, codes = load_codes(catalog, before)
    model_id = f"{kind:0<16}"[:16]
    paths.models.mkdir(parents=True, exist_ok=True)
    broken_model(paths.models / f"{model_id}.onnx", kind)
    published.point_to(paths, model_id)

    code, _, err = run(scanned, "scan", str(scanned.parent / "photos"), "--quiet", "--workers", "0")
    assert code == 0, err
    assert "cannot tell photos apart" in err and "Traceback" not in err
    with Catalog(paths, writer=False) as catalog:
        assert active_model(catalog).id == before
        assert load_codes(catalog, model_id)[0] == []  # nothing was embedded with it
        again_ids, again = load_codes(catalog, before)
    assert again_ids == ids and np.array_equal(again, codes)
    code, out, err = run(scanned, "cluster", "--json")
    assert code == 0, err
    assert json.loads(out)["albums"] >= 1


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_embeddings_with_a_broken_model_says_no(scanned, tmp_path, kind):
    path = broken_model(tmp_path / f"{kind}.onnx", kind)
    out_file = tmp_path / "codes.npz"
    code, _, err = run(scanned, "embeddings", "--model", str(path), "--out", str(out_file), "--quiet")
    assert code == 1
    assert "cannot tell photos apart" in err and "no codes written" in err and "Traceback" not in err
    assert not out_file.exists()


def test_a_good_model_still_loads(tmp_path):
    encoder, warnings = load_encoder(None)
    assert warnings == [] and encoder.path == default_model_path()
    with pytest.raises(ModelError):
        from album_app.models.encoder import open_encoder

        open_encoder(broken_model(tmp_path / "nan.onnx", "nan"))
