"""What the album builder knows about each photo, in human units, with missing kept missing.

Three kinds of evidence, each with its own scale so that they can be weighed against each other:
  * content: the encoder's code, centred, L2-normalised and PCA-reduced (a photo's look);
  * time: hours (EXIF only; a date in the file name is a separate, weak hint);
  * place: kilometres, as Earth-centred x/y/z so that Euclidean distance is the chord (≈ great circle
    at the scales that matter for albums).

A photo without a trusted time or a place has NaN there. NaN means "no evidence", never zero: a zero
would pull every stripped photo towards 1970 or Null Island and let it bridge unrelated events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where it is used: naming and edits need this module, not scikit-learn
    from sklearn.decomposition import PCA

EARTH_RADIUS_KM = 6371.0
SECONDS_PER_HOUR = 3600.0

#: Fused-space units: one unit of time is a day, one unit of place is 50 km. A day without photos or a
#: jump to the next city is the size of difference that separates two albums (see events.py).
TIME_SCALE_H = 24.0
PLACE_SCALE_KM = 50.0

#: Column layout of a fused matrix (see `fused_matrix`): time, place x/y/z, then the content columns.
TIME_COL = 0
PLACE_COLS = slice(1, 4)
CONTENT_START = 4


@dataclass
class LibraryView:
    """One row per indexed photo: everything clustering needs, nothing it does not (no paths, no SQL)."""

    photo_ids: np.ndarray  # (N,) int64
    codes: np.ndarray  # (N, D) float32 raw encoder codes
    taken_ts: np.ndarray  # (N,) float64 seconds since epoch, NaN = no trusted EXIF time
    hint_ts: np.ndarray  # (N,) float64, NaN = none (a date from the file name: weak, soft)
    lat: np.ndarray  # (N,) float64 degrees, NaN = no place
    lon: np.ndarray  # (N,) float64 degrees
    names: list[str] | None = field(default=None)  # optional display names, only for the "reason" texts
    # What the life segmentation (method "life", roll.py) also reads; None where the caller has no such fact.
    local_ts: np.ndarray | None = None  # (N,) the wall clock where it was taken, read as UTC; NaN = unknown
    offset_s: np.ndarray | None = None  # (N,) its offset from UTC; NaN = unknown (a camera without a zone)
    width: np.ndarray | None = None  # (N,) pixels as stored
    height: np.ndarray | None = None
    formats: list[str | None] | None = None  # the detected format ("JPEG", "PNG", …)
    cameras: list[str] | None = None  # make and model, "" without camera EXIF

    def __post_init__(self) -> None:
        self.photo_ids = np.asarray(self.photo_ids, dtype=np.int64).reshape(-1)
        n = len(self.photo_ids)
        self.codes = np.asarray(self.codes, dtype=np.float32)
        if self.codes.ndim != 2 or len(self.codes) != n:
            raise ValueError(f"LibraryView.codes must be (N, D) with N={n}, got {self.codes.shape}")
        for name in ("taken_ts", "hint_ts", "lat", "lon"):
            value = np.asarray(getattr(self, name), dtype=np.float64).reshape(-1)
            if len(value) != n:
                raise ValueError(f"LibraryView.{name} has {len(value)} rows, photo_ids has {n}")
            setattr(self, name, value)
        for name in ("local_ts", "offset_s", "width", "height"):
            if getattr(self, name) is not None:
                value = np.asarray(getattr(self, name), dtype=np.float64).reshape(-1)
                if len(value) != n:
                    raise ValueError(f"LibraryView.{name} has {len(value)} rows, photo_ids has {n}")
                setattr(self, name, value)
        for name in ("names", "formats", "cameras"):
            if getattr(self, name) is not None and len(getattr(self, name)) != n:
                raise ValueError(f"LibraryView.{name} has {len(getattr(self, name))} rows, photo_ids has {n}")
        # A place needs both coordinates; one without the other is no place.
        broken = np.isnan(self.lat) != np.isnan(self.lon)
        if broken.any():
            self.lat = np.where(broken, np.nan, self.lat)
            self.lon = np.where(broken, np.nan, self.lon)

    def __len__(self) -> int:
        return len(self.photo_ids)

    @property
    def has_time(self) -> np.ndarray:
        return ~np.isnan(self.taken_ts)

    @property
    def has_place(self) -> np.ndarray:
        return ~np.isnan(self.lat)

    def name(self, row: int) -> str:
        """How a reason text refers to a photo: its display name when known, else its id."""
        return self.names[row] if self.names is not None else f"photo {int(self.photo_ids[row])}"

    def subset(self, rows: np.ndarray) -> LibraryView:
        index = np.arange(len(self))[np.asarray(rows)]

        def pick(values: np.ndarray | list | None) -> np.ndarray | list | None:
            if values is None:
                return None
            return values[index] if isinstance(values, np.ndarray) else [values[i] for i in index]

        return LibraryView(
            self.photo_ids[index], self.codes[index], self.taken_ts[index], self.hint_ts[index], self.lat[index],
            self.lon[index], pick(self.names), local_ts=pick(self.local_ts), offset_s=pick(self.offset_s),
            width=pick(self.width), height=pick(self.height), formats=pick(self.formats), cameras=pick(self.cameras),
        )


@dataclass(frozen=True)
class FusionWeights:
    """How much each kind of evidence counts (the GUI's sliders). 0 switches a kind off; 2 doubles it."""

    content: float = 1.0
    time: float = 1.0
    place: float = 1.0

    def __post_init__(self) -> None:
        for name in ("content", "time", "place"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"FusionWeights.{name} must be a finite number >= 0, got {value!r}")
        if self.content == self.time == self.place == 0:
            raise ValueError("FusionWeights: at least one of content, time and place must count")


#: The default weights (a module constant: a frozen dataclass, safe to share as an argument default).
DEFAULT_WEIGHTS = FusionWeights()


# --- place ----------------------------------------------------------------------------------------------


def geo_xyz_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(N, 3) Earth-centred coordinates in km; rows without a place are NaN."""
    lat_r, lon_r = np.radians(np.asarray(lat, np.float64)), np.radians(np.asarray(lon, np.float64))
    cos_lat = np.cos(lat_r)
    return EARTH_RADIUS_KM * np.stack([cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)], axis=-1)


def xyz_to_latlon(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `geo_xyz_km` (for a mean of points: projects it back onto the sphere)."""
    xyz = np.atleast_2d(np.asarray(xyz, np.float64))
    lat = np.degrees(np.arctan2(xyz[:, 2], np.hypot(xyz[:, 0], xyz[:, 1])))
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    return lat, lon


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (NaN where either end has no place)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, np.float64)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


