"""Fold a fresh clustering into the albums the user already has, without undoing any edit.

Rules (each one a complaint users have about other photo managers):
- a photo the user placed (pinned by a move, merge or split) stays where they put it;
- a locked (accepted) album keeps every member, and may take in photos of the same group;
- a new cluster that is mostly an existing album keeps that album's id and the user's name for it;
- a photo removed from an album never returns to it;
- a cluster that is mostly a rejected suggestion is not suggested again: its photos stay Unsorted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class ExistingAlbum(Protocol):
    """What reconciling needs to know of an album the catalog holds (album_app.catalog.albums.AlbumRow)."""

    id: int
    locked: bool
    rejected: bool
    members: list[int]
    pinned: set[int]
    excluded: set[int]


@dataclass
class Plan:
    """Where each re-clustered photo goes: an existing album id, a new album (key < 0), or None."""

    destination: dict[int, int | None] = field(default_factory=dict)
    new_albums: list[int] = field(default_factory=list)
    matched: dict[int, int] = field(default_factory=dict)  # cluster index -> existing album id
    cluster_of_new: dict[int, int] = field(default_factory=dict)  # new album key -> cluster index


def _is_mostly(overlap: int, size_a: int, size_b: int) -> bool:
    return overlap > 0 and (2 * overlap > size_a or 2 * overlap > size_b)


def reconcile(clusters: Sequence[Sequence[int]], unsorted: Sequence[int], albums: Sequence[ExistingAlbum]) -> Plan:
    plan = Plan()
    fixed: set[int] = set()
    for existing in albums:
        if existing.rejected:
            continue
        fixed |= existing.pinned
        if existing.locked:
            fixed |= set(existing.members)
    live = [a for a in albums if not a.rejected]
    rejected = [a for a in albums if a.rejected and a.excluded]

    cluster_sets = [set(c) for c in clusters]
    # Overlaps through a photo -> album index: only albums sharing a photo with a cluster can be "mostly" it,
    # so this finds the same pairs as every cluster against every album, without the (clusters x albums)
    # set intersections (1.2 s at 100k photos and a few hundred albums).
    albums_of: dict[int, list[int]] = {}
    size_of: dict[int, int] = {}
    for existing in live:
        size_of[existing.id] = len(existing.members)
        for photo in set(existing.members):
            albums_of.setdefault(photo, []).append(existing.id)
    pairs = []
    for index, members in enumerate(cluster_sets):
        overlaps: dict[int, int] = {}
        for photo in members:
            for album_id in albums_of.get(photo, ()):
                overlaps[album_id] = overlaps.get(album_id, 0) + 1
        for album_id, overlap in overlaps.items():
            if _is_mostly(overlap, len(members), size_of[album_id]):
                pairs.append((overlap, index, album_id))
    pairs.sort(key=lambda item: (-item[0], item[1], item[2]))
    taken_albums: set[int] = set()
    for _, index, album_id in pairs:
        if index in plan.matched or album_id in taken_albums:
            continue
        plan.matched[index] = album_id
        taken_albums.add(album_id)

    by_id = {a.id: a for a in albums}
    for index, members in enumerate(cluster_sets):
        movable = sorted(members - fixed)
        if index in plan.matched:
            target = by_id[plan.matched[index]]
            for photo in movable:
                plan.destination[photo] = None if photo in target.excluded else target.id
            continue
        if any(_is_mostly(len(members & a.excluded), len(members), len(a.excluded)) for a in rejected):
            for photo in movable:
                plan.destination[photo] = None
            continue
        if movable:
            key = -(len(plan.new_albums) + 1)
            plan.new_albums.append(key)
            plan.cluster_of_new[key] = index
            for photo in movable:
                plan.destination[photo] = key
    for photo in unsorted:
        if photo not in fixed:
            plan.destination[photo] = None
    return plan
