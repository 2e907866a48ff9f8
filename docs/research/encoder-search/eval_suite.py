"""Evaluate feature sources on the issue-15 suite, baselines in the same run.

    python eval_suite.py raw32 hist onnx:/work/main/assets/encoder.onnx ckpt:runs/X/final.pt [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

sys.path.insert(0, "/work/scratch/enc")
import common  # noqa: E402


def ckpt_fn(path: str):
    import torch
    from train import load_encoder  # noqa: E402
    encoder, cfg = load_encoder(path)
    spec = common.InputSpec(size=cfg["size"])

    def fn(images):
        px = np.stack([common.model_pixels(im, spec) for im in images])
        with torch.no_grad():
            return np.concatenate([encoder(torch.from_numpy(common.normalise(px[i:i + 128], spec))).numpy()
                                   for i in range(0, len(px), 128)])
    return fn


def source_fn(name: str):
    if name == "raw32":
        return lambda ims: common.raw_pixels(ims, 32)
    if name == "hist":
        return common.colour_hist
    if name.startswith("onnx:"):
        fn, sess, spec = common.onnx_fn(name[5:], threads=2)
        return fn
    if name.startswith("ckpt:"):
        return ckpt_fn(name[5:])
    raise SystemExit(f"unknown source {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--json")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    suite = common.Suite()
    results = {"load_s": round(suite.load_s, 1), "sizes": {k: len(v[1]) for k, v in suite.sets.items()}}
    for name in args.sources:
        t = time.perf_counter()
        results[name] = suite.run(source_fn(name), normalise_rows=name != "raw32")
        results[name]["seconds"] = round(time.perf_counter() - t, 1)
        print(name, json.dumps(results[name]), flush=True)
    raw = results.get("raw32")
    if raw:
        for name in args.sources:
            r = results[name]
            r["nmi_ratio_vs_raw"] = {k: round(r[k]["nmi"] / raw[k]["nmi"], 2)
                                     for k in ("corpus_heldout", "intel", "landmarks_heldout")}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print(json.dumps({n: results[n].get("nmi_ratio_vs_raw") for n in args.sources}))


if __name__ == "__main__":
    main()
