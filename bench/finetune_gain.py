"""Does an overnight fit on the library's own photos place a friend's EXIF-less copies better? One run.

    python bench/finetune_gain.py [--seed 2] [--events 24] [--minutes 20] [--threads N] [--json]

Builds the ``--friend`` event library (bench/event_library.py: scenes with EXIF time and GPS, a fifth of
every event's shots replaced by another person's copy — other framing, mirrored, other colours,
softer, downscaled, recompressed, no EXIF — and a dozen unrelated photos), then through the real CLIs:
  1. ``album-app --library LIB scan DIR --quiet`` (embeds with the model in use: the bundled one);
  2. BEFORE: ``embeddings --out before.npz``, ``cluster --method auto --json``, ``albums --json``;
  3. ``album-trainer fit --library LIB --minutes N`` (its JSON lines are kept, the gate's verdict shown);
  4. AFTER: ``embeddings --out after.npz`` (re-embeds with the newly published model, if any), then
     ``cluster`` and ``albums`` again.
Scored against the generator's truth like bench/albums_quality.py: NMI and ARI over all photos, the share
of friend copies placed in their own event's album (and put in a wrong one), unrelated photos left out.
Targets: placed ≥ 0.6 with unrelated out ≥ 0.8, NMI not lower than before.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from albums_quality import run_cli, score  # noqa: E402
from event_library import make_event_library  # noqa: E402

OUT = REPO / "bench" / "out" / "finetune_gain"
KEYS = ("nmi", "ari", "stripped_placed", "stripped_wrong", "unrelated_out", "albums")


def trainer_command() -> list[str]:
    """`album-trainer`, as this checkout's Python runs it."""
    return [sys.executable, "-m", "trainer"]


def app(library: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "album_app", "--library", str(library), *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def measure(root: Path, library: Path, truth: dict, npz: Path) -> dict:
    """Re-embed with the active model, cluster with the app's default method, score the albums."""
    app(library, "embeddings", "--out", str(npz), "--quiet")
    model_id = str(np.load(npz)["model_id"])
    paths = sorted(truth["labels"])
    pred, method = run_cli(root, library, "auto", paths, scanned=True)
    return {"model": model_id, "method": method, **score(pred, paths, truth)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--events", type=int, default=24)
    parser.add_argument("--minutes", type=float, default=20.0, help="the fit's budget")
    parser.add_argument("--threads", type=int, help="passed to fit (default: fit's own, cores − 1)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    begin = time.perf_counter()
    root, library = args.out / f"photos-{args.seed}", args.out / f"library-{args.seed}"
    if library.exists():
        import shutil

        shutil.rmtree(library)
    truth = make_event_library(root, seed=args.seed, n_events=args.events, friend=True)
    app(library, "scan", str(root), "--quiet")
    before = measure(root, library, truth, args.out / "before.npz")

    fit_cmd = [*trainer_command(), "fit", "--library", str(library), "--minutes", str(args.minutes)]
    if args.threads:
        fit_cmd += ["--threads", str(args.threads)]
    started = time.perf_counter()
    done = subprocess.run(fit_cmd, capture_output=True, text=True, cwd=REPO)
    fit_s = time.perf_counter() - started
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    verdict = next((line for line in reversed(lines) if line["type"] in ("published", "refused", "error")), {})
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
    after = measure(root, library, truth, args.out / "after.npz")

    kinds: dict[str, int] = {}
    for photo in truth["photos"].values():
        kinds[photo["kind"]] = kinds.get(photo["kind"], 0) + 1
    trained = next((line for line in reversed(lines) if line["type"] == "done"), {})
    start = next((line for line in lines if line["type"] == "start"), {})
    held_out = next((line for line in lines if line["type"] == "held_out"), {})
    result = {
        "seed": args.seed,
        "photos": len(truth["labels"]),
        "kinds": kinds,
        "events": len(truth["events"]),
        "minutes": args.minutes,
        "command": " ".join(fit_cmd[1:]),
        "fit_exit": done.returncode,
        "fit_seconds": round(fit_s, 1),
        "fit_steps": trained.get("step"),
        "verdict": verdict.get("type"),
        "reason": verdict.get("reason") or verdict.get("message"),
        "start_weights": start.get("weights"),
        "gate": {"start": held_out.get("start"), **{k: verdict.get(k) for k in ("before", "after")}},
        "before": before,
        "after": after,
        "seconds": round(time.perf_counter() - begin, 1),
    }
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
        return 0
    print(
        f"finetune gain: event library seed {args.seed} --friend, {result['photos']} photos {kinds}, "
        f"{result['events']} events; fit {args.minutes:g} min ({result['fit_steps']} steps, {fit_s:.0f} s): "
        f"{result['verdict']}"
    )
    print(
        f"{'':8s} {'model':18s} {'NMI':>6s} {'ARI':>6s} {'placed':>7s} {'wrong':>6s} {'unrel.out':>9s} {'albums':>6s}"
    )
    for name, row in (("before", before), ("after", after)):
        print(
            f"{name:8s} {row['model']:18s} {row['nmi']:6.3f} {row['ari']:6.3f} {row['stripped_placed']:7.2f} "
            f"{row['stripped_wrong']:6.2f} {row['unrelated_out']:9.2f} {row['albums']:6d}"
        )
    gate = result["gate"]
    if gate["before"] and gate["after"]:
        print("fit's own gate (held-out EXIF photos as EXIF-less queries, plain + simulated friend copies):")
        for name in ("before", "start", "after"):
            g = gate[name]
            if not g:
                continue
            print(
                f"  {name:7s} score {g['score']:.3f}  placed {g['placed']:.3f} (friend {g['placed_friend']:.3f})  "
                f"wrong {g['wrong']:.3f}  NMI {g['nmi']:.3f}  ({g['queries']} queries, {g['anchors']} anchors)"
            )
    print(f"start weights: {result['start_weights']}")
    print(f"reason: {result['reason']}")
    print(
        f"targets: placed >= 0.60 [{after['stripped_placed']:.2f}], unrelated out >= 0.80 "
        f"[{after['unrelated_out']:.2f}], NMI not lower [{after['nmi']:.3f} vs {before['nmi']:.3f}]; "
        f"{result['seconds']:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
