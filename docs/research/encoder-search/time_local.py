"""Cost of each local check, per extracted photo and per matched pair, one thread, beside the bundled
encoder's embedding cost measured in the same run (machine noise: compare ratios).

    python time_local.py ONNX_WITH_LOCAL
"""
import json
import sys
import time

import numpy as np

sys.path.insert(0, "/work/scratch/enc")
import common  # noqa: E402
import local_check as lc  # noqa: E402


def best_ms(fn, items, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, (time.perf_counter() - t) / len(items) * 1000)
    return round(best, 2)


def main():
    import cv2
    import onnxruntime as ort
    cv2.setNumThreads(1)
    paths, _ = common.places_set()
    images = [lc.long_side(common.load_small(common.PhotoRef(p, None), 512), 512) for p in paths[:24]]
    out = {}
    # reference: the bundled encoder, batch 64, one thread
    _, sess, spec = common.onnx_fn("/work/main/assets/encoder.onnx", threads=1)
    out["bundled_embed_ms_per_photo_1thread_b64"] = common.embed_timing(sess, spec)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    local = ort.InferenceSession(sys.argv[1], opts, providers=["CPUExecutionProvider"])
    lspec = common.InputSpec.from_json(local.get_modelmeta().custom_metadata_map["input_spec"])

    def fm_extract(im, side=224):
        im = lc.long_side(im, side)
        x = common.normalise(np.asarray(im.convert("RGB"))[None], lspec)
        _code, fmap = local.run(None, {"image": x})
        c, h, w = fmap[0].shape
        ys, xs = np.mgrid[0:h, 0:w]
        return fmap[0].reshape(c, -1).T.copy(), np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)

    for side in (112, 160, 224):
        out[f"fm{side}_extract_ms"] = best_ms(lambda im, s=side: fm_extract(im, s), images)
        feats = [fm_extract(im, side) for im in images]
        pairs = [(feats[i], feats[i + 1]) for i in range(len(feats) - 1)]
        out[f"fmr{side}_pair_ms"] = best_ms(lambda p: lc.fm_score(p[0], p[1], 0.6, True), pairs)
        out[f"fm{side}_cells_per_photo"] = int(np.mean([len(f[0]) for f in feats]))
    for name, side, kind in (("sift256", 256, "sift"), ("sift512", 512, "sift"), ("orb512", 512, "orb")):
        s = lc.Sift(side, kind)
        out[f"{name}_extract_ms"] = best_ms(s.extract, images)
        f = [s.extract(im) for im in images]
        out[f"{name}_pair_ms"] = best_ms(lambda p: s.score(p[0], p[1]), [(f[i], f[i + 1]) for i in range(len(f) - 1)])
        out[f"{name}_keypoints_per_photo"] = int(np.mean([len(x[1]) for x in f]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
