"""`cluster --album-models auto` (the default): the accepted albums' models speak only where they win."""

from __future__ import annotations

from pathlib import Path

import pytest
from burst_library import build

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.library import resolve_library
from album_app.services.settings import ALBUM_MODELS_KEY, IMBALANCE_RATIO, use_album_models


def accept_albums(root: Path, sizes: list[int]) -> None:
    """Locked albums of the given sizes, filled with the library's photos in order."""
    with Catalog(resolve_library(root), writer=True) as catalog, catalog.transaction() as conn:
        photo_ids = [int(r[0]) for r in conn.execute("SELECT id FROM photos ORDER BY id")]
        assert sum(sizes) <= len(photo_ids)
        start = 0
        for size in sizes:
            album_id = rows.insert_album(conn, name=f"album of {size}")
            rows.update_album(conn, album_id, locked=1)
            for photo_id in photo_ids[start : start + size]:
                rows.place(conn, photo_id, album_id)
            start += size


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([30, 1], True),
        ([int(IMBALANCE_RATIO), 1], True),
        ([10, 10], False),
        ([19, 1], False),
        ([30], False),
        ([], False),
    ],
)
def test_auto_turns_album_models_on_only_for_imbalanced_accepted_albums(
    tmp_path: Path, sizes: list[int], expected: bool
) -> None:
    build(tmp_path, n_other=30)
    accept_albums(tmp_path, sizes)
    with Catalog(resolve_library(tmp_path)) as catalog:
        assert use_album_models(catalog) is expected


def test_the_users_choice_overrides_auto(tmp_path: Path) -> None:
    build(tmp_path, n_other=30)
    accept_albums(tmp_path, [10, 10])
    for choice, expected in (("on", True), ("off", False), ("auto", False)):
        with Catalog(resolve_library(tmp_path), writer=True) as catalog:
            catalog.set_setting(ALBUM_MODELS_KEY, choice)
            assert use_album_models(catalog) is expected
