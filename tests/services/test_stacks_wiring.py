"""Burst stacks read from the catalog: computed once for the library, cached, shown per album, read-only."""

from __future__ import annotations

import numpy as np
import pytest
from burst_library import MODEL, build

from album_app.albums.features import LibraryView
from album_app.catalog import Catalog
from album_app.catalog.codes import set_active_model
from album_app.catalog.photos import IndexedFile, write_files
from album_app.catalog.views import codes_fingerprint
from album_app.ingest.meta import PhotoMeta
from album_app.library import resolve_library
from album_app.progress import Cancelled, CancelToken
from album_app.services import stacks as stacks_module
from album_app.services.stacks import EMPTY, LibraryStacks, library_stacks, stacks_of_view

T0 = 1_700_000_000.0


@pytest.fixture(autouse=True)
def fresh_cache():
    stacks_module.forget()
    yield
    stacks_module.forget()


def synthetic_view() -> LibraryView:
    """Four look-alike codes 1 s apart, then 30 unrelated photos minutes apart."""
    rng = np.random.default_rng(3)
    look = rng.normal(size=32)
    codes = [look + 0.05 * rng.normal(size=32) for _ in range(4)] + [rng.normal(size=32) for _ in range(30)]
    times = [T0 + i for i in range(4)] + [T0 + 300.0 * (i + 1) for i in range(30)]
    n = len(codes)
    nan = np.full(n, np.nan)
    return LibraryView(np.arange(1, n + 1), np.stack(codes), np.array(times), nan, nan, nan)


def test_a_burst_of_four_becomes_one_stack():
    found = stacks_of_view(synthetic_view())
    assert len(found) == 1 and found.photos == 34 and found.stacked_photos == 4
    stack = found.stacks[0]
    assert stack.photo_ids == (1, 2, 3, 4) and stack.kind == "burst"
    assert stack.cover_id == 2  # the middle shot
    assert stack.span_s == pytest.approx(3.0)
    assert found.stack_of(3) is stack and found.stack_of(5) is None


def test_an_album_shows_a_stack_only_with_two_members_or_more():
    found = stacks_of_view(synthetic_view())
    whole = found.stacks[0]
    assert found.in_album(range(1, 35)) == [whole]
    assert found.in_album([1, 5, 6]) == []  # one member here: a plain photo
    part = found.in_album([3, 4, 9])  # the cover (2) went to another album
    assert len(part) == 1 and part[0].photo_ids == (3, 4)
    assert part[0].cover_id == 3 and part[0].span_s == pytest.approx(1.0) and part[0].kind == "burst"
    kept = found.in_album([1, 2, 4])
    assert kept[0].cover_id == 2 and kept[0].photo_ids == (1, 2, 4)
    assert EMPTY.in_album([1, 2, 3]) == []


def test_library_stacks_from_the_catalog_are_cached_until_the_photos_change(tmp_path):
    library = build(tmp_path / "library")
    paths = resolve_library(library.root)
    with Catalog(paths, writer=False) as catalog:
        found = library_stacks(catalog)
        assert isinstance(found, LibraryStacks)
        assert [s.photo_ids for s in found.stacks] == [tuple(library.burst)]
        assert found.stacks[0].cover_id == library.burst[1]
        assert library_stacks(catalog) is found  # cached: one aggregate query
        assert found.fingerprint == codes_fingerprint(catalog, MODEL)
    with Catalog(paths, writer=True) as catalog:
        # A new photo (a messenger copy, no time): the stacks are computed again.
        code = np.random.default_rng(9).normal(size=128).astype(np.float32)
        late = IndexedFile("/nowhere/late.jpg", 1, 99, "f" * 40, "JPEG", meta=PhotoMeta(), code=code)
        write_files(catalog, [late], MODEL)
    with Catalog(paths, writer=False) as catalog:
        again = library_stacks(catalog)
        assert again is not found and again.photos == found.photos + 1


def test_stacks_never_write(tmp_path):
    library = build(tmp_path / "library")
    paths = resolve_library(library.root)

    def state(catalog: Catalog) -> list[object]:
        conn = catalog.conn
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("albums", "placements", "exclusions", "edits", "settings")
        ]

    with Catalog(paths, writer=False) as catalog:
        before = [[tuple(r) for r in rows] for rows in state(catalog)]
        assert len(library_stacks(catalog)) == 1
        assert [[tuple(r) for r in rows] for rows in state(catalog)] == before


def test_no_model_no_stacks(tmp_path):
    library = build(tmp_path / "library")
    paths = resolve_library(library.root)
    with Catalog(paths, writer=True) as catalog:
        set_active_model(catalog, "gone")  # a model id with no record
    with Catalog(paths, writer=False) as catalog:
        assert library_stacks(catalog) is EMPTY


def test_a_cancelled_computation_raises_and_caches_nothing(tmp_path):
    library = build(tmp_path / "library")
    paths = resolve_library(library.root)
    cancel = CancelToken()
    cancel.cancel()
    with Catalog(paths, writer=False) as catalog:
        with pytest.raises(Cancelled):
            library_stacks(catalog, cancel=cancel)
        assert str(paths.catalog) not in stacks_module._cache
        found = library_stacks(catalog, cancel=CancelToken())
        assert [s.photo_ids for s in found.stacks] == [tuple(library.burst)]
        assert library_stacks(catalog, cancel=cancel) is found  # cached: nothing left to cancel
