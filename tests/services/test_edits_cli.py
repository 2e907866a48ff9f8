"""Every edit through the CLI, then re-clustering: none of them is ever undone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cli_library import LISBON, album_of, albums, run

from album_app.cli import main


def recluster_every_way(library: Path) -> list[dict[str, object]]:
    """Re-cluster with each method and with content alone: edits must hold under all of them."""
    states = []
    for args in (("--method", "auto"), ("--method", "kmeans"), ("--method", "hdbscan"), ("--method", "affinity"),
                 ("--content-weight", "1", "--time-weight", "0", "--place-weight", "0")):
        run(library, "cluster", *args)
        states.append(albums(library))
    run(library, "cluster", "--content-weight", "1", "--time-weight", "1", "--place-weight", "1")
    return states


def test_albums_json_contract(clustered):
    library, _, lisbon, _, lisbon_id, _ = clustered
    state = albums(library)
    record = next(a for a in state["albums"] if a["id"] == lisbon_id)
    assert set(record) >= {"id", "name", "photos", "start", "end", "place", "locked"}
    assert sorted(record["photos"]) == sorted(str(p) for p in lisbon)
    assert record["place"] == "Lisbon"
    assert record["name"].startswith("Lisbon · ")
    assert record["start"].startswith("2024-04-12")
    assert state["unsorted"] == []


def test_rename_survives_reclustering_and_new_photos(clustered, make_photo):
    library, photos, _, _, lisbon_id, _ = clustered
    run(library, "rename", str(lisbon_id), "Family trip")
    make_photo(photos / "lisbon" / "L-late.jpg", seed=50, taken=datetime(2024, 4, 13, 12), gps=LISBON, look=0)
    run(library, "scan", str(photos), "--quiet", "--workers", "0")
    run(library, "cluster", "--new-only")
    for state in recluster_every_way(library):
        names = {a["id"]: a["name"] for a in state["albums"]}
        assert names.get(lisbon_id) == "Family trip"


def test_locked_album_keeps_its_members(clustered):
    library, _, lisbon, _, lisbon_id, _ = clustered
    run(library, "lock", str(lisbon_id))
    for state in recluster_every_way(library):
        record = next(a for a in state["albums"] if a["id"] == lisbon_id)
        assert set(map(str, lisbon)) <= set(record["photos"])
        assert record["locked"] is True


def test_moved_photo_stays(clustered):
    library, _, lisbon, _, _, paris_id = clustered
    run(library, "move", str(lisbon[2]), str(paris_id))
    for state in recluster_every_way(library):
        assert album_of(state, lisbon[2]) == paris_id


def test_removed_photo_never_returns(clustered):
    library, _, lisbon, _, lisbon_id, _ = clustered
    run(library, "remove", str(lisbon[3]), str(lisbon_id))
    assert str(lisbon[3]) in albums(library)["unsorted"]
    for state in recluster_every_way(library):
        assert album_of(state, lisbon[3]) != lisbon_id


def test_rejected_suggestion_is_not_suggested_again(clustered):
    library, _, _, paris, _, paris_id = clustered
    run(library, "reject", str(paris_id))
    rejected = {str(p) for p in paris}
    states = recluster_every_way(library)
    for state in states:
        # No album made mostly of the rejected group comes back, whatever the method or weights.
        for album in state["albums"]:
            assert 2 * len(rejected & set(album["photos"])) <= len(album["photos"]), album
    # With the default settings the rejected photos simply stay Unsorted.
    assert rejected <= set(states[0]["unsorted"])


def test_merge_stays_merged(clustered):
    library, _, lisbon, paris, lisbon_id, paris_id = clustered
    run(library, "merge", str(lisbon_id), str(paris_id))
    for state in recluster_every_way(library):
        assert {album_of(state, p) for p in lisbon + paris} == {lisbon_id}


def test_split_stays_split(clustered):
    library, _, lisbon, _, lisbon_id, _ = clustered
    out = run(library, "split", str(lisbon_id), str(lisbon[4]), str(lisbon[5]))
    new_id = int(out.split()[-1])
    states = recluster_every_way(library)
    for state in states:
        assert album_of(state, lisbon[4]) == album_of(state, lisbon[5]) == new_id
    # Under the default settings the rest of the trip stays where it was.
    assert album_of(states[0], lisbon[0]) == lisbon_id


def test_undo_and_redo(clustered):
    library, _, lisbon, _, lisbon_id, paris_id = clustered
    run(library, "rename", str(lisbon_id), "Renamed")
    run(library, "move", str(lisbon[0]), str(paris_id))
    run(library, "undo")
    assert album_of(albums(library), lisbon[0]) == lisbon_id
    run(library, "undo")
    names = {a["id"]: a["name"] for a in albums(library)["albums"]}
    assert names[lisbon_id] != "Renamed"
    run(library, "redo")
    run(library, "redo")
    state = albums(library)
    assert album_of(state, lisbon[0]) == paris_id
    assert {a["id"]: a["name"] for a in state["albums"]}[lisbon_id] == "Renamed"
    assert "nothing to redo" in run(library, "redo")


def test_bad_ids_and_paths_give_clear_errors(clustered, capsys):
    library = clustered[0]
    assert main(["--library", str(library), "rename", "9999", "x"]) == 1
    assert "No album with id 9999" in capsys.readouterr().err
    assert main(["--library", str(library), "move", "/nowhere.jpg", "1"]) == 1
    assert "not in the catalog" in capsys.readouterr().err


def test_export_through_the_cli(clustered, tmp_path):
    library, _, lisbon, paris, _, _ = clustered
    dest = tmp_path / "export"
    run(library, "export", str(dest), "--mode", "copy")
    exported = sorted(p.name for p in dest.rglob("*.jpg"))
    assert exported == sorted(p.name for p in lisbon + paris)
    again = run(library, "export", str(dest), "--mode", "copy")
    assert "0 written" in again
