"""The exit codes of every album_app command: album-app, album-app-window and album-trainer (one list).

The trainer imports them from here (album_app never imports the trainer).
"""

from __future__ import annotations

EXIT_OK = 0  # success (skipped files are not failures; a model the gate refused is not one either)
EXIT_ERROR = 1  # an error the person can fix; the message says what
EXIT_USAGE = 2  # a bad argument
EXIT_INTERRUPTED = 130  # SIGINT/SIGTERM: stopped cleanly (the next run resumes), as a shell reports Ctrl-C
