"""How often the rotation model finds the turn of photos it never saw, turned at random.

    python bench/rotation_accuracy.py [--model assets/rotation.onnx] [--seed 0] [--json]

Photos: the held-out part (`album_app.albums.rotation.is_holdout`) of intel-scenes/train and clothing-small,
which the trainer never trains on, plus the camera JPEGs of exif-samples (real cameras, never trained on;
shown upright by their EXIF orientation). Each is turned a random number of quarter turns (seeded) and
fed to the app's path (`RotationModel`: 64-px centre square, mirror averaging). Reported per source:
  * accuracy: the most probable turn is the true one (chance 0.25);
  * without mirroring: the same with one view;
  * suggested right: turned photos for which the app would suggest the right fix (probability >=
    the model's min_confidence);
  * suggested wrong: turned photos given a wrong fix; upright flagged: upright photos given any fix.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from album_app.albums.rotation import RotationModel, is_holdout, load_displayed, turn_clockwise  # noqa: E402
from album_app.preprocess import model_pixels  # noqa: E402

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="rotation.onnx (default: the bundled one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    model = RotationModel.load(args.model)
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
