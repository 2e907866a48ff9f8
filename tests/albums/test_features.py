"""Fusion inputs: the view's checks, weights, places in km, the content space, missing kept missing."""

from __future__ import annotations

import numpy as np
import pytest

from album_app.albums.features import (
    CONTENT_START,
    PLACE_COLS,
    TIME_COL,
    ContentSpace,
    FusionWeights,
    LibraryView,
    fused_matrix,
    geo_xyz_km,
    haversine_km,
    l2_normalise,
    xyz_to_latlon,
)

LISBON = (38.7223, -9.1393)
PORTO = (41.1579, -8.6291)


def view_of(n: int, **overrides) -> LibraryView:
    values = {
        "photo_ids": np.arange(n),
        "codes": np.random.default_rng(0).normal(size=(n, 8)),
        "taken_ts": np.full(n, 1.7e9),
        "hint_ts": np.full(n, np.nan),
        "lat": np.full(n, LISBON[0]),
        "lon": np.full(n, LISBON[1]),
    }
    values.update(overrides)
    return LibraryView(**values)


def test_view_coerces_dtypes_and_checks_lengths():
    view = view_of(3)
    assert view.photo_ids.dtype == np.int64 and view.codes.dtype == np.float32 and view.taken_ts.dtype == np.float64
    with pytest.raises(ValueError, match="taken_ts"):
        view_of(3, taken_ts=np.zeros(2))
    with pytest.raises(ValueError, match="codes"):
        view_of(3, codes=np.zeros((2, 8)))


def test_half_a_coordinate_is_no_place():
    view = view_of(2, lat=np.array([LISBON[0], 10.0]), lon=np.array([LISBON[1], np.nan]))
    assert view.has_place.tolist() == [True, False]
    assert np.isnan(view.lat[1])


def test_weights_refuse_negative_or_all_zero():
    with pytest.raises(ValueError):
        FusionWeights(time=-1)
    with pytest.raises(ValueError):
        FusionWeights(0, 0, 0)
    assert FusionWeights(content=0).time == 1.0


def test_place_in_km_matches_great_circle():
    d = haversine_km(*LISBON, *PORTO)
    assert 270 < d < 280  # Lisbon–Porto ≈ 274 km
    xyz = geo_xyz_km(np.array([LISBON[0], PORTO[0]]), np.array([LISBON[1], PORTO[1]]))
    assert abs(np.linalg.norm(xyz[0] - xyz[1]) - d) < 1.0  # chord ≈ arc at these distances
    lat, lon = xyz_to_latlon(xyz[:1])
    assert lat[0] == pytest.approx(LISBON[0]) and lon[0] == pytest.approx(LISBON[1])


def test_content_space_is_unit_length_and_centred():
    rng = np.random.default_rng(1)
    codes = 5.0 + rng.normal(size=(200, 20))  # a big shared component, as post-ReLU codes have
    z = ContentSpace(n_components=8).fit_transform(codes)
    assert z.shape == (200, 8)
    assert np.allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    # after centring, two unrelated photos are far apart (not all crowded around the shared mean)
    assert np.median(np.linalg.norm(z[:100] - z[100:], axis=1)) > 1.0


def test_content_space_copes_with_tiny_libraries():
    z = ContentSpace().fit_transform(np.ones((2, 4)))
    assert z.shape[0] == 2 and np.isfinite(z).all()
    assert np.allclose(l2_normalise(np.zeros((1, 3))), 0.0)


def test_missing_time_and_place_stay_nan_not_zero():
    view = view_of(
        3, taken_ts=np.array([1.7e9, np.nan, 1.7e9]), lat=np.array([np.nan, 1.0, 2.0]), lon=np.array([np.nan, 1.0, 2.0])
    )
    x = fused_matrix(view, np.zeros((3, 4), np.float32))
    assert np.isnan(x[1, TIME_COL]) and np.isnan(x[0, PLACE_COLS]).all()
    assert x[0, TIME_COL] == pytest.approx(1.7e9 / 3600)
    assert x.shape == (3, CONTENT_START + 4)
