"""`album-trainer` / `python -m trainer`: every command of the trainer, one parser, one entry point.

album-trainer train --data DIR | --library CATALOG --out RUN_DIR [--minutes N] [--resume] [--variant V]
album-trainer export RUN_DIR --out MODEL.onnx
album-trainer evaluate MODEL.onnx --data LABELLED_DIR [--json] [--limit-per-class N]
album-trainer fit --library LIB [--hours H | --until HH:MM | --minutes M] [--device auto|cpu|cuda]
album-trainer rollback --library LIB [--to ID|bundled]
album-trainer albums --library LIB [--all]
album-trainer rotation --data DIR --out rotation.onnx | --library LIB [--minutes M] [--threads N] [--seed S]

This module is torch-free (parsing costs nothing); each command imports what it runs. Exit codes:
album_app.exit_codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from album_app.exit_codes import EXIT_ERROR, EXIT_OK, EXIT_USAGE

from .encoder.config import VARIANTS, RunConfig
from .fit.config import Budget, FitConfig, next_time

Handler = Callable[[argparse.Namespace], int]
DEFAULT_ROTATION_MINUTES = 10.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="album-trainer", description="Train and export album_app's models.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_encoder_commands(commands)
    add_fit_commands(commands)
    albums = commands.add_parser("albums", help="train the per-album models of a library's accepted albums")
    albums.add_argument("--library", required=True)
    albums.add_argument("--all", action="store_true", help="retrain every album, not only changed ones")
    albums.set_defaults(handler=cmd_albums)
    rotation = commands.add_parser(
        "rotation", help="train the rotation model on upright photos (--data DIR) or on a library's own (--library)"
    )
    add_rotation_arguments(rotation)
    rotation.set_defaults(handler=cmd_rotation)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"album-trainer {args.command}: {error}", file=sys.stderr)
        return EXIT_ERROR


# --- the encoder: train, export, evaluate ---------------------------------------------------------------------


def add_encoder_commands(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train (or resume) an encoder; JSON-line progress on stdout")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--data", action="append", help="folder of photos, searched recursively (repeatable)")
    source.add_argument("--library", help="album_app catalog to train on (read-only)")
    train.add_argument("--out", required=True, help="run folder (holds checkpoint.pt)")
    train.add_argument(
        "--recipe", help="JSON file of settings (sections data/model/loss/train) over the defaults; flags win over it"
    )
    train.add_argument(
        "--exclude-from", help='JSON file whose "held_out" lists sub-folders of --data to leave out ("a/b")'
    )
    train.add_argument("--resume", action="store_true", help="continue from RUN_DIR/checkpoint.pt")
    train.add_argument("--minutes", type=float, help="wall-clock budget of this run (default 10)")
    train.add_argument("--max-steps", type=int, help="stop at this total step count")
    train.add_argument("--variant", choices=VARIANTS, help="autoencoder variant (default plain)")
    train.add_argument("--size", type=int, help="model input side in pixels (default 64)")
    train.add_argument("--code-size", type=int, help="code dimension (default 128)")
    train.add_argument("--batch-size", type=int, help="photos per step (default 128; two views each)")
    train.add_argument("--lr", type=float, help="Adam learning rate (default 1e-3)")
    train.add_argument("--recon-weight", type=float, help="reconstruction loss weight (default 1)")
    train.add_argument("--contrastive-weight", type=float, help="NT-Xent weight (default 1; 0 = plain AE)")
    train.add_argument("--temperature", type=float, help="NT-Xent temperature (default 0.2)")
    train.add_argument("--limit", type=int, help="train on a seeded sample of at most N photos")
    train.add_argument("--threads", type=int, help="torch CPU threads")
    train.add_argument("--seed", type=int, help="random seed (default 0)")
    train.add_argument("--checkpoint-every", type=float, help="seconds between checkpoints (default 120)")
    train.add_argument("--log-every", type=float, help="seconds between progress lines (default 2)")
    train.add_argument("--device", help="torch device (default: cuda when present, else cpu)")
    train.set_defaults(handler=cmd_train)

    export = commands.add_parser("export", help="export a run's encoder to ONNX (with contract and parity check)")
    export.add_argument("run_dir")
    export.add_argument("--out", required=True, help="destination .onnx file (replaced atomically)")
    export.add_argument("--parity-data", help="folder of photos for the parity check (default: the training data)")
    export.add_argument("--figures", help="JSON file of measured figures to store in the training summary")
    export.set_defaults(handler=cmd_export)

    evaluate = commands.add_parser("evaluate", help="clustering quality of a model on a labelled folder tree")
    evaluate.add_argument("model")
    evaluate.add_argument("--data", required=True, help="one sub-folder per class")
    evaluate.add_argument("--json", action="store_true", help="print a JSON dict instead of a table")
    evaluate.add_argument("--limit-per-class", type=int, help="a seeded sample of at most N photos per class")
    evaluate.add_argument("--threads", type=int, help="onnxruntime threads")
    evaluate.set_defaults(handler=cmd_evaluate)


def config_from_args(args: argparse.Namespace) -> RunConfig:
    config = RunConfig.from_dict(json.loads(Path(args.recipe).read_text())) if args.recipe else RunConfig()
    if args.exclude_from:
        config.data.exclude = tuple(json.loads(Path(args.exclude_from).read_text())["held_out"])
    overrides = {
        ("data", "data"): tuple(args.data) if args.data else None,
        ("data", "library"): args.library,
        ("data", "size"): args.size,
        ("data", "limit"): args.limit,
        ("model", "variant"): args.variant,
        ("model", "code_size"): args.code_size,
        ("loss", "recon_weight"): args.recon_weight,
        ("loss", "contrastive_weight"): args.contrastive_weight,
        ("loss", "temperature"): args.temperature,
        ("train", "minutes"): args.minutes,
        ("train", "max_steps"): args.max_steps,
        ("train", "batch_size"): args.batch_size,
        ("train", "lr"): args.lr,
        ("train", "threads"): args.threads,
        ("train", "seed"): args.seed,
        ("train", "checkpoint_every_s"): args.checkpoint_every,
        ("train", "log_every_s"): args.log_every,
        ("train", "device"): args.device,
    }
    for (section, name), value in overrides.items():
        if value is not None:
            setattr(getattr(config, section), name, value)
    if args.size is not None:
        config.data.cache_side = max(config.data.cache_side, args.size * 3 // 2)
    return config


def cmd_train(args: argparse.Namespace) -> int:
    from .encoder.train import train

    if not args.resume and args.data is None and args.library is None:
        print("album-trainer train: give --data DIR or --library CATALOG", file=sys.stderr)
        return EXIT_USAGE
    train(config_from_args(args), args.out, resume=args.resume)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from .encoder.data import folder_photos
    from .encoder.export import export_onnx

    parity = folder_photos(args.parity_data) if args.parity_data else None
    figures = json.loads(Path(args.figures).read_text()) if args.figures else None
    export_onnx(args.run_dir, args.out, parity_photos=parity, figures=figures)
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .encoder.evaluate import evaluate_model, print_result

    print_result(evaluate_model(args.model, args.data, args.limit_per_class, args.threads), args.json)
    return EXIT_OK


# --- the overnight fit and rollback ---------------------------------------------------------------------------


def add_fit_commands(commands: argparse._SubParsersAction) -> None:
    fit = commands.add_parser(
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

    rollback = commands.add_parser("rollback", help="point a library back at its previous (or a given) model")
    rollback.add_argument("--library", help="library folder or catalog.db")
    rollback.add_argument("--to", metavar="ID", help="a published model id, or 'bundled' (default: the previous one)")
    rollback.set_defaults(handler=cmd_rollback)


def budget_from_args(args: argparse.Namespace) -> Budget:
    """--until, --hours or --minutes (default 60) as a Budget; ValueError for one that cannot be met."""
    if args.until:
        next_time(args.until, datetime.now())  # raises on a time that is not HH:MM
        return Budget(until=args.until)
    minutes = args.hours * 60 if args.hours is not None else (args.minutes if args.minutes is not None else 60.0)
    if minutes <= 0:
        raise ValueError("the budget must be positive")
    return Budget(seconds=minutes * 60)


def cmd_fit(args: argparse.Namespace) -> int:
    from .fit.job import run_fit

    try:
        budget = budget_from_args(args)
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
    from .fit.publish import run_rollback

    return run_rollback(args.library, args.to)


# --- the per-album models and the rotation suggester ------------------------------------------------------------


def cmd_albums(args: argparse.Namespace) -> int:
    from .album_ae.library import fit_library

    report = fit_library(args.library, retrain_all=args.all)
    print(
        f"{len(report.trained)} trained, {len(report.kept)} unchanged, {len(report.removed)} removed, "
        f"{len(report.too_small)} too small ({report.seconds:.1f} s)"
    )
    return EXIT_OK


def add_rotation_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", action="append", help="folder of upright photos (repeatable)")
    source.add_argument(
        "--library",
        help="library folder or catalog.db: train on its own photos (read-only) and publish "
        "LIBRARY/models/rotation.onnx only if it beats the bundled model on held-out photos",
    )
    parser.add_argument("--out", help="destination rotation.onnx (--data only)")
    parser.add_argument(
        "--minutes",
        type=float,
        default=DEFAULT_ROTATION_MINUTES,
        help=f"--data: training time; --library: the whole job's wall clock (default {DEFAULT_ROTATION_MINUTES:g})",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="--data: a seeded sample of at most N photos")
    parser.add_argument("--fresh", action="store_true", help="--library: start from a fresh network")
    parser.add_argument("--max-photos", type=int, default=10_000, help="--library: at most N photos (default 10000)")
    parser.add_argument("--max-steps", type=int, help="--library: stop training after N steps (tests, quick checks)")
    parser.add_argument(
        "--min-gain",
        type=float,
        default=0.0,
        help="--library: publish only if held-out accuracy is at least the bundled (and current) model's "
        "plus this (default 0: as accurate or better)",
    )
    parser.add_argument("--lr", type=float, help="AdamW rate (default 3e-3; 1e-3 when fine-tuning the bundled model)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--log-every", type=float, default=20.0, help="seconds between progress lines")


def cmd_rotation(args: argparse.Namespace) -> int:
    """``--library``: the library job (rotation/library.py); ``--data``: train on folders (rotation/train.py)."""
    if args.library is not None:
        from .rotation.library import train_library

        return train_library(
            args.library,
            minutes=args.minutes,
            threads=args.threads,
            seed=args.seed,
            fresh=args.fresh,
            lr=args.lr,
            batch_size=args.batch_size,
            max_photos=args.max_photos,
            max_steps=args.max_steps,
            min_gain=args.min_gain,
            log_every_s=args.log_every,
        )
    if not args.out:
        print("album-trainer rotation: --data needs --out FILE.onnx", file=sys.stderr)
        return EXIT_USAGE
    from .rotation.train import FRESH_LR, train

    summary = train(
        args.data,
        args.out,
        minutes=args.minutes,
        threads=args.threads,
        seed=args.seed,
        limit=args.limit,
        lr=FRESH_LR if args.lr is None else args.lr,
        batch_size=args.batch_size,
        log_every_s=args.log_every,
    )
    print(json.dumps(summary, indent=1))
    return EXIT_OK
