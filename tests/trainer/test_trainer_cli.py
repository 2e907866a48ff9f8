"""The trainer end to end through its CLI: train, signals (a real subprocess), resume, export, evaluate.

The exported model is loaded with the app's own album_app.models, which must accept its contract.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TINY = ["--size", "32", "--batch-size", "8", "--threads", "1", "--log-every", "0"]


def trainer_cli(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """`album-trainer ARGS` in this process (a subprocess would pay torch's import again)."""
    from trainer.cli import main

    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["album-trainer", *args], code, captured.out, captured.err)


def json_lines(stdout: str) -> list[dict]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert all("type" in line for line in lines)
    return lines


def test_train_export_and_load_in_the_app(photo_tree: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    done = trainer_cli(
        capsys, "train", "--data", str(photo_tree), "--out", str(run), "--max-steps", "3", *TINY
    )
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stdout)
    progress = [line for line in lines if line["type"] == "progress"]
    assert [line["step"] for line in progress] == [1, 2, 3]
    assert all({"loss", "eta_s"} <= line.keys() and np.isfinite(line["loss"]) for line in progress)
    assert lines[-1]["type"] == "done" and lines[-1]["step"] == 3 and lines[-1]["stopped"] == "max_steps"

    model_path = tmp_path / "model.onnx"
    exported = trainer_cli(capsys, "export", str(run), "--out", str(model_path))
    assert exported.returncode == 0, exported.stderr
    assert not list(tmp_path.glob("*.data")), "the model must be one self-contained file"

    from album_app.models import load_encoder, read_contract

    contract = read_contract(model_path)
    assert contract.spec.size == 32 and contract.code_size == 128
    assert contract.summary["steps"] == 3 and contract.summary["data"]["photos"] == 20
    encoder, warnings = load_encoder(model_path, threads=1)
    assert warnings == [] and encoder.model_id == contract.model_id
    codes = encoder.embed(np.zeros((70, 32, 32, 3), dtype=np.uint8))
    assert codes.shape == (70, 128)

    evaluated = trainer_cli(capsys, "evaluate", str(model_path), "--data", str(photo_tree), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    result = json.loads(evaluated.stdout)
    assert result["photos"] == 20 and result["classes"] == 2
    for name in ("codes", "raw32", "pca50"):
        assert {"nmi", "ari", "knn10"} <= result[name].keys()
    assert 0 <= result["codes"]["knn10"] <= 1


def test_sigint_saves_a_checkpoint_and_resume_continues(photo_tree: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trainer",
            "train",
            "--data",
            str(photo_tree),
            "--out",
            str(run),
            "--minutes",
            "5",
            *TINY,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    for line in process.stdout:  # wait until training is really under way
        seen.append(json.loads(line))
        if (seen[-1]["type"] == "progress" and seen[-1]["step"] >= 2) or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "SIGINT" in stderr and "checkpoint saved" in stderr
    lines = seen + json_lines(rest)
    assert lines[-1]["type"] == "done" and lines[-1]["stopped"] == "SIGINT"
    stopped_at = lines[-1]["step"]
    assert stopped_at >= 2
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    assert state["step"] == stopped_at and state["config"]["data"]["size"] == 32
    assert {"model", "optimizer", "best_score", "history"} <= state.keys()

    resumed = trainer_cli(
        capsys, "train", "--out", str(run), "--resume", "--max-steps", str(stopped_at + 2), *TINY
    )
    assert resumed.returncode == 0, resumed.stderr
    lines = json_lines(resumed.stdout)
    assert lines[0] == {**lines[0], "type": "data", "resume_step": stopped_at}
    assert [line["step"] for line in lines if line["type"] == "progress"] == [stopped_at + 1, stopped_at + 2]
    assert lines[-1]["type"] == "done" and lines[-1]["step"] == stopped_at + 2


def test_cli_refuses_bad_input(tmp_path: Path, capsys) -> None:
    missing = trainer_cli(
        capsys, "train", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r"), "--max-steps", "1"
    )
    assert missing.returncode == 1 and "not a folder" in missing.stderr
    no_run = trainer_cli(capsys, "export", str(tmp_path / "r"), "--out", str(tmp_path / "m.onnx"))
    assert no_run.returncode == 1 and "no checkpoint" in no_run.stderr
    assert os.listdir(tmp_path) == []
