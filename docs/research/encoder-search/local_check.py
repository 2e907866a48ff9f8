"""Issue 15 item 2: can a local check on the shortlist place a friend's photo more surely than the nearest code?

    python local_check.py --ckpt runs/X/final.pt [--methods global,fm,fmr,sift256,sift512,orb512] [--json out.json]

Friend's-copy setting: albums = the 29 real-places-dev places, the 10 held-out corpus landmark groups and
5 other held-out corpus groups (distractors). Related queries: each real-places-dev photo (its album then
holds the place's other photos) and 10 photos of each held-out landmark group (left out of their album).
Unrelated queries: 60 photos of 3 held-out groups that are in no album. A query is placed when the
method's confidence clears a threshold; the curve sweeps it. Shortlist: the K albums whose nearest photo
(cosine of codes) is closest, M nearest photos of each; the local check scores query-photo pairs.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, "/work/scratch/enc")
import common  # noqa: E402
from train import load_encoder  # noqa: E402

DISTRACTOR_ALBUMS = ["malaysian_food/apam_balik", "malaysian_food/goreng_pisang", "har_people/calling",
                     "har_people/dancing", "imagenette/n03000684_chain_saw"]
UNRELATED = ["har_people/laughing", "imagenette/n01440764_tench", "weather/foggy"]
LANDMARK_QUERIES_PER_GROUP = 10
UNRELATED_QUERIES = 60


def build_setting(side: int = 512):
    """photos: list of (PIL image at long side <= side, album or None); queries: list of (photo index, album or None)."""
    groups = common.corpus_groups()
    held = common.split()["held_out"]
    photos, albums = [], []
    queries = []
    pp, pl = common.places_set()
    for p, lab in zip(pp, pl):
        photos.append(p); albums.append("places/" + lab)
        queries.append((len(photos) - 1, "places/" + lab, "places"))
    rng = random.Random(0)
    for g in held:
        if g.startswith(common.LANDMARK_SOURCES):
            start = len(photos)
            for p in groups[g]:
                photos.append(p); albums.append(g)
            for i in sorted(rng.sample(range(start, len(photos)), LANDMARK_QUERIES_PER_GROUP)):
                queries.append((i, g, "landmarks"))
        elif g in DISTRACTOR_ALBUMS:
            for p in groups[g]:
                photos.append(p); albums.append(g)
    unrelated = [p for g in UNRELATED for p in groups[g]]
    for p in sorted(rng.sample(unrelated, UNRELATED_QUERIES)):
        photos.append(p); albums.append(None)
        queries.append((len(photos) - 1, None, "unrelated"))
    images = []
    for p in photos:
        im = common.load_small(common.PhotoRef(p, None), side)  # short side ~side (never enlarged)
        w, h = im.size
        if max(w, h) > side:
            s = side / max(w, h)
            im = im.resize((round(w * s), round(h * s)), Image.Resampling.BILINEAR)
        images.append(im)
    return images, albums, queries


def long_side(im: Image.Image, side: int) -> Image.Image:
    w, h = im.size
    if max(w, h) <= side:
        return im
    s = side / max(w, h)
    return im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BILINEAR)


# ---------------------------------------------------------------- local features
class FeatureMaps:
    """The encoder's stage-(-2) map on the whole (non-square) photo at `side` px long side, L2-normalised per cell."""

    def __init__(self, encoder, spec, side: int, level: int = -2) -> None:
        self.encoder, self.spec, self.side, self.level = encoder, spec, side, level

    def extract(self, im: Image.Image):
        im = long_side(im, self.side)
        x = torch.from_numpy(common.normalise(np.asarray(im.convert("RGB"))[None], self.spec))
        with torch.no_grad():
            fm = self.encoder.feature_maps(x)[self.level][0]
        c, h, w = fm.shape
        desc = F.normalize(fm.reshape(c, -1).t(), dim=1).numpy()
        ys, xs = np.mgrid[0:h, 0:w]
        return desc, np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)


def mutual_nn(da: np.ndarray, db: np.ndarray, min_sim: float):
    sim = da @ db.T
    ab = sim.argmax(1)
    ba = sim.argmax(0)
    ia = np.nonzero(ba[ab] == np.arange(len(da)))[0]
    ib = ab[ia]
    keep = sim[ia, ib] >= min_sim
    return ia[keep], ib[keep]


def ransac_similarity(pa: np.ndarray, pb: np.ndarray, tol: float, iters: int = 256, seed: int = 0) -> int:
    """Inliers of the best 2-point similarity transform (scale, rotation, shift) a -> b; complex-number form."""
    n = len(pa)
    if n < 3:
        return 0
    rng = np.random.default_rng(seed)
    za = pa[:, 0] + 1j * pa[:, 1]
    zb = pb[:, 0] + 1j * pb[:, 1]
    i = rng.integers(0, n, iters)
    j = rng.integers(0, n, iters)
    ok = (i != j) & (np.abs(za[i] - za[j]) > 1e-6)
    i, j = i[ok], j[ok]
    s = (zb[i] - zb[j]) / (za[i] - za[j])           # scale*rotation
    t = zb[i] - s * za[i]
    scale = np.abs(s)
    good = (scale > 0.33) & (scale < 3.0)              # a friend's zoom, not a degenerate fit
    s, t = s[good], t[good]
    if len(s) == 0:
        return 0
    err = np.abs(s[:, None] * za[None, :] + t[:, None] - zb[None, :])
    return int((err < tol).sum(1).max())


