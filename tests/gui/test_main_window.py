"""The window end to end: drop folders, albums appear, correct them, undo, cancel, close safely."""

from __future__ import annotations

import pytest
from gui_helpers import drop_folders, send_drop
from PySide6.QtCore import Qt

from album_app.catalog import Catalog
from album_app.catalog import albums as rows
from album_app.gui.models import Roles
from album_app.gui.workers import CANCELLED, DONE


def catalog_albums(window) -> dict[int, rows.AlbumRow]:
    with Catalog(window.session.paths, writer=False) as catalog:
        return {a.id: a for a in rows.load_albums(catalog)}


def album_rows(window) -> list[tuple[int | None, str, int]]:
    model = window.album_model
    return [
        (model.index(r).data(Roles.AlbumId), model.index(r).data(), model.index(r).data(Roles.Count))
        for r in range(model.rowCount())
    ]


@pytest.fixture
def clustered(open_window, two_trips, needs_encoder):
    """A window whose library holds the two trips, added by dropping their folder on the drop zone."""
    photos, lisbon, paris = two_trips
    window = open_window()
    assert window.stack.currentWidget() is window.drop_zone
    drop = drop_folders(window.drop_zone, [photos])
    assert drop.isAccepted()
    return window, lisbon, paris


def test_empty_library_shows_the_drop_zone(open_window):
    window = open_window()
    assert window.stack.currentWidget() is window.drop_zone
    assert window.drop_zone.isVisible()
    texts = [label.text() for label in window.drop_zone.findChildren(type(window.status))]
    assert "Drag photo folders here" in texts
    assert window.act_add.text() == "&Add folder…"
    assert window.menuBar().actions()[0].text() == "&File"


def test_dropping_folders_scans_and_albums_appear(clustered):
    window, _, _ = clustered
    assert window.stack.currentWidget() is window.splitter
    listed = album_rows(window)
    assert [count for _, _, count in listed[:-1]] == [6, 6]
    assert listed[-1][0] is None and listed[-1][1] == "Unsorted" and listed[-1][2] == 0
    names = [name for _, name, _ in listed]
    assert names[0].startswith("Lisbon") and names[1].startswith("Paris")
    # The first album is selected and its photos are in the grid.
    assert window.grid_model.total() == 6
    assert "Added 12 photos" in window.status.text()
    assert not window.messages


def test_dropping_on_a_filled_library_adds_more(clustered, make_photo, tmp_path):
    window, _, _ = clustered
    extra = tmp_path / "more"
    make_photo(extra / "late.jpg", seed=7, taken=None)
    drop_folders(window.grid.viewport(), [extra])
    unsorted = window.album_model.albums()[-1]
    assert len(window.snapshot.photos) == 13
    assert sum(len(a.members) for a in window.album_model.albums()) == 13
    assert unsorted.is_unsorted


def test_rename_through_the_model_persists(clustered):
    window, _, _ = clustered
    index = window.album_model.index(0)
    album_id = index.data(Roles.AlbumId)
    assert window.album_model.setData(index, "  Spring   in Lisbon ", Qt.ItemDataRole.EditRole)
    assert catalog_albums(window)[album_id].name == "Spring in Lisbon"
    assert window.album_model.index(0).data() == "Spring in Lisbon"
    assert window.album_model.index(0).data(Roles.Suggested) is False


def test_merge_then_undo(clustered):
    window, _, _ = clustered
    first, second = (window.album_model.index(r).data(Roles.AlbumId) for r in (0, 1))
    window.album_list.selectAll()
    window.album_list.setCurrentIndex(window.album_model.index(0))
    window.album_list.selectAll()
    assert window.act_merge.isEnabled()
    window.act_merge.trigger()
    after = catalog_albums(window)
    assert second not in after and len(after[first].members) == 12
    assert [count for _, _, count in album_rows(window)] == [12, 0]
    assert window.act_undo.text() == "&Undo merge"
    window.act_undo.trigger()
    restored = catalog_albums(window)
    assert len(restored[first].members) == 6 and len(restored[second].members) == 6
    assert [count for _, _, count in album_rows(window)] == [6, 6, 0]
    window.act_redo.trigger()
    assert len(catalog_albums(window)[first].members) == 12


