"""A whole camera roll in, albums of kinds out: screenshots apart, life segmentation, EXIF-less photos placed.

    albums = roll_albums(view)   # RollView: one row per photo, arrays only (no SQL, no files)

  1. screens.py sorts out screenshots (one ``screenshots`` album), downloads and memes (Unsorted) and the
     EXIF-less copies a messenger or an old phone left (placed by look in step 3).
  2. life.py cuts the photos with a trusted time into trips, outings, gatherings and everyday months.
  3. EXIF-less copies are placed by look and file-name date (place.py, as today), against the photos of
     event albums only (a friend shares events, not the person's everyday); one that fits none stays Unsorted.
  4. Every album gets a name by its kind (naming.py) and, for trips, day sections.
Times: ``taken_ts`` is the instant (true UTC where the file recorded an offset); ``local_ts`` the wall clock
where the photo was taken, read as UTC (what the catalog stores for a file without an offset).
`RollView.from_library` derives both from a LibraryView (a time without an offset is taken at the offset most
of the library's photos carry: a camera without a time zone is usually set to home time).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .features import ContentSpace, LibraryView
from .home import home_day_share
from .kinds import EVENT_KINDS, SCREENSHOTS
from .life import photo_days, segment_life
from .naming import AlbumDescription, DaySection, describe_by_kind
from .place import Placement, calibrate_limits, place_by_content
from .screens import PLACED_BY_LOOK, SCREENSHOT, classify_files

SCREENSHOT_KIND = SCREENSHOTS
#: A library is shaped like a life (method ``auto`` picks ``life``) when its homes hold at least this share
#: of the days with placed photos. A phone roll spends most days at home (0.84–0.93 on bench/camera_roll.py's
#: unseen rolls, seeds 100–104); a library of events far apart has no home at all (0.0 on each of
#: bench/albums_quality.py's libraries, seeds 0–4: no place is come back to often enough to be one).
HOME_DAY_SHARE = 0.4


@dataclass
class RollView:
    """One row per photo. NaN: missing. ``device``: a number per camera (make and model)."""

    names: list[str]
    formats: list[str | None]
    width: np.ndarray
    height: np.ndarray
    has_camera: np.ndarray
    device: np.ndarray
    taken_ts: np.ndarray
    local_ts: np.ndarray
    hint_ts: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    codes: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def from_library(cls, view: LibraryView) -> RollView:
        """The roll's view of a library (module docstring: times); facts the library lacks are NaN / unknown."""
        n = len(view)
        local = view.taken_ts.copy() if view.local_ts is None else view.local_ts.copy()
        offset = np.full(n, np.nan) if view.offset_s is None else view.offset_s
        known = offset[np.isfinite(offset)]
        usual = float(Counter(known.tolist()).most_common(1)[0][0]) if len(known) else 0.0
        instant = np.where(np.isfinite(offset), local - offset, local - usual)
        only_instant = ~np.isfinite(local) & np.isfinite(view.taken_ts)  # a video's UTC stamp
        instant[only_instant] = view.taken_ts[only_instant]
        local[only_instant] = view.taken_ts[only_instant] + usual
        cameras = view.cameras if view.cameras is not None else [""] * n
        device_of = {name: index for index, name in enumerate(sorted(set(cameras)))}
        nan = np.full(n, np.nan)
        return cls(
            names=list(view.names) if view.names is not None else [f"photo {int(p)}" for p in view.photo_ids],
            formats=list(view.formats) if view.formats is not None else [None] * n,
            width=nan if view.width is None else view.width, height=nan if view.height is None else view.height,
            has_camera=np.array([bool(c) for c in cameras], bool) if view.cameras is not None else np.ones(n, bool),
            device=np.array([device_of[c] for c in cameras], np.int64),
            taken_ts=instant, local_ts=local, hint_ts=view.hint_ts, lat=view.lat, lon=view.lon, codes=view.codes,
        )


@dataclass
class RollAlbum:
    kind: str
    rows: np.ndarray
    description: AlbumDescription | None = None  # None when roll_albums was asked not to name albums
    sections: list[DaySection] = field(default_factory=list)
    period: str | None = None  # an everyday album's month, "2024-03"

    @property
    def name(self) -> str:
        return self.description.name if self.description is not None else ""


@dataclass
class RollAlbums:
    albums: list[RollAlbum]
    labels: np.ndarray  # (N,) album index, -1 Unsorted
    file_kinds: np.ndarray  # screens.py's verdict per row
    near_home: np.ndarray | None = None  # (N,) life.py's state of each timed photo (False elsewhere)
    copies: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # rows placed by look
    placement: Placement | None = None  # of ``copies``; its anchors are view rows (-1: none)


