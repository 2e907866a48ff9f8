"""An album's automatic name, dates, place and cover, derived from its members."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from album_app.albums.naming import describe_album
from album_app.catalog import albums as rows


def describe_albums(conn: sqlite3.Connection, album_ids: Sequence[int]) -> None:
    """Refresh the automatic name, dates, place and cover of these albums from their members."""
    for album_id in album_ids:
        members = rows.member_facts(conn, album_id)
        if not members:
            continue

        def column(index: int, facts: list[rows.MemberFact] = members) -> np.ndarray:
            return np.array([np.nan if r[index] is None else r[index] for r in facts], dtype=np.float64)

        description = describe_album(column(1), column(2), column(3))
        cover = members[len(members) // 2][0]
        rows.update_album(
            conn, album_id, auto_name=description.name, place=description.place,
            start_at=_iso(description.start), end_at=_iso(description.end), cover_id=cover,
        )


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")
