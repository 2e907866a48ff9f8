"""Scoring albums against a camera roll's truth, and the peers' rules computed on the same photos.

An album is ``{"name": str, "photos": [relative paths], "kind": str | None}``.
  * per true event (trip, outing, gathering): the best album's F1 on the event's own photos (its friend's
    copies inside that album neither count for nor against it); found when F1 ≥ 0.8;
  * event albums: albums of kind trip/outing/gathering when the albums carry kinds; without kinds, the
    albums that are some event's best album;
  * everyday / screenshots+downloads inside event albums: shares of those photos;
  * chunk albums: mostly everyday photos, yet neither one day's (≥ 0.8 of them on one day) nor one calendar
    month's (≥ 0.8 of them in one month at one home, holding ≥ 0.8 of that month's everyday photos there);
  * trips named right: the best album's name holds one of the trip's cities or countries;
  * district names: albums whose place (the name before " · ", split at " & " and ", ") is a district or
    suburb by roll_places' rule (GeoNames places of that name within 60 km of the album's photos);
  * friend's copies placed: share in their event's best album.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import datetime

import numpy as np
from roll_places import gazetteer
from roll_plan import EVENT_KINDS

FOUND_F1 = 0.8
SCREEN_KINDS = ("screenshot", "download")


def score_albums(albums: list[dict], truth: dict) -> dict:
    photos = truth["photos"]
    album_of: dict[str, int] = {}
    for index, album in enumerate(albums):
        for path in album["photos"]:
            album_of[path] = index
    by_event: dict[str, list[str]] = defaultdict(list)
    friends: dict[str, list[str]] = defaultdict(list)
    for path, info in photos.items():
        if info["kind"] in EVENT_KINDS:
            by_event[info["event"]].append(path)
        elif info["kind"] == "friend":
            friends[info["event"]].append(path)
    sizes = Counter(album_of.values())
    best: dict[str, tuple[float, int | None]] = {}
    for event_id, own in by_event.items():
        inside = Counter(album_of[p] for p in own if p in album_of)
        theirs = Counter(album_of[p] for p in friends.get(event_id, []) if p in album_of)
        choice = (0.0, None)
        for index, hits in inside.items():
            precision = hits / max(sizes[index] - theirs.get(index, 0), 1)
            recall = hits / len(own)
            f1 = 2 * precision * recall / (precision + recall)
            choice = max(choice, (f1, index), key=lambda c: c[0])
        best[event_id] = choice
    has_kinds = any(album.get("kind") for album in albums)
    if has_kinds:
        event_albums = {i for i, a in enumerate(albums) if a.get("kind") in EVENT_KINDS}
    else:
        event_albums = {index for _, index in best.values() if index is not None}
    out: dict[str, float] = {"albums": float(len(albums)), "photos": float(len(photos))}
    events = truth["events"]
    for kind in EVENT_KINDS:
        scores = [best[e][0] for e, info in events.items() if info["kind"] == kind and e in best]
        out[f"f1_{kind}"] = float(np.mean(scores)) if scores else float("nan")
        out[f"n_{kind}"] = float(len(scores))
    out["events_found"] = float(np.mean([best[e][0] >= FOUND_F1 for e in best])) if best else float("nan")
    out["everyday_in_events"] = _share(photos, album_of, event_albums, ("everyday",))
    out["screens_in_events"] = _share(photos, album_of, event_albums, SCREEN_KINDS)
    out["unsorted"] = sum(1 for p in photos if p not in album_of) / max(len(photos), 1)
    out["chunks"] = float(_chunks(albums, photos))
    named = [_named_right(albums[best[e][1]]["name"], info) if best[e][1] is not None else False
             for e, info in events.items() if info["kind"] == "trip" and e in best]
    out["trips_named"] = float(np.mean(named)) if named else float("nan")
    out["district_names"] = float(sum(_district(album, photos) for album in albums))
    placed = [album_of.get(p) == best[e][1] and best[e][1] is not None for e, ps in friends.items() for p in ps]
    out["friends_placed"] = float(np.mean(placed)) if placed else float("nan")
    return out


def _share(photos: dict, album_of: dict, chosen: set[int], kinds: tuple[str, ...]) -> float:
    rows = [p for p, info in photos.items() if info["kind"] in kinds]
    return sum(1 for p in rows if album_of.get(p) in chosen) / max(len(rows), 1)


def _chunks(albums: list[dict], photos: dict) -> int:
    month_total = Counter()
    for info in photos.values():
        if info["kind"] == "everyday":
            month_total[(info["local"][:7], info["home"])] += 1
    count = 0
    for album in albums:
        members = [photos[p] for p in album["photos"] if p in photos]
        everyday = [m for m in members if m["kind"] == "everyday"]
        if not members or len(everyday) <= len(members) / 2:
            continue
        day = Counter(_day(m["local"]) for m in everyday).most_common(1)[0][1]
        if day >= 0.8 * len(everyday):
            continue
        (month, hits) = Counter((m["local"][:7], m["home"]) for m in everyday).most_common(1)[0]
        if hits >= 0.8 * len(everyday) and hits >= 0.8 * month_total[month]:
            continue
        count += 1
    return count


def _day(local: str) -> str:
    """The photographic day (04:00 to 04:00), as the judge sees it."""
    moment = datetime.fromisoformat(local)
    return (moment.toordinal() - (1 if moment.hour < 4 else 0)).__str__()


def _place_part(name: str) -> str:
    return name.split(" · ")[0] if " · " in name else name


def _named_right(name: str, event: dict) -> bool:
    place = _place_part(name).casefold()
    return any(c.casefold() in place for c in event["cities"]) or any(
        c and c.casefold() in place for c in event.get("countries", [event["country"]]))


def _district(album: dict, photos: dict) -> bool:
    place = _place_part(album["name"])
    points = [(photos[p]["lat"], photos[p]["lon"]) for p in album["photos"]
              if p in photos and photos[p]["lat"] is not None]
    if not points or any(ch.isdigit() for ch in place.split(" & ")[0][:1]):
        return False
    near = (float(np.median([p[0] for p in points])), float(np.median([p[1] for p in points])))
    gaz = gazetteer()
    tokens = [t.strip() for part in place.split(" & ") for t in part.split(", ")]
    return any(gaz.name_is_district(token, near=near, within_km=60.0) for token in tokens if token)


# --- peers --------------------------------------------------------------------------------------------


def peer_labels(rule: str, local_h: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Albums by a peer's published rule, over photos with an EXIF time (-1: none)."""
    n = len(local_h)
    labels = np.full(n, -1, np.int64)
    order = np.flatnonzero(np.isfinite(local_h))
    order = order[np.argsort(local_h[order], kind="stable")]
    if len(order) == 0:
        return labels
    if rule == "shotwell":  # a new event after 4 h without photos, or once the event spans 12 h
        event, begin = 0, local_h[order[0]]
        for prev, row in itertools.pairwise(order):
            if local_h[row] - local_h[prev] > 4 or local_h[row] - begin > 12:
                event, begin = event + 1, local_h[row]
            labels[row] = event
        labels[order[0]] = 0
        return labels
    if rule == "librephotos":  # one 36 h gap
        labels[order] = np.concatenate([[0], np.cumsum(np.diff(local_h[order]) > 36)])
        return labels
    if rule == "nextcloud":
        return _nextcloud(order, local_h, lat, lon, labels)
    raise ValueError(rule)


