"""The catalog file: migrations with a backup, one writer, readers that never block it."""

from __future__ import annotations

import sqlite3

import pytest

from album_app.catalog import Catalog, CatalogError, schema
from album_app.catalog.codes import active_model, load_codes, register_model, set_active_model, store_codes
from album_app.library import CATALOG_NAME, resolve_library


def test_new_catalog_records_its_migrations_and_uses_wal(library):
    with Catalog(resolve_library(library)) as catalog:
        versions = [row[0] for row in catalog.conn.execute("SELECT version FROM schema_migrations")]
        mode = catalog.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert versions == [m.version for m in schema.MIGRATIONS]
    assert mode == "wal"


def test_older_catalog_is_backed_up_then_migrated(library, monkeypatch):
    with Catalog(resolve_library(library)) as catalog:
        catalog.set_setting("kept", "yes")
    newer = (*schema.MIGRATIONS, schema.Migration(schema.LATEST_VERSION + 1, "test column", "CREATE TABLE t (x)"))
    monkeypatch.setattr("album_app.catalog.store.MIGRATIONS", newer)
    monkeypatch.setattr("album_app.catalog.store.LATEST_VERSION", newer[-1].version)
    with Catalog(resolve_library(library)) as catalog:
        assert catalog.schema_version() == newer[-1].version
        assert catalog.setting("kept") == "yes"
    backup = library / f"{CATALOG_NAME}.v{schema.LATEST_VERSION}.bak"
    assert backup.exists()
    old = sqlite3.connect(backup)
    assert old.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == schema.LATEST_VERSION
    old.close()


def test_catalog_from_a_newer_version_is_refused(library):
    with Catalog(resolve_library(library)) as catalog, catalog.transaction() as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    with pytest.raises(CatalogError, match="newer album_app"):
        Catalog(resolve_library(library))


def test_one_writer_at_a_time_and_readers_are_not_blocked(library):
    paths = resolve_library(library)
    with Catalog(paths) as writer:
        with pytest.raises(CatalogError, match="another album_app process"):
            Catalog(paths)
        with writer.transaction() as conn:
            conn.execute("INSERT INTO settings VALUES ('a', '1')")
            # A reader sees the last committed state while the writer holds its transaction open.
            with Catalog(paths, writer=False) as reader:
                assert reader.setting("a") is None
        with Catalog(paths, writer=False) as reader:
            assert reader.setting("a") == "1"
            with pytest.raises(CatalogError, match="read-only"), reader.transaction():
                pass
    Catalog(paths).close()  # the lock went with the writer


def test_failed_transaction_rolls_back(library):
    with Catalog(resolve_library(library)) as catalog:
        with pytest.raises(RuntimeError), catalog.transaction() as conn:
            conn.execute("INSERT INTO settings VALUES ('a', '1')")
            raise RuntimeError("boom")
        assert catalog.setting("a") is None


def test_not_a_database_gives_a_clear_error(tmp_path):
    bogus = tmp_path / "photos.db"
    bogus.write_text("this is not sqlite")
    with pytest.raises(CatalogError, match="is not an album_app catalog"):
        Catalog(resolve_library(bogus))


def test_missing_catalog_for_reading_says_what_to_do(library):
    with pytest.raises(CatalogError, match="scan a folder first"):
        Catalog(resolve_library(library), writer=False)


