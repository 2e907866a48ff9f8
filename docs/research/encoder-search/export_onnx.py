"""Export a research checkpoint's encoder to ONNX as the app's contract wants it, check parity, size and speed.

    python export_onnx.py runs/X/final.pt --out runs/X/encoder.onnx [--with-local] [--keep-bn]

--with-local adds a second output `local` (the L2-normalised stride-8 feature map) and dynamic height and
width, for the shortlist's local check; `code` stays the first output, so the app's embed path is unchanged.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch

sys.path.insert(0, "/work/scratch/enc")
import common  # noqa: E402
from models import WithLocal  # noqa: E402
from train import load_encoder  # noqa: E402


def export(ckpt: str, out: str, with_local: bool = False, optimize: bool = True) -> dict:
    enc, cfg = load_encoder(ckpt)
    spec = common.InputSpec(size=cfg["size"])
    module = WithLocal(enc).eval() if with_local else enc
    example = torch.zeros(2, 3, spec.size, spec.size)
    dims = {0: torch.export.Dim("batch")}
    if with_local:
        dims.update({2: torch.export.Dim("height", min=32, max=1024), 3: torch.export.Dim("width", min=32, max=1024)})
    raw = out + ".raw"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), raw, input_names=["image"],
                          output_names=["code", "local"] if with_local else ["code"],
                          dynamic_shapes={"x": dims}, external_data=False, dynamo=True, optimize=optimize, verbose=False)
    proto = onnx.load(raw)
    os.remove(raw)
    model_id = hashlib.sha256(proto.SerializeToString()).hexdigest()[:16]
    meta = {"album_app.contract": "1", "input_spec": spec.to_json(), "code_size": str(cfg["code"]), "model_id": model_id,
            "training_summary": json.dumps({"research_ckpt": ckpt, "config": cfg})}
    for k, v in meta.items():
        e = proto.metadata_props.add()
        e.key, e.value = k, v
    onnx.checker.check_model(proto)
    onnx.save(proto, out)
    paths, _ = common.held_out_set()
    images = common.load_images(paths[::40], 256)
    px = common.normalise(np.stack([common.model_pixels(im, spec) for im in images]), spec)
    with torch.no_grad():
        expected = enc(torch.from_numpy(px)).numpy()
    fn, sess, _ = common.onnx_fn(out, threads=2)
    got = fn(images)
    ops = sorted({n.op_type for n in proto.graph.node})
    return {"out": out, "model_id": model_id, "bytes": os.path.getsize(out), "parity_max_abs_diff": float(np.abs(got - expected).max()),
            "ops": ops, "ms_per_photo_2threads_b64": common.embed_timing(sess, spec)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--with-local", action="store_true")
    ap.add_argument("--no-optimize", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(json.dumps(export(args.ckpt, args.out, args.with_local, not args.no_optimize)))


if __name__ == "__main__":
    main()
