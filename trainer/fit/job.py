"""`album-trainer fit`: fine-tune the encoder in use on the library's own photos, overnight, then prove and publish.

    album-trainer fit --library CATALOG [--hours H | --until HH:MM | --minutes M] [--device auto|cpu|cuda]
    album-trainer rollback --library CATALOG [--to ID|bundled]

The job, in order (every step is written as a JSON line to stdout and appended to LIBRARY/logs/trainer.log):
  1. read the catalog read-only (the app may be running), at low priority (nice 10, bounded threads);
  2. start from the model in use and torch weights that reproduce it (base.py), and say which;
  3. train until the deadline: denoising reconstruction + view consistency (NT-Xent over friend-like
     augmentations) + supervised contrast over what the library knows (library_data.py: time-and-place
     events, locked albums and pins as positives, far-apart photos and removals as negatives), with a
     checkpoint every few minutes in LIBRARY/training/; the same command after a kill or a reboot
     continues that job (SIGINT/SIGTERM: checkpoint and exit 130);
  4. measure old and new codes on held-out photos (gate.py); publish only a better model (publish.py),
     else keep the old one and log {"type": "refused", "before": ..., "after": ...}.

Importing this module is cheap and torch-free (the CLI imports it); torch loads when a fit runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from album_app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from album_app.library import LibraryPaths, resolve_library
from trainer.io import LOG_FILE, JsonLines
from trainer.signals import StopFlag

from .config import RUN_SETTINGS, Budget, FitConfig, next_time, reserve_s

if TYPE_CHECKING:
    from album_app.catalog.training import TrainingSnapshot
    from trainer.encoder.config import RunConfig

    from .base import BaseModel
    from .library_data import EvalSet, LibraryExamples
    from .trainer import FitTrainer

TRAINING_DIR = "training"
JOB_FILE = "job.json"
CHECKPOINT = "checkpoint.pt"


def run_fit(library: str | None, budget: Budget, fit: FitConfig, stream: TextIO | None = None) -> int:
    """The whole job (module docstring); returns the exit code. JSON lines go to ``stream`` and the log."""
    paths = resolve_library(library)
    if not paths.catalog.exists():
        print(f"album-trainer fit: no catalog at {paths.catalog} (scan a folder first)", file=sys.stderr)
        return EXIT_ERROR
    out = JsonLines(stream, paths.logs / LOG_FILE)
    try:
        with StopFlag(second_signal_exits=True) as stop:  # a second signal stops at once
            return FitJob(paths, budget, fit, out, stop).run()
    except SystemExit as exit_:  # a second signal
        out.emit({"type": "stopped", "signal": "second signal", "message": "stopped at once"})
        return int(exit_.code or EXIT_INTERRUPTED)
    except Exception as error:
        out.emit({"type": "error", "message": f"{type(error).__name__}: {error}"})
        print(f"album-trainer fit: {error}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        out.close()


# --- the job's file: LIBRARY/training/job.json -------------------------------------------------------------


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
    checkpoint = run_dir / CHECKPOINT
    if checkpoint.is_file():
        os.replace(checkpoint, run_dir / "last.pt")  # kept for a post-mortem, never resumed
    write_job(run_dir, {**job, "status": status, "finished_at": _now(), "result": result})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Plan:
    """How long this run may train: ``remaining_s`` now, within a job-long schedule of ``train_budget_s``."""

    train_budget_s: float
    remaining_s: float


def plan_training(budget: Budget, job: dict[str, Any], trained_s: float, resumed: bool) -> Plan:
    """The training time left. --until is wall-clock (the deadline is kept across restarts of the same job);
    --hours/--minutes count this job's training time (a reboot's downtime does not use it up). A share of
    the time is kept back for measuring, exporting and publishing (`reserve_s`). Records it in ``job``."""
    now = datetime.now().astimezone()
    if budget.until:
        if resumed and job.get("until") == budget.until and job.get("deadline"):
            deadline = datetime.fromisoformat(job["deadline"])
        else:
            deadline = next_time(budget.until, now)
        left = (deadline - now).total_seconds()
        total = left + trained_s
        plan = Plan(max(0.0, total - reserve_s(total)), max(0.0, left - reserve_s(total)))
        job.update(until=budget.until, deadline=deadline.isoformat(timespec="seconds"))
    else:
        total = float(budget.seconds or 0.0)
        train_budget = max(0.0, total - reserve_s(total))
        plan = Plan(train_budget, max(0.0, train_budget - trained_s))
        job.update(budget_s=total, until=None, deadline=None)
    job["train_budget_s"] = round(plan.train_budget_s, 1)
    return plan


# --- the job, step by step -----------------------------------------------------------------------------------


class FitJob:
    """One `album-trainer fit`: each step a method, run in order by `run` (module docstring)."""

    def __init__(self, paths: LibraryPaths, budget: Budget, fit: FitConfig, out: JsonLines, stop: StopFlag) -> None:
        self.paths, self.budget, self.fit, self.out, self.stop = paths, budget, fit, out, stop
        self.run_dir = paths.root / TRAINING_DIR
        self.started = time.monotonic()

    def run(self) -> int:
        threads = self.lower_priority()
        from album_app.catalog.training import read_training_snapshot

        from .library_data import EvalSet

        snapshot = read_training_snapshot(self.paths)
        device = self.device()
        base = self.model_in_use(snapshot, threads)
        job, state = self.open_job(base)
        config, start = self.run_config(base, state, threads, device)
        loaded_at = time.monotonic()
        examples = self.load_examples(snapshot, config)
        load_s = time.monotonic() - loaded_at
        eval_set = EvalSet.build(examples, seed=self.fit.seed)
        before = self.held_out_figures(examples, eval_set, base.encoder.embed, base.encoder.spec.size)
        plan = plan_training(self.budget, job, float(state.get("elapsed_s", 0.0)) if state else 0.0, state is not None)
        config.train.minutes = plan.remaining_s / 60
        trainer = self.make_trainer(config, examples, state, plan)
        weights, first = None, None
        if state is None:
            weights = self.start_weights(trainer, base, start, examples)
            job["start_weights"] = weights.record()
            first = self.held_out_figures(examples, eval_set, trainer.embed, config.data.size)
        if job.get("start_weights", {}).get("source") == "onnx":  # fresh heads (FitConfig.head_warmup_share)
            trainer.heads_warmup_s = self.fit.head_warmup_share * plan.train_budget_s
            if self.fit.max_steps is not None:  # a step cap shortens the run, so the warm-up is a share of it too
                trainer.heads_warmup_steps = int(self.fit.head_warmup_share * self.fit.max_steps)
        self.emit_start(base, job, state, weights, examples, load_s, plan, threads, device)
        if weights is not None:
            self.out.emit({"type": "note", "message": weights.message})
        if trainer.encoder_frozen():
            steps = trainer.heads_warmup_steps
            span = f"{trainer.heads_warmup_s:.0f} s" + (f" (at most {steps} steps)" if steps is not None else "")
            self.out.emit(
                {
                    "type": "note",
                    "message": f"the encoder stays as it is for the first {span} of training, "
                    "while the fresh decoder and projection head learn to read it",
                }
            )
        self.emit_held_out(trainer, before, first)
        write_job(self.run_dir, job)
        if not self.train(trainer):
            return EXIT_INTERRUPTED
        after = self.held_out_figures(examples, eval_set, trainer.embed, config.data.size)
        return self.decide(base, job, trainer, examples, before, after)

    def lower_priority(self) -> int:
        """Nice the process (overnight work must not slow the person's machine) and pick the torch threads."""
        if self.fit.nice:
            with contextlib.suppress(OSError):
                os.nice(self.fit.nice)
        threads = self.fit.threads or max(1, (os.cpu_count() or 1) - 1)  # the app keeps a core
        import torch

        torch.set_num_threads(threads)
        return threads

    def device(self) -> str | None:
        import torch

        device = None if self.fit.device == "auto" else self.fit.device
        if device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("--device cuda: this torch build sees no CUDA device (use --device auto or cpu)")
        return device

    def model_in_use(self, snapshot: TrainingSnapshot, threads: int) -> BaseModel:
        from .base import model_in_use

        base = model_in_use(self.paths, snapshot.active_model_path, threads)
        for message in base.notes:
            self.out.emit({"type": "note", "message": message})
        return base

    def open_job(self, base: BaseModel) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The unfinished job this command continues (its checkpoint) when it started from the model still in
        use, else a new job; returns the job record and the checkpoint (None for a new job)."""
        job = read_job(self.run_dir)
        unfinished = job is not None and job.get("status") == "training"
        if unfinished and job.get("base_model_id") == base.model_id and (self.run_dir / CHECKPOINT).is_file():
            from trainer.encoder.train import load_checkpoint

            # The job's training settings stand; how this run is run and judged may change.
            now = {k: v for k, v in asdict(self.fit).items() if k in RUN_SETTINGS}
            self.fit = FitConfig.from_dict({**job.get("fit", {}), **now})
            return job, load_checkpoint(self.run_dir)
        if unfinished:
            self.out.emit(
                {
                    "type": "note",
                    "message": f"the unfinished fit started from {job.get('base_model_id')}, but "
                    f"{base.model_id} is in use now: starting a new fit from it",
                }
            )
        job = {
            "job_id": datetime.now().astimezone().strftime("%Y%m%d-%H%M%S"),
            "base_model_id": base.model_id,
            "library": str(self.paths.catalog),
            "started_at": _now(),
            "status": "training",
            "fit": asdict(self.fit),
        }
        return job, None

    def run_config(
        self, base: BaseModel, state: dict[str, Any] | None, threads: int, device: str | None
    ) -> tuple[RunConfig, Any]:
        """The trainer's configuration: the start weights' architecture and input contract, the fit's data,
        objective weights and schedule (the budget is set once the photos are loaded and the model in use
        measured: `plan_training`); and, for a new job, where its weights come from (base.py)."""
        from trainer.encoder.config import LossConfig, RunConfig
        from trainer.train_config import TrainConfig

        from .base import start_point
        from .library_data import fit_data_config

        start = None if state is not None else start_point(base)
        stored = RunConfig.from_dict(state["config"]) if state is not None else start.config
        fit = self.fit
        loss = LossConfig(
            recon_weight=fit.recon_weight,
            contrastive_weight=fit.consistency_weight,
            temperature=fit.consistency_temperature,
        )
        train = TrainConfig(
            batch_size=fit.batch_size,
            lr=fit.lr,
            warmup_steps=fit.warmup_steps,
            seed=fit.seed,
            threads=threads,
            log_every_s=fit.log_every_s,
            checkpoint_every_s=fit.checkpoint_every_s,
            device=device,
            max_steps=fit.max_steps,
            freeze_bn=fit.freeze_bn,
        )
        return RunConfig(fit_data_config(stored.data, str(self.paths.catalog)), stored.model, loss, train), start

    def load_examples(self, snapshot: TrainingSnapshot, config: RunConfig) -> LibraryExamples:
        from .library_data import LibraryExamples

        examples = LibraryExamples.from_snapshot(
            self.paths,
            snapshot,
            config.data,
            holdout_share=self.fit.holdout_share,
            seed=self.fit.seed,
            max_photos=self.fit.max_photos,
            threads=min(2, os.cpu_count() or 1),
        )
        if len(examples.train_rows) < 2:
            raise ValueError(f"only {len(examples.train_rows)} photos to train on after the hold-out")
        return examples

    def make_trainer(
        self, config: RunConfig, examples: LibraryExamples, state: dict[str, Any] | None, plan: Plan
    ) -> FitTrainer:
        from .trainer import FitTrainer

        return FitTrainer(config, examples, self.run_dir, state, self.fit, plan.train_budget_s)

    def start_weights(self, trainer: FitTrainer, base: BaseModel, start: Any, examples: LibraryExamples) -> Any:
        """Load a new job's start weights (base.py)."""
        from album_app.preprocess import InputSpec

        from .base import load_start_weights

        probe = examples.pixels(examples.train_rows[:16], InputSpec(size=examples.spec.size))
        return load_start_weights(trainer, base, start, probe)

    def held_out_figures(self, examples: LibraryExamples, eval_set: EvalSet, embed: Any, size: int) -> dict[str, Any]:
        from .gate import measure

        return measure(examples, eval_set, embed, size)

    def emit_start(
        self,
        base: BaseModel,
        job: dict[str, Any],
        state: dict[str, Any] | None,
        weights: Any,
        examples: LibraryExamples,
        load_s: float,
        plan: Plan,
        threads: int,
        device: str | None,
    ) -> None:
        import torch

        self.out.emit(
            {
                "type": "start",
                "job_id": job["job_id"],
                "resumed": state is not None,
                "resume_step": int(state["step"]) if state else 0,
                "base_model": base.model_id,
                "base_path": str(base.onnx_path),
                "bundled": base.bundled,
                "weights": weights.record() if weights is not None else {"source": "checkpoint"},
                "data": examples.describe(),
                "load_s": round(load_s, 1),
                "budget": self.budget.describe(),
                "train_s": round(plan.remaining_s, 1),
                "threads": threads,
                "device": str(device or ("cuda" if torch.cuda.is_available() else "cpu")),
                "nice": os.getpriority(os.PRIO_PROCESS, 0),
            }
        )

    def emit_held_out(self, trainer: FitTrainer, before: dict[str, Any], first: dict[str, Any] | None) -> None:
        """The held-out figures training starts from: the model in use's and, for a new job, the start weights'
        (the same when the fit really starts from the model in use)."""
        message = f"held-out score of the model in use: {before['score']:.3f}"
        if first is not None:
            message += f"; of the weights training starts from: {first['score']:.3f}"
        self.out.emit(
            {"type": "held_out", "step": trainer.step, "model_in_use": before, "start": first, "message": message}
        )

    def train(self, trainer: FitTrainer) -> bool:
        """Train to the plan's budget; False when a signal stopped it (the checkpoint is saved)."""
        from trainer.loop import JsonProgress

        JsonProgress(self.out, self.fit.log_every_s).attach(trainer)
        trainer.run(self.stop)
        if not self.stop.requested:
            return True
        self.out.emit(
            {
                "type": "stopped",
                "signal": self.stop.signal_name,
                "step": trainer.step,
                "checkpoint": str(self.run_dir / CHECKPOINT),
                "message": "checkpoint saved; run the same command again to continue",
            }
        )
        return False

    def decide(
        self,
        base: BaseModel,
        job: dict[str, Any],
        trainer: FitTrainer,
        examples: LibraryExamples,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> int:
        """The gate's verdict: publish a better model, else keep the one in use (both close the job)."""
        from .gate import judge

        verdict = judge(before, after, min_gain=self.fit.min_gain, nmi_slack=self.fit.nmi_slack)
        figures = {"before": before, "after": after}
        minutes = round(trainer.elapsed_s / 60, 2)
        if self.stop.requested:
            return EXIT_INTERRUPTED
        if not verdict.better:
            self.out.emit(
                {
                    "type": "refused",
                    "reason": verdict.reason,
                    "model_in_use": base.model_id,
                    **figures,
                    "steps": trainer.step,
                    "minutes": minutes,
                }
            )
            finish_job(self.run_dir, job, "refused", {"reason": verdict.reason, **figures})
            return EXIT_OK
        record = {
            "base_model": base.model_id,
            "library": str(self.paths.catalog),
            "data": examples.describe(),
            "figures": figures,
            "minutes": minutes,
            "steps": trainer.step,
            "fit": asdict(self.fit),
            "losses": trainer.history[-1] if trainer.history else {},
            "job_id": job["job_id"],
        }
        model_id, path = self.publish(examples, record)
        self.out.emit(
            {
                "type": "published",
                "model_id": model_id,
                "path": str(path),
                "base_model": base.model_id,
                "reason": verdict.reason,
                **figures,
                "steps": trainer.step,
                "minutes": minutes,
                "job_s": round(time.monotonic() - self.started, 1),
            }
        )
        finish_job(self.run_dir, job, "published", {"model_id": model_id, **figures})
        return EXIT_OK

    def publish(self, examples: LibraryExamples, record: dict[str, Any]) -> tuple[str, Path]:
        """Export the final checkpoint into the library with its record and torch weights (publish.py)."""
        from trainer.encoder.train import load_checkpoint
        from trainer.loop import CHECKPOINT_FORMAT

        from .publish import publish

        final = load_checkpoint(self.run_dir)
        kept = ("config", "model", "step", "elapsed_s", "history", "runs", "data_summary", "parameters", "saved_at")
        weights = {key: final[key] for key in kept if key in final}
        weights["format"] = CHECKPOINT_FORMAT
        parity = [examples.refs[int(r)] for r in examples.train_rows[:32]]
        return publish(self.paths, self.run_dir, record, parity, weights)
