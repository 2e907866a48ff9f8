"""How albums fit a phone roll shaped like a life: the real app, the peers' rules and the prototype, one run.

    python bench/camera_roll.py [--rolls 3] [--seed 0] [--quick] [--json] [--timing 100000] [--reuse]
                                [--app-root ../main]

Per roll (bench/roll_plan.py + roll_library.py: a person with a home and a move, 18 months of everyday
photos, gatherings, outings, trips, screenshots, downloads and a friend's copies; every range drawn per
person from the issue's description), this bench
  * runs the REAL CLI: ``album-app --library LIB scan ROLL``, ``cluster --json``, ``albums --json``;
  * computes the peers' rules on the same scanned photos (EXIF wall-clock times and GPS from the catalog):
    Shotwell (a new event after 4 h or once it spans 12 h), LibrePhotos (one 36 h gap), Nextcloud Journeys
    (home = the most frequent place; near home 6 h / 3 km, away 36 h / 50 km; groups under 5 dropped);
  * runs the prototype (album_app.albums.roll, not wired into the app yet) on the catalog's data, read-only;
and scores each (bench/roll_score.py). Peers do not name albums, so their name figures are "–".
``--quick``: 9-month rolls at 256 px (about half the photos). ``--variant``: one habit pushed beyond the
issue's ranges (a long commute, few photo days, a heavy shooter, a poor GPS, parties across town).
``--timing N`` also times the prototype on a planned roll of about N photos (arrays only, no pixels), beside
the app's suggest_albums on the same rows. ``--reuse`` keeps a roll and its scan from an earlier run.
Seeds: 0–4 were used while building the prototype; 100–104 were kept unseen for the final check.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from roll_library import write_roll  # noqa: E402
from roll_plan import VARIANTS  # noqa: E402
from roll_score import albums_from_labels, peer_labels, score_albums  # noqa: E402

OUT = BENCH / "out" / "camera_roll"
PEERS = ("shotwell", "librephotos", "nextcloud")
FIGURES = (
    ("f1_trip", "F1 trip", "{:.3f}"), ("f1_outing", "F1 outing", "{:.3f}"), ("f1_gathering", "F1 gath.", "{:.3f}"),
    ("events_found", "found", "{:.2f}"), ("everyday_in_events", "everyday in ev.", "{:.3f}"),
    ("screens_in_events", "screens in ev.", "{:.3f}"), ("chunks", "chunks", "{:.1f}"),
    ("trips_named", "trips named", "{:.2f}"), ("district_names", "district names", "{:.1f}"),
    ("friends_placed", "friends placed", "{:.2f}"), ("albums", "albums", "{:.0f}"), ("unsorted", "unsorted", "{:.2f}"),
)


def run_cli(library: Path, roll: Path, *, scan: bool = True, app_root: Path | None = None) -> list[dict]:
    app = [sys.executable, "-m", "album_app", "--library", str(library)]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    cwd = None
    if app_root is not None:  # measure another checkout's app (e.g. main) with this venv: it comes first
        env["PYTHONPATH"], cwd = str(app_root), str(app_root)
    options = {"check": True, "capture_output": True, "text": True, "env": env, "cwd": cwd}
    if scan:
        subprocess.run([*app, "scan", str(roll), "--quiet"], **options)
    subprocess.run([*app, "cluster", "--json"], **options)
    listing = subprocess.run([*app, "albums", "--json"], **options)
    albums = json.loads(listing.stdout)["albums"]
    return [{"name": a["name"], "kind": a.get("kind"), "photos": [_relative(p, roll) for p in a["photos"]]}
            for a in albums]


def _relative(path: str, root: Path) -> str:
    return str(Path(path).resolve().relative_to(root.resolve()))


def run_roll(seed: int, args: argparse.Namespace) -> dict:
    from roll_prototype import load_roll_view, prototype_albums

    folder = OUT / f"roll-{seed}{'-quick' if args.quick else ''}{'-' + args.variant if args.variant else ''}"
    begin = time.perf_counter()
    roll, library = folder / "roll", folder / "library"
    reuse = args.reuse and (folder / "truth.json").is_file() and (library / "catalog.db").is_file()
    if reuse:
        truth = json.loads((folder / "truth.json").read_text())
    else:
        truth = write_roll(folder, seed, months=9 if args.quick else 18, side=256 if args.quick else 320,
                           variant=args.variant)
    made = time.perf_counter() - begin
    begin = time.perf_counter()
    app = run_cli(library, roll, scan=not reuse, app_root=args.app_root)
    cli_s = time.perf_counter() - begin
    loaded = load_roll_view(library, roll)
    rows = {"app (CLI)": score_albums(app, truth)}
    local_h = loaded.view.local_ts / 3600.0
    for peer in PEERS:
        labels = peer_labels(peer, local_h, loaded.view.lat, loaded.view.lon)
        scored = score_albums(albums_from_labels(labels, loaded.paths), truth)
        scored["trips_named"] = scored["district_names"] = float("nan")
        rows[peer] = scored
    begin = time.perf_counter()
    proto = prototype_albums(loaded)
    proto_s = time.perf_counter() - begin
    rows["prototype"] = score_albums(proto, truth)
    homes = " → ".join(h["city"] for h in truth["homes"])
    return {"seed": seed, "photos": len(truth["photos"]), "events": len(truth["events"]), "homes": homes,
            "seconds": {"generate": made, "cli": cli_s, "prototype": proto_s}, "rows": rows,
            "prototype_albums": [{"name": a["name"], "kind": a["kind"], "count": len(a["photos"])} for a in proto],
            "app_albums": [{"name": a["name"], "count": len(a["photos"])} for a in app]}


def print_table(results: list[dict]) -> None:
    methods = list(results[0]["rows"])
    header = f"{'method':12s}" + "".join(f" {label:>15s}" for _, label, _ in FIGURES)
    for result in results:
        print(f"\nroll seed {result['seed']}: {result['photos']} files, {result['events']} events, homes "
              f"{result['homes']} (generate {result['seconds']['generate']:.0f} s, "
              f"CLI {result['seconds']['cli']:.0f} s, "
              f"prototype {result['seconds']['prototype']:.1f} s)")
        print(header)
        for method in methods:
            print(_line(method, result["rows"][method]))
    if len(results) > 1:
        print(f"\nmean over {len(results)} rolls (chunks and district names: total)")
        print(header)
        for method in methods:
            merged = {}
            for key, _, _ in FIGURES:
                values = np.array([r["rows"][method][key] for r in results], float)
                total = key in ("chunks", "district_names", "albums")
                merged[key] = float(np.nansum(values) if total and not np.isnan(values).all() else np.nanmean(values)) \
                    if not np.isnan(values).all() else float("nan")
            print(_line(method, merged))


def _line(method: str, row: dict) -> str:
    cells = []
    for key, _, fmt in FIGURES:
        value = row.get(key, float("nan"))
        cells.append(f" {'–' if value != value else fmt.format(value):>15s}")
    return f"{method:12s}" + "".join(cells)


def timing(n_photos: int) -> dict:
    """The prototype on a planned roll of about ``n_photos`` (arrays only), beside suggest_albums."""
    from roll_prototype import planned_view

    from album_app.albums import LibraryView, suggest_albums
    from album_app.albums.gazetteer import gazetteer
    from album_app.albums.roll import roll_albums

    view, count = planned_view(n_photos)
    gazetteer()  # loaded once per process (about a second), as in the app
    begin = time.perf_counter()
    result = roll_albums(view)
    proto = time.perf_counter() - begin
    library = LibraryView(np.arange(count), view.codes, view.taken_ts, view.hint_ts, view.lat, view.lon)
    begin = time.perf_counter()
    suggest_albums(library)
    app = time.perf_counter() - begin
    return {"photos": count, "prototype_s": proto, "app_suggest_s": app, "albums": len(result.albums)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rolls", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="first roll's seed; the rest follow")
    parser.add_argument("--quick", action="store_true", help="9-month rolls at 256 px")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse a roll and its scan left by an earlier run")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default=None,
                        help="push one habit beyond the issue's ranges (roll_plan.VARIANTS)")
    parser.add_argument("--app-root", type=Path, default=None,
                        help="run the CLI of another checkout (e.g. ../main) instead of this one's")
    parser.add_argument("--timing", type=int, default=0, metavar="N", help="also time the prototype on ~N photos")
    args = parser.parse_args(argv)
    started = datetime.now()
    results = [run_roll(args.seed + index, args) for index in range(args.rolls)]
    timed = timing(args.timing) if args.timing else None
    if args.json:
        json.dump({"results": results, "timing": timed, "quick": args.quick}, sys.stdout, indent=1, default=str)
        print()
        return 0
    print(f"camera rolls, seeds {args.seed}..{args.seed + args.rolls - 1}{' --quick' if args.quick else ''} "
          f"({(datetime.now() - started).total_seconds():.0f} s)")
    if results:
        print_table(results)
    if timed:
        print(f"\nprototype on {timed['photos']} planned photos: {timed['prototype_s']:.1f} s, "
              f"{timed['albums']} albums; the app's suggest_albums on the same rows: {timed['app_suggest_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
