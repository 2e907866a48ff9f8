"""An album's automatic name, dates, place, cover and (trips) day sections, derived from its members.

Names follow the album's kind (albums/naming.py `describe_by_kind`): "Lyon · March 2024" for a month of
everyday life, "Lisbon & Porto · 12–18 Apr 2024" for a trip, "Screenshots"; a place the user named comes
before any town's name.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from album_app.albums.naming import DaySection, NamedPlace, describe_by_kind
from album_app.catalog import albums as rows
from album_app.catalog.place_names import place_names


def describe_albums(conn: sqlite3.Connection, album_ids: Sequence[int]) -> None:
    """Refresh the automatic name, dates, place, cover and sections of these albums from their members."""
    places = named_places(conn)
    for album_id in album_ids:
        record = rows.album_record(conn, album_id)
        members = rows.member_facts(conn, album_id)
        if record is None or not members:
            continue

        def column(index: int, facts: list[rows.MemberFact] = members) -> np.ndarray:
            return np.array([np.nan if r[index] is None else r[index] for r in facts], dtype=np.float64)

        description, sections = describe_by_kind(record["kind"], column(1), column(2), column(3),
                                                 period=record["period"], places=places)
        rows.update_album(
            conn, album_id, auto_name=description.name, place=description.place,
            start_at=_iso(description.start), end_at=_iso(description.end), cover_id=cover_of(members),
            sections=section_json(sections),
        )


def refresh_covers(conn: sqlite3.Connection, album_ids: Sequence[int]) -> None:
    """Only the cover of these albums: for albums whose photos with a time or a place did not change, the rest
    of their description is already current."""
    for album_id in album_ids:
        members = rows.member_facts(conn, album_id)
        if members and rows.album_record(conn, album_id) is not None:
            rows.update_album(conn, album_id, cover_id=cover_of(members))


def cover_of(members: Sequence[rows.MemberFact]) -> int:
    """An album's cover: its middle member in member_facts' order (photos with a time first, in time order)."""
    return members[len(members) // 2][0]


def named_places(conn: sqlite3.Connection) -> list[NamedPlace]:
    """The user's place names, newest first (the newer name wins where two overlap)."""
    return [NamedPlace(p.name, p.lat, p.lon, p.radius_km) for p in place_names(conn)]


def section_json(sections: list[DaySection]) -> str | None:
    """A trip's sections as the catalog keeps them (and `albums --json` shows them): day, label, count."""
    if not sections:
        return None
    return json.dumps([{"day": s.day.isoformat(), "label": s.label, "count": len(s.rows)} for s in sections],
                      ensure_ascii=False)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")