def test_drag_photos_from_the_grid_onto_an_album_moves_them(clustered):
    window, _, _ = clustered
    source, target = (window.album_model.index(r).data(Roles.AlbumId) for r in (0, 1))
    assert window.grid_model.album_id == source
    window.grid.selectionModel().select(window.grid_model.index(0), window.grid.selectionModel().SelectionFlag.Select)
    window.grid.selectionModel().select(window.grid_model.index(1), window.grid.selectionModel().SelectionFlag.Select)
    moving = window.grid.selected_photo_ids()
    mime = window.grid_model.mimeData(window.grid.selectionModel().selectedIndexes())
    target_rect = window.album_list.visualRect(window.album_model.index(1))
    drop = send_drop(window.album_list.viewport(), mime, target_rect.center())
    assert drop.isAccepted()
    after = catalog_albums(window)
    assert set(moving) <= set(after[target].members)
    assert not set(moving) & set(after[source].members)
    assert moving[0] in after[target].pinned
    # One drag, one undo: both photos go back.
    window.act_undo.trigger()
    back = catalog_albums(window)
    assert set(moving) <= set(back[source].members)


def test_split_remove_accept_reject(clustered):
    window, _, _ = clustered
    source = window.album_model.index(0).data(Roles.AlbumId)
    selection = window.grid.selectionModel()
    selection.select(window.grid_model.index(0), selection.SelectionFlag.Select)
    picked = window.grid.selected_photo_ids()
    window.act_split.trigger()
    albums = catalog_albums(window)
    new = next(a for a in albums.values() if a.origin == "user")
    assert new.members == picked and window.current_album().id == new.id  # the new album is selected
    window.album_list.closePersistentEditor(window.album_list.currentIndex())
    # Back to the source album: remove one photo, accept it, then reject the other album.
    window.album_list.setCurrentIndex(window.album_model.index_of(source))
    selection.select(window.grid_model.index(0), selection.SelectionFlag.ClearAndSelect)
    removed = window.grid.selected_photo_ids()[0]
    window.act_remove.trigger()
    assert removed not in catalog_albums(window)[source].members
    window.album_list.setCurrentIndex(window.album_model.index_of(source))
    window.act_accept.trigger()
    assert catalog_albums(window)[source].locked
    assert window.album_model.index_of(source).data(Roles.Locked) is True
    other = next(a.id for a in window.album_model.albums() if a.id not in (source, new.id, None))
    window.album_list.setCurrentIndex(window.album_model.index_of(other))
    window.act_reject.trigger()
    assert catalog_albums(window)[other].rejected
    assert window.album_model.row_of(other) is None


def test_recluster_keeps_a_rename(clustered):
    window, _, _ = clustered
    index = window.album_model.index(1)
    album_id = index.data(Roles.AlbumId)
    window.album_model.setData(index, "Paris with Ana")
    from album_app.albums.features import FusionWeights

    window.start_recluster("kmeans", 2, FusionWeights(content=1.0, time=0.5, place=2.0))
    assert catalog_albums(window)[album_id].name == "Paris with Ana"
    assert "your edits were kept" in window.status.text()


def test_photo_details_explain_the_placement(clustered):
    window, lisbon, _ = clustered
    selection = window.grid.selectionModel()
    selection.setCurrentIndex(window.grid_model.index(0), selection.SelectionFlag.ClearAndSelect)
    details = window.inspector.details
    assert details is not None and details.path in {str(p) for p in lisbon}
    assert "EXIF" in window.inspector.fields["source"].text()
    assert "N" in window.inspector.fields["place"].text()
    assert window.inspector.fields["why"].text()
    assert window.inspector.fields["album"].text().startswith("Lisbon")


def test_map_click_reveals_the_photo(clustered, qtbot):
    window, _, _ = clustered
    window.tabs.setCurrentWidget(window.map)
    data = window.map.data
    assert data is not None and len(data.photo_ids) == 12
    assert sorted(set(data.labels.tolist())) == [0, 1]
    photo = int(data.photo_ids[-1])
    window.reveal_photo(photo)
    assert photo in window.grid.selected_photo_ids()
    assert window.current_album().id == window.snapshot.album_of_photo()[photo]


def test_export_dialog_action_writes_links(clustered, tmp_path):
    window, _, _ = clustered
    destination = tmp_path / "export"
    window.start_export(destination, "symlink", True)
    folders = sorted(p.name for p in destination.iterdir() if p.is_dir())
    assert len(folders) == 2 and all(len(list((destination / f).iterdir())) == 6 for f in folders)
    assert "Exported to" in window.status.text()


def test_model_panel_lists_the_model(clustered):
    window, _, _ = clustered
    dialog = window.show_models()
    assert dialog.history.topLevelItemCount() >= 1
    from album_app.gui.training import trainer_available

    assert dialog.train.isEnabled() == trainer_available()
    dialog.close()


