"""Albums shaped like a life at scale, through the service the CLI calls: a full clustering and `--new-only`.

    python bench/life_scale.py [--photos 100000] [--add 1000] [--json]

Builds a catalog straight through the catalog functions (no pixels, no scan) from a planned roll
(bench/roll_plan.py scaled up, as `camera_roll.py --timing`: a person with homes, everyday photos, events,
screenshots, downloads and a friend's copies; random codes), then times, each in its own subprocess so that
peak resident memory is its own (the whole process's peak: imports and the gazetteer included):
  * ``recluster(method="life")``: read the catalog, segment, reconcile, write placements, name every album;
  * ``update()`` after ``--add`` new photos (the last photos of the plan, held back: they extend the roll),
    the `cluster --new-only` path: in life mode the segmentation runs again over the whole roll (so the
    result is a full recluster's), but only placements that differ are written and only albums whose dated
    or placed photos changed are named again.
Targets (issue 14, as for the event clustering): 100k photos in <= 30 s and <= 2 GB; adding 1k photos at
100k in <= 2 s (not met yet: about 3.5 s on a quiet 2-core machine, mostly reading the catalog and placing
the EXIF-less copies, which depend on the whole library).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

MODEL_ID = "bench0000000000"


def build(root: Path, n_photos: int, hold_back: int) -> int:
    """A catalog of a planned roll of about ``n_photos``, without its last ``hold_back`` photos (written to
    ``root/held.npz`` for `add`). Returns the number of photos written."""
    from roll_prototype import planned_view

    view, count = planned_view(n_photos)
    order = np.argsort(np.where(np.isfinite(view.taken_ts), view.taken_ts, view.hint_ts), kind="stable")
    keep, held = order[: count - hold_back], order[count - hold_back:]
    _write(root, view, keep)
    np.save(root / "held.npy", held)
    return len(keep)


def add(root: Path, n_photos: int) -> int:
    from roll_prototype import planned_view

    view, _ = planned_view(n_photos)
    held = np.load(root / "held.npy")
    _write(root, view, held)
    return len(held)


def _write(root: Path, view: object, rows: np.ndarray) -> None:
    from album_app.catalog import Catalog
    from album_app.catalog.codes import register_model, set_active_model, store_codes
    from album_app.catalog.photos import IndexedFile, write_files
    from album_app.ingest.meta import PhotoMeta
    from album_app.library import resolve_library

    files = []
    for i in rows.tolist():
        taken = None
        if np.isfinite(view.taken_ts[i]):
            offset = timezone(timedelta(seconds=round(view.local_ts[i] - view.taken_ts[i])))
            taken = datetime.fromtimestamp(view.local_ts[i], UTC).replace(tzinfo=offset)
        hint = datetime.fromtimestamp(view.hint_ts[i], UTC).replace(tzinfo=None) if np.isfinite(view.hint_ts[i]) \
            else None
        camera = ("Google", "Pixel 7") if view.has_camera[i] and view.device[i] == 0 else \
            ("Fujifilm", "X100V") if view.has_camera[i] else (None, None)
        lat = float(view.lat[i]) if np.isfinite(view.lat[i]) else None
        lon = float(view.lon[i]) if np.isfinite(view.lon[i]) else None
        files.append(IndexedFile(
            path=f"/roll/{i // 1000:03d}/{i:06d}/{view.names[i]}", size=1_000_000, mtime_ns=i,
            content_hash=f"{i:032x}", format=view.formats[i],
            meta=PhotoMeta(taken_at=taken, time_hint=hint, time_hint_source="filename" if hint else None, lat=lat,
                           lon=lon, make=camera[0], model=camera[1]),
            width=int(view.width[i]), height=int(view.height[i])))
    with Catalog(resolve_library(root), writer=True) as catalog:
        for chunk in range(0, len(files), 20_000):
            write_files(catalog, files[chunk: chunk + 20_000], None)
        ids = {str(r[1]): int(r[0]) for r in catalog.conn.execute("SELECT id, path FROM photos")}
        register_model(catalog, MODEL_ID, "/bench/encoder.onnx", "bundled")
        set_active_model(catalog, MODEL_ID)
        pairs = [(ids[f.path], view.codes[i]) for f, i in zip(files, rows.tolist(), strict=True)]
        for chunk in range(0, len(pairs), 20_000):
            store_codes(catalog, MODEL_ID, pairs[chunk: chunk + 20_000])


def timed(root: Path, step: str) -> dict[str, float]:
    """One step in this process: seconds and the process's peak resident memory."""
    from album_app.albums.gazetteer import gazetteer
    from album_app.catalog import Catalog
    from album_app.library import resolve_library
    from album_app.services import clustering

    gazetteer()  # loaded once per process (about a second), as the window does at start
    with Catalog(resolve_library(root), writer=True) as catalog:
        begin = time.perf_counter()
        report = clustering.recluster(catalog, method="life") if step == "full" else clustering.update(catalog)
        seconds = time.perf_counter() - begin
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_mb": peak / 1024.0, "albums": report.albums,
            "photos": report.photos, "new": report.new_photos, "method": report.method}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--step", choices=("full", "update"), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        if args.step == "update":
            add(args.root, args.photos)
        print(json.dumps(timed(args.root, args.step)))
        return 0
    with tempfile.TemporaryDirectory(prefix="album_app-life-scale-") as temp:
        root = Path(temp) / "library"
        root.mkdir()
        begin = time.perf_counter()
        written = build(root, args.photos, args.add)
        results: dict[str, object] = {"photos": written, "build_s": time.perf_counter() - begin}
        for step in ("full", "update"):
            done = subprocess.run([sys.executable, __file__, "--step", step, "--root", str(root), "--photos",
                                   str(args.photos)], check=True, capture_output=True, text=True)
            results[step] = json.loads(done.stdout.strip().splitlines()[-1])
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    full, update = results["full"], results["update"]
    print(f"life albums at {results['photos']} photos (catalog built in {results['build_s']:.0f} s, not timed)")
    print(f"  full clustering (recluster, method life): {full['seconds']:.1f} s, {full['peak_mb']:.0f} MB, "
          f"{full['albums']} albums")
    print(f"  --new-only after {update['new']} new photos (update, {update['method']}): {update['seconds']:.1f} s, "
          f"{update['peak_mb']:.0f} MB, {update['albums']} albums")
    return 0


if __name__ == "__main__":
    sys.exit(main())
