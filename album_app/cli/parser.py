"""The argument parser: every command's options in one place."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from album_app import __version__
from album_app.albums import USER_METHODS
from album_app.albums.kinds import ALBUM_KINDS
from album_app.services.settings import ALBUM_MODELS_CHOICES, IMBALANCE_RATIO

if TYPE_CHECKING:  # imported where used: onnxruntime is slow to load
    pass
from album_app.cli.common import COMMANDS
from album_app.cli.places import DEFAULT_PLACE_RADIUS_KM


def build_parser() -> argparse.ArgumentParser:
    """Every command with its options, in the order `album-app --help` lists them. Long on purpose: one
    flat list a person can read top to bottom, not a helper per command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", metavar="PATH", default=argparse.SUPPRESS,
                        help="library folder or catalog file (default: $ALBUM_APP_LIBRARY, else your data folder)")
    parser = argparse.ArgumentParser(
        prog="album-app", parents=[common],
        description="Turn photo folders into albums, on your own machine. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"album-app {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser("scan", parents=[common], help=COMMANDS["scan"][1])
    scan.add_argument("folders", nargs="+", metavar="FOLDER")
    scan.add_argument("--json", action="store_true", help="print the summary as JSON")
    scan.add_argument("--workers", type=int, default=None, help="decoder processes (default: one per core)")
    scan.add_argument("--no-embed", action="store_true", help="index only; embed later")
    scan.add_argument("--quiet", action="store_true", help="no progress on stderr")

    photos = commands.add_parser("photos", parents=[common], help=COMMANDS["photos"][1])
    photos.add_argument("--json", action="store_true")
    photos.add_argument("--status", choices=("indexed", "skipped", "missing"))

    status = commands.add_parser("status", parents=[common], help=COMMANDS["status"][1])
    status.add_argument("--json", action="store_true")

    embeddings = commands.add_parser("embeddings", parents=[common], help=COMMANDS["embeddings"][1])
    embeddings.add_argument("--out", required=True, metavar="FILE.npz")
    embeddings.add_argument("--model", metavar="MODEL.onnx", help="embed with this model instead of the one in use")
    embeddings.add_argument("--quiet", action="store_true")

    cluster = commands.add_parser("cluster", parents=[common], help=COMMANDS["cluster"][1])
    cluster.add_argument("--method", choices=USER_METHODS, default=None,
                         help="auto (the default): life for a library lived around a home, else affinity; "
                         "the choice is kept for --new-only and next time")
    cluster.add_argument("--k", type=int, help="number of albums for kmeans (default: chosen automatically)")
    cluster.add_argument("--new-only", action="store_true", help="only place photos not clustered yet")
    for name in ("content", "time", "place"):
        cluster.add_argument(f"--{name}-weight", type=float, help=f"weight of {name} (saved for next time)")
    cluster.add_argument("--album-models", choices=ALBUM_MODELS_CHOICES,
                         help="let accepted albums' own models place photos the nearest rule left out (saved; "
                         f"auto: when accepted albums differ {IMBALANCE_RATIO:g}:1 or more in size)")
    cluster.add_argument("--json", action="store_true")

    rotations = commands.add_parser("rotations", parents=[common], help=COMMANDS["rotations"][1])
    rotations.add_argument("--json", action="store_true")

    albums = commands.add_parser("albums", parents=[common], help=COMMANDS["albums"][1])
    albums.add_argument("--json", action="store_true")
    albums.add_argument("--kind", choices=ALBUM_KINDS, action="append", help="only albums of this kind (repeatable)")

    stacks = commands.add_parser("stacks", parents=[common], help=COMMANDS["stacks"][1])
    stacks.add_argument("--album", type=int, metavar="ID", help="only the stacks as this album shows them")
    stacks.add_argument("--json", action="store_true")

    rename = commands.add_parser("rename", parents=[common], help=COMMANDS["rename"][1])
    rename.add_argument("id", type=int)
    rename.add_argument("name")
    merge = commands.add_parser("merge", parents=[common], help=COMMANDS["merge"][1])
    merge.add_argument("ids", type=int, nargs="+", metavar="ID")
    split = commands.add_parser("split", parents=[common], help=COMMANDS["split"][1])
    split.add_argument("id", type=int)
    split.add_argument("photos", nargs="*", metavar="PHOTO")
    split.add_argument("--at-day", metavar="DAY", help="split where this day starts (YYYY-MM-DD): a trip's day section")
    name_place = commands.add_parser("name-place", parents=[common], help=COMMANDS["name-place"][1],
                                     usage="album-app name-place (--album ID NAME | LAT LON NAME) [--radius KM]")
    name_place.add_argument("place", nargs="+", metavar="LAT LON NAME")
    name_place.add_argument("--album", type=int, metavar="ID", help="the place the photos of this album show")
    name_place.add_argument("--radius", type=float, metavar="KM",
                            help=f"how far the place reaches (default: {DEFAULT_PLACE_RADIUS_KM:g} km, or what the "
                            "album's photos cover)")
    for name in ("move", "remove"):
        sub = commands.add_parser(name, parents=[common], help=COMMANDS[name][1])
        sub.add_argument("photo", metavar="PHOTO")
        sub.add_argument("id", type=int)
    for name in ("reject", "lock"):
        sub = commands.add_parser(name, parents=[common], help=COMMANDS[name][1])
        sub.add_argument("id", type=int)
    sub.add_argument("--unlock", action="store_true", help="take the acceptance back")
    for name in ("undo", "redo"):
        commands.add_parser(name, parents=[common], help=COMMANDS[name][1])

    export = commands.add_parser("export", parents=[common], help=COMMANDS["export"][1])
    export.add_argument("dest", metavar="DEST")
    export.add_argument("--mode", choices=("symlink", "hardlink", "copy"), default="symlink")
    export.add_argument("--no-unsorted", action="store_true", help="leave out the Unsorted folder")
    export.add_argument(
        "--turn-suggested",
        action="store_true",
        help="write a turned copy of each photo the app thinks is sideways (see `rotations`); originals untouched",
    )
    export.add_argument(
        "--with-raw",
        action="store_true",
        help="also export the RAW file beside each RAW+JPEG pair's JPEG (a Live Photo's video always goes along)",
    )
    export.add_argument("--json", action="store_true")
    return parser
