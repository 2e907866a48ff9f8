"""name-place: a name the user gives a place ("Home", "Grandma's"), which the albums there take."""

from __future__ import annotations

import argparse

from album_app.cli.albums import edit
from album_app.cli.common import UserError, command

#: `name-place LAT LON NAME` without --radius: a house, a street, a park.
DEFAULT_PLACE_RADIUS_KM = 0.5


@command("name-place", "name a place (\"Home\", \"Grandma's\"): albums there are named by it (undo takes it back)")
def cmd_name_place(args: argparse.Namespace) -> int:
    from album_app.services import edits

    if args.album is not None:
        if len(args.place) != 1:
            raise UserError("name-place --album ID takes one NAME.")
        name = args.place[0]
        return edit(args, lambda c: edits.name_album_place(c, args.album, name, args.radius),
                    f"named the place of album {args.album} {name!r}")
    if len(args.place) != 3:
        raise UserError("name-place takes LAT LON NAME (or --album ID NAME).")
    try:
        lat, lon = float(args.place[0]), float(args.place[1])
    except ValueError as error:
        raise UserError(f"LAT and LON are numbers in degrees, not {args.place[0]!r} {args.place[1]!r}.") from error
    name = args.place[2]
    radius = args.radius if args.radius is not None else DEFAULT_PLACE_RADIUS_KM
    return edit(args, lambda c: edits.name_place(c, name, lat, lon, radius), f"named {lat}, {lon} {name!r}")
