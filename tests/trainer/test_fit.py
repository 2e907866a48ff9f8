"""`album-trainer fit` on a tiny library made here: labels from events and edits, publish, refuse, resume.

The library: three events (five photos each, days and hundreds of km apart, EXIF time + GPS) and two
EXIF-less photos, scanned with the real CLI. Training budgets are a few steps; the gate is forced
either way with --min-gain (the figures are real, the decision is not what is under test here).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from json_lines import run_json_lines
from PIL import Image

torch = pytest.importorskip("torch")

from album_app.library import resolve_library  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CITIES = [(38.7223, -9.1393), (48.8566, 2.3522), (52.52, 13.405)]
TINY = ["--batch-size", "8", "--threads", "1", "--log-every", "0", "--holdout", "0.4"]
PUBLISH = ["--min-gain", "-10", "--nmi-slack", "10"]  # any model passes
REFUSE = ["--min-gain", "10"]  # no model passes


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4))


def make_jpeg(path: Path, seed: int, taken: datetime | None = None, gps: tuple[float, float] | None = None) -> None:
    """A small photo: a colour field per event with noise, EXIF time and GPS when given."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, 3) if seed >= 100 else np.array([(seed // 10) * 90 % 255, 120, 200 - seed // 10 * 60])
    pixels = np.clip(base + rng.normal(0, 40, (48, 64, 3)), 0, 255).astype(np.uint8)
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if gps is not None:
        block = exif.get_ifd(0x8825)
        block[1], block[2], block[3], block[4] = "N", _dms(gps[0]), "E" if gps[1] >= 0 else "W", _dms(abs(gps[1]))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, "JPEG", quality=90, exif=exif.tobytes())


def build_library(root: Path) -> Path:
    photos = root / "photos"
    for event, gps in enumerate(CITIES):
        for shot in range(5):
            make_jpeg(
                photos / f"e{event}_{shot}.jpg", 10 * event + shot, datetime(2024, 3, 1 + 10 * event, 10, 5 * shot), gps
            )
    for extra in range(2):
        make_jpeg(photos / f"sent_{extra}.jpg", 100 + extra)
    library = root / "library"
    from album_app.cli import main as app

    assert app(["--library", str(library), "scan", str(photos), "--quiet", "--workers", "0"]) == 0
    return library


def run_fit(library: Path, *args: str) -> tuple[int, list[dict]]:
    """album-trainer fit in this process (torch is imported once for the whole module)."""
    from trainer.cli import main

    return run_json_lines(main, ["fit", "--library", str(library), "--nice", "0", *TINY, *args])


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One library, fitted for 2 steps and published (forced), with what the catalog looked like before."""
    library = build_library(tmp_path_factory.mktemp("fit"))
    catalog = library / "catalog.db"
    before = (catalog.stat().st_mtime_ns, catalog.read_bytes())
    code, lines = run_fit(library, "--max-steps", "2", *PUBLISH)
    return {"library": library, "code": code, "lines": lines, "catalog_before": before}


def test_fit_publishes_a_model_with_its_record_weights_and_pointer(published: dict) -> None:
    assert published["code"] == 0, published["lines"][-3:]
    lines, library = published["lines"], published["library"]
    types = [line["type"] for line in lines]
    assert types[0] == "start" and "progress" in types and "done" in types and types[-1] == "published"
    start = lines[0]
    assert start["resumed"] is False and start["bundled"] is True and start["threads"] == 1
    assert start["data"]["photos"] == 17 and start["data"]["events"] == 3 and start["data"]["heldout_photos"] > 0
    done = next(line for line in lines if line["type"] == "done")
    assert done["step"] == 2 and done["stopped"] == "max_steps"
    result = lines[-1]
    model_id = result["model_id"]
    # Under a step cap the encoder's warm-up freeze is a share of the steps (0 of 2 here), so it did learn.
    assert model_id != start["base_model"]
    for name in ("before", "after"):
        assert {"nmi", "placed", "wrong", "score", "queries", "anchors"} <= result[name].keys()
    models = library / "models"
    assert (models / f"{model_id}.onnx").is_file() and (models / f"{model_id}.pt").is_file()
    assert not list(models.glob("*.partial")) and not list(models.glob(".*partial"))
    record = json.loads((models / f"{model_id}.json").read_text())
    assert record["id"] == model_id and record["base_model"] == start["base_model"]
    assert record["figures"]["before"] == result["before"] and record["steps"] == 2
    assert record["data"]["training_photos"] + record["data"]["heldout_photos"] == 17
    pointer = json.loads((models / "current.json").read_text())
    assert pointer["model_id"] == model_id and pointer["path"] == f"models/{model_id}.onnx"
    weights = torch.load(models / f"{model_id}.pt", weights_only=False)
    assert weights["model_id"] == model_id and weights["step"] == 2 and "optimizer" not in weights
    job = json.loads((library / "training" / "job.json").read_text())
    assert job["status"] == "published" and not (library / "training" / "checkpoint.pt").exists()


def test_a_fresh_install_fit_starts_from_the_model_in_use(published: dict) -> None:
    """Issue 12 item 7: the bundled model ships as ONNX only. A fit on a fresh install (no runs/, no torch file
    beside the asset: the trainer never looks there) reads the encoder's weights back out of the model in use,
    says how closely they reproduce it, and its first held-out score is the model in use's."""
    lines = published["lines"]
    start = lines[0]
    assert start["bundled"] and start["weights"]["source"] == "onnx" and start["weights"]["path"] == start["base_path"]
    assert 0 <= start["weights"]["max_abs_diff"] <= start["weights"]["tolerance"] <= 1e-3
    note = next(line["message"] for line in lines if line["type"] == "note" and "starting from" in line["message"])
    assert f"starting from the model in use {start['base_model']}" in note and "read back out of" in note
    held = next(line for line in lines if line["type"] == "held_out")
    assert held["step"] == 0 and held["start"]["queries"] > 0
    for key in ("score", "placed", "wrong", "nmi", "placed_plain", "placed_friend"):
        assert held["start"][key] == pytest.approx(held["model_in_use"][key], abs=1e-9), key
    assert lines[-1]["before"] == held["model_in_use"]  # the gate's "before" is the same measurement


