"""GUI-thread time of the browsing views (places map, timeline, search, more like this, viewer) at scale.

Called by bench/gui_scale.py on the library it builds (``measure_browsing``); every figure is seconds.
Worker-side reads are timed apart (they never run on the GUI thread); each GUI step is the call plus
the repaint it causes (``repaint()``: painted now, not at the next event loop turn).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def _worst(steps: list[float], name: str, results: dict[str, float]) -> None:
    results[f"{name}_max_s"] = max(steps)
    results[f"{name}_median_s"] = statistics.median(steps)


def read_browsing(paths, snapshot) -> tuple[object, object, dict[str, float]]:
    """The worker side: BrowseData and the CodeIndex, with how long each read took."""
    from datetime import date

    from album_app.catalog import Catalog
    from album_app.gui.browse_tasks import load_browse, load_code_index
    from album_app.gui.workers import JobContext
    from album_app.progress import CancelToken

    results: dict[str, float] = {}
    with Catalog(paths, writer=False) as reader:
        context = JobContext(reader, CancelToken(), lambda p: None)
        started = time.perf_counter()
        browse = load_browse(context, snapshot, today=date.today())
        results["worker_browse_s"] = time.perf_counter() - started
        started = time.perf_counter()
        codes = load_code_index(context)
        results["worker_codes_s"] = time.perf_counter() - started
    return browse, codes, results


def measure_window(app, window, snapshot, browse, codes) -> dict[str, float]:
    """The views wired into the real window: the browse data taken in (every view at once), each tab
    brought to the front, an album's route, "more like this" shown (its search ran in a worker), the
    viewer opened from the largest album's grid and from the timeline, and closed again (Esc)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    results: dict[str, float] = {}
    browsing = window.browsing
    results["gui_window_browse_data_s"] = _timed(lambda: (browsing._browse_ready(browse), window.repaint()))
    for name in ("timeline", "places", "search", "like_this", "photos"):  # each a first time: nothing cached
        results[f"gui_window_tab_{name}_s"] = _timed(lambda n=name: (window.show_view(n), window.repaint()))
    window.show_view("places")
    biggest = max((a for a in snapshot.albums if not a.is_unsorted), key=lambda a: len(a.members))
    index = window.album_model.index_of(biggest.id)
    results["gui_window_album_route_s"] = _timed(
        lambda: (window.album_list.setCurrentIndex(index), window.repaint())
    )
    ids = snapshot.photos.ids
    sources = ids[len(ids) // 3 : len(ids) // 3 + 10]
    neighbours = codes.neighbours(sources)  # the worker's part (session.similar)
    window.show_view("like_this")
    results["gui_window_more_like_this_s"] = _timed(
        lambda: (window.similar.show_result(sources, neighbours), window.repaint())
    )
    window.show_view("photos")
    window.grid.setCurrentIndex(window.grid_model.index(0))
    viewer = window.viewer
    results["gui_window_viewer_open_album_s"] = _timed(
        lambda: (QTest.keyClick(window.grid, Qt.Key.Key_Return), viewer.repaint())
    )
    results["gui_window_viewer_close_s"] = _timed(
        lambda: (QTest.keyClick(viewer, Qt.Key.Key_Escape), window.repaint())
    )
    window.show_view("timeline")
    view = window.timeline.view
    view.set_current(len(view.data) // 2)
    results["gui_window_viewer_open_timeline_s"] = _timed(
        lambda: (QTest.keyClick(view, Qt.Key.Key_Return), viewer.repaint())
    )
    QTest.keyClick(viewer, Qt.Key.Key_Escape)
    app.processEvents()
    return results


def measure_browsing(app, paths, snapshot, browse=None, codes=None) -> dict[str, float]:
    from PySide6.QtCore import QPointF

    from album_app.gui.views.places_map import PlacesMap
    from album_app.gui.views.search_bar import SearchPanel
    from album_app.gui.views.similar_photos import SimilarPanel
    from album_app.gui.views.timeline import TimelinePanel
    from album_app.gui.views.viewer import PhotoViewer
    from album_app.gui.workers import SyncPool

    results: dict[str, float] = {}
    if browse is None:
        browse, codes, results = read_browsing(paths, snapshot)
    photos = snapshot.photos

    # -- places map: take in, zoom step by step into the densest place, pan, hover
    places = PlacesMap()
    places.resize(1280, 800)
    places.show()
    app.processEvents()
    results["gui_places_data_s"] = _timed(lambda: (places.set_data(browse.places), places.repaint()))
    level = browse.places.levels[6]
    dense = int(np.argmax(level.counts))
    target = QPointF(*[float(v[0]) for v in places.to_pixels(level.x[dense : dense + 1], level.y[dense : dense + 1])])
    zooms = [_timed(lambda: (places.zoom_at(0.5, target), places.repaint())) for _ in range(24)]
    _worst(zooms, "gui_places_zoom_step", results)
    places.set_view(6.0, (level.x[dense], level.y[dense]))
    places.repaint()
    pans = [_timed(lambda: (places.pan(40, 25), places.repaint())) for _ in range(30)]
    _worst(pans, "gui_places_pan_step", results)
    centre = QPointF(640, 400)
    results["gui_places_hover_s"] = _timed(lambda: places.cluster_at(centre))
    places.close()

    # -- timeline: take in, page by page from the start, then jumps (the scrubber) across the years
    timeline = TimelinePanel()
    timeline.resize(1280, 800)
    timeline.show()
    app.processEvents()
    results["gui_timeline_data_s"] = _timed(
        lambda: (timeline.set_data(browse.timeline, photos), timeline.view.viewport().repaint())
    )
    view = timeline.view
    bar = view.verticalScrollBar()
    scrolls = [
        _timed(lambda: (bar.setValue(bar.value() + bar.pageStep()), view.viewport().repaint())) for _ in range(100)
    ]
    _worst(scrolls, "gui_timeline_scroll_step", results)
    rng = np.random.default_rng(0)
    jumps = [
        _timed(lambda f=f: (view.scroll_to_fraction(f), view.viewport().repaint())) for f in rng.random(30)
    ]
    _worst(jumps, "gui_timeline_jump", results)
    months = [_timed(lambda: (view.jump_months(1), view.viewport().repaint())) for _ in range(12)]
    _worst(months, "gui_timeline_month_step", results)
    timeline.close()

    # -- search: each keystroke of two queries runs the search (the debounce timer is skipped)
    panel = SearchPanel()
    panel.resize(1280, 800)
    panel.show()
    app.processEvents()
    results["gui_search_index_s"] = _timed(lambda: panel.set_index(browse.search, photos))
    keystrokes = []
    city = int(browse.places.names.city[level.representative[dense]])  # the densest place's town: it has photos
    town = browse.places.names.vocabulary[city].lower() if city >= 0 else "madrid"
    for query in (f"{town} 2015", "camera:canon Feb 2015 -screenshots"):
        panel.field.clear()
        for k in range(1, len(query) + 1):
            keystrokes.append(_timed(lambda k=k, q=query: (panel.set_text(q[:k]), panel.grid.viewport().repaint())))
    _worst(keystrokes, "gui_search_keystroke", results)
    results["search_results"] = len(panel.results)
    results["search_town"] = town  # type: ignore[assignment]
    assert browse.search is not None
    queries = [town[:3], "2015", "unsorted", "camera:iphone 12–15 Feb 2015", f"{town} 2015 -screenshots no exif time"]
    results["search_query_max_s"] = max(_timed(lambda q=q: browse.search.search(q)) for q in queries)
    panel.close()

    # -- more like this: one photo and ten, then the slider
    similar = SimilarPanel()
    similar.resize(1280, 800)
    similar.show()
    app.processEvents()
    similar.set_index(codes, photos)
    ids = photos.ids
    one = [
        _timed(lambda p=p: (similar.show_like([p]), similar.grid.viewport().repaint())) for p in ids[:: len(ids) // 8]
    ]
    _worst(one, "gui_more_like_this", results)
    assert codes is not None
    results["more_like_this_10_photos_s"] = _timed(lambda: codes.neighbours(ids[100:110]))
    slider = [
        _timed(lambda v=v: (similar.slider.setValue(v), similar.grid.viewport().repaint())) for v in (200, 600, 900)
    ]
    _worst(slider, "gui_similar_slider", results)
    similar.close()

    # -- viewer: open on the timeline's photos, step (decoding is a worker's; the files do not exist here)
    viewer = PhotoViewer(pool=SyncPool())
    viewer.resize(1280, 800)
    viewer.set_photos(photos)
    order = browse.timeline.photo_ids.tolist()
    results["gui_viewer_open_s"] = _timed(lambda: viewer.open_at(order, len(order) // 2, full_screen=False))
    steps = [_timed(lambda: (viewer.step(1), viewer.repaint())) for _ in range(20)]
    _worst(steps, "gui_viewer_step", results)
    viewer.close()
    app.processEvents()
    return results
