"""Events: runs of photos close in time and place (the skeleton every album method starts from).

Photos with a trusted time are walked in time order and a new event starts where
  * the gap since the previous photo exceeds ``gap_hours`` (a night's sleep, ~12 h, must not split a
    trip: a 12 h rule cut multi-day trips apart in the calibration; 24 h still cut trips whose days
    hold only a few photos, one in the morning, the next in the evening; 36 h scored best on the event
    library, and 48 h no better while merging more back-to-back outings), or
  * the place jumps more than ``jump_km`` from the event's running centre (two events on one day in
    cities far apart; without this rule they merge).
A single far-off GPS fix followed by photos back near the centre is a glitch, not a move: the jump
must be confirmed by the next photo that has a place. Photos with a time but no place (a camera
without GPS) never test the place rule: they join whatever event their time falls in.
Photos without a time are not segmented here (label -1); place.py places them by their look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .features import geo_xyz_km, hours

#: A new event after this many hours without a photo. FIELD-NOTES: 18–48 h works, 12 h splits trips;
#: the event library (bench/albums_quality.py, 5 seeds): NMI 0.965 at 24 h, 0.974 at 36 h, 0.980 at 48 h
#: for segmentation alone, and 0.973 / 0.982 / 0.983 once affinity joins split trips back.
GAP_HOURS = 36.0
#: ...or after the place moves this far from the running centre.
JUMP_KM = 50.0
#: Fewer timed photos than this do not make an album (a lone photo on a quiet day is "Unsorted").
MIN_ALBUM_SIZE = 3
#: How fast the running centre follows the photos (an exponential average): fast enough to follow a
#: road trip, slow enough that one photo does not drag it.
CENTRE_FOLLOW = 0.3


def segment_events(
    taken_ts: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    gap_hours: float = GAP_HOURS,
    jump_km: float = JUMP_KM,
) -> np.ndarray:
    """Event number per photo (0, 1, ... in time order), -1 for photos without a time.

    ``gap_hours`` or ``jump_km`` set to ``inf`` switches that rule off.
    """
    return segment_hours(hours(taken_ts), geo_xyz_km(lat, lon), gap_hours=gap_hours, jump_km=jump_km)


def segment_hours(time_h: np.ndarray, xyz_km: np.ndarray, *, gap_hours: float, jump_km: float) -> np.ndarray:
    """`segment_events` on a fused matrix's own columns: time in hours, place as x/y/z km (NaN = missing)."""
    t = np.asarray(time_h, np.float64)
    labels = np.full(len(t), -1, dtype=np.int64)
    order = np.flatnonzero(~np.isnan(t))
    if len(order) == 0:
        return labels
    order = order[np.argsort(t[order], kind="stable")]
    xyz = np.asarray(xyz_km, np.float64)[order]
    has_place = ~np.isnan(xyz[:, 0])
    times = t[order]
    # The place rule needs a look-ahead: the next photo with a place before a time gap (to confirm a jump).
    gap_after = np.diff(times) > gap_hours
    next_placed = _next_index(has_place, gap_after)

    # A plain-Python walk (floats, lists): ~0.2 s for 100k photos, far below the cost of anything else here.
    xs, ys, zs = (xyz[:, axis].tolist() for axis in range(3))
    placed = has_place.tolist()
    gaps = gap_after.tolist()
    ahead_of = next_placed.tolist()
    out = [0] * len(order)
    event = 0
    cx = cy = cz = math.nan  # the running centre (NaN: the event has no place yet)
    check_place = math.isfinite(jump_km)
    if placed[0]:
        cx, cy, cz = xs[0], ys[0], zs[0]
    for i in range(1, len(order)):
        split = gaps[i - 1]
        far = check_place and not split and placed[i] and cx == cx and _far(xs[i], ys[i], zs[i], cx, cy, cz, jump_km)
        if far:
            ahead = ahead_of[i]
            # A jump is confirmed when the next placed photo is also far from the centre (or there is none).
            split = ahead < 0 or _far(xs[ahead], ys[ahead], zs[ahead], cx, cy, cz, jump_km)
            if not split:
                out[i] = event  # a glitch: keep the photo, leave the centre where it is
                continue
        if split:
            event += 1
            cx = cy = cz = math.nan
        out[i] = event
        if placed[i]:
            if cx != cx:  # NaN: first place of this event
                cx, cy, cz = xs[i], ys[i], zs[i]
            else:
                cx += CENTRE_FOLLOW * (xs[i] - cx)
                cy += CENTRE_FOLLOW * (ys[i] - cy)
                cz += CENTRE_FOLLOW * (zs[i] - cz)
    labels[order] = out
    return labels


def _far(x: float, y: float, z: float, cx: float, cy: float, cz: float, limit: float) -> bool:
    return (x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 > limit * limit


def _next_index(has_place: np.ndarray, gap_after: np.ndarray) -> np.ndarray:
    """For each position, the next later position with a place and no time gap in between (-1: none)."""
    out = np.full(len(has_place), -1, dtype=np.int64)
    upcoming = -1  # the next placed position at or after i + 1, reachable from i + 1 without a gap
    for i in range(len(has_place) - 1, -1, -1):
        reach = -1 if i < len(gap_after) and gap_after[i] else upcoming
        out[i] = reach
        upcoming = i if has_place[i] else reach
    return out


@dataclass
class EventTable:
    """Per-event summary: time span (hours), size, centre of its places (NaN: none had a place)."""

    start_h: np.ndarray
    end_h: np.ndarray
    size: np.ndarray
    n_placed: np.ndarray
    centre_xyz: np.ndarray

    def __len__(self) -> int:
        return len(self.size)


def event_table(labels: np.ndarray, time_h: np.ndarray, xyz: np.ndarray) -> EventTable:
    """Summaries of events 0..E-1 (rows labelled -1 are ignored)."""
    labels = np.asarray(labels)
    n = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    member = labels >= 0
    lab, t = labels[member], time_h[member]
    start = np.full(n, np.inf)
    end = np.full(n, -np.inf)
    timed = ~np.isnan(t)
    np.minimum.at(start, lab[timed], t[timed])
    np.maximum.at(end, lab[timed], t[timed])
    start[np.isinf(start)] = np.nan
    end[np.isinf(end)] = np.nan
    size = np.bincount(lab, minlength=n)
    placed = ~np.isnan(xyz[member, 0])
    n_placed = np.bincount(lab[placed], minlength=n)
    sums = np.zeros((n, 3))
    np.add.at(sums, lab[placed], xyz[member][placed])
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = sums / n_placed[:, None]
    centre[n_placed == 0] = np.nan
    return EventTable(start, end, size, n_placed, centre)


def drop_small(labels: np.ndarray, min_size: int, counted: np.ndarray | None = None) -> np.ndarray:
    """Labels with groups of fewer than ``min_size`` (counted rows) set to -1, the rest renumbered 0..K-1
    in order of first appearance by label value (so event order, i.e. time order, is kept)."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    valid = labels >= 0
    if not valid.any():
        return out
    weight = valid if counted is None else (valid & counted)
    sizes = np.bincount(labels[weight], minlength=int(labels.max()) + 1)
    keep = np.flatnonzero(sizes >= min_size)
    remap = np.full(len(sizes), -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    out[valid] = remap[labels[valid]]
    return out
