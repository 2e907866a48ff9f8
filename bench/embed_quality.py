"""Clustering quality of an encoder's codes on photos it was not trained on, through album_app.models.

    python bench/embed_quality.py [--model PATH] [--sets intel corpus landmarks] [--limit-per-class 300] [--json]

Sets (all under ../shared/data): ``intel`` = intel-scenes/train (6 scene classes, a seeded 300 per class; the
default encoder is not trained on it), ``corpus`` = the photos-corpus groups kept out of the default encoder's
training (trainer/encoder/heldout_groups.json: landmarks, dishes, activities, objects, weather), ``landmarks`` =
the landmark groups among them (each photographed by many people: the friend's-copy case).
For each set: KMeans (k = #classes, n_init=10, seed 0) NMI/ARI and 10-NN retrieval share of the model's codes
(L2-normalised, as the albums code uses them) beside raw 32x32 pixels and PCA-50 measured in the same run on
the same photos. Target (issue 15): codes NMI >= 2.5x raw-pixel NMI on each set.
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
from trainer.encoder.evaluate import (  # noqa: E402
    evaluate_embedder,
    format_table,
    group_photos,
    held_out_groups,
    labelled_photos,
)

DATA = ROOT.parent / "shared" / "data"
SETS = {
    "intel": lambda limit: labelled_photos(DATA / "intel-scenes" / "train", limit),
    "corpus": lambda limit: group_photos(DATA / "photos-corpus", held_out_groups()),
    "landmarks": lambda limit: group_photos(DATA / "photos-corpus", held_out_groups(landmarks_only=True)),
}
TARGET_RATIO = 2.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="encoder.onnx (default: the model the app uses)")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS))
    parser.add_argument("--limit-per-class", type=int, default=300, help="intel-scenes photos per class")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"no data at {DATA} (the shared data folder is absent)", file=sys.stderr)
        return 2

    encoder, warnings = load_encoder(args.model, threads=args.threads)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    report: dict = {"model": str(encoder.path), "model_id": encoder.model_id, "target_ratio": TARGET_RATIO, "sets": {}}
    for name in args.sets:
        started = time.perf_counter()
        timing: dict[str, float] = {}

        def embed(pixels, timing=timing):  # the app's embedding path alone, timed beside the quality figures
            t0 = time.perf_counter()
            codes = encoder.embed(pixels)
            timing["embed_s"] = time.perf_counter() - t0
            return codes

        result = evaluate_embedder(embed, encoder.spec, SETS[name](args.limit_per_class))
        result.update(
            {
                "embed_images_per_s": round(result["photos"] / max(timing["embed_s"], 1e-9), 1),
                "seconds": round(time.perf_counter() - started, 1),
                "meets_target": result["nmi_ratio_vs_raw"] >= TARGET_RATIO,
            }
        )
        report["sets"][name] = result
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"model {encoder.model_id} ({encoder.path.name}, {encoder.spec.size} px, {encoder.code_size}-d)")
    for name, result in report["sets"].items():
        verdict = "meets" if result["meets_target"] else "misses"
        print(f"\n[{name}] {format_table(result)}\n{verdict} the {TARGET_RATIO}x target; "
              f"embedding {result['embed_images_per_s']} img/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
