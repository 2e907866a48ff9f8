"""Time and peak memory of each album method at 1k, 10k and 100k photos, and of an incremental add.

    python bench/cluster_scale.py [--sizes 1000 10000 100000] [--methods auto events affinity kmeans hdbscan]
                                  [--add 1000] [--timeout 600] [--json]

Synthetic libraries (no images): events over ten years in 200 places across Europe, each with a few
scenes whose 128-d codes scatter around 20 scene classes; 20% of photos without EXIF (most with a
messenger date a day later), 10% of timed photos without GPS, 1% unrelated photos with random codes.
Each (size, method) runs in its own subprocess, so that its peak resident memory (getrusage
ru_maxrss) is its own; the figure reported is that peak minus the resident memory just before the
call (the view itself and the imports are not counted). The incremental run builds albums for the
base library first (not timed), then times ``place_new`` for ``--add`` new photos (same mix).
Targets for the default method: 100k photos in <= 30 s and <= 2 GB; adding 1k to 100k in <= 2 s.
Machine noise (FIELD-NOTES): shared cores, steal time; the same timing can vary 2x.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from album_app.albums import METHODS  # noqa: E402


def synthetic_view(n: int, seed: int = 0, dim: int = 128):
    """A library of ~n photos with known structure (see the module docstring)."""
    from album_app.albums import LibraryView

    rng = np.random.default_rng(seed)
    places = np.column_stack([rng.uniform(36, 60, 200), rng.uniform(-9, 25, 200)])
    classes = rng.normal(0, 1, (20, dim)).astype(np.float32)
    n_unrelated = n // 100
    n_event_photos = n - n_unrelated
    per_event = 40
    n_events = max(1, n_event_photos // per_event)
    starts = np.sort(rng.uniform(0, 10 * 365 * 24, n_events))  # hours over ten years
    # keep events at least 3 days apart, as separate outings are
    starts = starts + np.arange(n_events) * 72.0
    sizes = rng.multinomial(n_event_photos - n_events, np.ones(n_events) / n_events) + 1
    event = np.repeat(np.arange(n_events), sizes)
    duration = rng.choice([3.0, 10.0, 60.0], n_events, p=[0.4, 0.4, 0.2])
    t_h = starts[event] + rng.uniform(0, 1, len(event)) * duration[event]
    place = rng.integers(0, len(places), n_events)
    lat = places[place[event], 0] + rng.normal(0, 0.02, len(event))
    lon = places[place[event], 1] + rng.normal(0, 0.02, len(event))
    # scenes: each event draws 2-6 scenes around one class; photos scatter around their scene
    event_class = rng.integers(0, len(classes), n_events)
    scene_of = rng.integers(0, 6, len(event))
    scene_centre = classes[event_class[event]] + 0.6 * _hash_noise(event * 8 + scene_of, dim, seed)
    codes = scene_centre + 0.25 * rng.normal(0, 1, (len(event), dim)).astype(np.float32)

    stripped = rng.random(len(event)) < 0.2
    no_gps = ~stripped & (rng.random(len(event)) < 0.1)
    taken = np.where(stripped, np.nan, t_h * 3600.0)
    hint = np.where(stripped & (rng.random(len(event)) < 0.8), (np.floor(t_h / 24) + 1) * 24 * 3600.0, np.nan)
    lat = np.where(stripped | no_gps, np.nan, lat)
    lon = np.where(stripped | no_gps, np.nan, lon)

    codes = np.vstack([codes, rng.normal(0, 1.5, (n_unrelated, dim)).astype(np.float32)])
    nan = np.full(n_unrelated, np.nan)
    view = LibraryView(
        np.arange(n, dtype=np.int64),
        codes.astype(np.float32),
        np.concatenate([taken, nan]),
        np.concatenate([hint, nan]),
        np.concatenate([lat, nan]),
        np.concatenate([lon, nan]),
    )
    return view


def _hash_noise(keys: np.ndarray, dim: int, seed: int) -> np.ndarray:
    """A fixed random vector per key (scene), without materialising a table for every possible key."""
    unique, inverse = np.unique(keys, return_inverse=True)
    table = np.random.default_rng(seed + 1).normal(0, 1, (len(unique), dim)).astype(np.float32)
    return table[inverse]


def _rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def worker(size: int, method: str, seed: int, add: int) -> dict:
    """One measurement, in this (fresh) process."""
    from album_app.albums import place_new, suggest_albums

    if method == "incremental":
        view = synthetic_view(size + add, seed)
        rng = np.random.default_rng(seed + 7)
        new = np.sort(rng.choice(len(view), add, replace=False))
        old = np.setdiff1d(np.arange(len(view)), new)
        base = suggest_albums(view.subset(old))
        labels = np.full(len(view), -1, np.int64)
        labels[old] = base.labels
        before = _rss_mb()
        begin = time.perf_counter()
        result = place_new(view, labels, new)
        seconds = time.perf_counter() - begin
        joined = int((result.labels[new] >= 0).sum())
        extra = {"joined": joined, "unchanged": bool(np.array_equal(result.labels[old], labels[old]))}
    else:
        view = synthetic_view(size, seed)
        before = _rss_mb()
        begin = time.perf_counter()
        result = suggest_albums(view, method=method, random_state=seed)
        seconds = time.perf_counter() - begin
        extra = {"albums": result.n_albums, "unsorted": int((result.labels < 0).sum()), "used": result.method}
    peak = _peak_mb()
    return {"size": size, "method": method, "seconds": seconds, "peak_mb": peak, "delta_mb": peak - before, **extra}


def measure(size: int, method: str, seed: int, add: int, timeout: float) -> dict:
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--sizes",
        str(size),
        "--methods",
        method,
        "--seed",
        str(seed),
        "--add",
        str(add),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"size": size, "method": method, "error": f"timeout after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"size": size, "method": method, "error": done.stderr.strip().splitlines()[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--add", type=int, default=1000, help="new photos for the incremental run (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.sizes[0], args.methods[0], args.seed, args.add)))
        return 0

    rows = []
    for size in args.sizes:
        for method in args.methods:
            rows.append(measure(size, method, args.seed, args.add, args.timeout))
            if not args.json:
                _print_row(rows[-1])
    if args.add:
        rows.append(measure(max(args.sizes), "incremental", args.seed, args.add, args.timeout))
        if not args.json:
            _print_row(rows[-1])
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0


def _print_row(row: dict) -> None:
    if "error" in row:
        print(f"{row['size']:>7d} {row['method']:12s} {row['error']}", flush=True)
        return
    detail = (
        f"+{row.get('joined', 0)} joined, old unchanged: {row['unchanged']}"
        if row["method"] == "incremental"
        else f"{row['albums']} albums, {row['unsorted']} unsorted ({row['used']})"
    )
    print(
        f"{row['size']:>7d} {row['method']:12s} {row['seconds']:8.2f} s  peak {row['peak_mb']:7.0f} MB  "
        f"(+{row['delta_mb']:.0f} MB)  {detail}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