def fm_score(fa, fb, min_sim=0.6, geometric=True, tol=1.5):
    ia, ib = mutual_nn(fa[0], fb[0], min_sim)
    if not geometric:
        return float(len(ia))
    return float(ransac_similarity(fa[1][ia], fb[1][ib], tol))


class Sift:
    def __init__(self, side: int, kind: str = "sift", features: int = 600) -> None:
        import cv2
        self.cv2, self.side, self.kind = cv2, side, kind
        self.det = cv2.SIFT_create(nfeatures=features) if kind == "sift" else cv2.ORB_create(nfeatures=1000)
        norm = cv2.NORM_L2 if kind == "sift" else cv2.NORM_HAMMING
        self.matcher = cv2.BFMatcher(norm)

    def extract(self, im: Image.Image):
        gray = np.asarray(long_side(im, self.side).convert("L"))
        kps, desc = self.det.detectAndCompute(gray, None)
        pts = np.array([k.pt for k in kps], np.float32).reshape(-1, 2)
        return desc, pts

    def score(self, fa, fb, ratio=0.8) -> float:
        cv2 = self.cv2
        if fa[0] is None or fb[0] is None or len(fa[0]) < 8 or len(fb[0]) < 8:
            return 0.0
        pairs = self.matcher.knnMatch(fa[0], fb[0], k=2)
        good = [m for m, *rest in pairs if rest and m.distance < ratio * rest[0].distance]
        if len(good) < 8:
            return 0.0
        a = fa[1][[m.queryIdx for m in good]]
        b = fb[1][[m.trainIdx for m in good]]
        try:
            _f, mask = cv2.findFundamentalMat(a, b, cv2.FM_RANSAC, 1.5 * self.side / 480, 0.999, 2000)
        except cv2.error:  # degenerate point sets
            return 0.0
        return float(mask.sum()) if mask is not None else 0.0


# ---------------------------------------------------------------- evaluation
def global_codes(encoder, spec, images):
    px = np.stack([common.model_pixels(im, spec) for im in images])
    with torch.no_grad():
        return common.unit(np.concatenate([encoder(torch.from_numpy(common.normalise(px[i:i + 128], spec))).numpy()
                                           for i in range(0, len(px), 128)]))


def shortlists(codes, albums, queries, k_albums: int, m_photos: int):
    """Per query: list of (album, [photo indices by similarity]) for the K nearest albums, plus global margin."""
    out = []
    names = np.array([a if a is not None else "" for a in albums])
    for qi, _alb, _kind in queries:
        sim = codes @ codes[qi]
        sim[qi] = -np.inf
        sim[names == ""] = -np.inf  # unrelated photos are queries, not library
        order = np.argsort(-sim)
        seen: dict[str, list[int]] = {}
        for j in order:
            a = names[j]
            if a not in seen:
                if len(seen) == k_albums:
                    continue
                seen[a] = []
            if len(seen[a]) < m_photos:
                seen[a].append(int(j))
            if len(seen) == k_albums and all(len(v) == m_photos for v in seen.values()):
                break
        ranked = sorted(seen.items(), key=lambda kv: -sim[kv[1][0]])
        best, second = sim[ranked[0][1][0]], sim[ranked[1][1][0]]
        out.append({"albums": ranked, "s1": float(best), "margin": float(best - second)})
    return out


def curve(decisions, queries, thresholds):
    """decisions: list of (album or None, confidence). Returns rows of placed/wrong/unrelated-placed per threshold."""
    rows = []
    related = [i for i, q in enumerate(queries) if q[1] is not None]
    unrelated = [i for i, q in enumerate(queries) if q[1] is None]
    for t in thresholds:
        placed = [i for i in related if decisions[i][1] >= t and decisions[i][0] == queries[i][1]]
        wrong = [i for i in related if decisions[i][1] >= t and decisions[i][0] != queries[i][1]]
        un = [i for i in unrelated if decisions[i][1] >= t]
        by_kind = defaultdict(lambda: [0, 0, 0])
        for i in related:
            k = queries[i][2]
            by_kind[k][2] += 1
            if decisions[i][1] >= t:
                by_kind[k][0 if decisions[i][0] == queries[i][1] else 1] += 1
        rows.append({"t": round(float(t), 4), "placed": round(len(placed) / len(related), 3),
                     "wrong": round(len(wrong) / len(related), 3), "unrelated_placed": round(len(un) / len(unrelated), 3),
                     **{f"{k}_placed": round(v[0] / v[2], 3) for k, v in by_kind.items()},
                     **{f"{k}_wrong": round(v[1] / v[2], 3) for k, v in by_kind.items()}})
    return rows


