"""`album-trainer` / `python -m trainer`: train, export, evaluate.

album-trainer train --data DIR | --library CATALOG --out RUN_DIR [--minutes N] [--resume] [--variant V]
album-trainer export RUN_DIR --out MODEL.onnx
album-trainer evaluate MODEL.onnx --data LABELLED_DIR [--json] [--limit-per-class N]
album-trainer rotation --data DIR --out rotation.onnx | --library LIBRARY [--minutes M] [--threads N] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from album_app.exit_codes import EXIT_ERROR, EXIT_OK, EXIT_USAGE

from .encoder.config import VARIANTS, RunConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="album-trainer", description="Train and export album_app's photo encoder."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train (or resume) an encoder; JSON-line progress on stdout")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--data", action="append", help="folder of photos, searched recursively (repeatable)")
    source.add_argument("--library", help="album_app catalog to train on (read-only)")
    train.add_argument("--out", required=True, help="run folder (holds checkpoint.pt)")
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

    export = commands.add_parser(
        "export", help="export a run's encoder to ONNX (with contract and parity check)"
    )
    export.add_argument("run_dir")
    export.add_argument("--out", required=True, help="destination .onnx file (replaced atomically)")
    export.add_argument(
        "--parity-data", help="folder of photos for the parity check (default: the training data)"
    )
    export.add_argument("--figures", help="JSON file of measured figures to store in the training summary")

    evaluate = commands.add_parser("evaluate", help="clustering quality of a model on a labelled folder tree")
    evaluate.add_argument("model")
    evaluate.add_argument("--data", required=True, help="one sub-folder per class")
    evaluate.add_argument("--json", action="store_true", help="print a JSON dict instead of a table")
    evaluate.add_argument("--limit-per-class", type=int, help="a seeded sample of at most N photos per class")
    evaluate.add_argument("--threads", type=int, help="onnxruntime threads")
    albums = commands.add_parser("albums", help="train the per-album models of a library's accepted albums")
    albums.add_argument("--library", required=True)
    albums.add_argument("--all", action="store_true", help="retrain every album, not only changed ones")
    from .fit.job import add_fit_commands

    add_fit_commands(commands)  # fit (the overnight job over a library) and rollback
    rotation = commands.add_parser(
        "rotation", help="train the rotation model on upright photos (--data DIR) or on a library's own (--library)"
    )
    add_rotation_arguments(rotation)
    return parser


def add_rotation_arguments(parser: argparse.ArgumentParser, data_minutes: float = 10.0) -> None:
    """The options of `album-trainer rotation` and `python -m trainer.rotation.train` (trainer/rotation/train.py; one
    parser for both, torch-free)."""
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
        help=f"--data: training time (default {data_minutes:g}); --library: the whole job's wall clock (default 10)",
    )
    parser.set_defaults(data_minutes=data_minutes)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="--data: a seeded sample of at most N photos")
    parser.add_argument("--weights-out", help="--data: also save the torch weights here (fine-tunes start from them)")
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


def config_from_args(args: argparse.Namespace) -> RunConfig:
    config = RunConfig()
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(args, "handler"):
        return int(args.handler(args))
    try:
        if args.command == "train":
            from .encoder.train import train

            if not args.resume and args.data is None and args.library is None:
                print("album-trainer train: give --data DIR or --library CATALOG", file=sys.stderr)
                return EXIT_USAGE
            train(config_from_args(args), args.out, resume=args.resume)
            return EXIT_OK
        if args.command == "export":
            import json

            from .encoder.data import folder_photos
            from .encoder.export import export_onnx

            parity = folder_photos(args.parity_data) if args.parity_data else None
            figures = json.loads(Path(args.figures).read_text()) if args.figures else None
            export_onnx(args.run_dir, args.out, parity_photos=parity, figures=figures)
            return EXIT_OK
        if args.command == "evaluate":
            from .encoder.evaluate import evaluate_model, print_result

            result = evaluate_model(args.model, args.data, args.limit_per_class, args.threads)
            print_result(result, args.json)
            return EXIT_OK
        if args.command == "albums":
            from .album_ae.library import fit_library

            report = fit_library(args.library, retrain_all=args.all)
            print(f"{len(report.trained)} trained, {len(report.kept)} unchanged, {len(report.removed)} removed, "
                  f"{len(report.too_small)} too small ({report.seconds:.1f} s)")
            return EXIT_OK
        if args.command == "rotation":
            from .rotation.train import run as run_rotation

            return run_rotation(args)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"album-trainer {args.command}: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
