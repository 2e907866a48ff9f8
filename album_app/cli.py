"""The command line: subcommands over the core, no logic of their own.

Exit codes: 0 success (skipped files are not failures), 1 an error the person can fix
(message on stderr), 2 a bad argument, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from album_app import __version__
from album_app.albums import USER_METHODS
from album_app.catalog import Catalog, CatalogError
from album_app.catalog.store import catalog_error
from album_app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from album_app.library import LibraryPaths, resolve_library
from album_app.services.settings import ALBUM_MODELS_CHOICES, IMBALANCE_RATIO

if TYPE_CHECKING:  # imported where used: onnxruntime is slow to load
    from album_app.models.rotation import RotationModel

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Command, str]] = {}


class UserError(Exception):
    """A problem the person can fix; printed without a traceback."""


def command(name: str, help_text: str) -> Callable[[Command], Command]:
    def register(function: Command) -> Command:
        COMMANDS[name] = (function, help_text)
        return function

    return register


def open_catalog(args: argparse.Namespace, *, writer: bool) -> Catalog:
    return Catalog(resolve_library(args.library), writer=writer)


def print_json(value: object) -> None:
    from album_app.ingest.names import escape_surrogates

    # A path that is not UTF-8 holds lone surrogates: written as \udcXX escapes, Python's json reads it back.
    sys.stdout.write(escape_surrogates(json.dumps(value, indent=2, ensure_ascii=False, default=str)))
    sys.stdout.write("\n")


def warn(message: str) -> None:
    print(f"album-app: {message}", file=sys.stderr)


# -- commands -------------------------------------------------------------------------------------


@command("scan", "index photo folders (incremental); progress on stderr")
def cmd_scan(args: argparse.Namespace) -> int:
    from album_app.ingest.reembed import embed_pending
    from album_app.ingest.scan import ScanError, scan
    from album_app.progress import CancelToken, StderrProgress

    cancel = CancelToken()
    show = None if args.quiet else StderrProgress()
    with open_catalog(args, writer=True) as catalog:
        encoder = None
        if not args.no_embed:
            from album_app.models.active import open_active_encoder

            encoder, warnings = open_active_encoder(catalog)
            for message in warnings:
                warn(message)
        try:
            summary = scan(catalog, args.folders, encoder, workers=args.workers, progress=show, cancel=cancel)
            if encoder is not None and not summary.cancelled:
                summary.embedded += embed_pending(catalog, encoder, progress=show, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
            raise
        except ScanError as error:
            raise UserError(str(error)) from error
    if args.json:
        print_json(summary.as_dict())
    else:
        print(
            f"{summary.found} files: {summary.indexed} indexed, {summary.skipped} skipped, "
            f"{summary.unchanged} unchanged, {summary.missing} missing; {summary.seconds:.1f} s"
        )
        if summary.still_skipped:
            print(f"  {summary.still_skipped} of the unchanged files were skipped before (reasons below)")
        if summary.parts:
            print(f"  {summary.parts} files are parts of other items (Live Photo videos, RAW+JPEG pairs, copies)")
        if summary.unreadable:
            print(f"  {summary.unreadable} known photos could not be read now: kept as they were, read again next scan")
        for folder in summary.excluded_folders:
            print(f"  not scanned: {folder['path']} ({folder['why']})")
        for reason, count in sorted(summary.skip_reasons.items(), key=lambda item: -item[1]):
            print(f"  skipped {count}: {reason}")
    if summary.cancelled:
        warn("scan interrupted; run it again to resume")
        return EXIT_INTERRUPTED
    return EXIT_OK


@command("photos", "list photos with their time, place and camera")
def cmd_photos(args: argparse.Namespace) -> int:
    from album_app.catalog.photos import photo_records

    with open_catalog(args, writer=False) as catalog:
        records = photo_records(catalog, args.status)
    fields = ("path", "display_path", "status", "skip_reason", "media_kind", "taken_at", "time_source", "time_hint",
              "time_hint_source", "lat", "lon", "alt", "camera", "width", "height", "orientation", "format",
              "duration_s", "rating", "keywords", "parts", "part_of", "part_kind", "content_id", "motion_offset",
              "motion_length", "sidecar", "content_hash")
    rows = [{key: record.get(key) for key in fields} for record in records]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        when = row["taken_at"] or (f"~{row['time_hint']} ({row['time_hint_source']})" if row["time_hint"] else "-")
        place = f"{row['lat']:.5f},{row['lon']:.5f}" if row["lat"] is not None else "-"
        extra = f"  [{row['skip_reason']}]" if row["skip_reason"] else ""
        kind = f" [video {row['duration_s']:.1f} s]" if row["media_kind"] == "video" and row["duration_s"] else ""
        print(f"{row['status']:8} {when:32} {place:22} {row['display_path']}{kind}{extra}")
    return EXIT_OK


@command("status", "catalog path, counts by status, model in use")
def cmd_status(args: argparse.Namespace) -> int:
    from album_app.catalog.codes import active_model
    from album_app.catalog.photos import STATUSES, status_counts

    with open_catalog(args, writer=False) as catalog:
        counts = status_counts(catalog)
        model = active_model(catalog)
        info = {
            "catalog": str(catalog.paths.catalog),
            "schema_version": catalog.schema_version(),
            "counts": {status: counts.get(status, 0) for status in STATUSES},
            "model": {"id": model.id, "path": model.path, "source": model.source} if model else None,
        }
    if args.json:
        print_json(info)
    else:
        counts_text = ", ".join(f"{count} {status}" for status, count in info["counts"].items())
        print(f"catalog: {info['catalog']}\nphotos: {counts_text}")
        print(f"model: {model.id} ({model.source}, {model.path})" if model else "model: none yet")
    return EXIT_OK


@command("embeddings", "write paths, codes and model id to an .npz file")
def cmd_embeddings(args: argparse.Namespace) -> int:
    import numpy as np

    from album_app.catalog.codes import load_codes
    from album_app.catalog.photos import photo_records
    from album_app.ingest.reembed import embed_pending
    from album_app.models.active import open_active_encoder
    from album_app.models.encoder import ModelError

    override = Path(args.model) if args.model else None
    with open_catalog(args, writer=True) as catalog:
        try:
            encoder, warnings = open_active_encoder(catalog, override, activate=override is None)
        except ModelError as error:
            raise UserError(f"{error}; no codes written") from error
        for message in warnings:
            warn(message)
        embed_pending(catalog, encoder, progress=None if args.quiet else _stderr_progress())
        ids, codes = load_codes(catalog, encoder.model_id)
        paths_by_id = {record["id"]: record["path"] for record in photo_records(catalog, "indexed")}
    paths = np.array([paths_by_id[i] for i in ids], dtype=str)
    np.savez(args.out, paths=paths, codes=codes, model_id=np.array(encoder.model_id))
    print(f"{len(ids)} codes from model {encoder.model_id} written to {args.out}")
    return EXIT_OK


@command("cluster", "suggest albums (keeps every edit you made)")
def cmd_cluster(args: argparse.Namespace) -> int:
    from album_app.services import clustering as service
    from album_app.services import settings

    with open_catalog(args, writer=True) as catalog:
        if args.album_models:
            catalog.set_setting(settings.ALBUM_MODELS_KEY, args.album_models)
        weights = settings.load_weights(catalog)
        if any(w is not None for w in (args.content_weight, args.time_weight, args.place_weight)):
            from dataclasses import replace

            weights = replace(
                weights,
                **{key: value for key, value in (("content", args.content_weight), ("time", args.time_weight),
                                                  ("place", args.place_weight)) if value is not None},
            )
            settings.save_weights(catalog, weights)
        if args.new_only:
            report = service.update(catalog, weights=weights)
        else:
            report = service.recluster(catalog, method=args.method, k=args.k, weights=weights)
    if args.json:
        print_json(report.__dict__)
    else:
        print(f"{report.albums} albums, {report.unsorted} photos unsorted ({report.method}, {report.photos} photos)")
    return EXIT_OK


def album_records(catalog: Catalog) -> dict[str, object]:
    from album_app.catalog import albums as rows

    paths = rows.photo_paths(catalog)
    albums = []
    for album in rows.load_albums(catalog, include_rejected=False):
        albums.append({
            "id": album.id, "name": album.display_name, "photos": [paths[p] for p in album.members],
            "start": album.start_at, "end": album.end_at, "place": album.place, "locked": album.locked,
            "suggested": not album.touched, "count": len(album.members),
        })
    return {"albums": albums, "unsorted": [paths[p] for p in rows.unsorted_photo_ids(catalog)]}


@command("albums", "list albums and their photos")
def cmd_albums(args: argparse.Namespace) -> int:
    with open_catalog(args, writer=False) as catalog:
        records = album_records(catalog)
    if args.json:
        print_json(records)
        return EXIT_OK
    for album in records["albums"]:  # type: ignore[union-attr]
        mark = "accepted" if album["locked"] else ("edited" if not album["suggested"] else "suggested")
        print(f"{album['id']:5}  {album['name']}  ({album['count']} photos, {mark})")
    print(f"       Unsorted  ({len(records['unsorted'])} photos)")  # type: ignore[arg-type]
    return EXIT_OK


@command("stacks", "list bursts and near-duplicates shown as one photo (nothing is changed)")
def cmd_stacks(args: argparse.Namespace) -> int:
    from album_app.catalog import albums as rows
    from album_app.services.stacks import describe, library_stacks, stack_record

    with open_catalog(args, writer=False) as catalog:
        found = library_stacks(catalog)
        if not found.fingerprint:
            raise UserError("No photos have been embedded yet: scan a folder first (album-app scan FOLDER).")
        live = rows.load_albums(catalog, include_rejected=False)
        album_of: dict[int, int | None] = {p: a.id for a in live for p in a.members}
        if args.album is None:
            stacks = list(found.stacks)
        else:
            album = next((a for a in live if a.id == args.album), None)
            if album is None:
                raise UserError(f"There is no album {args.album} (album-app albums lists them).")
            stacks = found.in_album(album.members)
        paths = rows.photo_paths(catalog, [p for s in stacks for p in s.photo_ids])
    records = [stack_record(s, paths, album_of) for s in stacks]
    if args.json:
        print_json(records)
        return EXIT_OK
    for stack, record in zip(stacks, records, strict=True):
        where = f"album {record['album']}" if record["album"] is not None else "Unsorted"
        print(f"{describe(stack)} ({where}), cover {record['cover']}")
        for path in record["photos"]:  # type: ignore[attr-defined]
            print(f"    {path}")
    photos = sum(s.size for s in stacks)
    print(f"{len(stacks)} stacks hold {photos} photos; each shows as one photo in the window")
    return EXIT_OK


def _photo_id(catalog: Catalog, path: str) -> int:
    import os

    from album_app.catalog import albums as rows

    photo_id = rows.photo_id_for_path(catalog, os.path.abspath(os.path.expanduser(path)))
    if photo_id is None:
        raise UserError(f"{path} is not in the catalog (scan its folder first).")
    return photo_id


def _edit(args: argparse.Namespace, action: Callable[[Catalog], object], done: str) -> int:
    from album_app.services.edits import EditError

    with open_catalog(args, writer=True) as catalog:
        try:
            result = action(catalog)
        except EditError as error:
            raise UserError(str(error)) from error
    print(done.format(result=result))
    return EXIT_OK


@command("rename", "rename an album")
def cmd_rename(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return _edit(args, lambda c: edits.rename(c, args.id, args.name), f"renamed album {args.id}")


@command("merge", "merge albums into the first one")
def cmd_merge(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return _edit(args, lambda c: edits.merge(c, args.ids), "merged into album {result}")


@command("split", "move photos of an album into a new album")
def cmd_split(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return _edit(args, lambda c: edits.split(c, args.id, [_photo_id(c, p) for p in args.photos]),
                 "new album {result}")


@command("move", "move a photo into an album")
def cmd_move(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return _edit(args, lambda c: edits.move(c, _photo_id(c, args.photo), args.id), f"moved to album {args.id}")


@command("remove", "take a photo out of an album (it will not come back)")
def cmd_remove(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return _edit(args, lambda c: edits.remove(c, _photo_id(c, args.photo), args.id), f"removed from album {args.id}")


@command("reject", "reject a suggested album (it will not be suggested again)")
def cmd_reject(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return _edit(args, lambda c: edits.reject(c, args.id), f"rejected album {args.id}")


@command("lock", "accept an album: its photos stay in it")
def cmd_lock(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return _edit(args, lambda c: edits.lock(c, args.id, not args.unlock),
                 f"{'unlocked' if args.unlock else 'locked'} album {args.id}")


@command("undo", "undo the last edit")
def cmd_undo(args: argparse.Namespace) -> int:
    from album_app.services import edits

    with open_catalog(args, writer=True) as catalog:
        edit = edits.undo(catalog) if args.command == "undo" else edits.redo(catalog)
    if edit is None:
        print(f"nothing to {args.command}")
    else:
        print(f"{args.command}: {edit.kind} {json.dumps(edit.payload)}")
    return EXIT_OK


COMMANDS["redo"] = (cmd_undo, "redo the last undone edit")


@command("export", "write albums to folders (links or copies; originals untouched)")
def cmd_export(args: argparse.Namespace) -> int:
    from album_app.services.export import UNSORTED, ExportAlbum, ExportError, export
    from album_app.services.export_items import export_parts

    turns: dict[str, int] | None = None
    if args.turn_suggested:
        from album_app.services.rotations import export_turns

        library = resolve_library(args.library)
        model = _rotation_model(library, announce=False)
        writer: Catalog | None = None
        if library.catalog.exists():  # no catalog: the reader says so (a writer would make an empty one)
            # A writer keeps what the rotation model looks at for next time; when the window has the library
            # open (or it is read-only), a reader: photos not looked at yet are looked at for this export only.
            with contextlib.suppress(CatalogError):
                writer = Catalog(library, writer=True)
        with writer or Catalog(library, writer=False) as catalog:
            turns = export_turns(catalog, model, progress=None if args.json else _stderr_progress())
            records = album_records(catalog)
            parts = export_parts(catalog, with_raw=args.with_raw)
    else:
        with open_catalog(args, writer=False) as catalog:
            records = album_records(catalog)
            parts = export_parts(catalog, with_raw=args.with_raw)
    albums = [ExportAlbum(a["id"], a["name"], a["photos"]) for a in records["albums"]]  # type: ignore[index,union-attr]
    if not args.no_unsorted:
        albums.append(ExportAlbum(None, UNSORTED, list(records["unsorted"])))  # type: ignore[arg-type]
    try:
        report = export(albums, Path(args.dest), args.mode, turns=turns, parts=parts)
    except ExportError as error:
        raise UserError(str(error)) from error
    for line in report.problem_lines(more="all are listed by `export --json`"):
        warn(line)
    if args.json:
        print_json(report.__dict__)
    else:
        print(
            f"{report.destination}: {report.written} written, {report.kept} already there, "
            f"{report.moved} moved, {report.removed} removed ({report.mode})"
        )
        if report.parts:
            print(f"including {report.parts} files that go with an item (Live Photo videos, RAW files beside JPEGs)")
        if turns is not None:
            print(f"{report.turned} turned upright (copies; the originals are unchanged)")
    return EXIT_ERROR if report.failed else EXIT_OK


@command("rotations", "suggest turns for photos that look sideways (the files are never changed)")
def cmd_rotations(args: argparse.Namespace) -> int:
    from album_app.catalog import extras
    from album_app.catalog.albums import photo_paths
    from album_app.services.rotations import update_suggestions

    library = resolve_library(args.library)
    model = _rotation_model(library, announce=not args.json)
    with Catalog(library, writer=True) as catalog:
        update_suggestions(catalog, model)
        suggested = extras.suggested_rotations(catalog, model.model_id)
        paths = photo_paths(catalog, [r.photo_id for r in suggested])
    records = [
        {"path": paths[r.photo_id], "quarter_turns": r.quarter_turns, "confidence": round(r.confidence, 3)}
        for r in suggested
    ]
    if args.json:
        print_json(records)
    else:
        for record in records:
            turn = 90 * int(record["quarter_turns"])  # type: ignore[call-overload]
            print(f"{record['path']}: turn {turn}° clockwise ({record['confidence']:.0%} sure)")
    return EXIT_OK


def _rotation_model(library: LibraryPaths, *, announce: bool) -> RotationModel:
    """The library's own rotation model (album-trainer rotation --library) when it has a readable one, else
    the bundled one; why the library's own was passed over, and (``announce``) which one, on stderr."""
    from album_app.models.rotation import RotationModel, RotationModelError

    try:
        model, notes = RotationModel.for_library(library)
    except RotationModelError as error:
        raise UserError(str(error)) from error
    for message in notes:
        warn(message)
    if announce:
        source = "bundled" if model.bundled else f"this library's own, {model.path}"
        print(f"album-app: rotation model {model.model_id} ({source})", file=sys.stderr)
    return model


