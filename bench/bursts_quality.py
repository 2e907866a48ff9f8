"""Burst / near-duplicate stacking: precision and recall on bursts made from real photos, against baselines.

    python bench/bursts_quality.py [--seeds 0 1 2] [--bursts 60] [--json]

Per seed, a synthetic stream (intel-scenes photos, embedded with the bundled encoder):
  * bursts: one photo shot 2–6 times, 0.3–2 s apart, each shot a small crop / shift / tilt / exposure change;
  * distractors: 1–3 other photos of the same scene class, 1–10 minutes from the burst (not a burst);
  * quick switches (a fifth of the bursts): another photo of the same class 1–3 s after the burst's last
    shot (time alone would stack it: only the look can tell);
  * EXIF-less: for a fifth of the bursts, a messenger copy of one shot (recompressed, downscaled, no time),
    which belongs with its burst; and as many EXIF-less photos of the same classes, which belong nowhere.
Truth: one group per burst (its shots and copies), every other photo alone.

Scored on pairs of photos ("in one stack"): precision, recall and F1, for all pairs and for pairs that
involve an EXIF-less photo; plus the share of bursts stacked exactly. Methods:
  * stack_bursts (album_app.albums.bursts, calibrated on the stream itself);
  * time only: consecutive photos ≤ BURST_GAP_S apart (EXIF-less photos never stacked);
  * look only: the strict (EXIF-less) cosine threshold for every pair, time ignored.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from event_library import SCENES  # noqa: E402

from album_app.albums.bursts import BURST_GAP_S, BurstStacker, stack_bursts  # noqa: E402
from album_app.albums.features import LibraryView  # noqa: E402

PHOTO = (160, 120)


def burst_shot(source: Image.Image, rng: np.random.Generator) -> Image.Image:
    """One frame of a burst: the hand moved a little, the exposure a little."""
    width, height = source.size
    scale = rng.uniform(0.88, 0.97)
    crop_w, crop_h = width * scale, width * scale * 0.75
    left, top = rng.uniform(0, width - crop_w), rng.uniform(0, max(height - crop_h, 0))
    image = source.rotate(float(rng.uniform(-1.5, 1.5)), resample=Image.Resampling.BILINEAR)
    image = image.crop((left, top, left + crop_w, top + crop_h)).resize(PHOTO, Image.Resampling.BILINEAR)
    return ImageEnhance.Brightness(image).enhance(rng.uniform(0.93, 1.07))


def framed(source: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A single shot of a scene (a distractor): the same framing rules, one frame."""
    return burst_shot(source, rng)


