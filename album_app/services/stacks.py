"""Burst stacks of a library, read from the catalog: what the CLI lists and the photo grid shows as tiles.

Stacks are computed over the whole library at once (`bursts.stack_bursts` on the codes of the model in
use and the EXIF times), because a burst's frames are seconds apart and so normally in one album, and
the threshold is calibrated on the library as a whole. The result is cached per catalog file and kept
while `views.codes_fingerprint` says nothing it depends on changed (photos added, removed or re-read,
another model): asking again after an edit or a snapshot refresh costs one aggregate query.

Within one album a stack shows only the members that are in that album, and only if two or more are
(`LibraryStacks.in_album`): the user may have moved a frame elsewhere.

Read-only: stacks are a way of showing photos. They never change albums, placements or the edit log.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from album_app.albums.bursts import BurstStacker, Stack
from album_app.albums.features import LibraryView
from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.catalog.codes import active_model
from album_app.catalog.views import codes_fingerprint
from album_app.progress import CancelToken


@dataclass(frozen=True)
class LibraryStacks:
    """The stacks of a library, in time order, with a photo → stack index for the views."""

    stacks: tuple[Stack, ...] = ()
    fingerprint: tuple[object, ...] = ()  # what they were computed from (empty: nothing to compute from)
    photos: int = 0  # photos with a code that were looked at
    threshold: float | None = None  # the calibrated cosine threshold (None: not computed)
    seconds: float = 0.0  # how long reading and stacking took
    times: dict[int, float] = field(default_factory=dict, repr=False)  # stacked photo → EXIF time (NaN: none)
    _index: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {photo: number for number, stack in enumerate(self.stacks) for photo in stack.photo_ids}
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self.stacks)

    @property
    def stacked_photos(self) -> int:
        return len(self._index)

    def stack_of(self, photo_id: int) -> Stack | None:
        number = self._index.get(photo_id)
        return self.stacks[number] if number is not None else None

    def in_album(self, members: Iterable[int]) -> list[Stack]:
        """The stacks as an album shows them: only members in ``members``, kept when two or more are.

        A stack whose members are all there is returned as it is; otherwise its cover stays when it is
        there, else the middle shot of the members left becomes the cover. Order: the library's (time).
        O(len(members)) dictionary look-ups: fast enough for the GUI thread at 100k photos.
        """
        index = self._index
        if not index:
            return []
        present: dict[int, set[int]] = {}
        for photo in members:
            number = index.get(photo)
            if number is not None:
                present.setdefault(number, set()).add(photo)
        shown = []
        for number in sorted(present):
            here = present[number]
            if len(here) < 2:
                continue
            stack = self.stacks[number]
            shown.append(stack if len(here) == stack.size else self._restricted(stack, here))
        return shown

    def _restricted(self, stack: Stack, here: set[int]) -> Stack:
        ordered = [p for p in stack.photo_ids if p in here]  # timed in time order, then untimed
        timed = [p for p in ordered if math.isfinite(self.times.get(p, math.nan))]
        if stack.cover_id in here:
            cover = stack.cover_id
        else:
            pool = timed or ordered
            cover = pool[(len(pool) - 1) // 2]  # the same rule as bursts: the middle shot
        span = self.times[timed[-1]] - self.times[timed[0]] if len(timed) > 1 else 0.0
        kind = "burst" if len(timed) == len(ordered) else "duplicates"
        return Stack(photo_ids=tuple(ordered), cover_id=cover, kind=kind, span_s=float(span))


EMPTY = LibraryStacks()

_cache: dict[str, LibraryStacks] = {}
_lock = threading.Lock()


def library_stacks(
    catalog: Catalog, *, use_cache: bool = True, cancel: CancelToken | None = None, **params: float | None
) -> LibraryStacks:
    """The stacks of every indexed photo that has a code from the model in use (EMPTY without a model).

    ``params`` go to `bursts.BurstStacker` (fixed thresholds, the burst gap); a call with params is not
    cached. Safe from any thread: the cache is behind a lock, the catalog is the caller's. ``cancel`` is
    checked between steps (raises progress.Cancelled; nothing is cached then).
    """
    model = active_model(catalog)
    if model is None:
        return EMPTY
    fingerprint = codes_fingerprint(catalog, model.id)
    key = str(catalog.paths.catalog)
    use_cache = use_cache and not params
    if use_cache:
        with _lock:
            cached = _cache.get(key)
        if cached is not None and cached.fingerprint == fingerprint:
            return cached
    result = compute_stacks(catalog, model.id, fingerprint, cancel=cancel, **params)
    if use_cache:
        with _lock:
            _cache[key] = result
    return result


def compute_stacks(
    catalog: Catalog,
    model_id: str,
    fingerprint: tuple[object, ...] = (),
    *,
    cancel: CancelToken | None = None,
    **params: float | None,
) -> LibraryStacks:
    """Read codes and times (the facts clustering reads) and stack them; no cache."""
    started = time.perf_counter()
    facts = rows.photo_facts(catalog, model_id)
    if len(facts.photo_ids) == 0:
        return LibraryStacks(fingerprint=fingerprint, seconds=time.perf_counter() - started)
    view = LibraryView(facts.photo_ids, facts.codes, facts.taken_ts, facts.hint_ts, facts.lat, facts.lon)
    return stacks_of_view(view, fingerprint, started=started, cancel=cancel, **params)


def stacks_of_view(
    view: LibraryView,
    fingerprint: tuple[object, ...] = (),
    *,
    started: float | None = None,
    cancel: CancelToken | None = None,
    **params: float | None,
) -> LibraryStacks:
    """`LibraryStacks` of a LibraryView (the catalog-free part, for tests and benchmarks)."""
    started = time.perf_counter() if started is None else started
    stacker = BurstStacker(**params).fit(view, cancel=cancel)  # type: ignore[arg-type]
    stacked = np.flatnonzero(stacker.labels_ >= 0)
    times = dict(zip(view.photo_ids[stacked].tolist(), view.taken_ts[stacked].tolist(), strict=True))
    return LibraryStacks(
        stacks=tuple(stacker.stacks_),
        fingerprint=fingerprint,
        photos=len(view),
        threshold=stacker.threshold_,
        seconds=time.perf_counter() - started,
        times=times,
    )


def forget(catalog: Catalog | None = None) -> None:
    """Drop cached stacks (of one catalog, or all): the next `library_stacks` recomputes."""
    with _lock:
        if catalog is None:
            _cache.clear()
        else:
            _cache.pop(str(catalog.paths.catalog), None)


def stack_record(
    stack: Stack, paths: dict[int, str], album_of: dict[int, int | None] | None = None
) -> dict[str, object]:
    """One stack as the CLI prints it (JSON-ready)."""
    record: dict[str, object] = {
        "cover": paths.get(stack.cover_id),
        "cover_id": stack.cover_id,
        "photos": [paths.get(p) for p in stack.photo_ids],
        "photo_ids": list(stack.photo_ids),
        "count": stack.size,
        "kind": stack.kind,
        "span_s": round(stack.span_s, 3),
    }
    if album_of is not None:
        record["album"] = album_of.get(stack.cover_id)
    return record


def describe(stack: Stack) -> str:
    """A short line for a person: "burst of 5 photos over 1.2 s", "3 near-duplicates"."""
    if stack.kind == "burst":
        return f"burst of {stack.size} photos over {stack.span_s:.1f} s"
    return f"{stack.size} near-duplicates"
