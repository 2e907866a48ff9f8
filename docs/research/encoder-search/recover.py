"""Issue 12 item 7: torch weights read back from an exported encoder.onnx (the app ships ONNX only).

    python recover.py MODEL.onnx --arch c4x --pool gem [--out recovered.pt]

The dynamo exporter folds each eval-mode BatchNorm into the conv before it (weight scaled, a new
`<conv>.weight_bias` initializer). The recovered state dict puts the folded weight in the conv and the
folded bias in the BatchNorm with identity statistics (mean 0, var 1 - eps, gamma 1): the same function
in eval mode. Conv nodes are matched to the encoder's convs in graph order (names need not agree), the
Gemm to the head, `pool.p` to GeM's exponent. Checked against onnxruntime on real photos.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import onnx
import onnx.numpy_helper as nh
import torch
from torch import nn

sys.path.insert(0, "/work/scratch/enc")
import common  # noqa: E402
from models import Encoder  # noqa: E402


def recover(path: str, arch: str, pool: str, code: int = 128) -> Encoder:
    proto = onnx.load(path)
    inits = {i.name: nh.to_array(i) for i in proto.graph.initializer}
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    gemms = [n for n in proto.graph.node if n.op_type in ("Gemm", "MatMul")]
    enc = Encoder(arch, pool, code)
    mine = [m for m in enc.modules() if isinstance(m, nn.Conv2d)]
    bns = [m for m in enc.modules() if isinstance(m, nn.BatchNorm2d)]
    if len(convs) != len(mine) or len(bns) != len(mine):
        raise ValueError(f"{path}: {len(convs)} Conv nodes, the {arch} encoder has {len(mine)} convs")
    with torch.no_grad():
        for node, conv, bn in zip(convs, mine, bns):
            w = inits[node.input[1]]
            if tuple(w.shape) != tuple(conv.weight.shape):
                raise ValueError(f"{node.input[1]} is {w.shape}, the encoder wants {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(w.copy()))
            b = inits[node.input[2]] if len(node.input) > 2 else np.zeros(w.shape[0], np.float32)
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(b))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        g = gemms[-1]
        w = inits[g.input[1]]
        trans_b = any(a.name == "transB" and a.i == 1 for a in g.attribute) if g.op_type == "Gemm" else False
        w = w if trans_b else w.T
        enc.head.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
        enc.head.bias.copy_(torch.from_numpy(inits[g.input[2]]))
        if pool == "gem":
            # The optimiser folds clamp(p) into a constant: the exponent of the first Pow (x^p, before the
            # spatial mean) is GeM's p as the model used it (inside the clamp range, so the same parameter).
            pows = [n for n in proto.graph.node if n.op_type == "Pow" and n.input[1] in inits]
            if not pows:
                raise ValueError(f"{path}: no GeM exponent (a Pow with a constant exponent) in the graph")
            enc.pool.p.copy_(torch.from_numpy(inits[pows[0].input[1]].reshape(1).copy()))
    return enc.eval()


def max_code_difference(enc: Encoder, path: str, images: list) -> float:
    fn, sess, spec = common.onnx_fn(path, threads=1)
    theirs = fn(images)
    px = np.stack([common.model_pixels(im, spec) for im in images])
    with torch.no_grad():
        mine = enc(torch.from_numpy(common.normalise(px, spec))).numpy()
    return float(np.abs(mine - theirs).max()), float(np.abs(theirs).max())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("onnx")
    ap.add_argument("--arch", default="c4x")
    ap.add_argument("--pool", default="gem")
    ap.add_argument("--size", type=int)
    ap.add_argument("--out")
    args = ap.parse_args()
    torch.set_num_threads(1)
    enc = recover(args.onnx, args.arch, args.pool)
    paths, _ = common.held_out_set()
    images = common.load_images(paths[::40], 256)
    diff, scale = max_code_difference(enc, args.onnx, images)
    print(json.dumps({"onnx": args.onnx, "photos": len(images), "max_abs_code_diff": diff, "max_abs_code": scale}))
    if args.out:
        meta = onnx.load(args.onnx).metadata_props
        spec = json.loads({m.key: m.value for m in meta}.get("input_spec", "{}") or "{}")
        size = args.size or spec.get("size", 64)
        torch.save({"config": {"arch": args.arch, "pool": args.pool, "code": 128, "size": size},
                    "encoder": enc.state_dict(), "recovered_from": args.onnx}, args.out)


if __name__ == "__main__":
    main()
