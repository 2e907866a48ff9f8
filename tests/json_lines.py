"""Run a command-line ``main`` in this process and read back the JSON lines it printed (trainer tests)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Sequence


def run_json_lines(main: Callable[[list[str]], int], argv: Sequence[str]) -> tuple[int, list[dict]]:
    """(exit code, the records of every non-blank line ``main(argv)`` wrote to stdout)."""
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        code = main(list(argv))
    return code, [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
