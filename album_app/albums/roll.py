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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .features import ContentSpace
from .life import EVENT_KINDS, TRIP, segment_life
from .naming import SCREENSHOTS, AlbumDescription, DaySection, day_sections, describe_album, everyday_name
from .place import calibrate_limits, place_by_content
from .screens import CAMERA, MESSENGER, SCREENSHOT, classify_files

SCREENSHOT_KIND = "screenshots"


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


@dataclass
class RollAlbum:
    kind: str
    rows: np.ndarray
    description: AlbumDescription
    sections: list[DaySection] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.description.name


@dataclass
class RollAlbums:
    albums: list[RollAlbum]
    labels: np.ndarray  # (N,) album index, -1 Unsorted
    file_kinds: np.ndarray  # screens.py's verdict per row


def roll_albums(view: RollView, *, random_state: int = 0) -> RollAlbums:
    """Albums for a roll (module docstring)."""
    n = len(view)
    file_kinds = classify_files(view.names, view.formats, view.width, view.height, view.has_camera)
    timed = np.isfinite(view.taken_ts)
    life_rows = np.flatnonzero(timed & (file_kinds != SCREENSHOT))
    life = segment_life(view.taken_ts[life_rows] / 3600.0, view.local_ts[life_rows] / 3600.0,
                        view.lat[life_rows], view.lon[life_rows], view.device[life_rows])
    labels = np.full(n, -1, np.int64)
    labels[life_rows] = life.labels
    kinds = list(life.kinds)
    months = list(life.month)
    copies = np.flatnonzero(~timed & np.isin(file_kinds, [MESSENGER, CAMERA]))
    if len(copies) and len(life_rows):
        labels[copies] = _place_copies(view, labels, kinds, life_rows, copies, random_state)
    screens = np.flatnonzero(file_kinds == SCREENSHOT)
    if len(screens):
        labels[screens] = len(kinds)
        kinds.append(SCREENSHOT_KIND)
        months.append(None)
    albums = [_describe(view, np.flatnonzero(labels == g), kind, months[g]) for g, kind in enumerate(kinds)]
    keep = [g for g, album in enumerate(albums) if len(album.rows)]
    remap = np.full(len(albums) + 1, -1, np.int64)
    remap[keep] = np.arange(len(keep))
    return RollAlbums([albums[g] for g in keep], remap[labels], file_kinds)


def _place_copies(view: RollView, labels: np.ndarray, kinds: list[str], anchors: np.ndarray, copies: np.ndarray,
                  random_state: int) -> np.ndarray:
    """Labels for EXIF-less copies by look and file-name date, against event albums only."""
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
        return np.full(len(copies), -1, np.int64)
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
    return np.where(is_event[out] & (out >= 0), out, -1)


def _describe(view: RollView, rows: np.ndarray, kind: str, month: tuple[int, int] | None) -> RollAlbum:
    rows = rows[np.argsort(np.where(np.isfinite(view.local_ts[rows]), view.local_ts[rows], np.inf), kind="stable")]
    if kind == SCREENSHOT_KIND:
        return RollAlbum(kind, rows, AlbumDescription(SCREENSHOTS, None, None, None))
    timed = rows[np.isfinite(view.local_ts[rows])]
    if kind == "everyday":
        description = everyday_name(view.local_ts[timed], view.lat[rows], view.lon[rows], month)
    else:
        description = describe_album(view.local_ts[timed], view.lat[rows], view.lon[rows])
    sections = day_sections(view.local_ts[rows], view.lat[rows], view.lon[rows]) if kind == TRIP else []
    for section in sections:
        section.rows[:] = rows[section.rows]
    return RollAlbum(kind, rows, description, sections)
