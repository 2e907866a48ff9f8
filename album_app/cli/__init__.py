"""The command line: subcommands over the core, no logic of their own.

Exit codes: 0 success (skipped files are not failures), 1 an error the person can fix
(message on stderr), 2 a bad argument, 130 interrupted.
"""

from __future__ import annotations

import argparse
import errno
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from album_app.catalog import CatalogError
from album_app.catalog.store import catalog_error

# Importing the command modules registers their commands.
from album_app.cli import albums, files, library, places  # noqa: F401
from album_app.cli.common import COMMANDS, UserError, warn
from album_app.cli.parser import build_parser
from album_app.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from album_app.library import resolve_library

__all__ = ["COMMANDS", "UserError", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    positionals = _positionals(argv)
    wants_help = any(a in ("-h", "--help", "--version") for a in argv)
    if not wants_help and (not positionals or positionals[0] not in COMMANDS):
        return _open_window(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "library"):
        args.library = None
    function, _ = COMMANDS[args.command]
    try:
        return function(args)
    except (UserError, CatalogError) as error:
        warn(str(error))
        return EXIT_ERROR
    except sqlite3.Error as error:  # a read outside a transaction met a damaged or vanished catalog
        warn(str(catalog_error(error, resolve_library(args.library).catalog)))
        return EXIT_ERROR
    except OSError as error:  # a full or read-only disk, a vanished folder: say which, no traceback
        if error.errno not in (errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.EIO):
            raise
        where = f": {error.filename}" if error.filename else ""
        warn(f"{error.strerror or error}{where}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        warn("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


def _positionals(argv: list[str]) -> list[str]:
    """Arguments that are not options or an option's value (only --library takes one before a command)."""
    found, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--library":
            skip = True
        elif not arg.startswith("-"):
            found.append(arg)
    return found


def _open_window(argv: list[str]) -> int:
    window = argparse.ArgumentParser(prog="album-app")
    window.add_argument("--library", metavar="PATH", default=None)
    window.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to scan, as if dropped on the window")
    args = window.parse_args(argv)
    try:
        from album_app.gui.app import run_app
    except ImportError as error:
        warn(f"the window needs PySide6 ({error}); the CLI commands work without it")
        return EXIT_ERROR
    return run_app(args.library, [Path(folder) for folder in args.folders])
