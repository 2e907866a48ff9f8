"""Clustering around the catalog: read facts, suggest, reconcile with the user's edits, write.

The clustering itself is pure (pipeline.py); persistence happens here, in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from album_app.albums import LIFE
from album_app.albums.features import FusionWeights, LibraryView
from album_app.albums.kinds import EVENT
from album_app.albums.pipeline import Suggestion, choose_method, place_new, suggest_albums
from album_app.albums.reconcile import Plan, reconcile
from album_app.catalog import Catalog, CatalogError
from album_app.catalog import albums as rows
from album_app.catalog.codes import active_model
from album_app.services.describe import describe_albums, refresh_covers
from album_app.services.settings import load_method, load_weights, save_method, use_album_models


@dataclass
class ClusterReport:
    method: str
    photos: int
    albums: int
    unsorted: int
    new_photos: int
    incremental: bool


def library_view(catalog: Catalog) -> LibraryView:
    model = active_model(catalog)
    if model is None:
        raise CatalogError("No photos have been embedded yet: scan a folder first (album-app scan FOLDER).")
    facts = rows.photo_facts(catalog, model.id)
    names = [os.path.basename(path) or f"photo {pid}"
             for pid, path in zip(facts.photo_ids.tolist(), facts.paths, strict=True)]
    return LibraryView(photo_ids=facts.photo_ids, codes=facts.codes, taken_ts=facts.taken_ts,
                       hint_ts=facts.hint_ts, lat=facts.lat, lon=facts.lon, names=names, local_ts=facts.local_ts,
                       offset_s=facts.offset_s, width=facts.width, height=facts.height, formats=facts.formats,
                       cameras=facts.cameras)


def recluster(catalog: Catalog, *, method: str | None = None, k: int | None = None,
              weights: FusionWeights | None = None) -> ClusterReport:
    """Cluster the whole library again; every edit the user made survives (see reconcile.py). ``method``
    None: the one chosen last (settings.METHOD_KEY); a method given is kept for `update`."""
    weights = weights or load_weights(catalog)
    if method is None:
        method = load_method(catalog)
    else:
        save_method(catalog, method)
    view = library_view(catalog)
    if len(view.photo_ids) == 0:
        return ClusterReport(method, 0, 0, 0, 0, incremental=False)
    suggestion = suggest_albums(view, method=method, k=k, weights=weights)
    _apply(catalog, view, suggestion)
    return _report(catalog, suggestion.method, len(view.photo_ids), len(view.photo_ids), incremental=False)


def update(catalog: Catalog, *, weights: FusionWeights | None = None) -> ClusterReport:
    """Place photos that were never clustered into the albums they fit, or new albums for new events.

    Albums shaped like a life (method ``life``, or ``auto`` for a library lived around a home) are cut again
    as a whole (a new day can turn an outing into a trip, or a quiet month's snaps into a gathering) and
    reconciled like a full clustering: an album that grows keeps its id and every edit holds; the kind may
    change, the id does not."""
    view = library_view(catalog)
    placed = rows.placed_photo_ids(catalog)
    is_new = np.array([pid not in placed for pid in view.photo_ids.tolist()], dtype=bool)
    if not is_new.any():
        return _report(catalog, "none", len(view.photo_ids), 0, incremental=True)
    if is_new.all():
        return recluster(catalog, weights=weights)
    weights = weights or load_weights(catalog)
    if choose_method(view, load_method(catalog), weights) == LIFE:
        suggestion = suggest_albums(view, method=LIFE, weights=weights)
        _apply(catalog, view, suggestion, describe_all=False)
        return _report(catalog, suggestion.method, len(view.photo_ids), int(is_new.sum()), incremental=True)
    albums = rows.load_albums(catalog)
    album_of = {pid: a.id for a in albums if not a.rejected for pid in a.members}
    album_ids = sorted(set(album_of.values()))
    label_of_album = {aid: index for index, aid in enumerate(album_ids)}
    labels = np.array([label_of_album.get(album_of.get(pid, -1), -1) for pid in view.photo_ids.tolist()])
    # Photos the user took out of an album, or whose suggestion they rejected: no new album may take them.
    decided_ids = {pid for a in albums for pid in a.excluded}
    decided = np.array([pid in decided_ids for pid in view.photo_ids.tolist()], dtype=bool)
    suggestion = place_new(view, labels, np.flatnonzero(is_new), weights=weights, decided=decided)
    if use_album_models(catalog):
        from album_app.services.album_opinion import second_opinion

        second_opinion(catalog, view, suggestion, np.flatnonzero(is_new), album_ids)
    # New photos, and old ones that left Unsorted (an event too small for an album, made one by new copies).
    moved = is_new | (suggestion.labels != labels)
    _apply(catalog, view, suggestion, only=set(view.photo_ids[moved].tolist()), album_ids=album_ids,
           describe_all=False)
    return _report(catalog, suggestion.method, len(view.photo_ids), int(is_new.sum()), incremental=True)


@dataclass
class _Writes:
    """What one clustering writes: each photo's album (an id, a new album's key < 0, None: Unsorted), the
    new albums' and the re-kinded albums' (kind, period), and the albums whose photos were there before."""

    destination: dict[int, int | None]
    new_albums: dict[int, tuple[str, str | None]]
    rekinded: dict[int, tuple[str, str | None]]
    album_before: dict[int, int]  # photo id -> the album it was in


def _apply(catalog: Catalog, view: LibraryView, suggestion: Suggestion, *, only: set[int] | None = None,
           album_ids: Sequence[int] | None = None, describe_all: bool = True) -> None:
    """Write a suggestion (reconciled with the edits, or, ``only``, for new photos) in one transaction, then
    name the albums: all of them (``describe_all``: a full re-clustering refreshes every name), else those
    whose photos, kind or period changed (--new-only at 100k photos: naming all costs seconds)."""
    index_of = {pid: i for i, pid in enumerate(view.photo_ids.tolist())}
    plan = _plan_all(catalog, view, suggestion) if only is None else _plan_new(suggestion, index_of, only, album_ids)
    with catalog.transaction() as conn:
        created = {key: rows.insert_album(conn, kind=kind, period=period) for key, (kind, period)
                   in plan.new_albums.items()}
        for album_id, (kind, period) in plan.rekinded.items():
            rows.update_album(conn, album_id, kind=kind, period=period)
        changed = set(created.values()) | set(plan.rekinded)
        # A photo with no time and no place (a copy placed by look) moving in or out changes an album's cover
        # only: naming drops such photos before it reads times and places (naming.describe_by_kind), and
        # member_facts lists them last, so the name, dates, place and sections stay what they are.
        cover_only: set[int | None] = set()
        nameless = _without_time_or_place(view)
        # Only placements that differ are written: a re-cut of the whole roll leaves almost every photo
        # where it was, with the same confidence and reason (100k single writes cost half a second).
        stored = rows.placements(conn)
        writes = []
        for pid, target in plan.destination.items():
            album_id = created.get(target, target) if target is not None else None
            i = index_of[pid]
            placement = (album_id, False, float(suggestion.confidence[i]), suggestion.reason[i])
            if stored.get(pid) != placement:
                writes.append((pid, album_id, placement[2], placement[3]))
            if album_id != plan.album_before.get(pid):
                (cover_only if nameless[i] else changed).update({album_id, plan.album_before.get(pid)} - {None})
        rows.place_many(conn, writes)
        rows.delete_empty_albums(conn)
        live = rows.live_album_ids(conn)
        describe_albums(conn, live if describe_all else [a for a in live if a in changed])
        if not describe_all:
            refresh_covers(conn, [a for a in live if a in cover_only and a not in changed])


def _without_time_or_place(view: LibraryView) -> np.ndarray:
    """True for photos naming never reads: no instant, no wall clock, no place."""
    missing = ~np.isfinite(view.taken_ts) & ~np.isfinite(view.lat) & ~np.isfinite(view.lon)
    return missing & ~np.isfinite(view.local_ts) if view.local_ts is not None else missing


def _plan_all(catalog: Catalog, view: LibraryView, suggestion: Suggestion) -> _Writes:
    clusters: dict[int, list[int]] = {}
    unsorted = []
    for pid, label in zip(view.photo_ids.tolist(), suggestion.labels.tolist(), strict=True):
        if label >= 0:
            clusters.setdefault(label, []).append(pid)
        else:
            unsorted.append(pid)
    existing = rows.load_albums(catalog)
    plan = reconcile(list(clusters.values()), unsorted, existing)
    new, matched = _kinds(plan, list(clusters), suggestion, existing)
    before = {a.id: (a.kind, a.period) for a in existing}
    rekinded = {album_id: value for album_id, value in matched.items() if before.get(album_id) != value}
    album_before = {pid: a.id for a in existing if not a.rejected for pid in a.members}
    return _Writes(plan.destination, {key: new[key] for key in plan.new_albums}, rekinded, album_before)


def _plan_new(suggestion: Suggestion, index_of: dict[int, int], only: set[int], album_ids: Sequence[int] | None
              ) -> _Writes:
    """Incremental: labels below len(album_ids) are existing albums, the rest are new events."""
    known = list(album_ids or [])
    destination: dict[int, int | None] = {}
    new_albums: dict[int, tuple[str, str | None]] = {}
    for pid in only:
        label = int(suggestion.labels[index_of[pid]])
        if label < 0:
            destination[pid] = None
        elif label < len(known):
            destination[pid] = known[label]
        else:
            key = -(label - len(known) + 1)
            destination[pid] = key
            new_albums.setdefault(key, (EVENT, None))
    return _Writes(destination, new_albums, {}, {})


def _kinds(plan: Plan, labels: list[int], suggestion: Suggestion, existing: Sequence[rows.AlbumRow]
           ) -> tuple[dict[int, tuple[str, str | None]], dict[int, tuple[str, str | None]]]:
    """(kind, period) of each new album key and of each existing album a cluster matched. An album the user
    made (or split off) keeps its kind; a suggested one takes its cluster's: the kind may change, the id not."""
    made_by_user = {a.id for a in existing if a.origin == "user"}
    new = {key: (suggestion.kind_of(labels[index]), suggestion.period_of(labels[index]))
           for key, index in plan.cluster_of_new.items()}
    matched = {album_id: (suggestion.kind_of(labels[index]), suggestion.period_of(labels[index]))
               for index, album_id in plan.matched.items() if album_id not in made_by_user}
    return new, matched


def _report(catalog: Catalog, method: str, photos: int, new: int, *, incremental: bool) -> ClusterReport:
    albums = len(rows.live_album_ids(catalog.conn))
    return ClusterReport(method, photos, albums, len(rows.unsorted_photo_ids(catalog)), new, incremental)