def messenger_copy(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    small = image.resize(
        (int(PHOTO[0] * rng.uniform(0.6, 0.8)), int(PHOTO[1] * rng.uniform(0.6, 0.8))), Image.Resampling.BILINEAR
    )
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=int(rng.integers(45, 70)))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def make_stream(seed: int, n_bursts: int) -> tuple[LibraryView, np.ndarray, dict[str, int]]:
    """The stream's view (codes from the bundled encoder) and its truth (group per photo)."""
    from album_app.models import load_encoder

    rng = np.random.default_rng(seed)
    classes = sorted(p.name for p in SCENES.iterdir() if p.is_dir())
    pool = {c: sorted((SCENES / c).glob("*.jpg")) for c in classes}
    for files in pool.values():
        rng.shuffle(files)
    images: list[Image.Image] = []
    times: list[float] = []
    groups: list[int] = []
    counts = {"bursts": n_bursts, "burst_shots": 0, "distractors": 0, "switches": 0, "copies": 0, "untimed_others": 0}
    clock = 1_700_000_000.0
    alone = -1

    def add(image: Image.Image, when: float, group: int) -> None:
        images.append(image)
        times.append(when)
        groups.append(group)

    for burst in range(n_bursts):
        scene_class = classes[int(rng.integers(len(classes)))]
        source = Image.open(pool[scene_class].pop()).convert("RGB")
        clock += float(rng.uniform(20, 120)) * 60
        shots = []
        when = clock
        for shot_number in range(int(rng.integers(2, 7))):
            when += float(rng.uniform(0.3, 2.0)) if shot_number else 0.0
            shot = burst_shot(source, rng)
            shots.append(shot)
            add(shot, when, burst)
        counts["burst_shots"] += len(shots)
        if rng.random() < 0.2:
            other = Image.open(pool[scene_class].pop()).convert("RGB")
            when += float(rng.uniform(1.0, 3.0))  # the camera swung to the next thing
            add(framed(other, rng), when, alone)
            alone -= 1
            counts["switches"] += 1
        for _ in range(int(rng.integers(1, 4))):
            other = Image.open(pool[scene_class].pop()).convert("RGB")
            at = clock - float(rng.uniform(60, 600)) if rng.random() < 0.5 else when + float(rng.uniform(60, 600))
            add(framed(other, rng), at, alone)
            alone -= 1
            counts["distractors"] += 1
        if rng.random() < 0.2:
            add(messenger_copy(shots[int(rng.integers(len(shots)))], rng), np.nan, burst)
            counts["copies"] += 1
            other = Image.open(pool[scene_class].pop()).convert("RGB")
            add(messenger_copy(framed(other, rng), rng), np.nan, alone)
            alone -= 1
            counts["untimed_others"] += 1
        clock = when + 600
    encoder, _ = load_encoder(None)
    codes = encoder.embed_images(images)
    n = len(images)
    nan = np.full(n, np.nan)
    view = LibraryView(np.arange(n), codes, np.array(times), nan, nan, nan)
    return view, np.array(groups), counts


def labels_from_stacks(stacks: list, n: int) -> np.ndarray:
    labels = -1 - np.arange(n)  # every photo alone...
    for number, stack in enumerate(stacks):
        labels[np.asarray(stack.photo_ids)] = number  # ...unless stacked (photo ids are rows here)
    return labels


def time_only(view: LibraryView, gap_s: float) -> np.ndarray:
    """Runs of timed photos each at most ``gap_s`` after the previous; photos without a time stay alone."""
    n = len(view)
    labels = -1 - np.arange(n)
    timed = np.flatnonzero(~np.isnan(view.taken_ts))
    order = timed[np.argsort(view.taken_ts[timed], kind="stable")]
    runs = np.split(order, np.flatnonzero(np.diff(view.taken_ts[order]) > gap_s) + 1) if len(order) else []
    for number, run in enumerate(r for r in runs if len(r) > 1):
        labels[run] = number
    return labels


def look_only(view: LibraryView, threshold: float, space: object) -> np.ndarray:
    from album_app.albums.bursts import _UnionFind

    unit = space.transform(view.codes)  # type: ignore[attr-defined]
    sims = unit @ unit.T
    np.fill_diagonal(sims, -1)
    union = _UnionFind(len(view))
    for a, b in zip(*np.nonzero(np.triu(sims >= threshold, 1)), strict=True):
        union.join(int(a), int(b))
    roots = np.array([union.find(i) for i in range(len(view))])
    sizes = np.bincount(roots, minlength=len(view))
    return np.where(sizes[roots] > 1, roots, -1 - np.arange(len(view)))