# --- content --------------------------------------------------------------------------------------------


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; an all-zero row stays zero rather than becoming NaN."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class ContentSpace:
    """Codes → a compact look space: centre, L2-normalise, PCA, L2-normalise again.

    Centring first matters: autoencoder codes (often post-ReLU) and raw pixels share a large common
    component, and normalising before removing it makes every photo look alike. The second
    normalisation puts every photo on the unit sphere, so distances are comparable across libraries
    (0 = same look, √2 = unrelated) and thresholds learnt on one library's percentiles travel.
    The PCA is fitted on at most ``max_fit_rows`` rows: it only has to find the main directions.
    """

    def __init__(self, n_components: int = 32, *, max_fit_rows: int = 20_000, random_state: int = 0) -> None:
        self.n_components = n_components
        self.max_fit_rows = max_fit_rows
        self.random_state = random_state

    def fit(self, codes: np.ndarray) -> ContentSpace:
        codes = np.asarray(codes, dtype=np.float32)
        rng = np.random.default_rng(self.random_state)
        rows = codes if len(codes) <= self.max_fit_rows else codes[rng.choice(len(codes), self.max_fit_rows, False)]
        self.mean_ = rows.mean(axis=0) if len(rows) else np.zeros(codes.shape[1], np.float32)
        centred = l2_normalise(rows - self.mean_)
        n_components = int(min(self.n_components, centred.shape[1], max(len(centred) - 1, 1)))
        if len(centred) >= 3 and n_components >= 2:
            # covariance_eigh: one d × d eigendecomposition, fast when photos far outnumber code dimensions.
            solver = "covariance_eigh" if len(centred) >= 4 * centred.shape[1] else "auto"
            from sklearn.decomposition import PCA

            pca = PCA(n_components=n_components, svd_solver=solver, random_state=self.random_state)
            self.pca_: PCA | None = pca.fit(centred)
        else:
            self.pca_ = None  # too few photos to learn directions from: keep the normalised codes
        return self

    def transform(self, codes: np.ndarray) -> np.ndarray:
        centred = l2_normalise(np.asarray(codes, dtype=np.float32) - self.mean_)
        reduced = self.pca_.transform(centred).astype(np.float32) if self.pca_ is not None else centred
        return l2_normalise(reduced)

    def fit_transform(self, codes: np.ndarray) -> np.ndarray:
        return self.fit(codes).transform(codes)


# --- fused --------------------------------------------------------------------------------------------


def hours(ts: np.ndarray) -> np.ndarray:
    return np.asarray(ts, np.float64) / SECONDS_PER_HOUR


def fused_matrix(view: LibraryView, content: np.ndarray) -> np.ndarray:
    """(N, 4 + d) matrix: [time in hours, place x/y/z in km, content...], NaN where evidence is missing.

    Raw human units, not yet scaled or weighted: the album estimators apply ``TIME_SCALE_H``,
    ``PLACE_SCALE_KM``, a content scale and the user's weights themselves (see cluster.py), so that
    one matrix serves every method and every slider position.
    """
    out = np.empty((len(view), CONTENT_START + content.shape[1]), dtype=np.float64)
    out[:, TIME_COL] = hours(view.taken_ts)
    out[:, PLACE_COLS] = geo_xyz_km(view.lat, view.lon)
    out[:, CONTENT_START:] = content
    return out
