"""The gate's figures and verdict, and rollback over the published-model pointer (no training here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("torch")

from album_app.library import resolve_library
from album_app.models import published
from album_app.models.encoder import default_model_path
from trainer.encoder.config import DataConfig
from trainer.encoder.data import PhotoRef
from trainer.fit.gate import album_quality, judge
from trainer.fit.library_data import EvalSet, LibraryExamples, PairLabels
from trainer.fit.publish import rollback

HOUR = 3600.0


def figures(score: float, nmi: float, queries: int = 10) -> dict:
    return {"score": score, "nmi": nmi, "placed": score, "wrong": 0.0, "queries": queries}


def test_judge_wants_a_higher_score_without_losing_nmi() -> None:
    assert judge(figures(0.4, 0.8), figures(0.5, 0.8)).better
    worse = judge(figures(0.4, 0.8), figures(0.35, 0.9))
    assert not worse.better and "gain -0.050" in worse.reason
    assert not judge(figures(0.4, 0.8), figures(0.5, 0.7)).better  # NMI fell more than the slack
    assert judge(figures(0.4, 0.8), figures(0.5, 0.795)).better  # ...within the slack
    assert not judge(figures(0.4, 0.8), figures(0.45, 0.8), min_gain=0.1).better
    assert judge(figures(0.4, 0.8), figures(0.3, 0.1), min_gain=-1, nmi_slack=1).better  # forced, for tests
    # Fewer wrong placements bought with fewer right ones (the measured run's case) is not better.
    cautious = judge(
        {**figures(0.474, 0.876), "placed_plain": 0.724, "placed_friend": 0.431},
        {**figures(0.552, 0.878), "placed_plain": 0.603, "placed_friend": 0.534},
    )
    assert not cautious.better and "fewer held-out photos as they are" in cautious.reason
    assert judge({**figures(0.4, 0.8), "placed_plain": 0.70}, {**figures(0.5, 0.8), "placed_plain": 0.69}).better
    nothing = judge(figures(0.0, 0.0, queries=0), figures(1.0, 1.0, queries=0), min_gain=-1)
    assert not nothing.better and "no held-out" in nothing.reason


def tiny_examples(events: int = 3, per_event: int = 6) -> LibraryExamples:
    """Examples with known events (a day and ~1000 km apart); every event's last two photos held out."""
    n = events * per_event
    event = np.repeat(np.arange(events), per_event)
    taken = 1.7e9 + event * 48 * HOUR + np.tile(np.arange(per_event), events) * 600.0
    lat = 40.0 + 9.0 * event
    lon = np.full(n, 2.0)
    images = [Image.new("RGB", (12, 12), (int(80 * e), 100, 50)) for e in event]
    refs = [PhotoRef(f"/nowhere/{i}.jpg", 1) for i in range(n)]
    heldout = np.flatnonzero(np.tile(np.arange(per_event), events) >= per_event - 2)
    labels = PairLabels(event, taken, lat, lon)
    config = DataConfig(data=(), library="test", size=8, cache_side=12)
    return LibraryExamples(config, refs, images, np.arange(n), [f"k{i}" for i in range(n)], labels, heldout)


def test_album_quality_rewards_codes_that_place_held_out_photos_in_their_event() -> None:
    examples = tiny_examples()
    eval_set = EvalSet.build(examples)
    assert len(eval_set.anchors) == 12 and len(eval_set.queries) == 6
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 5

    def codes(rows: np.ndarray, noise: float) -> np.ndarray:
        return centres[examples.labels.event[rows]] + rng.normal(size=(len(rows), 16)) * noise

    good = album_quality(
        examples, eval_set, codes(eval_set.anchors, 0.3), codes(eval_set.queries, 0.3), codes(eval_set.queries, 0.3)
    )
    assert good["placed"] == 1.0 and good["wrong"] == 0.0 and good["score"] == 1.0 and good["nmi"] > 0.9
    # Queries that look like nothing in the library: left Unsorted (not wrong), so the score drops.
    unrelated = rng.normal(size=(6, 16)) * 5
    lost = album_quality(examples, eval_set, codes(eval_set.anchors, 0.3), unrelated, unrelated)
    assert lost["score"] < good["score"] and lost["nmi"] < good["nmi"]
    assert good["queries"] == 6 and good["anchors"] == 12 and good["accepted_placed"] is None


def test_rollback_walks_the_pointer_history(tmp_path: Path) -> None:
    paths = resolve_library(tmp_path / "library")
    paths.models.mkdir(parents=True)
    for model_id in ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"):
        shutil.copy(default_model_path(), paths.models / f"{model_id}.onnx")  # a valid model under that name
    published.point_to(paths, "aaaaaaaaaaaaaaaa")
    published.point_to(paths, "bbbbbbbbbbbbbbbb")

    moved = rollback(paths)
    assert moved == {"from": "bbbbbbbbbbbbbbbb", "to": "aaaaaaaaaaaaaaaa", "path": "models/aaaaaaaaaaaaaaaa.onnx"}
    assert published.current(paths).model_id == "aaaaaaaaaaaaaaaa"
    assert rollback(paths, "bundled")["to"] == "bundled"
    assert published.current(paths).path is None
    assert rollback(paths, "bbbbbbbbbbbbbbbb")["to"] == "bbbbbbbbbbbbbbbb"
    with pytest.raises(FileNotFoundError):
        rollback(paths, "cccccccccccccccc")

    # A model file the app would refuse is never pointed at.
    (paths.models / "dddddddddddddddd.onnx").write_bytes(b"not a model")
    from album_app.models.encoder import ModelError

    with pytest.raises(ModelError):
        rollback(paths, "dddddddddddddddd")
    assert json.loads((paths.models / "current.json").read_text())["model_id"] == "bbbbbbbbbbbbbbbb"


@pytest.mark.parametrize("history", ['"oops"', '[1, "x"]', '{"a": 1}', '[{"model_id": 5}]', "7", "null"])
def test_rollback_with_a_malformed_history_says_so_and_moves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], history: str
) -> None:
    """Issue 12 item 11: `album-trainer rollback` on a hand-edited or damaged models/current.json: one clear
    line, exit 1, the pointer as it was; naming the target (--to) still works and writes a clean pointer."""
    from trainer.cli import main

    paths = resolve_library(tmp_path / "library")
    paths.models.mkdir(parents=True)
    model_id = "aaaaaaaaaaaaaaaa"
    shutil.copy(default_model_path(), paths.models / f"{model_id}.onnx")
    pointer = paths.models / "current.json"
    pointer.write_text(f'{{"model_id": "{model_id}", "path": "models/{model_id}.onnx", "history": {history}}}')
    before = pointer.read_bytes()
    capsys.readouterr()

    assert main(["rollback", "--library", str(paths.root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("album-trainer rollback: ") and "Traceback" not in err and len(err.splitlines()) == 1
    assert "current.json is malformed" in err and "--to bundled" in err
    assert pointer.read_bytes() == before
    assert published.current(paths).model_id == model_id  # the app still reads the model it points at

    assert main(["rollback", "--library", str(paths.root), "--to", "bundled"]) == 0
    assert published.current(paths).model_id == "bundled"
    assert published.previous_model(paths) == model_id  # the history is clean again