def operating_points(rows, limits=(0.02, 0.05, 0.1)):
    """Most placed with wrong <= limit and unrelated placed <= 0.1 (thresholds chosen on this dev set)."""
    out = {}
    for lim in limits:
        ok = [r for r in rows if r["wrong"] <= lim and r["unrelated_placed"] <= 0.1]
        out[f"wrong<={lim}"] = max(ok, key=lambda r: r["placed"]) if ok else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--methods", default="global,fm,fmr,sift256,sift512,orb512")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--m", type=int, default=3)
    ap.add_argument("--fm-side", type=int, default=224)
    ap.add_argument("--fm-min-sim", type=float, default=0.6)
    ap.add_argument("--json")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import cv2
    cv2.setNumThreads(1)
    encoder, cfg = load_encoder(args.ckpt)
    spec = common.InputSpec(size=cfg["size"])
    t = time.perf_counter()
    images, albums, queries = build_setting()
    codes = global_codes(encoder, spec, images)
    lists = shortlists(codes, albums, queries, args.k, args.m)
    result = {"truth": [[q[1], q[2]] for q in queries], "ckpt": args.ckpt, "k": args.k, "m": args.m, "photos": len(images),
              "albums": len(set(a for a in albums if a)), "queries": {k: sum(q[2] == k for q in queries)
                                                                      for k in ("places", "landmarks", "unrelated")},
              "setup_s": round(time.perf_counter() - t, 1), "methods": {}}
    print(json.dumps({k: v for k, v in result.items() if k != "methods"}), flush=True)
    # shortlist recall: is the right album among the K?
    related = [i for i, q in enumerate(queries) if q[1]]
    result["shortlist_recall"] = {str(k): round(float(np.mean([queries[i][1] in [a for a, _ in lists[i]["albums"][:k]]
                                                                 for i in related])), 3) for k in range(1, args.k + 1)}
    for method in args.methods.split(","):
        t = time.perf_counter()
        if method == "global":
            result["decisions_global"] = [[lists[i]["albums"][0][0], lists[i]["s1"], lists[i]["margin"]] for i in range(len(queries))]
            for conf in ("s1", "margin"):
                dec = [(lists[i]["albums"][0][0], lists[i][conf]) for i in range(len(queries))]
                rows = curve(dec, queries, np.quantile([d[1] for d in dec], np.linspace(0, 1, 41)))
                result["methods"][f"global_{conf}"] = {"curve": rows, "points": operating_points(rows), "ms_per_query": 0.0}
            continue
        if method.startswith("fm"):
            geometric = method.startswith("fmr")
            digits = method[3 if geometric else 2:]
            ext = FeatureMaps(encoder, spec, int(digits) if digits else args.fm_side)
            score = (lambda a, b, g=geometric: fm_score(a, b, args.fm_min_sim, geometric=g))
        else:
            kind, side = ("sift", int(method[4:])) if method.startswith("sift") else ("orb", int(method[3:]))
            s = Sift(side, kind)
            ext, score = s, s.score
        cache = {}
        dec = []
        pair_count = 0
        for qn, (qi, _alb, _kind) in enumerate(queries):
            fq = ext.extract(images[qi])
            best = []
            for alb, members in lists[qn]["albums"]:
                sc = 0.0
                for j in members:
                    if j not in cache:
                        cache[j] = ext.extract(images[j])
                    sc = max(sc, score(fq, cache[j]))
                    pair_count += 1
                best.append((sc, alb))
            best.sort(reverse=True)
            dec.append((best[0][1], best[0][0], best[0][0] - best[1][0]))
        elapsed = time.perf_counter() - t
        result[f"decisions_{method}"] = [list(d) for d in dec]
        # timing: every query extracts itself and K*M candidates (no cross-query cache in the app)
        per_query_ms = elapsed / len(queries) * 1000
        n_extract = len(queries) + len(cache)
        for conf in ("score", "margin"):
            d = [(a, s if conf == "score" else m) for a, s, m in dec]
            rows = curve(d, queries, sorted(set(np.quantile([x[1] for x in d], np.linspace(0, 1, 41)))))
            result["methods"][f"{method}_{conf}"] = {"curve": rows, "points": operating_points(rows),
                                                     "ms_per_query_cached": round(per_query_ms, 1),
                                                     "extractions": n_extract, "pairs": pair_count}
        print(method, json.dumps(result["methods"][f"{method}_score"]["points"]), round(per_query_ms, 1), "ms/query", flush=True)
    for name, r in result["methods"].items():
        print(name, {k: (v and (v["placed"], v["wrong"], v["unrelated_placed"])) for k, v in r["points"].items()})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
