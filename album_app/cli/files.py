"""Commands that write files beside the library: export, rotations (suggestions; originals untouched)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from album_app.catalog import Catalog, CatalogError
from album_app.exit_codes import EXIT_ERROR, EXIT_OK
from album_app.library import LibraryPaths, resolve_library

if TYPE_CHECKING:  # imported where used: onnxruntime is slow to load
    from album_app.models.rotation import RotationModel
from album_app.cli.albums import album_records
from album_app.cli.common import UserError, command, open_catalog, print_json, stderr_progress, warn


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
            turns = export_turns(catalog, model, progress=None if args.json else stderr_progress())
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