def test_start_weights_that_do_not_reproduce_the_model_in_use_are_passed_over(photo_tree: Path, tmp_path: Path) -> None:
    """Weights beside a published model that miss its codes give way to the ONNX read back; an architecture the
    ONNX does not fit gives a fresh encoder with the reason, never silently."""
    from album_app.models import load_encoder
    from album_app.models.encoder import default_model_path
    from album_app.preprocess import model_pixels
    from trainer.encoder.config import RunConfig
    from trainer.encoder.data import PhotoSet
    from trainer.encoder.train import EncoderTrainer
    from trainer.fit.base import BaseModel, StartPoint, load_start_weights, onnx_config

    encoder, _ = load_encoder(default_model_path(), threads=1)
    base = BaseModel(encoder.model_id, encoder.path, True, encoder)
    config = onnx_config(base)
    config.data.data, config.data.cache_side = (str(photo_tree),), 96
    photos = PhotoSet.load(config.data, threads=1)
    pixels = np.stack([model_pixels(photos.images[i], encoder.spec) for i in range(4)])

    trainer = EncoderTrainer(config, photos, tmp_path / "a")
    other = {k: v + 0.01 if v.is_floating_point() else v for k, v in trainer.model.state_dict().items()}
    weights = load_start_weights(trainer, base, StartPoint(config, {"model": other}, tmp_path / "x.pt"), pixels)
    assert weights.source == "onnx" and weights.max_abs_diff <= 1e-3
    assert f"passed over: {tmp_path / 'x.pt'} misses its codes" in weights.message

    config = RunConfig.from_dict(config.to_dict())
    config.model.widths, config.model.decoder_widths = (8, 16, 32, 64), (16, 8, 8)
    small = EncoderTrainer(config, photos, tmp_path / "b")
    before = {k: v.clone() for k, v in small.model.state_dict().items()}
    weights = load_start_weights(small, base, StartPoint(config), pixels)
    assert weights.source == "fresh" and weights.max_abs_diff is None
    assert f"cannot start from the model in use {base.model_id}" in weights.message and "wants" in weights.message
    assert all(torch.equal(before[k], v) for k, v in small.model.state_dict().items())


def test_fit_reads_the_catalog_read_only_and_logs_json_lines(published: dict) -> None:
    catalog = published["library"] / "catalog.db"
    mtime, content = published["catalog_before"]
    assert catalog.stat().st_mtime_ns == mtime and catalog.read_bytes() == content
    log = (published["library"] / "logs" / "trainer.log").read_text().splitlines()
    records = [json.loads(line) for line in log]
    assert [r["type"] for r in records] == [line["type"] for line in published["lines"]]
    assert all("at" in r for r in records)


