"""Commands about albums: cluster, albums, stacks and the edits (rename … undo/redo)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from album_app.catalog import Catalog
from album_app.exit_codes import EXIT_OK

if TYPE_CHECKING:  # imported where used: onnxruntime is slow to load
    pass
from album_app.cli.common import COMMANDS, UserError, command, open_catalog, print_json


def album_records(catalog: Catalog, kinds: Sequence[str] | None = None) -> dict[str, object]:
    """Every live album (or those of ``kinds``) with its photos, and the Unsorted photos."""
    from album_app.albums.kinds import TRIP
    from album_app.catalog import albums as rows

    paths = rows.photo_paths(catalog)
    albums = []
    for album in rows.load_albums(catalog, include_rejected=False):
        if kinds and album.kind not in kinds:
            continue
        record = {
            "id": album.id, "name": album.display_name, "kind": album.kind, "photos": [paths[p] for p in album.members],
            "start": album.start_at, "end": album.end_at, "place": album.place, "locked": album.locked,
            "suggested": not album.touched, "count": len(album.members),
        }
        if album.period:
            record["period"] = album.period
        if album.kind == TRIP:
            record["sections"] = album.sections
        albums.append(record)
    return {"albums": albums, "unsorted": [paths[p] for p in rows.unsorted_photo_ids(catalog)]}


@command("albums", "list albums and their photos")
def cmd_albums(args: argparse.Namespace) -> int:
    with open_catalog(args, writer=False) as catalog:
        records = album_records(catalog, args.kind)
    if args.json:
        print_json(records)
        return EXIT_OK
    for album in records["albums"]:  # type: ignore[union-attr]
        mark = "accepted" if album["locked"] else ("edited" if not album["suggested"] else "suggested")
        print(f"{album['id']:5}  {album['name']}  ({album['kind']}, {album['count']} photos, {mark})")
        for section in album.get("sections", []):
            print(f"         {section['label']}  ({section['count']} photos)")
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


def edit(args: argparse.Namespace, action: Callable[[Catalog], object], done: str) -> int:
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

    return edit(args, lambda c: edits.rename(c, args.id, args.name), f"renamed album {args.id}")


@command("merge", "merge albums into the first one")
def cmd_merge(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return edit(args, lambda c: edits.merge(c, args.ids), "merged into album {result}")


@command("split", "move photos of an album into a new album (or split it where a day starts)")
def cmd_split(args: argparse.Namespace) -> int:
    from datetime import date

    from album_app.services import edits

    if bool(args.photos) == bool(args.at_day):
        raise UserError("split takes photos, or --at-day DAY (a trip's day: its photos from then on), not both.")
    if args.at_day:
        try:
            day = date.fromisoformat(args.at_day)
        except ValueError as error:
            raise UserError(f"--at-day wants a date such as 2024-04-12, not {args.at_day!r}.") from error
        return edit(args, lambda c: edits.split_at_day(c, args.id, day), "new album {result}")
    return edit(args, lambda c: edits.split(c, args.id, [_photo_id(c, p) for p in args.photos]),
                "new album {result}")


@command("move", "move a photo into an album")
def cmd_move(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return edit(args, lambda c: edits.move(c, _photo_id(c, args.photo), args.id), f"moved to album {args.id}")


@command("remove", "take a photo out of an album (it will not come back)")
def cmd_remove(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return edit(args, lambda c: edits.remove(c, _photo_id(c, args.photo), args.id), f"removed from album {args.id}")


@command("reject", "reject a suggested album (it will not be suggested again)")
def cmd_reject(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return edit(args, lambda c: edits.reject(c, args.id), f"rejected album {args.id}")


@command("lock", "accept an album: its photos stay in it")
def cmd_lock(args: argparse.Namespace) -> int:
    from album_app.services import edits

    return edit(args, lambda c: edits.lock(c, args.id, not args.unlock),
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
