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
from album_app.services.describe import describe_albums
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
    paths = rows.photo_paths(catalog, facts.photo_ids.tolist())
    names = [os.path.basename(paths.get(int(pid), "")) or f"photo {pid}" for pid in facts.photo_ids.tolist()]
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
        _apply(catalog, view, suggestion)
        return _report(catalog, suggestion.method, len(view.photo_ids), int(is_new.sum()), incremental=True)
    album_of = {pid: aid for aid, members in _memberships(catalog).items() for pid in members}
    album_ids = sorted(set(album_of.values()))
    label_of_album = {aid: index for index, aid in enumerate(album_ids)}
    labels = np.array([label_of_album.get(album_of.get(pid, -1), -1) for pid in view.photo_ids.tolist()])
    suggestion = place_new(view, labels, np.flatnonzero(is_new), weights=weights)
    if use_album_models(catalog):
        from album_app.services.album_opinion import second_opinion

        second_opinion(catalog, view, suggestion, np.flatnonzero(is_new), album_ids)
    _apply(catalog, view, suggestion, only=set(view.photo_ids[is_new].tolist()), album_ids=album_ids)
    return _report(catalog, suggestion.method, len(view.photo_ids), int(is_new.sum()), incremental=True)


def _memberships(catalog: Catalog) -> dict[int, list[int]]:
    return {a.id: a.members for a in rows.load_albums(catalog, include_rejected=False)}


def _apply(catalog: Catalog, view: LibraryView, suggestion: Suggestion, *, only: set[int] | None = None,
           album_ids: Sequence[int] | None = None) -> None:
    photo_ids = view.photo_ids.tolist()
    index_of = {pid: i for i, pid in enumerate(photo_ids)}
    kind_of_key: dict[int, tuple[str, str | None]] = {}  # new album key -> (kind, period)
    kind_of_album: dict[int, tuple[str, str | None]] = {}  # existing album id -> (kind, period)
    if only is None:
        clusters: dict[int, list[int]] = {}
        for pid, label in zip(photo_ids, suggestion.labels.tolist(), strict=True):
            if label >= 0:
                clusters.setdefault(label, []).append(pid)
        unsorted = [pid for pid, label in zip(photo_ids, suggestion.labels.tolist(), strict=True) if label < 0]
        existing = rows.load_albums(catalog)
        plan = reconcile(list(clusters.values()), unsorted, existing)
        destination = plan.destination
        new_keys = plan.new_albums
        kind_of_key, kind_of_album = _kinds(plan, list(clusters), suggestion, existing)
    else:
        # Incremental: labels below len(album_ids) are existing albums, the rest are new events.
        known = list(album_ids or [])
        destination, new_keys = {}, []
        for pid in only:
            label = int(suggestion.labels[index_of[pid]])
            if label < 0:
                destination[pid] = None
            elif label < len(known):
                destination[pid] = known[label]
            else:
                key = -(label - len(known) + 1)
                destination[pid] = key
                if key not in new_keys:
                    new_keys.append(key)
    with catalog.transaction() as conn:
        created = {}
        for key in new_keys:
            kind, period = kind_of_key.get(key, (EVENT, None))
            created[key] = rows.insert_album(conn, kind=kind, period=period)
        for album_id, (kind, period) in kind_of_album.items():
            rows.update_album(conn, album_id, kind=kind, period=period)
        for pid, target in destination.items():
            album_id = created.get(target, target) if target is not None else None
            i = index_of[pid]
            rows.place(conn, pid, album_id, confidence=float(suggestion.confidence[i]), reason=suggestion.reason[i])
        rows.delete_empty_albums(conn)
        describe_albums(conn, rows.live_album_ids(conn))


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
    albums = len(rows.load_albums(catalog, include_rejected=False))
    return ClusterReport(method, photos, albums, len(rows.unsorted_photo_ids(catalog)), new, incremental)

