"""Gatherings near home: a session of photos well above the person's own everyday rate (a birthday, a dinner).

In the spirit of PhotoTOC (Platt et al. 2003) and Cooper et al. (2005), the cut is relative to the person,
never one fixed gap or count:
  * shots seconds apart (``MOMENT_S``) are one *moment* (a burst of ten is one thing that happened);
  * the person's everyday pace is the median gap between consecutive moments on the same day; moments
    closer than half of that (``PACE_SHARE``, between ``SESSION_MIN_S`` and ``SESSION_MAX_S``) chain into a
    *session* (a party's lulls are far shorter than the hours between everyday snaps);
  * a session's ends are trimmed while the first (or last) gap is more than ``EDGE_FACTOR`` times the
    session's own median gap (a snap an hour before the party is not the party);
  * a session is a gathering when it holds at least ``GATHERING_FACTOR`` times as many moments as the
    person's busy everyday sessions (their 90th percentile), and never fewer than ``MIN_MOMENTS``;
  * two gatherings on one day less than ``MERGE_GAPS`` session gaps apart are one (a long lull), with
    whatever few moments lie between them.
"""

from __future__ import annotations

import numpy as np

MOMENT_S = 60.0
PACE_SHARE = 0.5
SESSION_MIN_S = 30 * 60.0
SESSION_MAX_S = 3 * 3600.0
EDGE_FACTOR = 6.0
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
    moment_gaps = np.diff(moment_t)
    same_day = moment_day[1:] == moment_day[:-1]
    session_gap = session_gap_s(moment_gaps[same_day])
    cuts = np.flatnonzero(moment_gaps > session_gap) + 1
    sessions = [_trim(s, moment_t) for s in np.split(np.arange(len(starts)), cuts)]
    sizes = np.array([len(s) for s in sessions])
    threshold = max(MIN_MOMENTS, GATHERING_FACTOR * float(np.quantile(sizes, SESSION_QUANTILE)))
    merged: list[np.ndarray] = []
    for s in (s for s in sessions if len(s) >= threshold):
        if merged and moment_day[s[0]] == moment_day[merged[-1][-1]] \
                and moment_t[s[0]] - moment_t[merged[-1][-1]] <= MERGE_GAPS * session_gap:
            merged[-1] = np.arange(merged[-1][0], s[-1] + 1)
        else:
            merged.append(s)
    return [np.flatnonzero(np.isin(moment, s)) for s in merged]


def _trim(session: np.ndarray, moment_t: np.ndarray) -> np.ndarray:
    """Drop moments at either end that lie far beyond the session's own pace (module docstring)."""
    while len(session) >= 3:
        gaps = np.diff(moment_t[session])
        limit = EDGE_FACTOR * float(np.median(gaps))
        if gaps[0] > limit:
            session = session[1:]
        elif gaps[-1] > limit:
            session = session[:-1]
        else:
            break
    return session


def session_gap_s(same_day_gaps_s: np.ndarray) -> float:
    """The gap that ends a session, from the person's everyday pace (module docstring)."""
    if len(same_day_gaps_s) == 0:
        return SESSION_MAX_S
    return float(np.clip(PACE_SHARE * np.median(same_day_gaps_s), SESSION_MIN_S, SESSION_MAX_S))