def _stderr_progress() -> Callable[..., None]:
    from album_app.progress import StderrProgress

    return StderrProgress()


# -- parsing ----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", metavar="PATH", default=argparse.SUPPRESS,
                        help="library folder or catalog file (default: $ALBUM_APP_LIBRARY, else your data folder)")
    parser = argparse.ArgumentParser(
        prog="album-app", parents=[common],
        description="Turn photo folders into albums, on your own machine. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"album-app {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser("scan", parents=[common], help=COMMANDS["scan"][1])
    scan.add_argument("folders", nargs="+", metavar="FOLDER")
    scan.add_argument("--json", action="store_true", help="print the summary as JSON")
    scan.add_argument("--workers", type=int, default=None, help="decoder processes (default: one per core)")
    scan.add_argument("--no-embed", action="store_true", help="index only; embed later")
    scan.add_argument("--quiet", action="store_true", help="no progress on stderr")

    photos = commands.add_parser("photos", parents=[common], help=COMMANDS["photos"][1])
    photos.add_argument("--json", action="store_true")
    photos.add_argument("--status", choices=("indexed", "skipped", "missing"))

    status = commands.add_parser("status", parents=[common], help=COMMANDS["status"][1])
    status.add_argument("--json", action="store_true")

    embeddings = commands.add_parser("embeddings", parents=[common], help=COMMANDS["embeddings"][1])
    embeddings.add_argument("--out", required=True, metavar="FILE.npz")
    embeddings.add_argument("--model", metavar="MODEL.onnx", help="embed with this model instead of the one in use")
    embeddings.add_argument("--quiet", action="store_true")

    cluster = commands.add_parser("cluster", parents=[common], help=COMMANDS["cluster"][1])
    cluster.add_argument("--method", choices=USER_METHODS, default="auto")
    cluster.add_argument("--k", type=int, help="number of albums for kmeans (default: chosen automatically)")
    cluster.add_argument("--new-only", action="store_true", help="only place photos not clustered yet")
    for name in ("content", "time", "place"):
        cluster.add_argument(f"--{name}-weight", type=float, help=f"weight of {name} (saved for next time)")
    cluster.add_argument("--album-models", choices=ALBUM_MODELS_CHOICES,
                         help="let accepted albums' own models place photos the nearest rule left out (saved; "
                         f"auto: when accepted albums differ {IMBALANCE_RATIO:g}:1 or more in size)")
    cluster.add_argument("--json", action="store_true")

    rotations = commands.add_parser("rotations", parents=[common], help=COMMANDS["rotations"][1])
    rotations.add_argument("--json", action="store_true")

    albums = commands.add_parser("albums", parents=[common], help=COMMANDS["albums"][1])
    albums.add_argument("--json", action="store_true")

    stacks = commands.add_parser("stacks", parents=[common], help=COMMANDS["stacks"][1])
    stacks.add_argument("--album", type=int, metavar="ID", help="only the stacks as this album shows them")
    stacks.add_argument("--json", action="store_true")

    rename = commands.add_parser("rename", parents=[common], help=COMMANDS["rename"][1])
    rename.add_argument("id", type=int)
    rename.add_argument("name")
    merge = commands.add_parser("merge", parents=[common], help=COMMANDS["merge"][1])
    merge.add_argument("ids", type=int, nargs="+", metavar="ID")
    split = commands.add_parser("split", parents=[common], help=COMMANDS["split"][1])
    split.add_argument("id", type=int)
    split.add_argument("photos", nargs="+", metavar="PHOTO")
    for name in ("move", "remove"):
        sub = commands.add_parser(name, parents=[common], help=COMMANDS[name][1])
        sub.add_argument("photo", metavar="PHOTO")
        sub.add_argument("id", type=int)
    for name in ("reject", "lock"):
        sub = commands.add_parser(name, parents=[common], help=COMMANDS[name][1])
        sub.add_argument("id", type=int)
    sub.add_argument("--unlock", action="store_true", help="take the acceptance back")
    for name in ("undo", "redo"):
        commands.add_parser(name, parents=[common], help=COMMANDS[name][1])

    export = commands.add_parser("export", parents=[common], help=COMMANDS["export"][1])
    export.add_argument("dest", metavar="DEST")
    export.add_argument("--mode", choices=("symlink", "hardlink", "copy"), default="symlink")
    export.add_argument("--no-unsorted", action="store_true", help="leave out the Unsorted folder")
    export.add_argument(
        "--turn-suggested",
        action="store_true",
        help="write a turned copy of each photo the app thinks is sideways (see `rotations`); originals untouched",
    )
    export.add_argument(
        "--with-raw",
        action="store_true",
        help="also export the RAW file beside each RAW+JPEG pair's JPEG (a Live Photo's video always goes along)",
    )
    export.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    positionals = _positionals(argv)
    wants_help = any(a in ("-h", "--help", "--version") for a in argv)
    if not wants_help and (not positionals or positionals[0] not in COMMANDS):
        return _open_window(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "library"):
        args.library = None
    function, _ = COMMANDS[args.command]
    try:
        return function(args)
    except (UserError, CatalogError) as error:
        warn(str(error))
        return EXIT_ERROR
    except sqlite3.Error as error:  # a read outside a transaction met a damaged or vanished catalog
        warn(str(catalog_error(error, resolve_library(args.library).catalog)))
        return EXIT_ERROR
    except OSError as error:  # a full or read-only disk, a vanished folder: say which, no traceback
        if error.errno not in (errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.EIO):
            raise
        where = f": {error.filename}" if error.filename else ""
        warn(f"{error.strerror or error}{where}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        warn("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


def _positionals(argv: list[str]) -> list[str]:
    """Arguments that are not options or an option's value (only --library takes one before a command)."""
    found, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--library":
            skip = True
        elif not arg.startswith("-"):
            found.append(arg)
    return found


def _open_window(argv: list[str]) -> int:
    window = argparse.ArgumentParser(prog="album-app")
    window.add_argument("--library", metavar="PATH", default=None)
    window.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to scan, as if dropped on the window")
    args = window.parse_args(argv)
    try:
        from album_app.gui.app import run_app
    except ImportError as error:
        warn(f"the window needs PySide6 ({error}); the CLI commands work without it")
        return EXIT_ERROR
    return run_app(args.library, [Path(folder) for folder in args.folders])
