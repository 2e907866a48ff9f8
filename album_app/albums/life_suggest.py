"""Method ``life``: a library's albums shaped like a life (roll.py), as a Suggestion with each album's kind.

`suggest_life` runs `roll.roll_albums` without naming (the app names albums from the catalog, where the
user's place names are), numbers albums by their first photo like every other method, and says for every
photo why it is where it is (explain.py's life reasons). `life_applies` is what ``auto`` asks.
"""

from __future__ import annotations

import numpy as np

from .cluster import renumber_by_time
from .explain import explain, explain_placed, others_text
from .features import FusionWeights, LibraryView
from .kinds import EVERYDAY, GATHERING, OUTING, SCREENSHOTS, TRIP
from .naming import MONTH_NAMES
from .roll import HOME_DAY_SHARE, RollAlbums, RollView, life_share, roll_albums
from .screens import DOWNLOAD
from .suggestion import Suggestion

LIFE_METHOD = "life"


def life_applies(view: LibraryView, weights: FusionWeights | None = None) -> bool:
    """True when the library is a life around a home (roll.HOME_DAY_SHARE) and time counts at all."""
    if weights is not None and weights.time <= 0:
        return False
    return life_share(RollView.from_library(view)) >= HOME_DAY_SHARE


def suggest_life(view: LibraryView, *, random_state: int = 0) -> Suggestion:
    """Albums of kinds for the whole library (module docstring)."""
    roll = RollView.from_library(view)
    result = roll_albums(roll, random_state=random_state, describe=False)
    n = len(view)
    labels = result.labels.copy()
    confidence = np.zeros(n)
    reasons = [""] * n
    look_alike = np.full(n, -1, np.int64)
    _explain_groups(roll, result, confidence, reasons)
    if result.placement is not None:
        explain_placed(view, result.copies, result.placement, labels, confidence, reasons, look_alike)
    renumbered = renumber_by_time(labels, roll.taken_ts / 3600.0)
    old_of_new = np.full(int(renumbered.max()) + 1 if (renumbered >= 0).any() else 0, -1, np.int64)
    old_of_new[renumbered[labels >= 0]] = labels[labels >= 0]
    kinds = [result.albums[old].kind for old in old_of_new]
    periods = [result.albums[old].period for old in old_of_new]
    return Suggestion(renumbered, np.clip(confidence, 0.0, 1.0), reasons, LIFE_METHOD, look_alike,
                      kinds=kinds, periods=periods)


def _explain_groups(roll: RollView, result: RollAlbums, confidence: np.ndarray, reasons: list[str]) -> None:
    """Reasons of the photos the segmentation and the screenshot rule placed (copies: explain_placed)."""
    placed = np.isfinite(roll.lat)
    for album in result.albums:
        others = len(album.rows) - 1
        if album.kind in (TRIP, OUTING):
            day = np.floor(roll.local_ts[album.rows] / 86400.0)
            span = int(np.nanmax(day) - np.nanmin(day)) + 1 if np.isfinite(day).any() else 1
            days = "one day" if span == 1 else f"{span} days"
            # One reason per album and key (explain is a pure table lookup): not one call per photo.
            with_place = explain(album.kind, days=days, others=others)
            time_only = explain(f"{album.kind}_time_only", days=days, others=others)
            for row in album.rows:
                confidence[row], reasons[row] = with_place if placed[row] else time_only
        elif album.kind in (GATHERING, EVERYDAY, SCREENSHOTS):
            reason = explain(album.kind, others=others, month=_month_text(album.period))
            confidence[album.rows] = reason[0]
            for row in album.rows.tolist():
                reasons[row] = reason[1]
    unsorted = np.flatnonzero(result.labels < 0)
    timed = np.isfinite(roll.taken_ts)
    near = result.near_home if result.near_home is not None else np.zeros(len(roll), bool)
    around = _photos_around(roll.taken_ts, unsorted)
    for slot, row in enumerate(unsorted):
        if result.file_kinds[row] == DOWNLOAD and not timed[row]:
            confidence[row], reasons[row] = explain("download")
        elif timed[row]:
            key = "too_few_around" if near[row] else "away_too_few"
            confidence[row], reasons[row] = explain(key, few=others_text(int(around[slot])))
        else:  # a photo without time in a library with no timed photo to compare it with
            confidence[row], reasons[row] = explain("nothing_to_compare")


def _photos_around(taken_ts: np.ndarray, rows: np.ndarray, hours: float = 12.0) -> np.ndarray:
    """How many timed photos lie within ``hours`` of each of ``rows`` (itself included; 0 without a time)."""
    times = np.sort(taken_ts[np.isfinite(taken_ts)])
    t = taken_ts[rows]
    count = np.searchsorted(times, t + hours * 3600.0, side="right") - np.searchsorted(times, t - hours * 3600.0)
    return np.where(np.isfinite(t), count, 0)


def _month_text(period: str | None) -> str:
    if not period:
        return "one month"
    year, month = period.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"
