"""Re-clustering never undoes an edit: the reconcile rules, one by one."""

from __future__ import annotations

from album_app.albums.reconcile import reconcile
from album_app.catalog.albums import AlbumRow


def album(album_id: int, members: list[int], *, locked: bool = False, rejected: bool = False,
          pinned: set[int] | None = None, excluded: set[int] | None = None, name: str | None = None) -> AlbumRow:
    return AlbumRow(album_id, name, "auto", None, None, None, locked, rejected, "suggested", None,
                    members=members, pinned=pinned or set(), excluded=excluded or set())


def test_a_cluster_that_is_mostly_an_album_keeps_its_id():
    plan = reconcile([[1, 2, 3, 4], [5, 6]], [], [album(10, [1, 2, 3]), album(11, [5, 6, 7])])
    assert plan.destination == {1: 10, 2: 10, 3: 10, 4: 10, 5: 11, 6: 11}
    assert plan.new_albums == []


def test_an_unmatched_cluster_becomes_a_new_album():
    plan = reconcile([[1, 2], [8, 9]], [], [album(10, [1, 2])])
    assert plan.destination[8] == plan.destination[9] == -1
    assert plan.new_albums == [-1]


def test_pinned_photos_and_locked_albums_do_not_move():
    albums = [album(10, [1, 2, 3], locked=True), album(11, [4, 5], pinned={5})]
    plan = reconcile([[1, 2, 3, 5, 6]], [4], albums)
    # 1-3 are locked in 10 and 5 is pinned in 11: only 6 moves, and it joins the locked album it fits.
    assert 5 not in plan.destination and 1 not in plan.destination
    assert plan.destination == {6: 10, 4: None}


def test_a_removed_photo_never_returns_to_that_album():
    plan = reconcile([[1, 2, 3, 4]], [], [album(10, [1, 2, 3], excluded={4})])
    assert plan.destination[4] is None
    assert plan.destination[1] == 10


def test_a_rejected_suggestion_is_not_suggested_again():
    rejected = album(10, [], rejected=True, excluded={1, 2, 3, 4})
    plan = reconcile([[1, 2, 3], [7, 8]], [], [rejected])
    assert plan.destination[1] is plan.destination[2] is plan.destination[3] is None
    assert plan.destination[7] == -1


def test_each_album_matches_one_cluster_only():
    plan = reconcile([[1, 2, 3], [4, 5]], [], [album(10, [1, 2, 3, 4, 5])])
    assert plan.destination[1] == 10
    assert plan.destination[4] == -1


def brute_force_matches(clusters: list[list[int]], albums: list[AlbumRow]) -> dict[int, int]:
    """The matching as first written: every cluster against every live album (the reference)."""
    pairs = []
    for index, members in enumerate(map(set, clusters)):
        for existing in (a for a in albums if not a.rejected):
            overlap = len(members & set(existing.members))
            if overlap > 0 and (2 * overlap > len(members) or 2 * overlap > len(existing.members)):
                pairs.append((overlap, index, existing.id))
    matched: dict[int, int] = {}
    for _, index, album_id in sorted(pairs, key=lambda item: (-item[0], item[1], item[2])):
        if index not in matched and album_id not in matched.values():
            matched[index] = album_id
    return matched


def test_matching_through_the_photo_index_is_the_brute_force_one():
    import random

    rng = random.Random(3)
    for _ in range(200):
        photos = list(range(rng.randint(1, 60)))
        albums = []
        for album_id in range(1, rng.randint(1, 8)):
            # Members as the catalog never has them too (a photo in two albums, twice in one) to hold any input.
            members = rng.sample(photos, rng.randint(0, len(photos)))
            members += rng.sample(photos, min(len(photos), rng.randint(0, 2)))
            albums.append(album(album_id, members, rejected=rng.random() < 0.2, locked=rng.random() < 0.2))
        rng.shuffle(photos)
        cuts = sorted(rng.sample(range(len(photos) + 1), min(len(photos) + 1, rng.randint(0, 5))))
        clusters = [photos[a:b] for a, b in zip([0, *cuts], [*cuts, len(photos)], strict=True) if b > a]
        assert reconcile(clusters, [], albums).matched == brute_force_matches(clusters, albums)
