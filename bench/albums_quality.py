"""How well suggested albums match known events, per method, against two baselines, in one run.

    python bench/albums_quality.py [--seeds 0 1 2] [--friend] [--direct] [--codes auto|encoder|pixels]
                                   [--methods auto events affinity kmeans hdbscan] [--json]

Builds a synthetic event library per seed (bench/event_library.py: scene photos with EXIF time and
GPS, a fifth of every event's shots stripped of EXIF, confounders, a dozen unrelated object photos),
then suggests albums and scores them against the true events:
  * NMI and ARI over all photos (Unsorted counts as one group, the unrelated photos as one class);
  * stripped placed: share of EXIF-less shots in the album that holds most of their event's EXIF shots;
  * stripped wrong: share put in some other album (in --friend, Unsorted is the right answer for an
    unplaceable photo, a wrong album is not);
  * unrelated out: share of unrelated photos left Unsorted.
By default the real CLI runs (``album-app --library LIB scan DIR --quiet``, ``cluster --method M
--json``, ``albums --json``); ``--direct`` calls ``album_app.albums.suggest_albums`` on a view built
here (codes from the bundled encoder, or 16×16 pixels with ``--codes pixels`` or when no encoder loads).
The baselines always use the direct view:
  * time gap (Shotwell-like): a new album after a gap of N hours (6 and 24), EXIF time else the
    file-name date, photos with neither Unsorted;
  * content KMeans: k-means on the normalised codes with the TRUE number of events (an oracle k).
Targets for `auto`: NMI ≥ 0.95, stripped placed ≥ 0.90, unrelated out ≥ 0.80, each above both baselines;
in --friend, NMI not below the time-gap baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from event_library import UNRELATED, make_event_library  # noqa: E402

from album_app.albums import METHODS, USER_METHODS  # noqa: E402

OUT = REPO / "bench" / "out" / "albums_quality"
STRIPPED_KINDS = ("stripped", "friend")
EXIF_KINDS = ("exif", "exif-nogps")


@dataclass
class Loaded:
    paths: list[str]  # relative to the library root, the view's row order
    view: object  # album_app.albums.LibraryView
    codes_from: str


def load_view(root: Path, truth: dict, codes: str = "auto") -> Loaded:
    """A LibraryView of the generated files, read the way the app reads them (EXIF, file-name date)."""
    from album_app.albums import LibraryView
    from album_app.ingest.exif import read_meta

    paths = sorted(truth["labels"])
    taken, hint, lat, lon, images = [], [], [], [], []
    for rel in paths:
        data = (root / rel).read_bytes()
        meta = read_meta(data, Path(rel).name)
        taken.append(_ts(meta.taken_at))
        hint.append(_ts(meta.time_hint))
        lat.append(np.nan if meta.lat is None else meta.lat)
        lon.append(np.nan if meta.lon is None else meta.lon)
        images.append(Image.open(root / rel).convert("RGB"))
    vectors, source = _codes(images, codes)
    view = LibraryView(
        np.arange(len(paths)),
        vectors,
        np.array(taken),
        np.array(hint),
        np.array(lat),
        np.array(lon),
        names=[Path(p).name for p in paths],
    )
    return Loaded(paths, view, source)


def _ts(when: datetime | None) -> float:
    """Seconds since epoch; a naive (wall-clock) time is stored as if it were UTC."""
    if when is None:
        return float("nan")
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _codes(images: list[Image.Image], codes: str) -> tuple[np.ndarray, str]:
    if codes in ("auto", "encoder"):
        try:
            from album_app.models import load_encoder

            encoder, _ = load_encoder(None)
            return encoder.embed_images(images), f"encoder {encoder.model_id}"
        except Exception as error:  # the bundled model may not exist yet
            if codes == "encoder":
                raise
            print(f"note: no encoder ({error}); using 16x16 pixels", file=sys.stderr)
    pixels = [np.asarray(_square(im).resize((16, 16), Image.Resampling.BILINEAR), np.float32) / 255 for im in images]
    return np.stack(pixels).reshape(len(images), -1), "pixels16"


def _square(image: Image.Image) -> Image.Image:
    w, h = image.size
    side = min(w, h)
    return image.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))


# --- scoring ---------------------------------------------------------------------------------------------


def score(pred: np.ndarray, paths: list[str], truth: dict) -> dict[str, float]:
    """The benchmark's figures for one labelling (pred: -1 = Unsorted)."""
    true = [truth["labels"][p] for p in paths]
    kinds = [truth["photos"][p]["kind"] for p in paths]
    pred = np.asarray(pred)
    album_of: dict[str, int | None] = {}
    for event in set(true) - {UNRELATED}:
        votes = Counter(
            int(pred[i]) for i, (t, k) in enumerate(zip(true, kinds, strict=True)) if t == event and k in EXIF_KINDS
        )
        votes.pop(-1, None)
        album_of[event] = votes.most_common(1)[0][0] if votes else None
    stripped = [i for i, k in enumerate(kinds) if k in STRIPPED_KINDS]
    placed = sum(1 for i in stripped if pred[i] >= 0 and pred[i] == album_of[true[i]])
    wrong = sum(1 for i in stripped if pred[i] >= 0 and pred[i] != album_of[true[i]])
    unrelated = [i for i, t in enumerate(true) if t == UNRELATED]
    pred_groups = [f"a{p}" if p >= 0 else "unsorted" for p in pred]
    return {
        "nmi": float(normalized_mutual_info_score(true, pred_groups)),
        "ari": float(adjusted_rand_score(true, pred_groups)),
        "stripped_placed": placed / max(len(stripped), 1),
        "stripped_wrong": wrong / max(len(stripped), 1),
        "unrelated_out": sum(1 for i in unrelated if pred[i] < 0) / max(len(unrelated), 1),
        "albums": len(set(pred.tolist()) - {-1}),
    }


