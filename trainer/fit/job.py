"""`album-trainer fit`: fine-tune the encoder in use on the library's own photos, overnight, then prove and publish.

    album-trainer fit --library CATALOG [--hours H | --until HH:MM | --minutes M] [--device auto|cpu|cuda]
    album-trainer rollback --library CATALOG [--to ID|bundled]

The job, in order (every step is written as a JSON line to stdout and appended to LIBRARY/logs/trainer.log):
  1. read the catalog read-only (the app may be running), at low priority (nice 10, bounded threads);
  2. start from the model in use (models/current.json, else the catalog's active model, else the bundled
     one) and its torch weights (models/<id>.pt; for the bundled model runs/default/checkpoint.pt or
     assets/encoder.pt), or from a fresh encoder when none exist, and say which;
  3. train until the deadline: denoising reconstruction + view consistency (NT-Xent over friend-like
     augmentations) + supervised contrast over what the library knows (library_data.py: time-and-place
     events, locked albums and pins as positives, far-apart photos and removals as negatives), with a
     checkpoint every few minutes in LIBRARY/training/; the same command after a kill or a reboot
     continues that job (SIGINT/SIGTERM: checkpoint and exit 130);
  4. measure old and new codes on held-out photos (publish.py); publish only a better model, else keep
     the old one and log {"type": "refused", "before": ..., "after": ...}.

Importing this module is cheap and torch-free (the CLI parser imports it); torch loads when a fit runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from album_app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from album_app.library import LibraryPaths, resolve_library
from trainer.io import LOG_FILE, JsonLines
from trainer.signals import StopFlag

from .config import RUN_SETTINGS, Budget, FitConfig

TRAINING_DIR = "training"
JOB_FILE = "job.json"
REPO = Path(__file__).resolve().parents[2]
def reserve_s(total_s: float) -> float:
    """Time kept back from training for measuring, exporting and publishing (10 %, 20 s to 5 min)."""
    return min(300.0, max(20.0, 0.1 * total_s))


def next_time(hhmm: str, now: datetime) -> datetime:
    """The next local wall-clock HH:MM after ``now`` (tonight's 07:00 is tomorrow morning)."""
    try:
        hour, minute = (int(part) for part in hhmm.split(":"))
        moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    except ValueError as error:
        raise ValueError(f"--until wants HH:MM (24-hour clock), got {hhmm!r}") from error
    return moment if moment > now else moment + timedelta(days=1)


# --- the job -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseModel:
    model_id: str
    onnx_path: Path
    bundled: bool
    weights: Path | None  # torch checkpoint to continue from (None: a fresh encoder)


def bundled_weights() -> list[Path]:
    """Where the bundled model's torch weights may lie: a source checkout's run, or beside the asset."""
    from album_app.models.encoder import default_model_path

    return [REPO / "runs" / "default" / "checkpoint.pt", default_model_path().with_suffix(".pt")]


def resolve_base(paths: LibraryPaths, active_path: str | None, threads: int) -> tuple[BaseModel, Any, list[str]]:
    """The model the app would use now (as album_app.models.active decides it) and its torch weights."""
    from album_app.models import load_encoder
    from album_app.models.active import model_path_in_use
    from album_app.models.encoder import default_model_path

    encoder, warnings = load_encoder(model_path_in_use(paths, active_path), threads)
    bundled = encoder.path.resolve() == default_model_path().resolve()
    candidates = [encoder.path.with_suffix(".pt")]
    if bundled:
        candidates = bundled_weights()
    weights = next((c for c in candidates if c.is_file()), None)
    return BaseModel(encoder.model_id, encoder.path, bundled, weights), encoder, warnings


def read_job(run_dir: Path) -> dict[str, Any] | None:
    try:
        job = json.loads((run_dir / JOB_FILE).read_text())
    except (OSError, ValueError):
        return None
    return job if isinstance(job, dict) else None


def write_job(run_dir: Path, job: dict[str, Any]) -> None:
    from album_app.models.published import write_json_atomically

    write_json_atomically(run_dir / JOB_FILE, job)


def finish_job(run_dir: Path, job: dict[str, Any], status: str, result: dict[str, Any]) -> None:
    """Close the job: the next fit starts a new one from the model then in use."""
    checkpoint = run_dir / "checkpoint.pt"
    if checkpoint.is_file():
        os.replace(checkpoint, run_dir / "last.pt")  # kept for a post-mortem, never resumed
    write_job(run_dir, {**job, "status": status, "finished_at": _now(), "result": result})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_fit(library: str | None, budget: Budget, fit: FitConfig, stream: TextIO | None = None) -> int:
    """The whole job (module docstring); returns the exit code. JSON lines go to ``stream`` and the log."""
    paths = resolve_library(library)
    if not paths.catalog.exists():
        print(f"album-trainer fit: no catalog at {paths.catalog} (scan a folder first)", file=sys.stderr)
        return EXIT_ERROR
    out = JsonLines(stream, paths.logs / LOG_FILE)
    try:
        with StopFlag(second_signal_exits=True) as stop:  # a second signal stops at once
            return _run(paths, budget, fit, out, stop)
    except SystemExit as exit_:  # a second signal
        out.emit({"type": "stopped", "signal": "second signal", "message": "stopped at once"})
        return int(exit_.code or EXIT_INTERRUPTED)
    except Exception as error:
        out.emit({"type": "error", "message": f"{type(error).__name__}: {error}"})
        print(f"album-trainer fit: {error}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        out.close()


def _run(paths: LibraryPaths, budget: Budget, fit: FitConfig, out: JsonLines, stop: StopFlag) -> int:
    started = time.monotonic()
    if fit.nice:
        with contextlib.suppress(OSError):
            os.nice(fit.nice)
    cores = os.cpu_count() or 1
    threads = fit.threads or max(1, cores - 1)

    from album_app.catalog.training import read_training_snapshot

    snapshot = read_training_snapshot(paths)
    import torch

    from trainer.encoder.config import LossConfig, RunConfig
    from trainer.encoder.train import load_checkpoint, load_weights
    from trainer.loop import CHECKPOINT_FORMAT, JsonProgress
    from trainer.train_config import TrainConfig

    from .gate import judge, measure, publish
    from .library_data import EvalSet, LibraryExamples, fit_data_config
    from .trainer import FitTrainer

    torch.set_num_threads(threads)
    device = None if fit.device == "auto" else fit.device
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda: this torch build sees no CUDA device (use --device auto or cpu)")

    base, old_encoder, warnings = resolve_base(paths, snapshot.active_model_path, threads)
    for message in warnings:
        out.emit({"type": "note", "message": message})
    run_dir = paths.root / TRAINING_DIR
    job = read_job(run_dir)
    resume = (
        job is not None
        and job.get("status") == "training"
        and job.get("base_model_id") == base.model_id
        and (run_dir / "checkpoint.pt").is_file()
    )
    if job is not None and job.get("status") == "training" and not resume:
        out.emit(
            {
                "type": "note",
                "message": f"the unfinished fit started from {job.get('base_model_id')}, but "
                f"{base.model_id} is in use now: starting a new fit from it",
            }
        )
    now_wall = datetime.now().astimezone()
    if resume:
        assert job is not None
        state: dict[str, Any] | None = load_checkpoint(run_dir)
        stored = RunConfig.from_dict(state["config"])
        # The job's training settings stand; how this run is run and judged may change.
        fit = FitConfig.from_dict({**job.get("fit", {}), **{k: v for k, v in asdict(fit).items() if k in RUN_SETTINGS}})
        base_state = None
    else:
        state = None
        base_state = load_weights(base.weights) if base.weights else None
        stored = RunConfig.from_dict(base_state["config"]) if base_state else RunConfig()
        job = {
            "job_id": now_wall.strftime("%Y%m%d-%H%M%S"),
            "base_model_id": base.model_id,
            "base_weights": str(base.weights) if base.weights else None,
            "library": str(paths.catalog),
            "started_at": _now(),
            "status": "training",
            "fit": asdict(fit),
        }

    # The deadline: --until is wall-clock (kept across restarts of the same job), --hours/--minutes count
    # this job's training time (a reboot's downtime does not use it up).
    trained_s = float(state.get("elapsed_s", 0.0)) if state else 0.0
    if budget.until:
        if resume and job.get("until") == budget.until and job.get("deadline"):
            deadline = datetime.fromisoformat(job["deadline"])
        else:
            deadline = next_time(budget.until, now_wall)
        total = (deadline - now_wall).total_seconds() + trained_s
        train_budget = max(0.0, total - reserve_s(total))
        remaining = max(0.0, (deadline - now_wall).total_seconds() - reserve_s(total))
        job.update(until=budget.until, deadline=deadline.isoformat(timespec="seconds"))
    else:
        total = float(budget.seconds or 0.0)
        train_budget = max(0.0, total - reserve_s(total))
        remaining = max(0.0, train_budget - trained_s)
        job.update(budget_s=total, until=None, deadline=None)
    job["train_budget_s"] = round(train_budget, 1)

    config = RunConfig(
        data=fit_data_config(stored.data, str(paths.catalog)),
        model=stored.model,
        loss=LossConfig(
            recon_weight=fit.recon_weight,
            contrastive_weight=fit.consistency_weight,
            temperature=fit.consistency_temperature,
        ),
        train=TrainConfig(
            batch_size=fit.batch_size,
            lr=fit.lr,
            warmup_steps=fit.warmup_steps,
            minutes=remaining / 60,
            seed=fit.seed,
            threads=threads,
            log_every_s=fit.log_every_s,
            checkpoint_every_s=fit.checkpoint_every_s,
            device=device,
            max_steps=fit.max_steps,
            freeze_bn=fit.freeze_bn,
        ),
    )
    loaded_at = time.monotonic()
    examples = LibraryExamples.from_snapshot(
        paths,
        snapshot,
        config.data,
        holdout_share=fit.holdout_share,
        seed=fit.seed,
        max_photos=fit.max_photos,
        threads=min(2, cores),
    )
    if len(examples.train_rows) < 2:
        raise ValueError(f"only {len(examples.train_rows)} photos to train on after the hold-out")
    out.emit(
        {
            "type": "start",
            "resumed": resume,
            "resume_step": int(state["step"]) if state else 0,
            "base_model": base.model_id,
            "base_path": str(base.onnx_path),
            "bundled": base.bundled,
            "weights": str(base.weights) if (base.weights and not resume) else ("checkpoint" if resume else None),
            "data": examples.describe(),
            "load_s": round(time.monotonic() - loaded_at, 1),
            "budget": budget.describe(),
            "train_s": round(remaining, 1),
            "threads": threads,
            "device": str(device or ("cuda" if torch.cuda.is_available() else "cpu")),
            "nice": os.getpriority(os.PRIO_PROCESS, 0),
        }
    )
    if not resume and base_state is None:
        out.emit(
            {
                "type": "note",
                "message": f"no torch weights for the model in use ({base.model_id}; looked for "
                f"{', '.join(map(str, bundled_weights() if base.bundled else [base.onnx_path.with_suffix('.pt')]))}): "
                "starting from a freshly initialised encoder",
            }
        )

    trainer = FitTrainer(config, examples, run_dir, state, fit, train_budget)
    if base_state is not None:
        trainer.model.load_state_dict(base_state["model"])
        _check_base(trainer, old_encoder, examples, out, base)
    write_job(run_dir, job)
    JsonProgress(out, fit.log_every_s).attach(trainer)
    trainer.run(stop)  # type: ignore[arg-type]
    if stop.requested:
        out.emit(
            {
                "type": "stopped",
                "signal": stop.signal_name,
                "step": trainer.step,
                "checkpoint": str(run_dir / "checkpoint.pt"),
                "message": "checkpoint saved; run the same command again to continue",
            }
        )
        return EXIT_INTERRUPTED

    # The gate: old codes (the ONNX in use) vs new codes (this encoder) on photos it never trained on.
    eval_set = EvalSet.build(examples, seed=fit.seed)
    before = measure(examples, eval_set, old_encoder.embed, old_encoder.spec.size)
    after = measure(examples, eval_set, trainer.embed, config.data.size)
    verdict = judge(before, after, min_gain=fit.min_gain, nmi_slack=fit.nmi_slack)
    minutes = round(trainer.elapsed_s / 60, 2)
    figures = {"before": before, "after": after}
    if stop.requested:
        return EXIT_INTERRUPTED
    if not verdict.better:
        out.emit(
            {
                "type": "refused",
                "reason": verdict.reason,
                "model_in_use": base.model_id,
                **figures,
                "steps": trainer.step,
                "minutes": minutes,
            }
        )
        finish_job(run_dir, job, "refused", {"reason": verdict.reason, **figures})
        return EXIT_OK

    record = {
        "base_model": base.model_id,
        "library": str(paths.catalog),
        "data": examples.describe(),
        "figures": figures,
        "minutes": minutes,
        "steps": trainer.step,
        "fit": asdict(fit),
        "losses": trainer.history[-1] if trainer.history else {},
        "job_id": job["job_id"],
    }
    final = load_checkpoint(run_dir)
    weights = {
        key: final[key]
        for key in ("config", "model", "step", "elapsed_s", "history", "runs", "data_summary", "parameters", "saved_at")
        if key in final
    }
    weights["format"] = CHECKPOINT_FORMAT
    parity = [examples.refs[int(r)] for r in examples.train_rows[:32]]
    model_id, path = publish(paths, run_dir, record, parity, weights)
    out.emit(
        {
            "type": "published",
            "model_id": model_id,
            "path": str(path),
            "base_model": base.model_id,
            "reason": verdict.reason,
            **figures,
            "steps": trainer.step,
            "minutes": minutes,
            "job_s": round(time.monotonic() - started, 1),
        }
    )
    finish_job(run_dir, job, "published", {"model_id": model_id, **figures})
    return EXIT_OK


def _check_base(trainer: Any, old_encoder: Any, examples: Any, out: JsonLines, base: BaseModel) -> None:
    """Say so when the torch weights do not reproduce the ONNX in use (training goes on from them anyway;
    the gate still compares against the model really in use)."""
    import numpy as np

    from album_app.preprocess import InputSpec

    rows = examples.train_rows[:16]
    if old_encoder.spec.size != examples.spec.size:
        out.emit(
            {
                "type": "note",
                "message": f"weights {base.weights} take {examples.spec.size} px, the model in use "
                f"{old_encoder.spec.size} px: they are not the same model",
            }
        )
        return
    pixels = examples.pixels(rows, InputSpec(size=examples.spec.size))
    difference = float(np.max(np.abs(trainer.embed(pixels) - old_encoder.embed(pixels))))
    if difference > 1e-3:
        out.emit(
            {
                "type": "note",
                "message": f"weights {base.weights} do not reproduce the model in use "
                f"{base.model_id} (max |diff| {difference:.3g}); fine-tuning them anyway",
            }
        )


# --- CLI -----------------------------------------------------------------------------------------


def add_fit_commands(subparsers: Any) -> None:
    """Add `fit` and `rollback` to album-trainer's subcommands (each sets ``handler``)."""
    fit = subparsers.add_parser(
        "fit", help="fine-tune the model in use on a library's own photos; publish it only if it is better"
    )
    fit.add_argument("--library", help="library folder or catalog.db (default: $ALBUM_APP_LIBRARY, else the user's)")
    when = fit.add_mutually_exclusive_group()
    when.add_argument("--hours", type=float, help="training time of this job")
    when.add_argument("--minutes", type=float, help="training time of this job (default 60)")
    when.add_argument("--until", metavar="HH:MM", help="stop by this local time (tonight's 07:00 is tomorrow)")
    fit.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    fit.add_argument("--threads", type=int, help="torch threads (default: one less than the cores)")
    fit.add_argument("--nice", type=int, default=FitConfig.nice, help="niceness increment (default 10)")
    fit.add_argument("--seed", type=int, default=FitConfig.seed)
    fit.add_argument(
        "--holdout",
        type=float,
        default=FitConfig.holdout_share,
        help="share of each event's EXIF photos held out to prove the new model (default 0.2)",
    )
    fit.add_argument("--batch-size", type=int, default=FitConfig.batch_size)
    fit.add_argument("--lr", type=float, default=FitConfig.lr)
    fit.add_argument("--max-photos", type=int, default=FitConfig.max_photos)
    fit.add_argument("--max-steps", type=int, help="stop training at this total step count")
    fit.add_argument(
        "--min-gain",
        type=float,
        default=FitConfig.min_gain,
        help="publish only if the held-out score rises by more than this (default 0)",
    )
    fit.add_argument("--nmi-slack", type=float, default=FitConfig.nmi_slack)
    fit.add_argument("--checkpoint-every", type=float, default=FitConfig.checkpoint_every_s, help="seconds")
    fit.add_argument("--log-every", type=float, default=FitConfig.log_every_s, help="seconds between progress lines")
    fit.set_defaults(handler=cmd_fit)

    rollback = subparsers.add_parser("rollback", help="point a library back at its previous (or a given) model")
    rollback.add_argument("--library", help="library folder or catalog.db")
    rollback.add_argument("--to", metavar="ID", help="a published model id, or 'bundled' (default: the previous one)")
    rollback.set_defaults(handler=cmd_rollback)


def cmd_fit(args: argparse.Namespace) -> int:
    if args.until:
        budget = Budget(until=args.until)
    else:
        minutes = args.hours * 60 if args.hours is not None else (args.minutes if args.minutes is not None else 60.0)
        if minutes <= 0:
            print("album-trainer fit: the budget must be positive", file=sys.stderr)
            return EXIT_USAGE
        budget = Budget(seconds=minutes * 60)
    if args.until:
        try:
            next_time(args.until, datetime.now())
        except ValueError as error:
            print(f"album-trainer fit: {error}", file=sys.stderr)
            return EXIT_USAGE
    fit = FitConfig(
        holdout_share=args.holdout,
        seed=args.seed,
        batch_size=args.batch_size,
        lr=args.lr,
        max_photos=args.max_photos,
        max_steps=args.max_steps,
        threads=args.threads,
        nice=args.nice,
        device=args.device,
        min_gain=args.min_gain,
        nmi_slack=args.nmi_slack,
        checkpoint_every_s=args.checkpoint_every,
        log_every_s=args.log_every,
    )
    return run_fit(args.library, budget, fit)


def cmd_rollback(args: argparse.Namespace) -> int:
    from album_app.models.encoder import ModelError

    from .gate import rollback

    paths = resolve_library(args.library)
    out = JsonLines(log_path=paths.logs / LOG_FILE)
    try:
        out.emit({"type": "rollback", **rollback(paths, args.to)})
        return EXIT_OK
    except (FileNotFoundError, ModelError) as error:
        out.emit({"type": "error", "command": "rollback", "message": str(error)})
        print(f"album-trainer rollback: {error}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        out.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m trainer.fit fit|rollback ...` (the same commands album-trainer has once wired)."""
    parser = argparse.ArgumentParser(prog="album-trainer")
    add_fit_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
