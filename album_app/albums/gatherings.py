"""Gatherings near home: a session of photos well above the person's own everyday rate (a birthday, a dinner).

In the spirit of PhotoTOC (Platt et al. 2003) and Cooper et al. (2005), the cut is relative to the person,
never one fixed gap or count:
  * shots seconds apart (``MOMENT_S``) are one *moment* (a burst of ten is one thing that happened);
  * the person's everyday pace is the median, over days, of each day's median gap between consecutive
    moments (every day counts once, so a few busy days do not set the pace); moments closer than half of
    that (``PACE_SHARE``, between ``SESSION_MIN_S`` and ``SESSION_MAX_S``) chain into a *session* (a
    party's lulls are far shorter than the hours between everyday snaps);
  * a session is a gathering when it holds at least ``GATHERING_FACTOR`` times as many moments as the
    person's busy everyday sessions (their 90th percentile), and never fewer than ``MIN_MOMENTS``;
  * a gathering takes in the sessions of the same day less than ``MERGE_GAPS`` session gaps before or after
    it (a long lull, the end of the evening), then its ends are trimmed: a run of fewer than
    ``FRAGMENT_MOMENTS`` moments at either end, cut off by a gap more than ``EDGE_FACTOR`` times the
    gathering's own median gap, is not the party (for a party shot every four minutes, a snap or two an
    hour or more before it is the afternoon; a burst 25 minutes before the rest opens the party).
"""

from __future__ import annotations

import numpy as np

MOMENT_S = 60.0
PACE_SHARE = 0.5
SESSION_MIN_S = 30 * 60.0
SESSION_MAX_S = 3 * 3600.0
EDGE_FACTOR = 15.0
FRAGMENT_MOMENTS = 3
GATHERING_FACTOR = 3.0
SESSION_QUANTILE = 0.9
MIN_MOMENTS = 8
MERGE_GAPS = 2.0


def find_gatherings(time_h: np.ndarray, day: np.ndarray) -> list[np.ndarray]:
    """Index arrays (into the given rows, which must be in time order) of each gathering found."""
    t = np.asarray(time_h, np.float64) * 3600.0
    n = len(t)
    if n < MIN_MOMENTS:
        return []
    gaps = np.diff(t)
    new_moment = np.concatenate([[True], gaps > MOMENT_S])
    moment = np.cumsum(new_moment) - 1
    starts = np.flatnonzero(new_moment)
    moment_t = t[starts]
    moment_day = np.asarray(day)[starts]
    session_gap = session_gap_s(moment_t, moment_day)
    cuts = np.flatnonzero(np.diff(moment_t) > session_gap) + 1
    sessions = np.split(np.arange(len(starts)), cuts)
    sizes = np.array([len(s) for s in sessions])
    threshold = max(MIN_MOMENTS, GATHERING_FACTOR * float(np.quantile(sizes, SESSION_QUANTILE)))
    found: list[list[int]] = []  # [first session, last session] of each gathering
    for index in np.flatnonzero(sizes >= threshold):
        first, last = _grow(int(index), sessions, moment_t, moment_day, MERGE_GAPS * session_gap)
        if found and first <= found[-1][1]:
            found[-1][1] = max(found[-1][1], last)
        else:
            found.append([first, last])
    out = []
    for first, last in found:
        members = _trim(np.concatenate(sessions[first:last + 1]), moment_t)
        out.append(np.flatnonzero(np.isin(moment, members)))
    return out


def _grow(index: int, sessions: list[np.ndarray], moment_t: np.ndarray, moment_day: np.ndarray,
          reach_s: float) -> tuple[int, int]:
    """The run of sessions around ``index`` on its day, each within ``reach_s`` of the next."""
    first = last = index
    while first > 0 and moment_day[sessions[first - 1][-1]] == moment_day[sessions[first][0]] \
            and moment_t[sessions[first][0]] - moment_t[sessions[first - 1][-1]] <= reach_s:
        first -= 1
    while last + 1 < len(sessions) and moment_day[sessions[last + 1][0]] == moment_day[sessions[last][-1]] \
            and moment_t[sessions[last + 1][0]] - moment_t[sessions[last][-1]] <= reach_s:
        last += 1
    return first, last


def _trim(session: np.ndarray, moment_t: np.ndarray) -> np.ndarray:
    """Drop moments at either end that lie far beyond the gathering's own pace (module docstring)."""
    while len(session) > 2 * FRAGMENT_MOMENTS:
        gaps = np.diff(moment_t[session])
        limit = EDGE_FACTOR * float(np.median(gaps))
        head = np.flatnonzero(gaps[:FRAGMENT_MOMENTS] > limit)
        tail = np.flatnonzero(gaps[-FRAGMENT_MOMENTS:] > limit)
        if len(head):
            session = session[head[-1] + 1:]
        elif len(tail):
            session = session[: len(session) - FRAGMENT_MOMENTS + tail[0]]
        else:
            break
    return session


def session_gap_s(moment_t: np.ndarray, moment_day: np.ndarray) -> float:
    """The gap that ends a session, from the person's everyday pace (module docstring)."""
    gaps = np.diff(moment_t)
    same_day = moment_day[1:] == moment_day[:-1]
    if not same_day.any():
        return SESSION_MAX_S
    _days, first = np.unique(moment_day[1:][same_day], return_index=True)
    per_day = [float(np.median(chunk)) for chunk in np.split(gaps[same_day], first[1:])]
    return float(np.clip(PACE_SHARE * np.median(per_day), SESSION_MIN_S, SESSION_MAX_S))
