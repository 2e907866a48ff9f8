"""Shared by the issue-15 research scripts: the corpus split, photo loading, and the evaluation suite.

Uses album_app.preprocess (model_pixels/normalise: the app's own contract) and trainer.data.load_small
(draft decode, upright) from the enc-research worktree, so what is measured is what the app would feed.
"""
from __future__ import annotations

import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

WT = Path("/work/wt/enc-research")
sys.path.insert(0, str(WT))
from album_app.preprocess import InputSpec, model_pixels, normalise  # noqa: E402
from trainer.data import PhotoRef, load_small  # noqa: E402

DATA = Path("/work/shared/data")
CORPUS = DATA / "photos-corpus"
PLACES = DATA / "real-places-dev"
INTEL = DATA / "intel-scenes" / "train"
ENC = Path("/work/scratch/enc")
SPLIT_FILE = ENC / "split.json"
# Held-out groups per source (a seeded sample of whole groups; landmarks photographed by many people
# first). cats_dogs, imagenet_samples (one photo per class) and bsds500 stay in training.
HOLD_OUT = {"indian_monuments": 8, "vietnam_landmarks": 2, "malaysian_food": 2, "har_people": 3,
            "imagenette": 2, "weather": 1}
LANDMARK_SOURCES = ("indian_monuments", "vietnam_landmarks")


def corpus_groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for source in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for group in sorted(p for p in source.iterdir() if p.is_dir()):
            groups[f"{source.name}/{group.name}"] = sorted(str(f) for f in group.glob("*.jpg"))
    return groups


def make_split(seed: int = 15) -> dict:
    groups = corpus_groups()
    held = []
    for source, count in HOLD_OUT.items():
        names = sorted(g for g in groups if g.startswith(source + "/"))
        held += sorted(random.Random(seed).sample(names, count))
    train = [g for g in groups if g not in held]
    return {"seed": seed, "held_out": held, "train": train,
            "train_photos": sum(len(groups[g]) for g in train),
            "held_out_photos": sum(len(groups[g]) for g in held)}


def split() -> dict:
    if not SPLIT_FILE.exists():
        SPLIT_FILE.write_text(json.dumps(make_split(), indent=1))
    return json.loads(SPLIT_FILE.read_text())


def train_paths() -> list[str]:
    groups = corpus_groups()
    return [p for g in split()["train"] for p in groups[g]]


def held_out_set(landmarks_only: bool = False) -> tuple[list[str], list[str]]:
    groups = corpus_groups()
    paths, labels = [], []
    for g in split()["held_out"]:
        if landmarks_only and not g.startswith(LANDMARK_SOURCES):
            continue
        paths += groups[g]
        labels += [g] * len(groups[g])
    return paths, labels


def intel_set(per_class: int = 300, seed: int = 0) -> tuple[list[str], list[str]]:
    paths, labels = [], []
    for cls in sorted(p.name for p in INTEL.iterdir() if p.is_dir()):
        files = sorted(str(f) for f in (INTEL / cls).glob("*.jpg"))
        files = sorted(random.Random(seed).sample(files, min(per_class, len(files))))
        paths += files
        labels += [cls] * len(files)
    return paths, labels


def places_set() -> tuple[list[str], list[str]]:
    paths, labels = [], []
    for place in sorted(p for p in PLACES.iterdir() if p.is_dir()):
        for f in sorted(place.iterdir()):
            if f.suffix.lower() in (".jpg", ".jpeg", ".png"):
                paths.append(str(f))
                labels.append(place.name)
    return paths, labels


def load_images(paths: list[str], side: int) -> list:
    return [load_small(PhotoRef(p, None), side) for p in paths]


