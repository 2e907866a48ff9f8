"""What every command shares: the registry, errors for a person, the catalog, output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from album_app.catalog import Catalog
from album_app.library import resolve_library

if TYPE_CHECKING:  # imported where used: onnxruntime is slow to load
    pass

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Command, str]] = {}


class UserError(Exception):
    """A problem the person can fix; printed without a traceback."""


def command(name: str, help_text: str) -> Callable[[Command], Command]:
    def register(function: Command) -> Command:
        COMMANDS[name] = (function, help_text)
        return function

    return register


def open_catalog(args: argparse.Namespace, *, writer: bool) -> Catalog:
    return Catalog(resolve_library(args.library), writer=writer)


def print_json(value: object) -> None:
    from album_app.ingest.names import escape_surrogates

    # A path that is not UTF-8 holds lone surrogates: written as \udcXX escapes, Python's json reads it back.
    sys.stdout.write(escape_surrogates(json.dumps(value, indent=2, ensure_ascii=False, default=str)))
    sys.stdout.write("\n")


def warn(message: str) -> None:
    print(f"album-app: {message}", file=sys.stderr)


def stderr_progress() -> Callable[..., None]:
    from album_app.progress import StderrProgress

    return StderrProgress()


# -- parsing ----------------------------------------------------------------------------------------
