"""How often the rotation model finds the turn of photos it never saw, turned at random.

    python bench/rotation_accuracy.py [--model assets/rotation.onnx] [--seed 0] [--json]
    python bench/rotation_accuracy.py --library LIB [--model NAME=PATH ...] [--seed 0] [--json]

Photos: the held-out part (`album_app.models.rotation.is_holdout`) of intel-scenes/train and clothing-small,
which the trainer never trains on, plus the camera JPEGs of exif-samples (real cameras, never trained on;
shown upright by their EXIF orientation). Each is turned a random number of quarter turns (seeded) and
fed to the app's path (`RotationModel`: 64-px centre square, mirror averaging). Reported per source:
  * accuracy: the most probable turn is the true one (chance 0.25);
  * without mirroring: the same with one view;
  * suggested right: turned photos for which the app would suggest the right fix (probability >=
    the model's min_confidence);
  * suggested wrong: turned photos given a wrong fix; upright flagged: upright photos given any fix.

``--library LIB``: the library's own held-out photos (the same `is_holdout` split that
``album-trainer rotation --library`` never trains on), read from the originals the way `album-app rotations`
reads them (EXIF orientation applied), each turned by `holdout_turn` (the trainer's gate turns them the same
way) and also at all four turns (`turn_figures`). Compared: the bundled model, the library's own
(LIB/models/rotation.onnx) when it has one, and any ``--model NAME=PATH``; overall and per source folder
(the first folder below the photos' common parent).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from album_app.library import resolve_library  # noqa: E402
from album_app.models.rotation import (  # noqa: E402
    RotationModel,
    holdout_turn,
    is_holdout,
    library_rotation_model_path,
    load_displayed,
    turn_clockwise,
    turn_figures,
)
from album_app.preprocess import InputSpec, model_pixels  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
SOURCES = {
    "scenes (held out)": (SHARED / "intel-scenes" / "train", True),
    "clothing (held out)": (SHARED / "clothing-small", True),
    "camera JPEGs (exif-samples)": (SHARED / "exif-samples" / "jpg", False),
}


def photos(root: Path, holdout_only: bool) -> list[Path]:
    found = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg") and p.is_file())
    if holdout_only:
        return [p for p in found if is_holdout(p.name)]
    # exif-samples: the top-level camera photos (not the broken/fuzzed files under invalid/ and tests/).
    return [p for p in found if p.parent == root]


def measure(model: RotationModel, paths: list[Path], rng: np.random.Generator) -> dict[str, float]:
    pixels, turns = [], []
    for path in paths:
        try:
            image = load_displayed(path, 2 * model.spec.size)
        except (OSError, ValueError, Image.DecompressionBombError):
            continue
        k = int(rng.integers(4))  # turned k quarter turns counter-clockwise: k clockwise turns fix it
        pixels.append(model_pixels(turn_clockwise(image, -k), model.spec))
        turns.append(k)
    batch = np.stack(pixels)
    truth = np.array(turns)
    begin = time.perf_counter()
    probs = model.probabilities(batch)
    seconds = time.perf_counter() - begin
    single = model.probabilities(batch, mirror=False)
    suggested = np.array([s.quarter_turns for s in model.suggest_pixels(batch)])
    turned = truth != 0
    return {
        "photos": len(truth),
        "accuracy": float(np.mean(probs.argmax(axis=1) == truth)),
        "accuracy_no_mirror": float(np.mean(single.argmax(axis=1) == truth)),
        "suggested_right": float(np.mean(suggested[turned] == truth[turned])) if turned.any() else float("nan"),
        "suggested_wrong": float(np.mean((suggested[turned] != 0) & (suggested[turned] != truth[turned])))
        if turned.any()
        else float("nan"),
        "upright_flagged": float(np.mean(suggested[~turned] != 0)) if (~turned).any() else float("nan"),
        "ms_per_photo": 1000 * seconds / len(truth),
    }


def library_held_out(library: str, spec: InputSpec) -> tuple[list[str], np.ndarray, int]:
    """The library's held-out photos as the app shows them: (paths, uint8 model pixels, unreadable count)."""
    from album_app.catalog.training import read_training_snapshot

    paths = [p.path for p in read_training_snapshot(resolve_library(library)).photos if is_holdout(p.path)]
    kept, pixels = [], []
    for path in paths:
        try:
            pixels.append(model_pixels(load_displayed(path, 2 * spec.size), spec))
            kept.append(path)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            continue
    empty = np.zeros((0, spec.size, spec.size, 3), np.uint8)
    return kept, (np.stack(pixels) if pixels else empty), len(paths) - len(kept)


