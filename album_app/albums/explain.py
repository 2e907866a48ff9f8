"""Why a photo is where it is: every reason the albums code gives, with how sure it is and why that much.

One table, so that the window's "why" panel, the incremental path and a full clustering say the same thing
for the same evidence. A confidence is in [0, 1]: how sure the placement, or the leaving out, is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .features import LibraryView
    from .place import Placement


@dataclass(frozen=True)
class Reason:
    text: str  # a format string over the evidence's values
    confidence: float  # for this evidence, unless the caller measures it (see `margin_confidence`)
    why: str  # why this much (for readers of the code; never shown)


REASONS: dict[str, Reason] = {
    "time_and_place": Reason(
        "same time and place as {others} photos", 1.0, "EXIF time and GPS agree: nothing says more"),
    "time_only": Reason(
        "same time as {others} photos (no GPS)", 0.85, "a camera without GPS: time alone placed it"),
    "joined_time_and_place": Reason(
        "same time and place as photos in this album", 1.0, "as time_and_place, for a photo added later"),
    "joined_time_only": Reason(
        "same time as photos in this album", 0.85, "as time_only, for a photo added later"),
    "new_event": Reason(
        "a new event: same time and place as {others} photos", 1.0, "as time_and_place"),
    "new_event_time_only": Reason(
        "a new event: same time as {others} photos (no GPS)", 0.85, "as time_only"),
    "small_event": Reason(
        "an event of {owners}, made an album by look-alikes without EXIF ({copies})", 0.7,
        "an event too small for an album on its own, made one by look-alikes: look is weaker than time"),
    "dense_group": Reason(
        "in a dense group of {others} photos close in time, place and look", 0.8,
        "hdbscan without membership strengths; with them: 0.5 + half the strength"),
    "no_dense_group": Reason(
        "fits no album: no dense group in time, place and look", 0.5, "density methods leave doubtful photos out"),
    "too_few_around": Reason(
        "fits no album: {few} around that time and place", 0.9,
        "a lone photo on a quiet day: an album of one or two is no album"),
    "look_alike": Reason(
        "looks like {name} (no EXIF){date}", 0.6, "the margin-based confidence applies when a margin is known"),
    "file_name_date": Reason(
        "no EXIF; its file-name date falls in this album", 0.6, "a messenger date can be weeks late"),
    "look_alike_unsorted": Reason(
        "looks like {name}, which fits no album", 0.7, "its nearest photo is Unsorted itself"),
    "ambiguous": Reason(
        "fits no album for sure: about as close to two albums", 0.5, "the ratio test failed: a coin toss"),
    "too_far": Reason(
        "fits no album: nearest is {ratio:.1f}× the usual distance", 0.5,
        "the margin-based confidence of leaving it out applies"),
    "nothing_to_compare": Reason(
        "fits no album: no time, and nothing to compare it with", 0.5, "no evidence either way"),
    "grouped_by_look": Reason(
        "no time; grouped with photos that look alike", 0.5, "0.5 + half the density method's membership strength"),
    "kept": Reason("already in this album", 1.0, "an incremental run leaves old photos where they are"),
    # Method "life" (life.py, roll.py): albums shaped like a life around a home.
    "trip": Reason(
        "away from home: a trip of {days}, with {others} other photos", 1.0,
        "time and GPS say it: away from every everyday place, across a night"),
    "trip_time_only": Reason(
        "taken during a trip away from home (no GPS: joined by time)", 0.85, "as time_only"),
    "outing": Reason(
        "a day out away from home, with {others} other photos", 1.0, "as trip, back the same day"),
    "outing_time_only": Reason(
        "taken during a day out (no GPS: joined by time)", 0.85, "as time_only"),
    "gathering": Reason(
        "near home, {others} other photos in a few hours: far above your everyday pace", 0.9,
        "the pace is the person's own (gatherings.py); a busy everyday afternoon may pass for one"),
    "everyday": Reason(
        "everyday life around home in {month}", 0.9,
        "near home and in no event; the month is the album, not a guess about what happened"),
    "screenshots": Reason(
        "a screenshot: no camera EXIF, and a screenshot's name or a screen's size", 0.95,
        "names and screen sizes are what screenshot tools write; a PNG photo at a phone's aspect could pass"),
    "download": Reason(
        "no camera EXIF and no camera's or messenger's name: a download or a meme, kept out of events", 0.8,
        "look alone does not put a download in an event"),
    "screenshot_kept_out": Reason(
        "a screenshot: no camera EXIF, and a screenshot's name or a screen's size; kept out of events", 0.95,
        "as screenshots, in a library without a home (no screenshots album there)"),
    "away_too_few": Reason(
        "fits no album: away from home, but {few} around that time", 0.9, "as too_few_around"),
    "kept_unsorted": Reason("already unsorted", 1.0, "as kept"),
}


def explain(key: str, confidence: float | None = None, **values: object) -> tuple[float, str]:
    """(confidence, text) of a reason; ``confidence`` overrides the table's where the caller measured it."""
    reason = REASONS[key]
    return (reason.confidence if confidence is None else confidence), reason.text.format(**values)


def margin_confidence(margin: float, *, placed: bool) -> float | None:
    """How sure a look-based decision is from its margin (distance over the limit; < 1 inside it): a smooth
    step, 0.5 at the limit, that grows steeply (4th power) away from it. None when no margin is known."""
    if not math.isfinite(margin):
        return None
    inside = 1.0 / (1.0 + margin**4)
    return inside if placed else 1.0 - inside


def others_text(count: int) -> str:
    """"no other photo" / "only 2 other photos" for the too_few_around reason."""
    return "no other photo" if count <= 1 else f"only {count - 1} other photos"


def explain_placed(
    view: LibraryView,
    rows: np.ndarray,
    placement: Placement,
    labels: np.ndarray,
    confidence: np.ndarray,
    reasons: list[str],
    look_alike: np.ndarray,
) -> None:
    """Confidence and reason of each photo placed by look (or left out), from its Placement; ``look_alike``
    gets the photo id it was placed by. ``placement.anchor`` holds view rows."""
    for slot, row in enumerate(rows):
        anchor = int(placement.anchor[slot])
        ratio = float(placement.ratio[slot])
        if anchor >= 0:
            look_alike[row] = view.photo_ids[anchor]
        margin = float(placement.margin[slot])
        if labels[row] >= 0:
            sure = margin_confidence(margin, placed=True)
            if anchor < 0:
                confidence[row], reasons[row] = explain("file_name_date", sure)
            else:
                date = " and its file-name date fits" if placement.hint_agrees[slot] else ""
                confidence[row], reasons[row] = explain("look_alike", sure, name=view.name(anchor), date=date)
        elif anchor >= 0 and margin <= 1.0 and labels[anchor] < 0:
            confidence[row], reasons[row] = explain("look_alike_unsorted", name=view.name(anchor))
        elif placement.ambiguous[slot]:
            confidence[row], reasons[row] = explain("ambiguous")
        elif np.isfinite(ratio):
            confidence[row], reasons[row] = explain("too_far", margin_confidence(margin, placed=False), ratio=ratio)
        else:
            confidence[row], reasons[row] = explain("nothing_to_compare")
