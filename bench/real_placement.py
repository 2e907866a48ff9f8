"""Does a friend's EXIF-less copy of a real place land in the right album? Real photos, the real CLI, one run.

    nice -n 15 .venv/bin/python bench/real_placement.py [--seed 0] [--per-group 40] [--unrelated-groups 3]
                                                        [--months 8] [--fit-minutes 20 [--threads N]]
                                                        [--model PATH.onnx] [--out DIR] [--json]

Builds a library from real photos (issue 15, "Measured", first bullet):
  * the held-out groups of ../shared/data/photos-corpus (read from trainer/encoder/heldout_groups.json,
    key "held_out": the groups the default encoder never trained on), each capped at --per-group photos
    (a seeded sample), and the 29 places of ../shared/data/real-places-dev (2–5 photos of one place by
    different photographers). Each group or place is one true event;
  * per event, an owner's share (half; one photo for a place of two) is written with EXIF
    DateTimeOriginal (a day of its own, events spread over months, a few hours long) and GPS (a place of
    its own, > 80 km from every other event's), by event_library.exif_block as the other benches do;
  * the rest are a friend's copies: no EXIF, messenger names (``WhatsApp Images/IMG-20240312-WA0007.jpg``,
    whose date album_app/ingest/filename_dates.py reads as a weak prior), sent 0–2 days after the event;
  * --unrelated-groups held-out groups (a seeded split of the held-out list) enter only as EXIF-less
    photos (half with messenger names at random dates of the timeline, half as downloads with no date):
    they match no event and should stay Unsorted.
Then through the real CLI (as bench/albums_quality.py): ``album-app --library LIB scan DIR --quiet``,
``cluster --method auto --json``, ``albums --json``, and ``embeddings --out codes.npz`` for the codes.
``--model PATH.onnx`` runs the same library with another encoder, the supported way: the file is put in
LIB/models/ and ``album-trainer rollback --library LIB --to ID`` points the library at it before the scan
(e.g. the previous bundled one: ``git show 2c9e1ee:assets/encoder.onnx > /tmp/prev_encoder.onnx``).

Figures, overall and per set (corpus, real-places-dev: the product is measured on sets we don't have, so
each set's figure is reported, never tuned to one):
  * placed: share of friend's copies in the album whose majority (over all its photos) is their event;
  * wrong: share in an album whose majority is another event (or the unrelated photos);
  * unrelated kept out: share of unrelated photos not in any event's album.
Baselines in the same run on the same library: each friend copy (and unrelated photo) goes to the event of
its nearest owner photo by cosine of raw 32 px pixels, or of the model-in-use's codes; "+ date prior"
keeps only owner photos whose event the file-name date agrees with as the app's placement does
(album_app.albums.place: from HINT_EARLY_H before the event to HINT_LATE_H after it; no candidate left
= Unsorted; a photo without a date keeps all candidates). With 44 events over 8 months the date often
leaves one candidate event, so the prior does most of the work there; ``--months 2`` crowds the days.

``--fit-minutes M`` then runs ``album-trainer fit --library LIB --minutes M`` (from the model in use, gated by
its held-out proof), re-embeds, clusters again and adds the row "app after a M-min fit".

Targets (issue 15): the bundled model placed >= 0.60 with wrong <= 0.05 and unrelated kept out >= 0.9;
after a 20-minute fit on a clean checkout, placed >= 0.80.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from albums_quality import run_cli, score  # noqa: E402
from event_library import UNRELATED, exif_block  # noqa: E402
from finetune_gain import app, trainer_command  # noqa: E402  (the app's CLI, checked)
from roll_library import shared_data  # noqa: E402

from trainer.encoder.evaluate import held_out_groups  # noqa: E402  (torch-free: the one reader of the list)

DATA = shared_data()
CORPUS = DATA / "photos-corpus"
PLACES = DATA / "real-places-dev"
OUT = REPO / "bench" / "out" / "real_placement"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
CAMERA = ("Google", "Pixel 7")
FIRST_DAY = datetime(2024, 1, 8)
MIN_EVENT_KM = 80.0
SOURCES = ("corpus", "real-places-dev")
TARGETS = {"placed": 0.60, "wrong": 0.05, "unrelated_out": 0.9}


@dataclass
class Photo:
    path: str  # relative to the library root
    event: str  # event id, or UNRELATED
    kind: str  # exif (the owner's share) | friend | unrelated: albums_quality.score's kinds
    source: str  # corpus | real-places-dev
    origin: str  # the source file, relative to ../shared/data
    taken: str | None
    lat: float | None
    lon: float | None
    name_date: str | None


def require_data() -> None:
    for folder in (CORPUS, PLACES):
        if not folder.is_dir():
            raise SystemExit(f"needs the real photos at {folder} (../shared/data beside the repository)")


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _places(rng: np.random.Generator, count: int) -> list[tuple[float, float]]:
    """A place of its own per event: random points over Europe, every pair > MIN_EVENT_KM apart (GPS alone
    never merges two events; only the day and the look can)."""
    out: list[tuple[float, float]] = []
    while len(out) < count:
        point = (float(rng.uniform(36.0, 60.0)), float(rng.uniform(-9.0, 28.0)))
        if all(_km(point, other) > MIN_EVENT_KM for other in out):
            out.append(point)
    return out


def _clean(source: Path) -> Image.Image:
    """The photo upright and as plain RGB pixels: saving it then writes no EXIF, ICC or comment of the source."""
    with Image.open(source) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def make_real_library(
    root: Path,
    *,
    seed: int = 0,
    per_group: int = 40,
    unrelated_groups: int = 3,
    owner_share: float = 0.5,
    months: int = 8,
    groups: list[str] | None = None,
    places: list[str] | None = None,
) -> dict:
    """Write the library under ``root`` (emptied first); return its truth (also in root/truth.json).

    ``groups`` (default: the held-out list) and ``places`` (default: every folder of real-places-dev) let a
    test build a small one.
    """
    require_data()
    groups = held_out_groups() if groups is None else list(groups)
    # The unrelated groups come from a split of their own, so --per-group does not change which they are.
    split = np.random.default_rng([seed, 15])
    unrelated = sorted(str(g) for g in split.choice(groups, size=min(unrelated_groups, len(groups)), replace=False))
    place_names = sorted(p.name for p in PLACES.iterdir() if p.is_dir()) if places is None else list(places)
    rng = np.random.default_rng(seed)

    def sample(folder: Path) -> list[Path]:
        files = _images(folder)
        if len(files) > per_group:
            files = sorted(files[i] for i in rng.choice(len(files), size=per_group, replace=False))
        return files

    events = [("corpus", g, sample(CORPUS / g)) for g in groups if g not in unrelated]
    events += [("real-places-dev", p, sample(PLACES / p)) for p in place_names]
    events = [events[i] for i in rng.permutation(len(events))]  # corpus and places mixed along the timeline
    span = months * 30
    days = sorted(int(d) for d in rng.choice(span, size=len(events), replace=False))
    centres = _places(rng, len(events))

    if root.exists():
        shutil.rmtree(root)
    for folder in ("DCIM", "WhatsApp Images", "Downloads"):
        (root / folder).mkdir(parents=True)
    photos: list[Photo] = []
    info: dict[str, dict] = {}
    used: set[str] = set()
    wa = 0
    for index, ((source, group, files), day, centre) in enumerate(zip(events, days, centres, strict=True)):
        event_id = f"e{index:02d}"
        start = FIRST_DAY + timedelta(days=day, hours=float(rng.uniform(9.0, 15.0)))
        end = start + timedelta(hours=float(rng.uniform(2.0, 5.0)))
        order = rng.permutation(len(files))
        n_owner = max(1, min(len(files) - 1, int(len(files) * owner_share)))
        owners = sorted(order[:n_owner].tolist())
        times = sorted((start + (end - start) * float(u)).replace(microsecond=0) for u in rng.uniform(0, 1, n_owner))
        info[event_id] = {
            "source": source,
            "group": group,
            "start": times[0].isoformat(),
            "end": times[-1].isoformat(),
            "lat": centre[0],
            "lon": centre[1],
            "photos": len(files),
            "owners": n_owner,
        }
        origin_root = CORPUS if source == "corpus" else PLACES
        for slot, file in enumerate(files):
            origin = f"{origin_root.name}/{file.relative_to(origin_root)}"
            image = _clean(file)
            if slot in owners:
                when = times[owners.index(slot)]
                # Shots of one place lie within about a km of its centre.
                lat = centre[0] + float(rng.normal(0, 0.004))
                lon = centre[1] + float(rng.normal(0, 0.004))
                name = f"DCIM/IMG_{when:%Y%m%d_%H%M%S}.jpg"
                while name in used:  # two shots in one second: a burst suffix, as phones write
                    name = name.replace(".jpg", "_1.jpg")
                used.add(name)
                image.save(root / name, "JPEG", quality=90, exif=exif_block(when, (lat, lon), CAMERA))
                photos.append(Photo(name, event_id, "exif", source, origin, when.isoformat(), lat, lon, None))
            else:
                sent = start + timedelta(days=int(rng.integers(0, 3)))  # within a day or two of the event
                wa += 1
                name = f"WhatsApp Images/IMG-{sent:%Y%m%d}-WA{wa:04d}.jpg"
                image.save(root / name, "JPEG", quality=80)
                photos.append(Photo(name, event_id, "friend", source, origin, None, None, None, f"{sent:%Y-%m-%d}"))

    for group in unrelated:
        for slot, file in enumerate(sample(CORPUS / group)):
            image = _clean(file)
            origin = f"{CORPUS.name}/{file.relative_to(CORPUS)}"
            if slot % 2 == 0:
                sent = FIRST_DAY + timedelta(days=int(rng.integers(0, span)))
                wa += 1
                name, hint = f"WhatsApp Images/IMG-{sent:%Y%m%d}-WA{wa:04d}.jpg", f"{sent:%Y-%m-%d}"
            else:
                name, hint = f"Downloads/{file.stem}.jpg", None
            image.save(root / name, "JPEG", quality=85)
            photos.append(Photo(name, UNRELATED, "unrelated", "corpus", origin, None, None, None, hint))

    truth = {
        "seed": seed,
        "per_group": per_group,
        "unrelated_groups": unrelated,
        "labels": {p.path: p.event for p in photos},
        "photos": {p.path: {k: v for k, v in asdict(p).items() if k != "path"} for p in photos},
        "events": info,
    }
    (root / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False))
    return truth


# --- the app, through its CLI ---------------------------------------------------------------------------




def use_model(library: Path, model: Path) -> str:
    """Point a fresh library at ``model`` the way a person can: a file in LIB/models/ and
    ``album-trainer rollback --to ID`` (which re-checks it with the app's own contract reader)."""
    from album_app.models.encoder import read_contract

    model_id = read_contract(model).model_id
    (library / "models").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, library / "models" / f"{model_id}.onnx")
    subprocess.run(
        [sys.executable, "-m", "trainer", "rollback", "--library", str(library), "--to", model_id],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return model_id


def run_app(root: Path, library: Path, paths: list[str], model: Path | None) -> dict:
    """Scan, cluster (auto), read the albums and the codes back; the albums per photo (-1 = Unsorted)."""
    shutil.rmtree(library, ignore_errors=True)
    library.mkdir(parents=True)
    if model is not None:
        use_model(library, model)
    begin = time.perf_counter()
    app(library, "scan", str(root), "--quiet")
    scan_s = time.perf_counter() - begin
    begin = time.perf_counter()
    pred, method = run_cli(root, library, "auto", paths, scanned=True)
    cluster_s = time.perf_counter() - begin
    npz = library.parent / f"{library.name}-codes.npz"
    app(library, "embeddings", "--out", str(npz), "--quiet")
    stored = np.load(npz)
    row_of = {str(Path(p).resolve()): i for i, p in enumerate(stored["paths"].tolist())}
    missing = [p for p in paths if str((root / p).resolve()) not in row_of]
    if missing:
        raise SystemExit(f"the catalog has no codes for {len(missing)} photos, e.g. {missing[0]}")
    codes = stored["codes"][[row_of[str((root / p).resolve())] for p in paths]]
    return {
        "pred": pred,
        "method": method,
        "model_id": str(stored["model_id"]),
        "codes": np.asarray(codes, np.float64),
        "scan_s": scan_s,
        "cluster_s": cluster_s,
    }


# --- scoring --------------------------------------------------------------------------------------------


def album_events(pred: np.ndarray, labels: list[str]) -> dict[int, str]:
    """Each album's majority true label over all its photos (UNRELATED when unrelated photos dominate)."""
    members: dict[int, Counter] = {}
    for album, label in zip(pred.tolist(), labels, strict=True):
        if album >= 0:
            members.setdefault(album, Counter())[label] += 1
    return {album: votes.most_common(1)[0][0] for album, votes in members.items()}


def figures(assigned: list[str | None], truth: dict, paths: list[str]) -> dict[str, float | int]:
    """placed / wrong / unrelated kept out, overall and per source, for one event label per photo
    (None = Unsorted or an album that is no event's)."""
    photos = truth["photos"]
    out: dict[str, float | int] = {}
    for scope in ("all", *SOURCES):
        friends = [
            i for i, p in enumerate(paths) if photos[p]["kind"] == "friend" and scope in ("all", photos[p]["source"])
        ]
        placed = sum(1 for i in friends if assigned[i] == photos[paths[i]]["event"])
        wrong = sum(1 for i in friends if assigned[i] is not None and assigned[i] != photos[paths[i]]["event"])
        prefix = "" if scope == "all" else f"{scope}_"
        out[f"{prefix}placed"] = placed / max(len(friends), 1)
        out[f"{prefix}wrong"] = wrong / max(len(friends), 1)
        out[f"{prefix}friends"] = len(friends)
    unrelated = [i for i, p in enumerate(paths) if photos[p]["kind"] == "unrelated"]
    out["unrelated_out"] = sum(1 for i in unrelated if assigned[i] is None) / max(len(unrelated), 1)
    out["unrelated"] = len(unrelated)
    return out


def score_app(pred: np.ndarray, truth: dict, paths: list[str]) -> dict:
    labels = [truth["labels"][p] for p in paths]
    events_of = album_events(pred, labels)
    assigned = [None if a < 0 or events_of[a] == UNRELATED else events_of[a] for a in pred.tolist()]
    owners = [i for i, p in enumerate(paths) if truth["photos"][p]["kind"] == "exif"]
    together = sum(1 for i in owners if assigned[i] == labels[i]) / max(len(owners), 1)
    context = score(pred, paths, truth)  # albums_quality's NMI/ARI over all photos, for context
    return {
        **figures(assigned, truth, paths),
        "owners_in_own_album": together,
        "nmi": context["nmi"],
        "ari": context["ari"],
        "albums": context["albums"],
    }


def pixels32(root: Path, paths: list[str]) -> np.ndarray:
    """Raw pixels: the centre square at 32×32, RGB, as one vector per photo."""
    rows = []
    for rel in paths:
        with Image.open(root / rel) as image:
            image = image.convert("RGB")
            w, h = image.size
            side = min(w, h)
            box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
            rows.append(np.asarray(image.crop(box).resize((32, 32), Image.Resampling.BILINEAR), np.float64).ravel())
    return np.stack(rows)


def _hours(when: datetime) -> float:
    return (when - FIRST_DAY).total_seconds() / 3600.0


def hint_hours(root: Path, paths: list[str]) -> np.ndarray:
    """The file-name date as the app reads it (album_app.ingest.exif.read_meta), in hours; NaN when none."""
    from album_app.ingest.exif import read_meta

    out = np.full(len(paths), np.nan)
    for i, rel in enumerate(paths):
        meta = read_meta((root / rel).read_bytes(), Path(rel).name)
        if meta.time_hint is not None:
            out[i] = _hours(meta.time_hint.replace(tzinfo=None))
    return out


def nearest_owner(vectors: np.ndarray, truth: dict, paths: list[str], hints: np.ndarray | None) -> list[str | None]:
    """Each photo's event by its nearest owner photo (cosine); owners keep their own event. With ``hints``,
    only owner photos of events the file-name date agrees with are candidates (the app's window)."""
    from album_app.albums.place import HINT_EARLY_H, HINT_LATE_H

    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    owners = np.array([i for i, p in enumerate(paths) if truth["photos"][p]["kind"] == "exif"])
    owner_events = [truth["labels"][paths[i]] for i in owners]
    span = {e: (_hours(datetime.fromisoformat(d["start"])), _hours(datetime.fromisoformat(d["end"])))
            for e, d in truth["events"].items()}
    starts = np.array([span[e][0] for e in owner_events])
    ends = np.array([span[e][1] for e in owner_events])
    similarity = unit @ unit[owners].T
    out: list[str | None] = []
    for i, p in enumerate(paths):
        if truth["photos"][p]["kind"] == "exif":
            out.append(truth["labels"][p])
            continue
        allowed = np.ones(len(owners), bool)
        if hints is not None and not np.isnan(hints[i]):
            allowed = (hints[i] >= starts - HINT_EARLY_H) & (hints[i] <= ends + HINT_LATE_H)
        if not allowed.any():
            out.append(None)
            continue
        best = int(np.argmax(np.where(allowed, similarity[i], -np.inf)))
        out.append(owner_events[best])
    return out


# --- the run --------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict:
    begin = time.perf_counter()
    root = args.out / f"photos-{args.seed}-{args.per_group}-{args.months}m"
    tag = "bundled" if args.model is None else args.model.stem
    library = args.out / f"library-{args.seed}-{args.per_group}-{args.months}m-{tag}"
    truth = make_real_library(
        root, seed=args.seed, per_group=args.per_group, unrelated_groups=args.unrelated_groups, months=args.months
    )
    build_s = time.perf_counter() - begin
    paths = sorted(truth["labels"])
    ran = run_app(root, library, paths, args.model)
    hints = hint_hours(root, paths)
    raw = pixels32(root, paths)
    rows = {f"app (auto: {ran['method']})": score_app(ran["pred"], truth, paths)}
    for name, vectors in (("pixels 32px 1-NN", raw), (f"codes 1-NN ({ran['model_id']})", ran["codes"])):
        rows[name] = figures(nearest_owner(vectors, truth, paths, None), truth, paths)
        rows[f"{name} + date prior"] = figures(nearest_owner(vectors, truth, paths, hints), truth, paths)
    fit = None
    if args.fit_minutes:
        fit = fit_library(library, args.fit_minutes, args.threads)
        fitted, _ = run_cli(root, library, "auto", paths, scanned=True)
        rows[f"app after a {args.fit_minutes:g}-min fit ({fit['verdict']})"] = score_app(fitted, truth, paths)
    kinds = Counter(p["kind"] for p in truth["photos"].values())
    sources = Counter(e["source"] for e in truth["events"].values())
    app_row = next(iter(rows.values()))
    return {
        "seed": args.seed,
        "per_group": args.per_group,
        "months": args.months,
        "model": str(args.model) if args.model else "bundled",
        "model_id": ran["model_id"],
        "method": ran["method"],
        "photos": len(paths),
        "kinds": dict(kinds),
        "events": dict(sources),
        "unrelated_groups": truth["unrelated_groups"],
        "library": str(root),
        "fit": fit,
        "rows": rows,
        "targets": TARGETS,
        "meets_targets": app_row["placed"] >= TARGETS["placed"]
        and app_row["wrong"] <= TARGETS["wrong"]
        and app_row["unrelated_out"] >= TARGETS["unrelated_out"],
        "seconds": {
            "build": round(build_s, 1),
            "scan": round(ran["scan_s"], 1),
            "cluster": round(ran["cluster_s"], 1),
            "all": round(time.perf_counter() - begin, 1),
        },
    }


def fit_library(library: Path, minutes: float, threads: int | None) -> dict:
    """``album-trainer fit --library LIB --minutes M`` as a person runs it overnight (from the model in use),
    then ``embeddings`` so that the library's codes are the published model's, if the gate published one."""
    command = [*trainer_command(), "fit", "--library", str(library), "--minutes", str(minutes)]
    if threads:
        command += ["--threads", str(threads)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    verdict = next((line for line in reversed(lines) if line["type"] in ("published", "refused", "error")), {})
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
    app(library, "embeddings", "--out", str(library.parent / f"{library.name}-fitted.npz"), "--quiet")
    trained = next((line for line in reversed(lines) if line["type"] == "done"), {})
    return {
        "command": " ".join(command[1:]),
        "exit": done.returncode,
        "seconds": round(time.perf_counter() - started, 1),
        "steps": trained.get("step"),
        "verdict": verdict.get("type", "no verdict"),
        "reason": verdict.get("reason") or verdict.get("message"),
        "gate": {k: verdict.get(k) for k in ("before", "after")},
    }


def print_table(result: dict) -> None:
    kinds = result["kinds"]
    print(
        f"real placement: seed {result['seed']}, ≤{result['per_group']} photos a group, {result['photos']} photos "
        f"({kinds.get('exif', 0)} owner's, {kinds.get('friend', 0)} friend's copies, {kinds.get('unrelated', 0)} "
        f"unrelated); events {result['events']}; unrelated groups {', '.join(result['unrelated_groups'])}"
    )
    print(f"model {result['model_id']} ({result['model']}); cluster --method auto chose {result['method']}")
    head = f"{'':44s} {'placed':>7s} {'wrong':>6s} {'unrel.out':>9s}   {'corpus pl/wr':>13s}   {'places pl/wr':>13s}"
    print(head)
    for name, row in result["rows"].items():
        print(
            f"{name:44s} {row['placed']:7.3f} {row['wrong']:6.3f} {row['unrelated_out']:9.3f}   "
            f"{row['corpus_placed']:6.3f}/{row['corpus_wrong']:.3f}   "
            f"{row['real-places-dev_placed']:6.3f}/{row['real-places-dev_wrong']:.3f}"
        )
    app_row = next(iter(result["rows"].values()))
    print(
        f"friend's copies: {app_row['friends']} ({app_row['corpus_friends']} corpus, "
        f"{app_row['real-places-dev_friends']} real-places-dev); unrelated {app_row['unrelated']}; app: "
        f"{app_row['albums']} albums, NMI {app_row['nmi']:.3f}, "
        f"owners in their own album {app_row['owners_in_own_album']:.3f}"
    )
    t = TARGETS
    print(
        f"targets: placed >= {t['placed']:.2f} [{app_row['placed']:.3f}], wrong <= {t['wrong']:.2f} "
        f"[{app_row['wrong']:.3f}], unrelated kept out >= {t['unrelated_out']:.1f} [{app_row['unrelated_out']:.3f}]: "
        f"{'met' if result['meets_targets'] else 'not met'}; seconds {result['seconds']}"
    )
    if result["fit"]:
        fit = result["fit"]
        print(
            f"fit: {fit['command']} -> {fit['verdict']} after {fit['steps']} steps, {fit['seconds']:.0f} s "
            f"({fit['reason']})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-group", type=int, default=40, help="cap on photos per corpus group (seeded sample)")
    parser.add_argument("--unrelated-groups", type=int, default=3, help="held-out groups that enter as unrelated")
    parser.add_argument("--months", type=int, default=8, help="the timeline the events' days are drawn from")
    parser.add_argument("--model", type=Path, help="an encoder .onnx to use instead of the bundled one")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--fit-minutes", type=float, help="then fit the library this long and measure again")
    parser.add_argument("--threads", type=int, help="the fit's threads (default: fit's own, cores − 1)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    require_data()
    if args.model is not None:
        args.model = args.model.resolve()
    result = measure(args)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
