"""The user's edits: each one a transaction, logged with the rows it changed so it can be undone.

Edits are constraints for every later re-clustering (see reconcile.py): moves, merges and splits
pin photos; removals and rejections exclude them; renames and locks are kept on the album row.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from album_app.albums.features import EARTH_RADIUS_KM
from album_app.albums.kinds import USER
from album_app.albums.life import photo_days
from album_app.albums.naming import place_of_photos
from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.catalog.albums import EditRecord, edit_history
from album_app.catalog.place_names import insert_place_name, next_place_name_id
from album_app.services.describe import describe_albums

#: A named place is a home, a house, a park or a town: not a region.
MAX_NAMED_RADIUS_KM = 50.0
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0


class EditError(Exception):
    """An edit that cannot be made; the message is meant for a person."""


def _album_row(conn: sqlite3.Connection, album_id: int) -> sqlite3.Row:
    row = rows.album_record(conn, album_id)
    if row is None or row["rejected"]:
        raise EditError(f"No album with id {album_id}.")
    return row


def _check_photos(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> None:
    for photo_id in photo_ids:
        if not rows.photo_exists(conn, photo_id):
            raise EditError(f"No photo with id {photo_id}.")


def _edit(catalog: Catalog, kind: str, payload: dict[str, object], album_ids: Sequence[int],
          photo_ids: Sequence[int], apply: Callable[[sqlite3.Connection], list[int]],
          place_ids: Sequence[int] = ()) -> int:
    """Run ``apply`` in one transaction between two snapshots; it returns albums created (for the after-image).

    An album the edit leaves empty goes (undo brings it back); an edit that changes nothing (accepting an
    accepted album) is not logged, so undo never has to undo nothing. ``place_ids``: named places the edit
    may add or change (their rows are in both images).
    """
    with catalog.transaction() as conn:
        before = rows.snapshot(conn, album_ids, photo_ids, place_ids)
        created = apply(conn)
        touched_albums = [*album_ids, *created]
        rows.delete_empty_albums(conn, album_ids)
        describe_albums(conn, touched_albums)
        after = rows.snapshot(conn, touched_albums, photo_ids, place_ids)
        before["album_ids"] = touched_albums  # undo must also remove albums the edit created
        if not created and _unchanged(before, after):
            return album_ids[0] if album_ids else 0
        rows.log_edit(conn, kind, payload, before, after)
    return created[0] if created else (album_ids[0] if album_ids else 0)


def _unchanged(before: dict[str, object], after: dict[str, object]) -> bool:
    """The same rows, timestamps aside."""

    def rows_of(state: dict[str, object], key: str) -> list[object]:
        return [{k: v for k, v in row.items() if k != "updated_at"} if isinstance(row, dict) else row
                for row in state[key]]  # type: ignore[attr-defined]

    keys = ("albums", "exclusions", "placements", "place_names")
    return all(rows_of(before, key) == rows_of(after, key) for key in keys if key in before or key in after)


def _restore(catalog: Catalog, edit: EditRecord, state: dict[str, object], undone: bool) -> None:
    """Put back one side of an edit; albums that lose their last photo to it go (a later re-clustering may
    have put photos of the edit in albums of its own)."""
    with catalog.transaction() as conn:
        photos = [int(p) for p in state["photo_ids"]]  # type: ignore[attr-defined]
        holders = {rows.album_of_photo(conn, photo) for photo in photos} - {None}
        rows.restore(conn, state)
        rows.delete_empty_albums(conn, holders)  # type: ignore[arg-type]
        rows.mark_undone(conn, edit.id, undone)


def rename(catalog: Catalog, album_id: int, name: str) -> int:
    name = " ".join(name.split())
    _album_row(catalog.conn, album_id)
    return _edit(catalog, "rename", {"album": album_id, "name": name}, [album_id], [],
                 lambda conn: rows.update_album(conn, album_id, name=name or None) or [])


def lock(catalog: Catalog, album_id: int, locked: bool = True) -> int:
    _album_row(catalog.conn, album_id)
    return _edit(catalog, "lock" if locked else "unlock", {"album": album_id}, [album_id], [],
                 lambda conn: rows.update_album(conn, album_id, locked=int(locked)) or [])


def merge(catalog: Catalog, album_ids: Sequence[int]) -> int:
    """Merge into the first album; every member is pinned, so no re-clustering splits them again."""
    album_ids = list(dict.fromkeys(album_ids))
    if len(album_ids) < 2:
        raise EditError("Merging needs at least two different albums.")
    for album_id in album_ids:
        _album_row(catalog.conn, album_id)
    target, others = album_ids[0], album_ids[1:]
    photos = [p for a in album_ids for p in rows.album_member_ids(catalog.conn, a)]

    def apply(conn: sqlite3.Connection) -> list[int]:
        for photo in photos:
            rows.place(conn, photo, target, pinned=True, confidence=1.0, reason="merged by you")
        for other in others:
            rows.delete_album(conn, other)
        return []

    return _edit(catalog, "merge", {"albums": album_ids}, album_ids, photos, apply)


def split(catalog: Catalog, album_id: int, photo_ids: Sequence[int]) -> int:
    """Move some photos of an album into a new album of their own; returns the new album's id."""
    row = _album_row(catalog.conn, album_id)
    members = set(rows.album_member_ids(catalog.conn, album_id))
    chosen = list(dict.fromkeys(photo_ids))
    strangers = [p for p in chosen if p not in members]
    if not chosen or strangers:
        raise EditError(f"Photos {strangers or 'none'} are not in album {album_id}.")

    def apply(conn: sqlite3.Connection) -> list[int]:
        # The part split off is what the album was (a trip cut at a day is two trips).
        new_id = rows.insert_album(conn, origin="user", auto_name=row["auto_name"], kind=row["kind"],
                                   period=row["period"])
        for photo in chosen:
            rows.place(conn, photo, new_id, pinned=True, confidence=1.0, reason="split off by you")
        return [new_id]

    return _edit(catalog, "split", {"album": album_id, "photos": chosen}, [album_id], chosen, apply)


