"""Items made of several files: a Live Photo (still + MOV), a RAW+JPEG pair, an exact copy.

Pure: candidates in, parts out. A part is never an item of its own (albums count the item once); it is
kept in the catalog with the item it belongs to, so a viewer can play a Live Photo's video and an export
can take the RAW along. Pairs are found in one folder by file stem (``IMG_1234.HEIC`` + ``IMG_1234.MOV``,
``DSC_0042.NEF`` + ``DSC_0042.JPG``), confirmed by Apple's content identifier or by capture times that agree.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from album_app.ingest.identify import RAW_FORMATS

LIVE, RAW, COPY = "live", "raw", "copy"
#: What a part shows as its skip reason (its status is 'skipped': albums never count it).
PART_REASONS = {
    LIVE: "the video of a Live Photo (shown as one item with its photo)",
    RAW: "the RAW file of a RAW+JPEG pair (shown as one item, its JPEG)",
    COPY: "an exact copy of a photo already in the library (same content)",
}
#: An iPhone Live Photo's video lasts about 3 s; longer videos are videos of their own.
LIVE_MAX_S = 5.0
#: Capture times of the two halves of a pair agree this closely (the MOV starts ~1.5 s before the still).
LIVE_TOLERANCE_S = 3.0
RAW_TOLERANCE_S = 2.0


@dataclass(frozen=True)
class Candidate:
    id: int
    path: str
    format: str | None
    media_kind: str
    taken_at: str | None  # ISO text as stored (its wall clock is compared when one side lacks an offset)
    taken_ts: float | None
    duration_s: float | None
    content_id: str | None
    part_of: int | None = None
    part_kind: str | None = None


def find_parts(candidates: Iterable[Candidate]) -> dict[int, tuple[int, str]]:
    """part id -> (item id, LIVE or RAW) for every pair found among the candidates."""
    groups: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        folder, name = os.path.split(candidate.path)
        groups[(folder, name.rsplit(".", 1)[0].casefold())].append(candidate)
    parts: dict[int, tuple[int, str]] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        stills = [c for c in group if c.media_kind == "photo" and c.format not in RAW_FORMATS]
        if not stills:
            continue
        for candidate in group:
            if candidate.format in RAW_FORMATS:
                still = _closest(candidate, stills, RAW_TOLERANCE_S, allow_untimed=True)
                if still is not None:
                    parts[candidate.id] = (still.id, RAW)
            elif candidate.media_kind == "video" and (candidate.duration_s or 0) <= LIVE_MAX_S:
                still = _same_content_id(candidate, stills) or _closest(candidate, stills, LIVE_TOLERANCE_S)
                if still is not None:
                    parts[candidate.id] = (still.id, LIVE)
    return parts


def _same_content_id(part: Candidate, stills: list[Candidate]) -> Candidate | None:
    if not part.content_id:
        return None
    return next((s for s in stills if s.content_id == part.content_id), None)


def _closest(
    part: Candidate, stills: list[Candidate], tolerance: float, *, allow_untimed: bool = False
) -> Candidate | None:
    """The still whose capture time is nearest the part's, within ``tolerance``. Untimed halves pair only
    when allowed (a RAW and a JPEG of the same stem from one camera) and the choice is unambiguous."""
    timed = [(gap, still) for still in stills if (gap := _gap(part, still)) is not None and gap <= tolerance]
    if timed:
        return min(timed, key=lambda item: item[0])[1]
    if allow_untimed and len(stills) == 1 and (part.taken_ts is None or stills[0].taken_ts is None):
        return stills[0]
    return None


def _gap(a: Candidate, b: Candidate) -> float | None:
    """Seconds between two capture times: as instants, or as wall clocks when only one has an offset
    (an iPhone MOV's creationdate has one; a still's EXIF may not)."""
    if a.taken_ts is None or b.taken_ts is None:
        return None
    gap = abs(a.taken_ts - b.taken_ts)
    if a.taken_at and b.taken_at:
        wall_a = datetime.fromisoformat(a.taken_at).replace(tzinfo=None)
        wall_b = datetime.fromisoformat(b.taken_at).replace(tzinfo=None)
        gap = min(gap, abs((wall_a - wall_b).total_seconds()))
    return gap