# ---------------------------------------------------------------- metrics
def unit(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def nmi_knn(features: np.ndarray, labels: list[str], normalise_rows: bool = True) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    classes = sorted(set(labels))
    y = np.array([classes.index(v) for v in labels])
    f = unit(features) if normalise_rows else features.astype(np.float32)
    pred = KMeans(n_clusters=len(classes), n_init=10, random_state=0).fit_predict(f)
    u = unit(features)
    sim = u @ u.T
    np.fill_diagonal(sim, -np.inf)
    nearest = np.argpartition(-sim, 10, axis=1)[:, :10]
    return {"nmi": round(float(normalized_mutual_info_score(y, pred)), 4),
            "ari": round(float(adjusted_rand_score(y, pred)), 4),
            "knn10": round(float((y[nearest] == y[:, None]).mean()), 4),
            "nn1": round(float((y[np.argmax(sim, axis=1)] == y).mean()), 4)}


def loo_1nn(query: np.ndarray, qlabels: list[str], extra: np.ndarray | None = None) -> float:
    """Leave-one-out: is the nearest other photo (cosine) the same place? `extra` rows are distractors."""
    q = unit(query)
    lib = q if extra is None else np.concatenate([q, unit(extra)])
    sim = q @ lib.T
    np.fill_diagonal(sim[:, : len(q)], -np.inf)
    best = np.argmax(sim, axis=1)
    labels = np.array(qlabels)
    ok = [(b < len(q)) and labels[b] == labels[i] for i, b in enumerate(best)]
    return round(float(np.mean(ok)), 4)


# ---------------------------------------------------------------- baselines
def raw_pixels(images: list, side: int = 32) -> np.ndarray:
    spec = InputSpec(size=side)
    return np.stack([model_pixels(im, spec) for im in images]).reshape(len(images), -1) / 255.0


def colour_hist(images: list, bins: int = 8) -> np.ndarray:
    """Joint RGB histogram (bins^3) of the 64-px centre square, square-rooted (Hellinger)."""
    spec = InputSpec(size=64)
    px = np.stack([model_pixels(im, spec) for im in images]).reshape(len(images), -1, 3) // (256 // bins)
    idx = px[..., 0].astype(np.int64) * bins * bins + px[..., 1] * bins + px[..., 2]
    hist = np.stack([np.bincount(r, minlength=bins ** 3) for r in idx]).astype(np.float32)
    return np.sqrt(hist / hist.sum(axis=1, keepdims=True))


class Suite:
    """The evaluation sets, decoded once at a side large enough for any candidate's input size."""

    def __init__(self, side: int = 256) -> None:
        t = time.perf_counter()
        self.sets = {}
        hp, hl = held_out_set()
        self.sets["corpus_heldout"] = (load_images(hp, side), hl)
        ip, il = intel_set()
        self.sets["intel"] = (load_images(ip, side), il)
        pp, pl = places_set()
        self.sets["places"] = (load_images(pp, side), pl)
        landmark = [i for i, g in enumerate(hl) if g.startswith(LANDMARK_SOURCES)]
        self.landmark_idx = landmark
        self.load_s = time.perf_counter() - t

    def features(self, fn, name: str) -> np.ndarray:
        return fn(self.sets[name][0])

    def run(self, fn, normalise_rows: bool = True) -> dict:
        """fn: list of PIL images -> (N, D) features. KMeans on L2-normalised rows (codes, as the app
        uses them) or on the rows as they are (raw pixels, as bench/embed_quality.py does)."""
        out = {}
        feats = {name: fn(images) for name, (images, _) in self.sets.items()}
        for name in ("corpus_heldout", "intel"):
            out[name] = nmi_knn(feats[name], self.sets[name][1], normalise_rows)
        hl = self.sets["corpus_heldout"][1]
        lm = self.landmark_idx
        out["landmarks_heldout"] = nmi_knn(feats["corpus_heldout"][lm], [hl[i] for i in lm], normalise_rows)
        pf, pl = feats["places"], self.sets["places"][1]
        out["places_loo_1nn"] = loo_1nn(pf, pl)
        out["places_loo_1nn_with_distractors"] = loo_1nn(pf, pl, feats["corpus_heldout"][lm])
        out["distractors"] = len(lm)
        return out


def pixels_fn(size: int):
    spec = InputSpec(size=size)
    return lambda images: np.stack([model_pixels(im, spec) for im in images])


def onnx_fn(path: str, threads: int = 2):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    meta = sess.get_modelmeta().custom_metadata_map
    spec = InputSpec.from_json(meta["input_spec"]) if "input_spec" in meta else InputSpec(size=sess.get_inputs()[0].shape[2])
    name = sess.get_inputs()[0].name

    def fn(images):
        px = np.stack([model_pixels(im, spec) for im in images])
        return np.concatenate([sess.run(None, {name: normalise(px[i:i + 64], spec)})[0]
                               for i in range(0, len(px), 64)])
    return fn, sess, spec


def embed_timing(sess, spec, repeats: int = 5) -> float:
    """ms per photo, onnxruntime, batch 64 (the session's thread count), best of `repeats`."""
    x = np.random.default_rng(0).standard_normal((64, 3, spec.size, spec.size)).astype(np.float32)
    name = sess.get_inputs()[0].name
    sess.run(None, {name: x})
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        sess.run(None, {name: x})
        best = min(best, time.perf_counter() - t)
    return round(best / 64 * 1000, 3)
