"""Undo history that says what happened: an album an edit or an undo empties is gone (and comes back with
undo), an edit that changes nothing is no step to undo (issue 12, smaller items)."""

from __future__ import annotations

from cli_library import album_of, albums, run


def sizes(library) -> dict[int, int]:
    return {a["id"]: len(a["photos"]) for a in albums(library)["albums"]}


def test_an_album_moved_empty_is_gone_and_undo_brings_it_back(clustered):
    library, _, lisbon, _, lisbon_id, paris_id = clustered
    for photo in lisbon:
        run(library, "move", str(photo), str(paris_id))
    assert sizes(library) == {paris_id: 12}
    run(library, "undo")
    state = albums(library)
    assert album_of(state, lisbon[-1]) == lisbon_id
    assert {a["id"]: len(a["photos"]) for a in state["albums"]} == {lisbon_id: 1, paris_id: 11}


def test_an_album_emptied_by_undo_is_not_listed(clustered):
    library, _, lisbon, paris, lisbon_id, paris_id = clustered
    for photo in lisbon:
        run(library, "move", str(photo), str(paris_id))
    run(library, "cluster")  # the re-clustering may give the rest of that album an album of its own
    for _ in lisbon:
        run(library, "undo")
    listed = sizes(library)
    assert 0 not in listed.values(), listed
    state = albums(library)
    assert {album_of(state, p) for p in lisbon} == {lisbon_id}
    assert sum(listed.values()) == len(lisbon) + len(paris)


def test_an_edit_that_changes_nothing_is_not_an_undo_step(clustered):
    library, _, lisbon, _, lisbon_id, paris_id = clustered
    run(library, "move", str(lisbon[0]), str(paris_id))
    run(library, "lock", str(lisbon_id))
    run(library, "lock", str(lisbon_id))  # accepted already
    run(library, "rename", str(paris_id), "Paris")
    run(library, "rename", str(paris_id), "  Paris ")  # the same name once spaces are tidied
    run(library, "undo")  # the rename
    run(library, "undo")  # the lock
    assert next(a for a in albums(library)["albums"] if a["id"] == lisbon_id)["locked"] is False
    run(library, "undo")  # the move
    assert album_of(albums(library), lisbon[0]) == lisbon_id
    assert "nothing to undo" in run(library, "undo")
