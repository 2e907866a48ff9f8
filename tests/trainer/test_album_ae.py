"""Per-album autoencoders: ONNX parity, retraining only what changed, and a library's locked albums."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

import onnxruntime as ort

from album_app.models.album_ae import (
    INPUT_NAME,
    OUTPUT_NAME,
    AlbumModels,
    read_album_model_info,
)
from trainer.album_ae.library import fit_album_models
from trainer.album_ae.model import AlbumAE, AlbumAEConfig, fingerprint

FAST = AlbumAEConfig(steps=60, folds=3)
DIM = 12


def codes_for(rng: np.random.Generator, albums: dict[int, int]) -> tuple[dict[int, list[int]], np.ndarray, np.ndarray]:
    members, ids, rows = {}, [], []
    next_id = 1
    for album, size in albums.items():
        centre = 2.0 * rng.normal(size=DIM)
        members[album] = list(range(next_id, next_id + size))
        ids += members[album]
        rows.append(centre + 0.3 * rng.normal(size=(size, DIM)))
        next_id += size
    return members, np.array(ids), np.concatenate(rows).astype(np.float32)


def test_onnx_matches_torch(tmp_path: Path):
    from trainer.album_ae.export import export_album_ae

    rng = np.random.default_rng(0)
    codes = rng.normal(size=(30, DIM)).astype(np.float32) + 1.0
    ae = AlbumAE(FAST).fit(codes, mean=np.zeros(DIM, np.float32))
    path = tmp_path / "5.onnx"
    meta = export_album_ae(ae, path, album_id=5, code_model_id="enc", member_ids=list(range(30)))
    probe = rng.normal(size=(50, DIM)).astype(np.float32) * 3
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run([OUTPUT_NAME], {INPUT_NAME: probe})[0]
    np.testing.assert_allclose(got, ae.errors(probe), atol=1e-4, rtol=0)
    info = read_album_model_info(path)
    assert (info.album_id, info.code_model_id, info.member_count, info.code_size) == (5, "enc", 30, DIM)
    assert info.threshold > 0 and info.temperature > 0 and info.fingerprint == meta["fingerprint"]
    assert len(json.loads(info.extra["heldout"])) == 30
    assert ae.heldout_errors_.mean() > ae.train_errors_.mean()  # held out is harder: that is why it calibrates


def test_only_the_changed_album_is_retrained(tmp_path: Path):
    rng = np.random.default_rng(1)
    albums, ids, codes = codes_for(rng, {1: 12, 2: 12, 3: 12, 4: 2})
    first = fit_album_models(tmp_path, albums, ids, codes, "enc", config=FAST)
    assert sorted(first.trained) == [1, 2, 3] and first.too_small == [4] and not first.kept
    stamps = {a: (tmp_path / f"{a}.onnx").stat().st_mtime_ns for a in (1, 2, 3)}

    # Two new photos join album 2; album 3 is no longer accepted.
    extra = (codes[albums[2][:2]] + 0.05).astype(np.float32)
    ids2 = np.concatenate([ids, [100, 101]])
    codes2 = np.concatenate([codes, extra])
    albums2 = {1: albums[1], 2: albums[2] + [100, 101]}
    second = fit_album_models(tmp_path, albums2, ids2, codes2, "enc", config=FAST)
    assert second.trained == [2] and second.kept == [1] and second.removed == [3]
    assert (tmp_path / "1.onnx").stat().st_mtime_ns == stamps[1]
    assert not (tmp_path / "3.onnx").exists()
    assert read_album_model_info(tmp_path / "2.onnx").member_count == 14

    # A new encoder changes every fingerprint: everything is retrained.
    assert fingerprint(albums[1], "enc", FAST) != fingerprint(albums[1], "enc2", FAST)
    third = fit_album_models(tmp_path, albums2, ids2, codes2, "enc2", config=FAST)
    assert sorted(third.trained) == [1, 2]
    assert len(AlbumModels.load(tmp_path, "enc2")) == 2


def run_cli(library: Path, *args: str) -> str:
    from album_app.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--library", str(library), *args]) == 0
    return out.getvalue()


def test_fit_library_trains_the_locked_albums(tmp_path: Path, make_photo):
    from album_app.albums.pipeline import Suggestion
    from album_app.catalog import Catalog
    from album_app.catalog.codes import active_model, load_codes
    from album_app.catalog.extras import accepted_album_members, photo_code
    from album_app.library import resolve_library
    from album_app.models.album_ae import album_models_dir
    from album_app.services.album_opinion import second_opinion, why_for_photo
    from album_app.services.clustering import library_view
    from trainer.album_ae.library import fit_library

    start = datetime(2024, 4, 12, 10)
    for i in range(6):
        make_photo(tmp_path / "photos" / f"L{i}.jpg", seed=i, taken=start + timedelta(hours=2 * i), gps=(38.72, -9.14))
        make_photo(
            tmp_path / "photos" / f"P{i}.jpg", seed=50 + i, taken=start + timedelta(days=30, hours=i), gps=(48.86, 2.35)
        )
    library = tmp_path / "library"
    run_cli(library, "scan", str(tmp_path / "photos"), "--quiet", "--workers", "0")
    run_cli(library, "cluster")
    albums = json.loads(run_cli(library, "albums", "--json"))["albums"]
    assert len(albums) == 2
    run_cli(library, "lock", str(albums[0]["id"]))

    report = fit_library(library, config=FAST)
    assert report.trained == [albums[0]["id"]]
    paths = resolve_library(library)
    with Catalog(paths, writer=False) as catalog:
        assert list(accepted_album_members(catalog)) == [albums[0]["id"]]
        model_id = active_model(catalog).id  # type: ignore[union-attr]
        ids, _ = load_codes(catalog, model_id)
        code = photo_code(catalog, ids[0], model_id)
        assert photo_code(catalog, ids[0], "no-such-model") is None
    models = AlbumModels.load(album_models_dir(paths.models), model_id)
    assert len(models) == 1 and models.why(code)[0][0] == albums[0]["id"]
    with Catalog(paths, writer=False) as catalog:
        assert why_for_photo(catalog, ids[0]) == [(albums[0]["id"], pytest.approx(1.0))]
        # The incremental hook: a photo of the locked album, as if it had come without EXIF and been left
        # Unsorted by the nearest-album rule, is placed by the album's model.
        view = library_view(catalog)
        row = int(np.flatnonzero(np.isin(view.photo_ids, accepted_album_members(catalog)[albums[0]["id"]]))[0])
        view.taken_ts[row] = np.nan
        n = len(view)
        suggestion = Suggestion(np.full(n, -1), np.zeros(n), [""] * n, "incremental")
        assert second_opinion(catalog, view, suggestion, np.array([row]), [albums[1]["id"], albums[0]["id"]]) == 1
        assert suggestion.labels[row] == 1 and "album" in suggestion.reason[row]

    assert fit_library(library, config=FAST).kept == [albums[0]["id"]]  # nothing changed: nothing retrained
