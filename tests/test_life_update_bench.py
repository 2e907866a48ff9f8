"""`cluster --new-only` in life mode writes exactly what a full re-clustering writes (issue 14, scale).

The update skips work whose result did not change (placements already as they would be written are not
written again); this checks that the catalog it leaves is the one a full recluster leaves, photo for photo and
album for album, with the user's edits in place, on bench/life_scale.py's planned roll at a small size.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import life_scale

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.library import resolve_library
from album_app.services import clustering, describe, edits

PHOTOS = 1500
HELD = 150


def state(library: Path) -> tuple[list[tuple], list[tuple]]:
    conn = sqlite3.connect(library / "catalog.db")
    try:
        placements = conn.execute("SELECT photo_id, album_id, pinned, confidence, reason FROM placements"
                                  " ORDER BY photo_id").fetchall()
        albums = conn.execute("SELECT id, name, auto_name, place, start_at, end_at, locked, rejected, origin,"
                              " cover_id, kind, period, sections FROM albums ORDER BY id").fetchall()
    finally:
        conn.close()
    return placements, albums


@pytest.fixture(scope="module")
def clustered(tmp_path_factory) -> Path:
    """A life-mode library without its last photos, clustered, with edits: a rename, a lock, a removal."""
    root = tmp_path_factory.mktemp("life-update") / "library"
    root.mkdir()
    life_scale.build(root, PHOTOS, HELD)
    with Catalog(resolve_library(root), writer=True) as catalog:
        clustering.recluster(catalog, method="life")
        live = rows.load_albums(catalog, include_rejected=False)
        big = sorted(live, key=lambda a: -len(a.members))
        edits.rename(catalog, big[0].id, "Named by me")
        edits.lock(catalog, big[1].id)
        edits.remove(catalog, big[2].members[0], big[2].id)
    return root


def test_new_only_in_life_mode_leaves_what_a_full_recluster_leaves(clustered, tmp_path, monkeypatch):
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    for library in (incremental, full):
        shutil.copytree(clustered, library)
        assert life_scale.add(library, PHOTOS) == HELD
    covers_only: list[int] = []

    def refresh_covers(conn, album_ids):
        covers_only.extend(album_ids)
        return describe.refresh_covers(conn, album_ids)

    monkeypatch.setattr(clustering, "refresh_covers", refresh_covers)
    with Catalog(resolve_library(incremental), writer=True) as catalog:
        report = clustering.update(catalog)
    # Copies placed by look (no time, no place) move between old albums: those only get a new cover.
    assert covers_only
    assert report.incremental and report.method == "life" and report.new_photos == HELD
    with Catalog(resolve_library(full), writer=True) as catalog:
        clustering.recluster(catalog)
    updated, reclustered = state(incremental), state(full)
    assert updated[0] == reclustered[0]
    # A full recluster names every album again, the update only those whose photos, kind or period changed:
    # the others' stored names, dates, covers and sections are already what naming them again gives.
    assert updated[1] == reclustered[1]
    with Catalog(resolve_library(incremental)) as catalog:
        after = {a.id: a for a in rows.load_albums(catalog)}
    edited = edit_targets(clustered)
    assert after[edited["renamed"]].name == "Named by me"
    assert set(edited["locked_members"]) <= set(after[edited["locked"]].members)
    assert edited["removed_photo"] not in after[edited["removed_from"]].members


def edit_targets(library: Path) -> dict:
    with Catalog(resolve_library(library)) as catalog:
        live = {a.id: a for a in rows.load_albums(catalog)}
    renamed = next(a.id for a in live.values() if a.name == "Named by me")
    locked = next(a for a in live.values() if a.locked)
    removed_from, photo = next((a.id, next(iter(a.excluded))) for a in live.values() if a.excluded)
    return {"renamed": renamed, "locked": locked.id, "locked_members": locked.members, "removed_from": removed_from,
            "removed_photo": photo}