def test_library_location_rules(tmp_path, monkeypatch):
    monkeypatch.delenv("ALBUM_APP_LIBRARY", raising=False)
    assert resolve_library(tmp_path / "lib").catalog == tmp_path / "lib" / CATALOG_NAME
    assert resolve_library(tmp_path / "mine.sqlite").root == tmp_path
    monkeypatch.setenv("ALBUM_APP_LIBRARY", str(tmp_path / "env"))
    assert resolve_library(None).root == tmp_path / "env"
    assert resolve_library(tmp_path / "flag").root == tmp_path / "flag"  # the flag wins over the variable
    monkeypatch.delenv("ALBUM_APP_LIBRARY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_library(None).root == tmp_path / "xdg" / "album_app"


def test_models_and_codes_round_trip(library):
    import numpy as np

    with Catalog(resolve_library(library)) as catalog:
        register_model(catalog, "m1", "/models/m1.onnx", "bundled", {"nmi": 0.3})
        set_active_model(catalog, "m1")
        with catalog.transaction() as conn:
            conn.execute(
                "INSERT INTO photos (id, path, size, mtime_ns, status, added_at, updated_at)"
                " VALUES (1, '/p.jpg', 1, 1, 'indexed', 'now', 'now')"
            )
        store_codes(catalog, "m1", [(1, np.arange(4, dtype=np.float32))])
        ids, codes = load_codes(catalog, "m1")
        model = active_model(catalog)
    assert ids == [1]
    assert codes.tolist() == [[0.0, 1.0, 2.0, 3.0]]
    assert model is not None and model.summary == {"nmi": 0.3}


def test_migration_5_gives_albums_a_kind_and_keeps_user_albums_theirs(library, monkeypatch):
    """A catalog of schema 4 with a suggested and a user-made album: after migration 5 the first is an event,
    the second kind user; a kind outside the list is refused; place names start empty."""
    monkeypatch.setattr("album_app.catalog.store.MIGRATIONS", schema.MIGRATIONS[:4])
    monkeypatch.setattr("album_app.catalog.store.LATEST_VERSION", 4)
    with Catalog(resolve_library(library)) as catalog, catalog.transaction() as conn:
        for origin in ("suggested", "user"):
            conn.execute("INSERT INTO albums (origin, created_at, updated_at) VALUES (?, 'now', 'now')", (origin,))
    monkeypatch.undo()
    with Catalog(resolve_library(library)) as catalog:
        kinds = catalog.conn.execute("SELECT origin, kind, period FROM albums ORDER BY id").fetchall()
        assert [tuple(row) for row in kinds] == [("suggested", "event", None), ("user", "user", None)]
        with pytest.raises(CatalogError, match="CHECK constraint"), catalog.transaction() as conn:
            conn.execute("UPDATE albums SET kind = 'holiday'")
        assert catalog.conn.execute("SELECT count(*) FROM place_names").fetchone()[0] == 0
    assert (library / f"{CATALOG_NAME}.v4.bak").exists()


def test_photo_facts_read_column_wise_are_the_rows(library):
    """photo_facts reads its columns at once (for speed at 100k photos): each row's values as stored."""
    import numpy as np

    from album_app.catalog.albums import photo_facts, wall_clock

    with Catalog(resolve_library(library)) as catalog:
        register_model(catalog, "m1", "/models/m1.onnx", "bundled")
        with catalog.transaction() as conn:
            for pid, path in ((1, "/a/one.jpg"), (2, "/b/two.jpg"), (3, "/c/three.mov")):
                conn.execute("INSERT INTO photos (id, path, size, mtime_ns, status, added_at, updated_at, format)"
                             " VALUES (?, ?, 1, 1, 'indexed', 'now', 'now', 'JPEG')", (pid, path))
            conn.execute("INSERT INTO photo_meta (photo_id, taken_at, taken_ts, lat, lon, make, model, width)"
                         " VALUES (1, '2024-03-01T10:00:00+02:00', 1709280000, 45.5, NULL, 'Google', 'Pixel 7', 4000)")
            conn.execute("INSERT INTO photo_meta (photo_id, taken_at, time_source, make, model)"
                         " VALUES (3, '2024-03-01T08:00:00+00:00', 'quicktime:creation_time', 'Canon', 'Canon EOS')")
        store_codes(catalog, "m1", [(pid, np.full(4, pid, np.float32)) for pid in (1, 2, 3)])
        facts = photo_facts(catalog, "m1")
    assert facts.photo_ids.tolist() == [1, 2, 3]
    assert facts.codes.tolist() == [[1.0] * 4, [2.0] * 4, [3.0] * 4] and facts.codes.flags.writeable
    assert facts.paths == ["/a/one.jpg", "/b/two.jpg", "/c/three.mov"]
    assert facts.cameras == ["Google Pixel 7", "", "Canon EOS"]
    np.testing.assert_array_equal(facts.taken_ts, [1709280000, np.nan, np.nan])
    np.testing.assert_array_equal(facts.lat, [45.5, np.nan, np.nan])
    np.testing.assert_array_equal(facts.width, [4000, np.nan, np.nan])
    clock = wall_clock("2024-03-01T10:00:00+02:00", None)
    np.testing.assert_array_equal(facts.local_ts, [clock[0], np.nan, np.nan])
    np.testing.assert_array_equal(facts.offset_s, [7200.0, np.nan, np.nan])