def source_of(paths: list[str]) -> list[str]:
    """The first folder below the photos' common parent (a scanned folder, for a library built by scans)."""
    parents = [str(Path(p).parent) for p in paths]
    if not parents:
        return []
    common = Path(os.path.commonpath(parents))
    return [Path(p).relative_to(common).parts[0] if Path(p).parent != common else "." for p in paths]


def library_main(args: argparse.Namespace) -> int:
    paths = resolve_library(args.library)
    models: dict[str, RotationModel] = {"bundled": RotationModel.load()}
    own = library_rotation_model_path(paths)
    if own.exists():
        models["library"] = RotationModel.load(own)
    for item in args.model or []:
        name, _, path = str(item).partition("=")
        if not path:
            raise SystemExit(f"--model with --library wants NAME=PATH, got {item}")
        models[name] = RotationModel.load(path)
    spec = models["bundled"].spec
    if any(m.spec != spec for m in models.values()):
        raise SystemExit("the models take different inputs; this bench feeds them the same pixels")
    names, pixels, unreadable = library_held_out(args.library, spec)
    turns = np.array([holdout_turn(n, args.seed) for n in names])
    sources = source_of(names)
    groups = {"all held-out photos": np.arange(len(names))}
    for source in sorted(set(sources)):
        groups[source] = np.flatnonzero(np.array(sources) == source)
    rows = {
        name: {group: turn_figures(model, pixels[idx], turns[idx]) for group, idx in groups.items()}
        for name, model in models.items()
    }
    info = {
        name: {"path": str(m.path), "model_id": m.model_id, "min_confidence": m.min_confidence}
        for name, m in models.items()
    }
    if args.json:
        json.dump(
            {"library": str(paths.catalog), "seed": args.seed, "unreadable": unreadable, "models": info, "rows": rows},
            sys.stdout,
            indent=1,
        )
        print()
        return 0
    print(
        f"rotation accuracy on {paths.catalog}: {len(names)} held-out photos ({unreadable} unreadable), "
        f"turned by holdout_turn(seed {args.seed}) and at all four turns (chance 0.25)"
    )
    for name, m in info.items():
        print(f"  {name}: {m['model_id']} {m['path']} (min_confidence {m['min_confidence']:.3f})")
    print(
        f"{'photos':24s} {'model':10s} {'n':>4s} {'accuracy':>8s} {'4 turns':>8s} {'sugg. right':>11s} "
        f"{'sugg. wrong':>11s} {'upright flagged':>15s}"
    )
    for group in groups:
        for name in models:
            r = rows[name][group]
            print(
                f"{group:24s} {name:10s} {r['photos']:4d} {r['accuracy']:8.3f} {r['accuracy_4way']:8.3f} "
                f"{r['suggested_right']:11.3f} {r['suggested_wrong']:11.3f} {r['upright_flagged']:15.3f}"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        help="rotation.onnx (default: the bundled one); with --library: NAME=PATH, repeatable, compared too",
    )
    parser.add_argument("--library", help="measure on this library's held-out photos (bundled vs its own model)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.library:
        return library_main(args)
    if args.model and len(args.model) > 1:
        parser.error("give one --model without --library")
    model = RotationModel.load(args.model[0] if args.model else None)
    rng = np.random.default_rng(args.seed)
    rows = {}
    for name, (root, holdout_only) in SOURCES.items():
        if root.is_dir():
            rows[name] = measure(model, photos(root, holdout_only), rng)
    if args.json:
        json.dump(
            {"model": str(model.path), "min_confidence": model.min_confidence, "summary": model.summary, "rows": rows},
            sys.stdout,
            indent=1,
        )
        print()
        return 0
    print(
        f"rotation accuracy: {model.path.name}, min_confidence {model.min_confidence:.3f}, seed {args.seed}; "
        "photos turned at random (chance 0.25)"
    )
    print(
        f"{'photos':30s} {'n':>5s} {'accuracy':>8s} {'no mirror':>9s} {'sugg. right':>11s} {'sugg. wrong':>11s} "
        f"{'upright flagged':>15s} {'ms/photo':>8s}"
    )
    for name, r in rows.items():
        print(
            f"{name:30s} {r['photos']:5d} {r['accuracy']:8.3f} {r['accuracy_no_mirror']:9.3f} "
            f"{r['suggested_right']:11.3f} {r['suggested_wrong']:11.3f} {r['upright_flagged']:15.3f} "
            f"{r['ms_per_photo']:8.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
