"""How well a model's codes cluster a labelled photo set, beside baselines from the same run.

Torch-free (onnxruntime + scikit-learn), so it runs wherever the app runs. Codes are L2-normalised
before clustering, as the albums code does. Baselines: KMeans on raw 32x32 pixels and on their
first 50 principal components. Retrieval: the share of each photo's 10 nearest neighbours (cosine)
that come from its own class.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from album_app.preprocess import InputSpec, model_pixels, normalise

from .data import PhotoRef, folder_photos, load_all

RAW_SIDE = 32
PCA_COMPONENTS = 50
NEIGHBOURS = 10
SEEDS = 0  # KMeans random_state; n_init=10 restarts from it


def labelled_photos(root: str | Path, limit_per_class: int | None = None, seed: int = 0) -> list[PhotoRef]:
    """Photos under root labelled by their top-level folder; a seeded sample of each class if limited."""
    by_class: dict[str, list[PhotoRef]] = defaultdict(list)
    for ref in folder_photos(root):
        if ref.label is not None:
            by_class[ref.label].append(ref)
    if len(by_class) < 2:
        raise ValueError(f"{root} needs at least two class folders with photos")
    chosen: list[PhotoRef] = []
    for label in sorted(by_class):
        refs = by_class[label]
        if limit_per_class is not None and len(refs) > limit_per_class:
            refs = sorted(random.Random(seed).sample(refs, limit_per_class), key=lambda r: r.path)
        chosen += refs
    return chosen


HELDOUT_GROUPS = Path(__file__).with_name("heldout_groups.json")


def held_out_groups(landmarks_only: bool = False) -> list[str]:
    """The corpus groups kept out of the default encoder's training ("source/group"), or only the landmark ones."""
    split = json.loads(HELDOUT_GROUPS.read_text())
    groups = list(split["held_out"])
    if landmarks_only:
        groups = [g for g in groups if g.split("/")[0] in split["landmark_sources"]]
    return groups


def group_photos(root: str | Path, groups: Sequence[str]) -> list[PhotoRef]:
    """Every photo of the named sub-folders of root ("a/b"), labelled by its sub-folder."""
    chosen = []
    for group in groups:
        chosen += [PhotoRef(ref.path, None, group) for ref in folder_photos(Path(root) / group)]
    return chosen


def unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def cluster_scores(features: np.ndarray, labels: np.ndarray, k: int) -> dict[str, float]:
    predicted = KMeans(n_clusters=k, n_init=10, random_state=SEEDS).fit_predict(features)
    return {
        "nmi": float(normalized_mutual_info_score(labels, predicted)),
        "ari": float(adjusted_rand_score(labels, predicted)),
    }


def knn_share(features: np.ndarray, labels: np.ndarray, k: int = NEIGHBOURS) -> float:
    """Mean share of each row's k nearest other rows (cosine) that carry its label."""
    unit = unit_rows(features.astype(np.float32))
    shares = []
    for start in range(0, len(unit), 1024):  # blocks keep the similarity matrix small
        block = unit[start : start + 1024] @ unit.T
        rows = np.arange(len(block))
        block[rows, rows + start] = -np.inf  # a photo is not its own neighbour
        nearest = np.argpartition(-block, k, axis=1)[:, :k]
        shares.append((labels[nearest] == labels[start : start + len(block), None]).mean(axis=1))
    return float(np.concatenate(shares).mean())


def score_features(features: np.ndarray, labels: np.ndarray, k: int) -> dict[str, float]:
    return {**cluster_scores(features, labels, k), "knn10": knn_share(features, labels)}


def onnx_embedder(
    model_path: str | Path, threads: int | None = None
) -> tuple[Callable[[np.ndarray], np.ndarray], InputSpec, dict[str, str]]:
    """A function uint8 NHWC -> codes for an exported model, its InputSpec and its metadata."""
    from album_app.models.onnx import metadata, open_session

    session = open_session(Path(model_path), threads)
    meta = metadata(session)
    spec = InputSpec.from_json(meta["input_spec"])
    name = session.get_inputs()[0].name

    def embed(pixels: np.ndarray) -> np.ndarray:
        out = [
            session.run(None, {name: normalise(pixels[i : i + 64], spec)})[0]
            for i in range(0, len(pixels), 64)
        ]
        return np.concatenate(out).astype(np.float32)

    return embed, spec, meta


def evaluate_embedder(
    embed: Callable[[np.ndarray], np.ndarray],
    spec: InputSpec,
    photos: Sequence[PhotoRef],
    threads: int = 2,
) -> dict[str, Any]:
    """Codes vs raw-pixel and PCA baselines on the same photos, in one run."""
    images, kept = load_all(photos, max(2 * spec.size, 2 * RAW_SIDE), threads)
    names = [photos[i].label or "" for i in kept]
    classes = sorted(set(names))
    labels = np.array([classes.index(n) for n in names])
    k = len(classes)
    codes = embed(np.stack([model_pixels(image, spec) for image in images]))
    raw_spec = InputSpec(size=RAW_SIDE)
    raw = np.stack([model_pixels(image, raw_spec) for image in images]).reshape(len(images), -1) / 255.0
    pca = PCA(n_components=min(PCA_COMPONENTS, len(images) - 1), random_state=SEEDS).fit_transform(raw)
    result = {
        "photos": len(images),
        "classes": k,
        "codes": score_features(unit_rows(codes), labels, k),
        f"raw{RAW_SIDE}": score_features(raw, labels, k),
        f"pca{PCA_COMPONENTS}": score_features(pca, labels, k),
    }
    result["nmi_ratio_vs_raw"] = result["codes"]["nmi"] / max(result[f"raw{RAW_SIDE}"]["nmi"], 1e-12)
    return result


def evaluate_model(
    model_path: str | Path, data: str | Path, limit_per_class: int | None = None, threads: int | None = None
) -> dict[str, Any]:
    embed, spec, meta = onnx_embedder(model_path, threads)
    photos = labelled_photos(data, limit_per_class)
    result = evaluate_embedder(embed, spec, photos, threads or 2)
    return {
        "model": str(model_path),
        "model_id": meta.get("model_id"),
        "data": str(data),
        "limit_per_class": limit_per_class,
        **result,
    }


def format_table(result: dict[str, Any]) -> str:
    rows = [name for name in result if isinstance(result[name], dict) and "nmi" in result[name]]
    lines = [
        f"{result['photos']} photos, {result['classes']} classes, "
        f"KMeans k={result['classes']} (n_init=10, seed 0)",
        f"{'features':<10} {'NMI':>7} {'ARI':>7} {'10-NN':>7}",
    ]
    for name in rows:
        r = result[name]
        lines.append(f"{name:<10} {r['nmi']:7.3f} {r['ari']:7.3f} {r['knn10']:7.3f}")
    lines.append(f"NMI codes / raw{RAW_SIDE}: {result['nmi_ratio_vs_raw']:.2f}x")
    return "\n".join(lines)


def print_result(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        print(format_table(result))
    sys.stdout.flush()