def split_at_day(catalog: Catalog, album_id: int, day: date) -> int:
    """Split an album where a day starts (a trip's day section, "Split here"): its photos from that day on
    form a new album of the same kind; photos without a time stay. Returns the new album's id."""
    _album_row(catalog.conn, album_id)
    members = rows.member_facts(catalog.conn, album_id)
    local = np.array([np.nan if m[1] is None else m[1] for m in members], np.float64)
    first = (day - date(1970, 1, 1)).days
    later = [m[0] for m, d in zip(members, photo_days(local / 3600.0).tolist(), strict=True) if d >= first]
    if not later or len(later) == len(members):
        raise EditError(f"Album {album_id} has no photos on both sides of {day.isoformat()}.")
    return split(catalog, album_id, later)


def move(catalog: Catalog, photo_id: int, album_id: int) -> int:
    _album_row(catalog.conn, album_id)
    _check_photos(catalog.conn, [photo_id])
    source = rows.album_of_photo(catalog.conn, photo_id)
    album_ids = [album_id] + ([source] if source not in (None, album_id) else [])

    def apply(conn: sqlite3.Connection) -> list[int]:
        rows.include(conn, album_id, photo_id)
        rows.place(conn, photo_id, album_id, pinned=True, confidence=1.0, reason="moved here by you")
        return []

    return _edit(catalog, "move", {"photo": photo_id, "album": album_id}, album_ids, [photo_id], apply)


def remove(catalog: Catalog, photo_id: int, album_id: int) -> int:
    _album_row(catalog.conn, album_id)
    if photo_id not in rows.album_member_ids(catalog.conn, album_id):
        raise EditError(f"Photo {photo_id} is not in album {album_id}.")

    def apply(conn: sqlite3.Connection) -> list[int]:
        rows.place(conn, photo_id, None, reason="removed from an album by you")
        rows.exclude(conn, album_id, [photo_id])
        return []

    return _edit(catalog, "remove", {"photo": photo_id, "album": album_id}, [album_id], [photo_id], apply)


