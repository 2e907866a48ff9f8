"""Clustering quality of the bundled encoder (assets/encoder.onnx) on intel-scenes, through album_app.models.

    python bench/embed_quality.py [--model PATH] [--data DIR] [--limit-per-class 300] [--json]

Prints KMeans (k = #classes, n_init=10, seed 0) NMI/ARI and 10-NN retrieval share for the model's
codes (L2-normalised, as the albums code uses them) beside raw 32x32 pixels and PCA-50 baselines
measured in the same run on the same photos; the target is codes NMI >= 1.3x raw-pixel NMI.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from album_app.models import load_encoder  # noqa: E402
from trainer.encoder.evaluate import evaluate_embedder, format_table, labelled_photos  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "intel-scenes" / "train"
TARGET_RATIO = 1.3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="encoder.onnx (default: the bundled one)")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="labelled folder tree, one folder per class"
    )
    parser.add_argument("--limit-per-class", type=int, default=300)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data at {args.data} (the shared data folder is absent)", file=sys.stderr)
        return 2

    encoder, warnings = load_encoder(args.model, threads=args.threads)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    photos = labelled_photos(args.data, args.limit_per_class)
    started = time.perf_counter()
    timing: dict[str, float] = {}

    def embed(pixels):  # time the app's embedding path alone, beside the quality figures
        t0 = time.perf_counter()
        codes = encoder.embed(pixels)
        timing["embed_s"] = time.perf_counter() - t0
        return codes

    result = evaluate_embedder(embed, encoder.spec, photos)
    result.update(
        {
            "model": str(encoder.path),
            "model_id": encoder.model_id,
            "data": str(args.data),
            "limit_per_class": args.limit_per_class,
            "embed_images_per_s": round(result["photos"] / max(timing["embed_s"], 1e-9), 1),
            "seconds": round(time.perf_counter() - started, 1),
            "target_ratio": TARGET_RATIO,
            "meets_target": result["nmi_ratio_vs_raw"] >= TARGET_RATIO,
        }
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"model {result['model_id']} ({encoder.path.name}, {encoder.spec.size} px, {encoder.code_size}-d)"
        )
        print(format_table(result))
        verdict = "meets" if result["meets_target"] else "misses"
        print(f"{verdict} the {TARGET_RATIO}x target; embedding {result['embed_images_per_s']} img/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