def pair_scores(pred: np.ndarray, truth: np.ndarray, rows: np.ndarray | None = None) -> dict[str, float]:
    """Pairwise precision/recall of "in one group" (groups < 0 are singletons); ``rows``: only pairs that
    involve at least one of these rows."""
    n = len(pred)
    same_pred = (pred[:, None] == pred[None, :]) & (pred[:, None] >= 0)
    same_true = (truth[:, None] == truth[None, :]) & (truth[:, None] >= 0)
    mask = np.triu(np.ones((n, n), bool), 1)
    if rows is not None:
        involved = np.zeros(n, bool)
        involved[rows] = True
        mask &= involved[:, None] | involved[None, :]
    tp = int((same_pred & same_true & mask).sum())
    fp = int((same_pred & ~same_true & mask).sum())
    fn = int((~same_pred & same_true & mask).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def exact_bursts(pred: np.ndarray, truth: np.ndarray) -> float:
    hits = []
    for group in np.unique(truth[truth >= 0]):
        members = np.flatnonzero(truth == group)
        label = pred[members[0]]
        hits.append(label >= 0 and np.array_equal(np.flatnonzero(pred == label), members))
    return float(np.mean(hits)) if hits else float("nan")


def run_seed(seed: int, n_bursts: int) -> list[dict]:
    view, truth, counts = make_stream(seed, n_bursts)
    untimed = np.flatnonzero(np.isnan(view.taken_ts))
    rows = []
    begin = time.perf_counter()
    stacker = BurstStacker().fit(view)
    stacks = stacker.stacks_
    seconds = time.perf_counter() - begin
    methods = {
        "stack_bursts": labels_from_stacks(stacks, len(view)),
        f"time only (≤{BURST_GAP_S:g} s)": time_only(view, BURST_GAP_S),
        "look only (EXIF-less threshold)": look_only(view, stacker.untimed_threshold_, stacker.space_),
    }
    for name, pred in methods.items():
        row = {"seed": seed, "method": name, **pair_scores(pred, truth), "exact": exact_bursts(pred, truth)}
        untimed_scores = pair_scores(pred, truth, untimed)
        row.update({f"untimed_{k}": v for k, v in untimed_scores.items()})
        row.update(photos=len(view), **counts)
        if name == "stack_bursts":
            row.update(seconds=seconds, threshold=stacker.threshold_, untimed_threshold=stacker.untimed_threshold_)
        rows.append(row)
    # Same library, through the public one-call API (checks it agrees with the estimator).
    assert len(stack_bursts(view)) == len(stacks)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--bursts", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = [row for seed in args.seeds for row in run_seed(seed, args.bursts)]
    keys = ("precision", "recall", "f1", "exact", "untimed_precision", "untimed_recall")
    summary = []
    for method in dict.fromkeys(r["method"] for r in rows):
        group = [r for r in rows if r["method"] == method]
        entry = {
            "method": method,
            **{k: float(np.mean([r[k] for r in group])) for k in keys},
            **{f"{k}_min": float(np.min([r[k] for r in group])) for k in keys},
        }
        summary.append(entry)
    if args.json:
        json.dump({"rows": rows, "summary": summary}, sys.stdout, indent=1)
        print()
        return 0
    first = rows[0]
    print(
        f"bursts, seeds {args.seeds}: {first['photos']} photos/seed ({first['bursts']} bursts, "
        f"{first['burst_shots']} burst shots, {first['distractors']} distractors, {first['switches']} quick "
        f"switches, {first['copies']} EXIF-less copies, {first['untimed_others']} EXIF-less others in seed "
        f"{first['seed']}); pairwise scores, mean [min] over seeds"
    )
    print(
        f"{'method':32s} {'precision':>14s} {'recall':>14s} {'F1':>6s} {'exact':>6s} "
        f"{'no-EXIF prec.':>13s} {'no-EXIF rec.':>12s}"
    )
    for e in summary:
        print(
            f"{e['method']:32s} {e['precision']:6.3f} [{e['precision_min']:.2f}] {e['recall']:6.3f} "
            f"[{e['recall_min']:.2f}] {e['f1']:6.3f} {e['exact']:6.3f} {e['untimed_precision']:13.3f} "
            f"{e['untimed_recall']:12.3f}"
        )
    stack_rows = [r for r in rows if r["method"] == "stack_bursts"]
    print(
        "calibrated thresholds (cosine): "
        + ", ".join(
            f"seed {r['seed']}: {r['threshold']:.3f} / EXIF-less {r['untimed_threshold']:.3f}, {r['seconds']:.2f} s"
            for r in stack_rows
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
