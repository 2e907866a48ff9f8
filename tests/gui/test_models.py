"""Qt models, thumbnails, the map's maths and the text helpers, without a window."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QPixmap

from album_app.catalog.views import PhotoSummaries
from album_app.gui import formatting
from album_app.gui.models import AlbumListModel, PhotoGridModel, Roles, photo_mime, read_photo_mime
from album_app.gui.snapshot import AlbumEntry
from album_app.gui.tasks import pca_2d
from album_app.gui.thumbnails import PixmapLRU, ThumbnailLoader
from album_app.gui.views.library_map import rasterise
from album_app.ingest.decode import thumbnail_path
from album_app.progress import Progress


def albums() -> list[AlbumEntry]:
    return [
        AlbumEntry(
            1,
            "Lisbon · 12–14 Apr 2024",
            "Lisbon",
            "2024-04-12T10:00:00",
            "2024-04-14T18:00:00",
            locked=True,
            suggested=False,
            members=[1, 2, 3],
        ),
        AlbumEntry(2, "Paris", "Paris", "2024-05-12T10:00:00", "2024-05-12T12:00:00", members=[4]),
        AlbumEntry(None, "Unsorted", members=[5, 6], suggested=False),
    ]


def test_album_model_roles_and_flags(qtmodeltester):
    model = AlbumListModel()
    model.set_albums(albums())
    qtmodeltester.check(model)
    first, unsorted = model.index(0), model.index(2)
    assert first.data() == "Lisbon · 12–14 Apr 2024"
    assert first.data(Roles.DateRange) == "12–14 Apr 2024"
    assert first.data(Roles.Count) == 3 and first.data(Roles.Locked) is True
    assert model.index(1).data(Roles.Suggested) is True
    assert "accepted" in first.data(Qt.ItemDataRole.ToolTipRole)
    assert unsorted.data(Roles.IsUnsorted) and unsorted.data(Roles.AlbumId) is None
    assert model.flags(first) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(unsorted) & Qt.ItemFlag.ItemIsEditable


def test_setdata_asks_for_a_rename_and_shows_it_at_once(qtbot):
    model = AlbumListModel()
    model.set_albums(albums())
    with qtbot.waitSignal(model.renameRequested) as signal:
        assert model.setData(model.index(1), "  Paris   with Ana ")
    assert signal.args == [2, "Paris with Ana"]
    assert model.index(1).data() == "Paris with Ana"
    assert not model.setData(model.index(1), "   ")  # empty names are refused
    assert not model.setData(model.index(2), "Not unsorted")


def test_same_albums_keep_their_rows_new_ones_reset(qtbot):
    model = AlbumListModel()
    model.set_albums(albums())
    with qtbot.assertNotEmitted(model.modelReset):
        renamed = albums()
        renamed[0].name = "Spring"
        model.set_albums(renamed)
    assert model.index(0).data() == "Spring"
    with qtbot.waitSignal(model.modelReset):
        model.set_albums(albums()[1:])


def test_photo_drops_onto_albums(qtbot):
    model = AlbumListModel()
    model.set_albums(albums())
    mime = photo_mime(1, [2, 3], ["/p/2.jpg"])
    assert read_photo_mime(mime) == (1, [2, 3])
    assert mime.urls()[0].toLocalFile() == "/p/2.jpg"
    action = Qt.DropAction.MoveAction
    assert not model.canDropMimeData(mime, action, -1, -1, model.index(0))  # onto its own album
    assert not model.canDropMimeData(mime, action, 0, 0, QModelIndex())  # between rows
    assert model.canDropMimeData(mime, action, -1, -1, model.index(2))  # onto Unsorted: remove
    with qtbot.waitSignal(model.photosDropped) as signal:
        assert model.dropMimeData(mime, action, -1, -1, model.index(1))
    assert signal.args == [2, 1, [2, 3]]
    assert not model.canDropMimeData(photo_mime(None, [5]), action, -1, -1, model.index(2))


def summaries(n: int) -> PhotoSummaries:
    ids = list(range(1, n + 1))
    return PhotoSummaries(
        ids,
        [f"{i:040x}" for i in ids],
        [f"/p/{i}.jpg" for i in ids],
        ["2024-04-12T10:00:00"] * n,
        {p: i for i, p in enumerate(ids)},
    )


def test_grid_model_fetches_rows_in_chunks(qtmodeltester):
    model = PhotoGridModel()
    photos = summaries(5000)
    assert model.set_photos(7, photos.ids, photos)
    assert model.rowCount() == PhotoGridModel.CHUNK
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * PhotoGridModel.CHUNK
    assert model.row_of(4999) == 4998 and model.rowCount() == 4999  # loads up to a photo asked for
    assert model.index(0).data(Roles.PhotoId) == 1
    assert model.index(0).data(Qt.ItemDataRole.ToolTipRole) == "1.jpg, 12 Apr 2024, 10:00"
    assert read_photo_mime(model.mimeData([model.index(0), model.index(2)])) == (7, [1, 3])
    assert not model.set_photos(7, photos.ids, photos)  # unchanged: no reset
    qtmodeltester.check(model)  # last: the tester fetches every row


def test_pixmap_lru_evicts_least_recently_used(qapp):
    pixmap = QPixmap(10, 10)
    cache = PixmapLRU(budget_bytes=3 * PixmapLRU.cost(pixmap))
    for key in ("a", "b", "c"):
        cache.put((key, 10), pixmap)
    assert cache.get(("a", 10)) is not None  # "a" is now the most recent
    cache.put(("d", 10), pixmap)
    assert ("b", 10) not in cache and ("a", 10) in cache and len(cache) == 3


def test_thumbnail_loader_reads_the_disk_cache_off_thread(tmp_path, qtbot):
    digest = "ab" * 20
    path = thumbnail_path(tmp_path, digest)
    path.parent.mkdir(parents=True)
    Image.new("RGB", (256, 192), (200, 30, 30)).save(path, "JPEG")
    loader = ThumbnailLoader(tmp_path)
    assert loader.pixmap(digest, 128) is None  # queued
    with qtbot.waitSignal(loader.ready, timeout=5000) as signal:
        pass
    assert signal.args == [{digest}]
    pixmap = loader.pixmap(digest, 128)
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (128, 96)
    assert loader.pixmap("cd" * 20, 128) is None
    qtbot.waitUntil(lambda: loader.failed("cd" * 20, 128), timeout=5000)  # no thumbnail, no original
    loader.shutdown()


def test_pca_map_is_in_the_unit_square_and_stable():
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(0, 1, (50, 16)), rng.normal(6, 1, (50, 16))]).astype(np.float32)
    xy = pca_2d(codes)
    assert xy.shape == (100, 2) and xy.min() >= -0.05 and xy.max() <= 1.05
    # The two groups separate along the first axis.
    assert abs(xy[:50, 0].mean() - xy[50:, 0].mean()) > 0.5
    np.testing.assert_allclose(pca_2d(codes), xy)
    assert pca_2d(np.zeros((0, 16))).shape == (0, 2)
    assert pca_2d(np.ones((2, 16))).tolist() == [[0.5, 0.5], [0.5, 0.5]]


def test_rasterise_draws_discs():
    image = rasterise(np.array([[5.0, 5.0], [50.0, 50.0]]), np.array([1, 2], dtype=np.uint32), (20, 10), 2.0)
    assert image.shape == (10, 20) and image[5, 5] == 1 and image[5, 7] == 1 and image[5, 8] == 0
    assert (image == 2).sum() == 0  # off the image


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        ("2024-04-12T10:00:00", "2024-04-12T18:00:00", "12 Apr 2024"),
        ("2024-04-12T10:00:00", "2024-04-14T18:00:00", "12–14 Apr 2024"),
        ("2024-04-28T10:00:00", "2024-05-03T18:00:00", "28 Apr – 3 May 2024"),
        ("2023-12-30T10:00:00", "2024-01-02T18:00:00", "30 Dec 2023 – 2 Jan 2024"),
        (None, None, ""),
        ("2024-04-12T10:00:00", None, "12 Apr 2024"),
    ],
)
def test_date_ranges(start, end, text):
    assert formatting.date_range(start, end) == text


def test_progress_line_has_count_rate_and_eta():
    line = formatting.progress_line(Progress("scan", 1234, 5000, 42.13, 90.0))
    assert line == "Scanning 1,234 of 5,000 photos · 42.1 photos/s · 01:30 left"
    assert formatting.progress_line(Progress("cluster", 0, 0, 0.0, None)) == "Suggesting albums…"
    assert formatting.time_source_text(None, "filename", None).startswith("from the file name")
