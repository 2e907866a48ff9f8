"""The one test seam: faults a test injects into a real run (often a subprocess it then kills or times),
through environment variables read here and nowhere else. Unset in normal use, where each check is a
lookup in an empty table.

    ALBUM_APP_TEST_CRASH_ON=TEXT     a scan worker dies on a file whose path contains TEXT
    ALBUM_APP_TEST_HANG_ON=TEXT      a scan worker never returns from such a file
    ALBUM_APP_TEST_SLOW_S=S          each file a scan reads takes at least S seconds
    ALBUM_APP_TEST_SLOW_START_S=S    a scan worker takes S seconds to start (a loaded machine)
    ALBUM_APP_TEST_EXPORT_PAUSE_S=S  an export pauses S seconds at each step of each file

Read each time they are asked for, so a test may set them just before it starts a run.
"""

from __future__ import annotations

import os

PREFIX = "ALBUM_APP_TEST_"
CRASH_ON = PREFIX + "CRASH_ON"
HANG_ON = PREFIX + "HANG_ON"
SLOW_S = PREFIX + "SLOW_S"
SLOW_START_S = PREFIX + "SLOW_START_S"
EXPORT_PAUSE_S = PREFIX + "EXPORT_PAUSE_S"


def text(name: str) -> str:
    """The fault's text (a path fragment), "" when it is not injected."""
    return os.environ.get(name, "")


def seconds(name: str) -> float:
    """The fault's duration, 0 when it is not injected (or not a number)."""
    try:
        return max(0.0, float(os.environ.get(name, "0") or 0))
    except ValueError:
        return 0.0


def worker_faults() -> tuple[str, str, float, float]:
    """(crash on, hang on, slow per file, slow start) for a scan worker."""
    return text(CRASH_ON), text(HANG_ON), seconds(SLOW_S), seconds(SLOW_START_S)
