"""Albums shaped like a life, through the CLI: a tiny roll scanned once, then clustered, grown and edited.

Issue 14 phase 2, item 5: kinds right; a trip that grows by a day keeps its id (and a month album its id);
every edit rule under the new kinds; name-place and undo.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from cli_library import album_of, albums, run
from life_roll import LYON, TRIP_DAYS, trip_day, write_roll
from photo_files import write_photo

from album_app.catalog import Catalog
from album_app.library import resolve_library
from album_app.services import edits


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, Path, dict[str, list[Path]]]:
    """The roll, scanned once for the module (tests copy the library, never the photos)."""
    root = tmp_path_factory.mktemp("life")
    made = write_roll(root / "photos", write_photo)
    run(root / "library", "scan", str(root / "photos"), "--quiet", "--workers", "0")
    return root / "photos", root / "library", made


@pytest.fixture
def roll(scanned, tmp_path) -> tuple[Path, dict[str, list[Path]]]:
    """A clustered copy of the scanned library: (library, the roll's files by what they are)."""
    _, template, made = scanned
    library = tmp_path / "library"
    shutil.copytree(template, library)
    run(library, "cluster")
    return library, made


def by_kind(state: dict[str, object], kind: str) -> list[dict[str, object]]:
    return [a for a in state["albums"] if a["kind"] == kind]  # type: ignore[union-attr]


def the_album(state: dict[str, object], kind: str) -> dict[str, object]:
    found = by_kind(state, kind)
    assert len(found) == 1, [(a["name"], a["kind"]) for a in state["albums"]]  # type: ignore[union-attr]
    return found[0]


def photos_of(album: dict[str, object]) -> set[str]:
    return set(album["photos"])  # type: ignore[arg-type]


def test_a_roll_gets_albums_of_kinds(roll):
    library, made = roll
    state = albums(library)
    trip = the_album(state, "trip")
    assert photos_of(trip) == {str(p) for p in made["trip"]}
    assert trip["name"] == "Lisbon · 12–14 Apr 2024"
    assert [(s["day"], s["label"], s["count"]) for s in trip["sections"]] == [
        ("2024-04-12", "Fri 12 Apr · Lisbon", 3), ("2024-04-13", "Sat 13 Apr · Lisbon", 3),
        ("2024-04-14", "Sun 14 Apr · Lisbon", 3)]
    party = the_album(state, "gathering")
    assert photos_of(party) == {str(p) for p in made["party"]} and party["name"] == "Lyon · 20 Apr 2024"
    months = {a["period"]: a for a in by_kind(state, "everyday")}
    assert sorted(months) == ["2024-03", "2024-04"]
    assert months["2024-03"]["name"] == "Lyon · March 2024" and months["2024-04"]["name"] == "Lyon · April 2024"
    assert photos_of(months["2024-03"]) | photos_of(months["2024-04"]) == {str(p) for p in made["everyday"]}
    assert photos_of(the_album(state, "screenshots")) == {str(p) for p in made["screenshot"]}
    assert state["unsorted"] == [str(made["download"][0])]
    assert "sections" not in months["2024-03"]


def test_albums_of_one_kind(roll):
    library, _ = roll
    only = albums_of_kind(library, "everyday", "screenshots")
    assert sorted(a["kind"] for a in only) == ["everyday", "everyday", "screenshots"]


def albums_of_kind(library: Path, *kinds: str) -> list[dict[str, object]]:
    import json

    args = [arg for kind in kinds for arg in ("--kind", kind)]
    return json.loads(run(library, "albums", "--json", *args))["albums"]


def test_a_trip_that_grows_by_a_day_keeps_its_id(roll, tmp_path):
    library, made = roll
    before = albums(library)
    trip_id, march_id = the_album(before, "trip")["id"], _month(before, "2024-03")["id"]
    later = trip_day(tmp_path / "more", write_photo, TRIP_DAYS[-1] + 1)
    run(library, "scan", str(tmp_path / "more"), "--quiet", "--workers", "0")
    assert '"method": "life"' in run(library, "cluster", "--new-only", "--json")
    after = albums(library)
    trip = the_album(after, "trip")
    assert trip["id"] == trip_id
    assert photos_of(trip) == {str(p) for p in made["trip"] + later}
    assert trip["name"] == "Lisbon · 12–15 Apr 2024" and len(trip["sections"]) == 4
    assert _month(after, "2024-03")["id"] == march_id


def _month(state: dict[str, object], period: str) -> dict[str, object]:
    return next(a for a in by_kind(state, "everyday") if a["period"] == period)


def recluster_both_ways(library: Path) -> list[dict[str, object]]:
    """A full re-clustering, then photos added and `--new-only`: edits must hold under both."""
    states = []
    run(library, "cluster")
    states.append(albums(library))
    folder = library.parent / "added"
    write_photo(folder / "PXL_20240422_120000.jpg", seed=900, taken=datetime(2024, 4, 22, 12), gps=LYON,
                offset="+02:00", camera=("Google", "Pixel 7"))
    run(library, "scan", str(folder), "--quiet", "--workers", "0")
    run(library, "cluster", "--new-only")
    states.append(albums(library))
    return states


def test_a_renamed_trip_keeps_its_name(roll):
    library, _ = roll
    trip_id = the_album(albums(library), "trip")["id"]
    run(library, "rename", str(trip_id), "Lisbon with Ana")
    for state in recluster_both_ways(library):
        assert the_album(state, "trip")["name"] == "Lisbon with Ana"


def test_a_locked_everyday_month_keeps_its_members(roll):
    library, _ = roll
    march = _month(albums(library), "2024-03")
    run(library, "lock", str(march["id"]))
    for state in recluster_both_ways(library):
        kept = next(a for a in state["albums"] if a["id"] == march["id"])
        assert photos_of(march) <= photos_of(kept) and kept["locked"] is True and kept["kind"] == "everyday"


def test_a_photo_moved_from_everyday_into_the_trip_stays(roll):
    library, made = roll
    state = albums(library)
    trip_id = the_album(state, "trip")["id"]
    photo = made["everyday"][3]
    run(library, "move", str(photo), str(trip_id))
    for state in recluster_both_ways(library):
        assert album_of(state, photo) == trip_id


def test_a_photo_removed_from_the_party_never_returns(roll):
    library, made = roll
    party_id = the_album(albums(library), "gathering")["id"]
    photo = made["party"][4]
    run(library, "remove", str(photo), str(party_id))
    for state in recluster_both_ways(library):
        assert album_of(state, photo) != party_id


@pytest.mark.parametrize("kind", ["everyday", "screenshots"])
def test_a_rejected_browse_album_leaves_its_photos_unsorted(roll, kind):
    library, _ = roll
    state = albums(library)
    album = _month(state, "2024-03") if kind == "everyday" else the_album(state, kind)
    run(library, "reject", str(album["id"]))
    for state in recluster_both_ways(library):
        assert photos_of(album) <= set(state["unsorted"])
        assert all(not photos_of(album) & photos_of(a) for a in state["albums"])


def test_a_trip_split_at_a_day_is_two_trips_that_stay(roll):
    library, made = roll
    trip = the_album(albums(library), "trip")
    out = run(library, "split", str(trip["id"]), "--at-day", "2024-04-14")
    new_id = int(out.split()[-1])
    for state in recluster_both_ways(library):
        trips = {a["id"]: a for a in by_kind(state, "trip")}
        assert set(trips) == {trip["id"], new_id}
        assert photos_of(trips[new_id]) == {str(p) for p in made["trip"][6:]}
        assert trips[new_id]["name"] == "Lisbon · 14 Apr 2024" and len(trips[trip["id"]]["sections"]) == 2


def test_a_split_needs_photos_on_both_sides(roll, capsys):
    from album_app.cli import main

    library, _ = roll
    trip = the_album(albums(library), "trip")
    assert main(["--library", str(library), "split", str(trip["id"]), "--at-day", "2024-04-12"]) == 1
    assert "no photos on both sides" in capsys.readouterr().err


def test_an_album_the_user_makes_is_kind_user(roll):
    library, made = roll
    with Catalog(resolve_library(library), writer=True) as catalog:
        from album_app.catalog import albums as rows

        ids = [rows.photo_id_for_path(catalog, str(p)) for p in made["everyday"][:2]]
        new_id = edits.create(catalog, "Best of spring", ids)
    for state in recluster_both_ways(library):
        mine = next(a for a in state["albums"] if a["id"] == new_id)
        assert mine["kind"] == "user" and mine["name"] == "Best of spring"


def test_a_named_place_names_its_albums_and_undo_takes_it_back(roll):
    library, _ = roll
    party = the_album(albums(library), "gathering")
    run(library, "name-place", "--album", str(party["id"]), "Grandma's")
    assert the_album(albums(library), "gathering")["name"] == "Grandma's · 20 Apr 2024"
    run(library, "cluster")
    assert the_album(albums(library), "gathering")["name"] == "Grandma's · 20 Apr 2024"
    run(library, "undo")
    assert the_album(albums(library), "gathering")["name"] == "Lyon · 20 Apr 2024"
    run(library, "redo")
    assert the_album(albums(library), "gathering")["name"] == "Grandma's · 20 Apr 2024"


def test_a_place_named_by_coordinates(roll):
    library, _ = roll
    run(library, "name-place", str(LYON[0]), str(LYON[1]), "Home", "--radius", "3")
    state = albums(library)
    assert {a["name"] for a in by_kind(state, "everyday")} == {"Home · March 2024", "Home · April 2024"}
    assert the_album(state, "trip")["name"].startswith("Lisbon")


def test_bad_place_names_are_refused_with_a_message(roll, capsys):
    from album_app.cli import main

    library, _ = roll
    assert main(["--library", str(library), "name-place", "95", "4.8", "Nowhere"]) == 1
    assert "latitude" in capsys.readouterr().err
    assert main(["--library", str(library), "name-place", "north", "4.8", "Nowhere"]) == 1
    assert "numbers" in capsys.readouterr().err


def test_a_library_of_events_far_apart_stays_with_events(clustered):
    """The event-library clustering is kept where there is no home (`auto` = affinity), kind "event"."""
    library = clustered[0]
    assert {a["kind"] for a in albums(library)["albums"]} == {"event"}
    assert '"method": "life"' in run(library, "cluster", "--method", "life", "--json")
