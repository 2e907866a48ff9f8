"""The places map driven by mouse and keys: markers that split as you zoom, click → photos, hover names, routes."""

from __future__ import annotations

import numpy as np
import pytest
from browse_library import ROME
from input_events import drag, move, wheel
from PySide6.QtCore import QPointF, Qt

from album_app.gui.views.places_map import PlacesMap, WorldOutlines, world_outlines
from album_app.services.places import mercator


@pytest.fixture
def world(qtbot, browse_lib):
    _, _, browse, _ = browse_lib
    view = PlacesMap()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(browse.places)
    return view


def marker_point(view: PlacesMap, lat: float, lon: float) -> QPointF:
    """Where the marker nearest a place is drawn now."""
    level = view.data.level(view.zoom)
    x, y = mercator(np.array([lat]), np.array([lon]))
    nearest = int(np.argmin((level.x - x[0]) ** 2 + (level.y - y[0]) ** 2))
    px, py = view.to_pixels(level.x[nearest : nearest + 1], level.y[nearest : nearest + 1])
    return QPointF(float(px[0]), float(py[0]))


def test_outlines_ship_with_the_app():
    outlines = world_outlines()
    assert outlines.available, "assets/world_outlines.npz is missing (make world-outlines)"
    coasts = outlines.shapes("coast", "c")
    assert coasts is not None and len(coasts.polygons) > 500 and set(np.unique(coasts.kinds)) <= {1, 2}
    assert outlines.shapes("borders", "l") is not None


def test_first_data_shows_every_photo_with_a_place(world):
    assert len(world.data) == 14  # the three trips; copies, the screenshot and scans have no place
    x0, y0, x1, y1 = world.view_box()
    assert (world.data.x >= x0).all() and (world.data.x <= x1).all()
    assert (world.data.y >= y0).all() and (world.data.y <= y1).all()
    world.grab()  # paints without error


def test_markers_split_as_you_zoom_with_the_wheel(world):
    world.set_view(2.0, world.centre)
    world.repaint()
    coarse = len(world._shown[1])
    anchor = marker_point(world, *ROME)
    before = world.to_map(anchor)
    for _ in range(20):
        wheel(world, anchor, 1)
    assert world.zoom == pytest.approx(12.0)
    np.testing.assert_allclose(world.to_map(anchor), before, atol=1e-9)  # the point under the cursor stays
    world.repaint()
    level = world.data.level(world.zoom)
    assert len(level) > coarse
    wheel(world, anchor, -4)
    assert world.zoom == pytest.approx(10.0)


def test_click_a_marker_gives_its_photos_in_time_order(world, browse_lib, qtbot):
    lib, _, _, _ = browse_lib
    world.set_view(6.0, mercator(np.array([ROME[0]]), np.array([ROME[1]])))
    world.repaint()
    point = marker_point(world, *ROME)
    with qtbot.waitSignal(world.clusterClicked) as signal:
        qtbot.mouseClick(world, Qt.MouseButton.LeftButton, pos=point.toPoint())
    assert signal.args[0] == [lib.ids[f"rome_{k}.jpg"] for k in range(3)]


def test_hover_names_the_place(world, browse_lib):
    world.set_view(8.0, mercator(np.array([ROME[0]]), np.array([ROME[1]])))
    world.repaint()
    move(world, marker_point(world, *ROME))
    assert world.hover is not None
    level = world.data.level(world.zoom)
    assert world.data.name(int(level.representative[world.hover]), world.zoom) == "Rome, Italy"
    world.grab()  # the card paints
    move(world, QPointF(5, 5))
    assert world.hover is None


def test_drag_pans_without_clicking(world, qtbot):
    world.set_view(5.0, (0.5, 0.35))
    centre = world.centre.copy()
    with qtbot.assertNotEmitted(world.clusterClicked):
        drag(world, QPointF(400, 300), QPointF(300, 250))
    np.testing.assert_allclose(world.centre - centre, np.array([100, 50]) / world.scale(), atol=1e-9)


def test_keys_zoom_pan_and_show_all(world, qtbot):
    world.set_view(4.0, (0.5, 0.35))
    qtbot.keyClick(world, Qt.Key.Key_Plus)
    assert world.zoom == pytest.approx(5.0)
    qtbot.keyClick(world, Qt.Key.Key_Minus)
    qtbot.keyClick(world, Qt.Key.Key_Minus)
    assert world.zoom == pytest.approx(3.0)
    x = world.centre[0]
    qtbot.keyClick(world, Qt.Key.Key_Right)
    assert world.centre[0] > x
    qtbot.keyClick(world, Qt.Key.Key_0)
    x0, _, x1, _ = world.view_box()
    assert x0 <= world.data.x.min() and world.data.x.max() <= x1


def test_an_albums_route_in_time_order(world, browse_lib):
    lib, snapshot, _, _ = browse_lib
    lisbon = snapshot.album(lib.albums["lisbon"])
    assert world.show_album(lisbon.members, lisbon.name) == 6
    assert world.data.photo_ids[world.route].tolist() == lisbon.members
    x0, y0, x1, y1 = world.view_box()
    route_x, route_y = world.data.x[world.route], world.data.y[world.route]
    assert (route_x >= x0).all() and (route_x <= x1).all() and (route_y >= y0).all() and (route_y <= y1).all()
    world.grab()
    world.clear_album()
    assert len(world.route) == 0


def test_without_outlines_the_markers_still_work(qtbot, browse_lib):
    _, _, browse, _ = browse_lib
    view = PlacesMap(outlines=WorldOutlines(None))
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.set_data(browse.places)
    view.grab()
    assert not view.outlines.available and len(view.data.level(view.zoom)) > 0