def roll_albums(view: RollView, *, random_state: int = 0, describe: bool = True) -> RollAlbums:
    """Albums for a roll (module docstring). ``describe=False`` leaves names and sections to the caller (the
    app names albums from the catalog, where the user's place names and edits are)."""
    n = len(view)
    file_kinds = classify_files(view.names, view.formats, view.width, view.height, view.has_camera)
    timed = np.isfinite(view.taken_ts)
    life_rows = np.flatnonzero(timed & (file_kinds != SCREENSHOT))
    life = segment_life(view.taken_ts[life_rows] / 3600.0, view.local_ts[life_rows] / 3600.0,
                        view.lat[life_rows], view.lon[life_rows], view.device[life_rows])
    labels = np.full(n, -1, np.int64)
    labels[life_rows] = life.labels
    near_home = np.zeros(n, bool)
    if life.near_home is not None:
        near_home[life_rows] = life.near_home
    kinds = list(life.kinds)
    months = list(life.month)
    copies = np.flatnonzero(~timed & np.isin(file_kinds, PLACED_BY_LOOK))
    placement = None
    if len(copies) and len(life_rows):
        placement = _place_copies(view, labels, kinds, life_rows, copies, random_state)
        labels[copies] = placement.labels
    screens = np.flatnonzero(file_kinds == SCREENSHOT)
    if len(screens):
        labels[screens] = len(kinds)
        kinds.append(SCREENSHOT_KIND)
        months.append(None)
    albums = [_album(view, np.flatnonzero(labels == g), kind, months[g], describe) for g, kind in enumerate(kinds)]
    keep = [g for g, album in enumerate(albums) if len(album.rows)]
    remap = np.full(len(albums) + 1, -1, np.int64)
    remap[keep] = np.arange(len(keep))
    if placement is not None:
        placement.labels = remap[placement.labels]
    return RollAlbums([albums[g] for g in keep], remap[labels], file_kinds, near_home, copies, placement)


def life_share(view: RollView) -> float:
    """`home.home_day_share` over the photos the life segmentation reads (timed, screenshots aside)."""
    file_kinds = classify_files(view.names, view.formats, view.width, view.height, view.has_camera)
    rows = np.flatnonzero(np.isfinite(view.taken_ts) & (file_kinds != SCREENSHOT))
    return home_day_share(photo_days(view.local_ts[rows] / 3600.0), view.lat[rows], view.lon[rows])


def _place_copies(view: RollView, labels: np.ndarray, kinds: list[str], anchors: np.ndarray, copies: np.ndarray,
                  random_state: int) -> Placement:
    """EXIF-less copies placed by look and file-name date, against event albums only (labels -1 elsewhere)."""
    rows = np.concatenate([anchors, copies])
    content = ContentSpace(random_state=random_state).fit_transform(view.codes[rows])
    anchor_content, query = content[: len(anchors)], content[len(anchors):]
    is_event = np.array([kind in EVENT_KINDS for kind in kinds] + [False])
    # Only event photos are look-alikes: a friend sends photos of what they shared with the person (a party,
    # a trip), and an everyday snap that happens to look closer must not veto the event its date fits
    # (on the camera-roll bench, seeds 0-4: 0.79 of a friend's copies placed this way, 0.71 when everyday
    # photos were look-alikes that keep a copy out, 0.72 when they were albums of their own).
    keep = is_event[labels[anchors]] & (labels[anchors] >= 0)
    if not keep.any():
        none = np.full(len(copies), -1, np.int64)
        nan = np.full(len(copies), np.nan)
        off = np.zeros(len(copies), bool)
        return Placement(none, none.copy(), nan, nan.copy(), off, nan.copy(), off.copy())
    anchors, anchor_content = anchors[keep], anchor_content[keep]
    anchor_labels = labels[anchors]
    limits = calibrate_limits(anchor_content, anchor_labels, random_state=random_state)
    local_h = view.local_ts / 3600.0
    start = np.full(len(kinds), np.nan)
    end = np.full(len(kinds), np.nan)
    for group in range(len(kinds)):
        members = anchors[labels[anchors] == group]
        if len(members):
            start[group], end[group] = np.nanmin(local_h[members]), np.nanmax(local_h[members])
    placement = place_by_content(query, view.hint_ts[copies] / 3600.0, anchor_content, anchor_labels, start, end,
                                 limits.look, hint_threshold=limits.dated, spread=limits.spread)
    out = placement.labels
    placement.labels = np.where(is_event[out] & (out >= 0), out, -1)
    # Anchors as view rows: an index past the anchors names a copy placed earlier in the same call.
    seen = np.concatenate([anchors, copies])
    placement.anchor = np.where(placement.anchor >= 0, seen[np.clip(placement.anchor, 0, len(seen) - 1)], -1)
    return placement


def _album(view: RollView, rows: np.ndarray, kind: str, month: tuple[int, int] | None, describe: bool) -> RollAlbum:
    rows = rows[np.argsort(np.where(np.isfinite(view.local_ts[rows]), view.local_ts[rows], np.inf), kind="stable")]
    period = f"{month[0]:04d}-{month[1]:02d}" if month is not None else None
    if not describe:
        return RollAlbum(kind, rows, period=period)
    description, sections = describe_by_kind(kind, view.local_ts[rows], view.lat[rows], view.lon[rows], period=period)
    for section in sections:
        section.rows[:] = rows[section.rows]
    return RollAlbum(kind, rows, description, sections, period)
