"""Events as representatives: an event summarised (span, centre of its places, mean look, size), the fused
distance between two events, and time-ordered blocks of them. What affinity and k-means group instead of
raw photos, so that memory stays linear in the library's size."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .events import event_table
from .features import CONTENT_START, PLACE_COLS, TIME_COL, FusionWeights


@dataclass
class Atoms:
    """Events summarised for grouping: span, centre of their places, mean look, size."""

    start_h: np.ndarray
    end_h: np.ndarray
    centre_xyz: np.ndarray  # NaN rows: no photo of the event had a place
    look: np.ndarray  # mean content vector
    size: np.ndarray

    def __len__(self) -> int:
        return len(self.size)


def make_atoms(X: np.ndarray, events: np.ndarray) -> Atoms:
    table = event_table(events, X[:, TIME_COL], X[:, PLACE_COLS])
    n = len(table)
    content = X[:, CONTENT_START:]
    look = np.zeros((n, content.shape[1]))
    member = events >= 0
    np.add.at(look, events[member], content[member])
    look /= np.maximum(table.size, 1)[:, None]
    return Atoms(table.start_h, table.end_h, table.centre_xyz, look, table.size)


def typical_distance(vectors: np.ndarray, *, pairs: int = 4000, random_state: int = 0) -> float:
    """Median distance between random pairs of rows: "how different two things here usually look"."""
    n = len(vectors)
    if n < 2:
        return 1.0
    rng = np.random.default_rng(random_state)
    a = rng.integers(0, n, pairs)
    b = (a + rng.integers(1, n, pairs)) % n  # never a row with itself
    value = float(np.median(np.linalg.norm(vectors[a] - vectors[b], axis=1)))
    return value if value > 1e-9 else 1.0


def look_scale(X: np.ndarray, atoms: Atoms, random_state: int = 0) -> float:
    """The unit of look between events: how far apart two events' mean looks usually are. With only a
    handful of events that median is a coin toss, so it is never taken below half the typical distance
    between two photos (a mean look is closer to others than a single photo is)."""
    photos = X[~np.isnan(X[:, TIME_COL]), CONTENT_START:]
    floor = 0.5 * typical_distance(photos, random_state=random_state) if len(photos) >= 2 else 0.0
    between = typical_distance(atoms.look, random_state=random_state) if len(atoms) >= 8 else 0.0
    return max(between, floor) or 1.0


def atom_distance2(
    atoms: Atoms,
    rows: np.ndarray,
    *,
    weights: FusionWeights,
    gap_hours: float,
    time_scale_h: float,
    place_scale_km: float,
    content_scale: float,
) -> np.ndarray:
    """Squared fused distance between the events ``rows`` (a dense block).

    Time counts only the part of the gap beyond the split rule (events are at least that far apart by
    construction). A pair where either event has no place is judged on time and look alone, rescaled as
    if the missing evidence were average, so that "no GPS" neither pulls events together nor apart.
    """
    start, end = atoms.start_h[rows], atoms.end_h[rows]
    gap = np.maximum(np.maximum(start[None, :] - end[:, None], start[:, None] - end[None, :]), 0.0)
    d_time = np.maximum(gap - gap_hours, 0.0) / time_scale_h
    centre = atoms.centre_xyz[rows]
    d_place = np.sqrt(np.sum((centre[:, None, :] - centre[None, :, :]) ** 2, axis=-1)) / place_scale_km
    look = atoms.look[rows]
    sq = np.sum(look**2, axis=1)
    d_look2 = np.maximum(sq[:, None] + sq[None, :] - 2 * look @ look.T, 0.0) / content_scale**2
    wt, wp, wc = weights.time**2, weights.place**2, weights.content**2
    has_place = ~np.isnan(d_place)
    total = wt + wp + wc
    present = wt + wc + np.where(has_place, wp, 0.0)
    summed = wt * d_time**2 + wc * d_look2 + np.where(has_place, wp * np.nan_to_num(d_place) ** 2, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(present > 0, summed * total / present, 0.0)
    np.fill_diagonal(out, 0.0)
    return out


def time_blocks(start_h: np.ndarray, size: int) -> list[np.ndarray]:
    """Event indices in time order, cut into blocks of at most ``size``; each cut falls on the widest
    gap in the second half of a full block, so that events likely to group stay together."""
    order = np.argsort(np.nan_to_num(start_h, nan=np.inf), kind="stable")
    blocks, begin = [], 0
    while begin < len(order):
        stop = min(begin + size, len(order))
        if stop < len(order):
            lo = begin + max(1, size // 2)
            gaps = np.diff(start_h[order[lo - 1 : stop + 1]])
            stop = lo + int(np.argmax(np.nan_to_num(gaps, nan=0.0)))
        blocks.append(order[begin:stop])
        begin = stop
    return blocks