def reject(catalog: Catalog, album_id: int) -> int:
    """Dissolve a suggestion: its photos go to Unsorted and the same group is not suggested again."""
    _album_row(catalog.conn, album_id)
    photos = rows.album_member_ids(catalog.conn, album_id)

    def apply(conn: sqlite3.Connection) -> list[int]:
        rows.exclude(conn, album_id, photos)
        for photo in photos:
            rows.place(conn, photo, None, reason="its album suggestion was rejected")
        rows.update_album(conn, album_id, rejected=1, locked=0)
        return []

    return _edit(catalog, "reject", {"album": album_id}, [album_id], photos, apply)


def create(catalog: Catalog, name: str, photo_ids: Sequence[int]) -> int:
    """A new album of the user's own with these photos (pinned)."""
    _check_photos(catalog.conn, photo_ids)
    chosen = list(dict.fromkeys(photo_ids))
    touched = sorted({a for a in (rows.album_of_photo(catalog.conn, p) for p in chosen) if a is not None})

    def apply(conn: sqlite3.Connection) -> list[int]:
        new_id = rows.insert_album(conn, origin="user", name=" ".join(name.split()) or None, kind=USER)
        for photo in chosen:
            rows.place(conn, photo, new_id, pinned=True, confidence=1.0, reason="put here by you")
        return [new_id]

    return _edit(catalog, "create", {"name": name, "photos": chosen}, touched, chosen, apply)


def name_place(catalog: Catalog, name: str, lat: float, lon: float, radius_km: float) -> int:
    """Name a place ("Home", "Grandma's"): every album whose photos lie mostly within ``radius_km`` of it is
    named by it from now on (undo takes the name back). Returns the named place's id."""
    name = " ".join(name.split())
    if not name:
        raise EditError("A place needs a name.")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or not 0.0 < radius_km <= MAX_NAMED_RADIUS_KM:
        raise EditError(f"A place is a latitude (-90..90), a longitude (-180..180) and a radius of up to "
                        f"{MAX_NAMED_RADIUS_KM:g} km; got {lat}, {lon}, {radius_km} km.")
    place_id = next_place_name_id(catalog.conn)
    box = (radius_km / KM_PER_DEGREE, radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)))
    nearby = rows.albums_with_photos_near(catalog.conn, lat, lon, box)

    def apply(conn: sqlite3.Connection) -> list[int]:
        insert_place_name(conn, name, lat, lon, radius_km)
        return []

    _edit(catalog, "name-place", {"name": name, "lat": lat, "lon": lon, "radius_km": radius_km}, nearby, [],
          apply, place_ids=[place_id])
    return place_id


def name_album_place(catalog: Catalog, album_id: int, name: str, radius_km: float | None = None) -> int:
    """Name the place an album's photos show (naming.place_of_photos; ``radius_km`` overrides its reach)."""
    _album_row(catalog.conn, album_id)
    facts = rows.member_facts(catalog.conn, album_id)
    where = place_of_photos(np.array([np.nan if f[2] is None else f[2] for f in facts], np.float64),
                            np.array([np.nan if f[3] is None else f[3] for f in facts], np.float64))
    if where is None:
        raise EditError(f"Album {album_id} has no photo with a place (GPS) to name.")
    lat, lon, reach = where
    return name_place(catalog, name, lat, lon, radius_km if radius_km is not None else reach)


def undo(catalog: Catalog) -> EditRecord | None:
    """Undo the latest edit not yet undone; None when there is nothing to undo."""
    done = [e for e in edit_history(catalog) if not e.undone]
    if not done:
        return None
    edit = done[-1]
    _restore(catalog, edit, edit.before, undone=True)
    return edit


def redo(catalog: Catalog) -> EditRecord | None:
    """Redo the earliest undone edit; None when there is nothing to redo."""
    undone = [e for e in edit_history(catalog) if e.undone]
    if not undone:
        return None
    edit = undone[0]
    _restore(catalog, edit, edit.after, undone=False)
    return edit