def test_the_app_picks_up_the_published_model(published: dict, capsys: pytest.CaptureFixture[str]) -> None:
    from album_app.catalog import Catalog
    from album_app.cli import main as app
    from album_app.models.active import open_active_encoder

    library, model_id = published["library"], published["lines"][-1]["model_id"]
    with Catalog(resolve_library(library)) as catalog:
        encoder, warnings = open_active_encoder(catalog, threads=1)
    assert warnings == [] and encoder.model_id == model_id
    capsys.readouterr()
    assert app(["--library", str(library), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["model"]["id"] == model_id and status["model"]["source"] == "trained"


def test_rollback_moves_the_pointer_back_and_forth(published: dict, capsys: pytest.CaptureFixture[str]) -> None:
    from album_app.models import published as pointer
    from trainer.cli import main

    library, model_id = published["library"], published["lines"][-1]["model_id"]
    paths = resolve_library(library)
    capsys.readouterr()
    assert main(["rollback", "--library", str(library)]) == 0
    moved = json.loads(capsys.readouterr().out)
    assert moved == {**moved, "type": "rollback", "from": model_id, "to": "bundled"}
    assert pointer.current(paths).model_id == "bundled"
    assert main(["rollback", "--library", str(library), "--to", model_id]) == 0
    assert pointer.current(paths).model_id == model_id
    assert main(["rollback", "--library", str(library), "--to", "0123456789abcdef"]) == 1
    assert pointer.current(paths).model_id == model_id
    assert '"type": "rollback"' in (library / "logs" / "trainer.log").read_text()


def test_a_worse_model_is_refused_and_the_next_fit_starts_from_the_model_in_use(published: dict) -> None:
    library = published["library"]
    in_use = json.loads((library / "models" / "current.json").read_text())["model_id"]
    code, lines = run_fit(library, "--max-steps", "1", *REFUSE)
    assert code == 0
    start, refused = lines[0], lines[-1]
    # Continues from the published model's own weights, not the bundled ones.
    assert start["base_model"] == in_use and not start["resumed"]
    assert start["weights"]["source"] == "published" and start["weights"]["path"].endswith(f"{in_use}.pt")
    assert refused["type"] == "refused" and refused["model_in_use"] == in_use
    assert "gain" in refused["reason"] and {"score", "nmi"} <= refused["before"].keys() <= refused["after"].keys()
    assert json.loads((library / "models" / "current.json").read_text())["model_id"] == in_use
    assert json.loads((library / "training" / "job.json").read_text())["status"] == "refused"


def test_sigint_checkpoints_and_the_same_command_resumes(tmp_path: Path) -> None:
    library = build_library(tmp_path)
    # --nice 1, not the default 10: on a busy test machine a nice-10 process can wait a minute for a core.
    command = [
        sys.executable,
        "-m",
        "trainer",
        "fit",
        "--library",
        str(library),
        "--minutes",
        "30",
        "--nice",
        "1",
        *TINY,
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, deadline = [], time.monotonic() + 90
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(json.loads(line))
        if (seen[-1]["type"] == "progress" and seen[-1]["step"] >= 2) or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=60)
    lines = seen + [json.loads(line) for line in rest.splitlines() if line.strip()]
    assert process.returncode == 130, stderr
    assert seen[0]["nice"] >= 1  # it lowered its own priority
    stopped = lines[-1]
    assert stopped["type"] == "stopped" and stopped["signal"] == "SIGINT"
    state = torch.load(library / "training" / "checkpoint.pt", weights_only=False)
    assert state["step"] == stopped["step"] >= 2
    assert json.loads((library / "training" / "job.json").read_text())["status"] == "training"
    assert not (library / "models" / "current.json").exists()

    code, again = run_fit(library, "--minutes", "30", "--max-steps", str(stopped["step"] + 2), *REFUSE)
    assert code == 0
    assert again[0]["type"] == "start" and again[0]["resumed"] and again[0]["resume_step"] == stopped["step"]
    steps = [line["step"] for line in again if line["type"] == "progress"]
    assert steps == [stopped["step"] + 1, stopped["step"] + 2]
    assert again[-1]["type"] == "refused"


def test_edits_become_pair_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from album_app.catalog.training import read_training_snapshot
    from album_app.cli import main as app
    from trainer.fit.library_data import build_labels

    library = build_library(tmp_path)
    photos = tmp_path / "photos"
    assert app(["--library", str(library), "cluster", "--json"]) == 0
    capsys.readouterr()
    app(["--library", str(library), "albums", "--json"])
    albums = json.loads(capsys.readouterr().out)["albums"]
    assert len(albums) == 3
    by_first = {Path(a["photos"][0]).name[:2]: a["id"] for a in albums}
    assert app(["--library", str(library), "lock", str(by_first["e0"])]) == 0
    assert app(["--library", str(library), "remove", str(photos / "e1_0.jpg"), str(by_first["e1"])]) == 0
    assert app(["--library", str(library), "move", str(photos / "sent_0.jpg"), str(by_first["e2"])]) == 0

    paths = resolve_library(library)
    snapshot = read_training_snapshot(paths)
    by_path = {Path(p.path).name: p for p in snapshot.photos}
    assert by_path["sent_0.jpg"].taken_ts is None and by_path["e0_0.jpg"].lat == pytest.approx(CITIES[0][0], abs=1e-3)
    edits = {e.album_id: e for e in snapshot.albums}
    assert edits[by_first["e0"]].locked and len(edits[by_first["e0"]].accepted) == 5
    assert edits[by_first["e1"]].excluded == (by_path["e1_0.jpg"].id,)
    assert edits[by_first["e2"]].pinned == (by_path["sent_0.jpg"].id,)

    rows = {p.id: i for i, p in enumerate(snapshot.photos)}
    labels = build_labels(snapshot, rows, len(rows))
    row = {name: rows[p.id] for name, p in by_path.items()}
    batch = [row[n] for n in ("e0_0.jpg", "e0_1.jpg", "e1_0.jpg", "e1_1.jpg", "e2_0.jpg", "sent_0.jpg", "sent_1.jpg")]
    pos, neg = labels.relations(batch)
    assert pos[0, 1] and not neg[0, 1]  # one event
    assert neg[0, 3] and not pos[0, 3]  # days and hundreds of km apart
    assert neg[2, 3] and not pos[2, 3]  # same event, but the user took e1_0 out of its album
    assert pos[4, 5] and not neg[4, 5]  # the user moved sent_0 into e2's album
    assert not pos[5, 6] and not neg[5, 6] and not pos[0, 6] and not neg[0, 6]  # no time, no place: unknown
    assert not pos.diagonal().any() and (pos == pos.T).all() and (neg == neg.T).all() and not (pos & neg).any()


def test_holdout_is_stable_and_leaves_events_trainable() -> None:
    from trainer.fit.library_data import EventBatchSampler, PairLabels, holdout_rows

    event = np.array([0] * 6 + [1] * 2 + [-1] * 3 + [2] * 3)
    keys = [f"h{i}" for i in range(len(event))]
    held = holdout_rows(event, keys, 0.9, seed=0)
    assert np.array_equal(held, holdout_rows(event, keys, 0.9, seed=0))
    for label in (0, 2):
        assert (event == label).sum() - np.isin(np.flatnonzero(event == label), held).sum() >= 2
    assert not np.isin(held, np.flatnonzero(event == 1)).any() and not np.isin(held, np.flatnonzero(event < 0)).any()
    assert len(holdout_rows(event, keys, 0.0, seed=0)) == 0

    nan = np.full(len(event), np.nan)
    labels = PairLabels(event, nan, nan, nan)
    train = np.setdiff1d(np.arange(len(event)), held)
    sampler = EventBatchSampler(labels, train, batch_size=6, per_group=2, labelled_share=0.7, seed=3)
    first = sampler.batch(5)
    assert first == sampler.batch(5) and len(first) == len(set(first)) == 6 and set(first) <= set(train.tolist())


def test_supervised_contrast_prefers_codes_that_agree_with_the_labels() -> None:
    from trainer.encoder.losses import supcon as supcon_loss

    positives = torch.tensor([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=torch.bool)
    candidates = torch.ones(4, 4, dtype=torch.bool)
    good = torch.tensor([[1.0, 0.0], [0.9, 0.1], [-1.0, 0.0], [-0.9, -0.1]])
    bad = good[[0, 2, 1, 3]]
    assert supcon_loss(good, positives, candidates, 0.1) < supcon_loss(bad, positives, candidates, 0.1)
    z = torch.randn(4, 2, requires_grad=True)
    nothing = supcon_loss(z, torch.zeros(4, 4, dtype=torch.bool), candidates, 0.1)
    nothing.backward()
    assert float(nothing.detach()) == 0.0 and torch.isfinite(z.grad).all()
    # A row whose only candidates are positives has nothing to rank: skipped, and no NaN anywhere.
    only = supcon_loss(z, positives, positives, 0.1)
    assert torch.isfinite(only)


def test_cli_rejects_bad_budgets_and_missing_catalogs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trainer.cli import main

    assert main(["fit", "--library", str(tmp_path / "none"), "--minutes", "1", "--nice", "0"]) == 1
    assert "no catalog" in capsys.readouterr().err
    assert main(["fit", "--library", str(tmp_path), "--until", "25:99", "--nice", "0"]) == 2
    assert main(["fit", "--library", str(tmp_path), "--minutes", "0", "--nice", "0"]) == 2
    with pytest.raises(SystemExit):
        main(["fit", "--minutes", "1", "--until", "07:00"])
    assert not os.listdir(tmp_path)