def _nextcloud(order: np.ndarray, local_h: np.ndarray, lat: np.ndarray, lon: np.ndarray,
               labels: np.ndarray) -> np.ndarray:
    """Journeys: home = the most frequent place; near home a new event after 6 h or 3 km, away after 36 h
    or 50 km (from the previous placed photo); groups under 5 dropped."""
    from roll_places import km

    placed = order[np.isfinite(lat[order])]
    home = None
    if len(placed):
        cells = Counter(zip(np.round(lat[placed] / 0.05).tolist(), np.round(lon[placed] / 0.05).tolist(),
                            strict=True))
        (cell_lat, cell_lon), _ = cells.most_common(1)[0]
        members = placed[(np.round(lat[placed] / 0.05) == cell_lat) & (np.round(lon[placed] / 0.05) == cell_lon)]
        home = (float(np.median(lat[members])), float(np.median(lon[members])))
    event, last_place = 0, None
    for position, row in enumerate(order):
        here = (lat[row], lon[row]) if np.isfinite(lat[row]) else None
        if position:
            near = home is not None and last_place is not None and float(km(*home, *last_place)) <= 50
            gap_h, jump_km = (6, 3) if near else (36, 50)
            gap = local_h[row] - local_h[order[position - 1]]
            jump = here is not None and last_place is not None and float(km(*last_place, *here)) > jump_km
            if gap > gap_h or jump:
                event += 1
        labels[row] = event
        if here is not None:
            last_place = here
    sizes = np.bincount(labels[order])
    labels[order] = np.where(sizes[labels[order]] >= 5, labels[order], -1)
    return labels


def albums_from_labels(labels: np.ndarray, paths: list[str], name: str = "") -> list[dict]:
    groups: dict[int, list[str]] = defaultdict(list)
    for label, path in zip(labels.tolist(), paths, strict=True):
        if label >= 0:
            groups[label].append(path)
    return [{"name": name, "photos": members, "kind": None} for _, members in sorted(groups.items())]