def time_gap_baseline(view, gap_hours: float) -> np.ndarray:
    """Shotwell-like: photos in time order, a new album after a gap; EXIF time, else the file-name date."""
    t = np.where(np.isnan(view.taken_ts), view.hint_ts, view.taken_ts) / 3600.0
    labels = np.full(len(t), -1)
    order = np.flatnonzero(~np.isnan(t))
    order = order[np.argsort(t[order], kind="stable")]
    if len(order):
        labels[order] = np.concatenate([[0], np.cumsum(np.diff(t[order]) > gap_hours)])
    return labels


def content_kmeans_baseline(view, k: int, seed: int) -> np.ndarray:
    from album_app.albums.features import l2_normalise

    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(l2_normalise(view.codes))


# --- runs --------------------------------------------------------------------------------------------


def run_direct(loaded: Loaded, method: str, seed: int) -> tuple[np.ndarray, str]:
    from album_app.albums import suggest_albums

    suggestion = suggest_albums(loaded.view, method=method, random_state=seed)
    return suggestion.labels, suggestion.method


def run_cli(root: Path, library: Path, method: str, paths: list[str], scanned: bool) -> tuple[np.ndarray, str]:
    """The real app: scan (once per library), cluster with a method, read the albums back."""
    app = [sys.executable, "-m", "album_app", "--library", str(library)]
    if not scanned:
        shutil.rmtree(library, ignore_errors=True)  # a fresh catalog per generated library
        subprocess.run([*app, "scan", str(root), "--quiet"], check=True, capture_output=True, text=True)
    done = subprocess.run([*app, "cluster", "--method", method, "--json"], check=True, capture_output=True, text=True)
    used = method
    with contextlib.suppress(json.JSONDecodeError, AttributeError):
        used = json.loads(done.stdout).get("method", method)
    listing = subprocess.run([*app, "albums", "--json"], check=True, capture_output=True, text=True)
    albums = json.loads(listing.stdout)
    where = {}
    for number, album in enumerate(albums.get("albums", [])):
        for photo in album["photos"]:
            where[str(Path(photo).resolve())] = number
    pred = np.array([where.get(str((root / p).resolve()), -1) for p in paths])
    return pred, used


def run_seed(seed: int, args: argparse.Namespace) -> list[dict]:
    root = OUT / f"lib-{seed}{'-friend' if args.friend else ''}"
    truth = make_event_library(root, seed=seed, n_events=args.events, friend=args.friend)
    loaded = load_view(root, truth, args.codes)
    rows = []
    n_events = len(truth["events"])
    for gap in (6, 24):
        rows.append(
            {
                "seed": seed,
                "method": f"time-gap {gap}h",
                **score(time_gap_baseline(loaded.view, gap), loaded.paths, truth),
            }
        )
    labels = content_kmeans_baseline(loaded.view, n_events, seed)
    rows.append({"seed": seed, "method": "content kmeans (true k)", **score(labels, loaded.paths, truth)})
    library = OUT / f"catalog-{seed}{'-friend' if args.friend else ''}"
    scanned = False
    for method in args.methods:
        begin = time.perf_counter()
        if args.direct or method not in USER_METHODS:
            pred, used = run_direct(loaded, method, seed)
            used = used if args.direct else f"{used}, direct"
        else:
            pred, used = run_cli(root, library, method, loaded.paths, scanned)
            scanned = True
        seconds = time.perf_counter() - begin
        name = method if used == method else f"{method} ({used})"
        rows.append({"seed": seed, "method": name, **score(pred, loaded.paths, truth), "seconds": seconds})
    for row in rows:
        row["codes"] = loaded.codes_from
        row["photos"] = len(loaded.paths)
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    keys = ("nmi", "ari", "stripped_placed", "stripped_wrong", "unrelated_out", "albums")
    by_method: dict[str, list[dict]] = {}
    for row in rows:
        by_method.setdefault(row["method"], []).append(row)
    out = []
    for method, group in by_method.items():
        entry = {"method": method, "seeds": len(group)}
        for key in keys:
            values = np.array([r[key] for r in group], float)
            entry[key] = float(values.mean())
            entry[f"{key}_min"] = float(values.min())
        out.append(entry)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--events", type=int, default=24)
    parser.add_argument("--friend", action="store_true")
    parser.add_argument("--direct", action="store_true", help="call suggest_albums instead of the CLI")
    parser.add_argument("--codes", choices=("auto", "encoder", "pixels"), default="auto")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    rows = []
    for seed in args.seeds:
        rows.extend(run_seed(seed, args))
    summary = summarise(rows)
    if args.json:
        json.dump(
            {"friend": args.friend, "direct": args.direct, "rows": rows, "summary": summary}, sys.stdout, indent=1
        )
        print()
        return 0
    codes = rows[0]["codes"] if rows else "?"
    print(
        f"albums quality, seeds {args.seeds}{' --friend' if args.friend else ''}, "
        f"{'direct' if args.direct else 'CLI'}, codes: {codes}, {rows[0]['photos'] if rows else 0} photos/seed"
    )
    print(
        f"{'method':28s} {'NMI':>6s} {'ARI':>6s} {'placed':>7s} {'wrong':>6s} {'unrel.out':>9s} {'albums':>6s}"
        "   (mean over seeds; min in brackets for NMI)"
    )
    for entry in summary:
        print(
            f"{entry['method']:28s} {entry['nmi']:6.3f} {entry['ari']:6.3f} {entry['stripped_placed']:7.2f} "
            f"{entry['stripped_wrong']:6.2f} {entry['unrelated_out']:9.2f} {entry['albums']:6.1f}"
            f"   [{entry['nmi_min']:.3f}]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