def test_cancel_stops_the_scan_worker(open_window, two_trips, needs_encoder, monkeypatch, qtbot):
    """Real threads; each file takes 200 ms, so the scan is surely still running when Cancel is clicked."""
    import time

    import album_app.ingest.scan as scan_module

    photos, _, _ = two_trips
    slow = scan_module.analyse

    def analyse(*args, **kwargs):
        time.sleep(0.2)
        return slow(*args, **kwargs)

    monkeypatch.setattr(scan_module, "analyse", analyse)
    window = open_window(sync=False)
    qtbot.waitUntil(lambda: window._loaded_once, timeout=5000)
    job = window.add_folders([photos])
    qtbot.waitUntil(lambda: window.progress.isVisible() and window.progress.bar.maximum() > 0, timeout=10000)
    qtbot.mouseClick(window.progress.cancel, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.session.writes.idle, timeout=10000):
        pass
    assert job.state == CANCELLED
    assert job.result is None or job.result.summary.indexed < 12
    assert "Stopped" in window.status.text()
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=5000)


def test_closing_during_a_scan_is_safe(open_window, two_trips, needs_encoder, monkeypatch, qtbot):
    import time

    import album_app.ingest.scan as scan_module

    photos, _, _ = two_trips
    slow = scan_module.analyse
    monkeypatch.setattr(scan_module, "analyse", lambda *a, **k: (time.sleep(0.2), slow(*a, **k))[1])
    window = open_window(sync=False)
    window.add_folders([photos])
    qtbot.waitUntil(lambda: window.session.writes.running is not None, timeout=5000)
    window.close()
    assert window.session._closed
    # The catalog is closed and the writer lock released: the library opens again at once.
    with Catalog(window.session.paths, writer=True) as catalog:
        assert catalog.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_same_flow_on_real_worker_threads(open_window, two_trips, needs_encoder, qtbot):
    """Drop, albums appear, rename, undo: jobs on worker threads, results back through signals."""
    photos, _, _ = two_trips
    window = open_window(sync=False)
    qtbot.waitUntil(lambda: window._loaded_once, timeout=10000)
    drop_folders(window.drop_zone, [photos])
    qtbot.waitUntil(lambda: [c for _, _, c in album_rows(window)] == [6, 6, 0], timeout=60000)
    album_id = window.album_model.index(0).data(Roles.AlbumId)
    window.album_model.setData(window.album_model.index(0), "Lisbon with Ana")
    qtbot.waitUntil(lambda: window.act_undo.isEnabled() and not window.session.busy, timeout=20000)
    assert catalog_albums(window)[album_id].name == "Lisbon with Ana"
    window.act_undo.trigger()
    qtbot.waitUntil(lambda: window.act_redo.isEnabled(), timeout=20000)
    assert catalog_albums(window)[album_id].name is None
    assert window.album_model.index_of(album_id).data().startswith("Lisbon ·")


def test_cancel_stops_an_export_and_the_next_one_takes_over(open_window, two_trips, needs_encoder,
                                                             qtbot, tmp_path, monkeypatch):
    """An export is cancellable: it stops between files, and the next export adopts what it did."""
    from album_app.faults import EXPORT_PAUSE_S as TEST_PAUSE_ENV
    from album_app.services.export import MANIFEST

    photos, lisbon, paris = two_trips
    window = open_window(sync=False)
    qtbot.waitUntil(lambda: window._loaded_once, timeout=10000)
    drop_folders(window.drop_zone, [photos])
    qtbot.waitUntil(lambda: [c for _, _, c in album_rows(window)] == [6, 6, 0], timeout=60000)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=20000)
    destination = tmp_path / "export"
    monkeypatch.setenv(TEST_PAUSE_ENV, "0.1")  # each file takes a while: Cancel surely lands part-way
    job = window.start_export(destination, "copy", True)
    qtbot.waitUntil(lambda: window.progress.isVisible() and window.progress.bar.value() > 0, timeout=20000)
    qtbot.mouseClick(window.progress.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == CANCELLED, timeout=20000)
    copied = list(destination.rglob("*.jpg"))
    assert 0 < len(copied) < 12
    monkeypatch.delenv(TEST_PAUSE_ENV)
    again = window.start_export(destination, "copy", True)
    qtbot.waitUntil(lambda: again.state == DONE, timeout=20000)
    report = again.result
    assert report.failed == [] and report.left_alone == [], report
    assert sorted(p.name for p in destination.rglob("*.jpg")) == sorted(p.name for p in lisbon + paris)
    assert (destination / MANIFEST).is_file()
