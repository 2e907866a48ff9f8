"""A photo library as training data: pixels, free labels from EXIF events and the user's edits, a held-out split.

What the library already knows becomes pair labels (FIELD-NOTES, "Albums": a generic encoder places a
friend's EXIF-less copy of a scene only 0.2–0.3 of the time; the library's own events are free labels):
  * positive: the same time-and-place event (album_app.albums.events segmentation of the EXIF photos),
    or kept together by the user (all members of a locked album, pinned photos with their album);
  * negative: far apart in time *and* place (both known), or one photo removed from the other's album;
  * otherwise unknown (say, one city visited twice): such a pair is neither pulled nor pushed.
The user's word beats the segmentation: a removal overrides a shared event, a pin overrides distance.

A seeded share of the EXIF photos (chosen by content hash, so it is stable across runs and new scans)
is held out of training entirely; `EvalSet` turns them into EXIF-less queries, as they are and as a
simulated friend's copy, to prove a new model better before it is published (see publish.py).

Torch-free (numpy + PIL): the app-side contract lives in album_app.preprocess, as for trainer/encoder/data.py.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from album_app.albums.events import GAP_HOURS, JUMP_KM, segment_events
from album_app.albums.features import geo_xyz_km, hours
from album_app.catalog.training import TrainingPhoto, TrainingSnapshot
from album_app.ingest.decode import load_thumbnail
from album_app.library import LibraryPaths
from album_app.preprocess import InputSpec, model_pixels, normalise
from trainer.encoder.config import DataConfig
from trainer.encoder.data import Augment, PhotoRef, PhotoSet, load_small

#: Events need this many photos (in the loaded set) before any of them is held out: one held-out photo
#: must leave at least two to train on and to be found by.
MIN_EVENT_FOR_HOLDOUT = 3


@dataclass
class PairLabels:
    """Per-row facts that decide whether two photos are a positive, a negative or unknown."""

    event: np.ndarray  # (N,) int64 time-and-place event, -1 = no trusted time
    taken_ts: np.ndarray  # (N,) seconds, NaN = no trusted time
    lat: np.ndarray  # (N,) degrees, NaN = no place
    lon: np.ndarray
    # User statements, as row indices: (accepted rows, member rows) per album, and removed rows per album.
    kept: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    removed: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (removed rows, member rows)

    def __post_init__(self) -> None:
        self.time_h = hours(self.taken_ts)
        self.xyz = geo_xyz_km(self.lat, self.lon)

    def relations(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(positive, negative) boolean (B, B) matrices for the photos at ``rows`` (diagonal False)."""
        rows = np.asarray(rows, dtype=np.int64)
        event = self.event[rows]
        pos = (event[:, None] == event[None, :]) & (event[:, None] >= 0)
        with np.errstate(invalid="ignore"):
            dt = np.abs(self.time_h[rows][:, None] - self.time_h[rows][None, :])
            d = np.linalg.norm(self.xyz[rows][:, None, :] - self.xyz[rows][None, :, :], axis=2)
            # NaN compares False: a missing time or place never makes a negative (no evidence).
            neg = (dt > GAP_HOURS) & (d > JUMP_KM) & ~pos
        position = {int(r): i for i, r in enumerate(rows)}
        for accepted, members in self.kept:
            acc, mem = _mask(accepted, position, len(rows)), _mask(members, position, len(rows))
            if acc.any():
                together = (acc[:, None] & mem[None, :]) | (mem[:, None] & acc[None, :])
                pos |= together
                neg &= ~together
        for removed, members in self.removed:
            out, mem = _mask(removed, position, len(rows)), _mask(members, position, len(rows))
            if out.any() and mem.any():
                apart = (out[:, None] & mem[None, :]) | (mem[:, None] & out[None, :])
                neg |= apart
                pos &= ~apart
        np.fill_diagonal(pos, False)
        np.fill_diagonal(neg, False)
        return pos, neg


def _mask(members: np.ndarray, position: dict[int, int], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for row in members:
        at = position.get(int(row))
        if at is not None:
            out[at] = True
    return out


def build_labels(snapshot: TrainingSnapshot, rows_by_id: dict[int, int], n: int) -> PairLabels:
    """Pair labels for the loaded photos (``rows_by_id``: photo id -> row), events segmented over all of them."""
    photos = [p for p in snapshot.photos if p.id in rows_by_id]
    order = np.array([rows_by_id[p.id] for p in photos], dtype=np.int64)
    taken = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    taken[order] = [np.nan if p.taken_ts is None else p.taken_ts for p in photos]
    lat[order] = [np.nan if p.lat is None else p.lat for p in photos]
    lon[order] = [np.nan if p.lon is None else p.lon for p in photos]
    labels = PairLabels(segment_events(taken, lat, lon), taken, lat, lon)

    def as_rows(ids: Sequence[int]) -> np.ndarray:
        return np.array([rows_by_id[i] for i in ids if i in rows_by_id], dtype=np.int64)

    for album in snapshot.albums:
        accepted, members = as_rows(album.accepted), as_rows(album.members)
        if len(accepted) and len(members) > 1:
            labels.kept.append((accepted, members))
        removed = as_rows(album.excluded)
        if len(removed) and len(members):
            labels.removed.append((removed, members))
    return labels


def stable_unit(key: str, seed: int) -> float:
    """A number in [0, 1) fixed by (seed, key): the same photo is held out run after run, scan after scan."""
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def holdout_rows(event: np.ndarray, keys: Sequence[str], share: float, seed: int) -> np.ndarray:
    """Rows held out of training: a seeded share of each event's photos, leaving at least two in training."""
    chosen: list[int] = []
    if share <= 0:
        return np.zeros(0, dtype=np.int64)
    for label in np.unique(event[event >= 0]):
        members = np.flatnonzero(event == label)
        if len(members) < MIN_EVENT_FOR_HOLDOUT:
            continue
        draws = sorted((stable_unit(keys[r], seed), int(r)) for r in members)
        picked = [r for u, r in draws if u < share][: len(members) - 2]
        chosen += picked
    return np.array(sorted(chosen), dtype=np.int64)


# --- pixels ---------------------------------------------------------------------------------------


def fit_data_config(base: DataConfig, library: str) -> DataConfig:
    """The base model's input contract, with augmentations that look like a friend's copy of a scene:
    other framing and zoom, mirrored, other colour balance, softer, downscaled, recompressed."""
    return DataConfig(
        data=(),
        library=library,
        size=base.size,
        cache_side=max(base.cache_side, base.size * 3 // 2),
        crop_scale=(0.25, 1.0),
        jitter=0.3,
        white_balance=0.15,
        grayscale_p=0.1,
        blur_p=0.5,
        jpeg_p=0.5,
        downscale_p=0.4,
    )


class FriendAugment(Augment):
    """The trainer's augmentations plus a small tilt (a hand-held shot by someone else) before them."""

    tilt_p = 0.5
    max_tilt_deg = 6.0

    def __call__(self, image: Image.Image) -> Image.Image:
        if self.rng.random() < self.tilt_p:
            image = tilt(image, self.rng.uniform(-self.max_tilt_deg, self.max_tilt_deg))
        return super().__call__(image)


def tilt(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate and crop to the largest centred box free of the black corners a rotation leaves."""
    width, height = image.size
    rotated = image.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=False)
    a = math.radians(abs(degrees))
    # Shrinking by cos + sin * aspect keeps the rotated frame's corners outside the crop.
    keep = 1.0 / (math.cos(a) + math.sin(a) * max(width / height, height / width))
    w, h = max(1, round(width * keep)), max(1, round(height * keep))
    left, top = (width - w) // 2, (height - h) // 2
    return rotated.crop((left, top, left + w, top + h))


def friend_copy(image: Image.Image, seed: int) -> Image.Image:
    """A deterministic stand-in for another person's shot of a scene, sent later through a messenger.

    Other framing and zoom (a 55–80 % wide window, tilted), mirrored 40 % of the time, own colour
    balance and exposure, softer, downscaled to 50–70 % and recompressed at JPEG quality 40–60.
    """
    rng = random.Random(seed)
    width, height = image.size
    scale = rng.uniform(0.55, 0.8)
    w, h = width * scale, min(height, width * scale * height / width)
    left, top = rng.uniform(0, width - w), rng.uniform(0, height - h)
    out = tilt(image.crop((round(left), round(top), round(left + w), round(top + h))), rng.uniform(-6, 6))
    if rng.random() < 0.4:
        out = ImageOps.mirror(out)
    gains = np.array([rng.uniform(0.85, 1.15) for _ in range(3)], dtype=np.float32)
    out = Image.fromarray(np.clip(np.asarray(out, dtype=np.float32) * gains, 0, 255).astype(np.uint8))
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.85, 1.15))
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4)))
    factor = rng.uniform(0.5, 0.7)
    out = out.resize((max(8, round(out.width * factor)), max(8, round(out.height * factor))), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=rng.randint(40, 60))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def load_cached(
    paths: LibraryPaths,
    photo: PhotoRef,
    content_hash: str | None,
    side: int,
    size: int,
    *,
    thumbnail_only: bool = False,
) -> Image.Image:
    """The photo upright with its short side ~``side``: from the app's thumbnail cache when it is big enough
    (what the app itself embeds from, and ~50× faster than a camera file), else from the original, unless
    ``thumbnail_only`` (a video or RAW file, which Pillow cannot read: ValueError without a thumbnail)."""
    if content_hash:
        thumbnail = load_thumbnail(paths.thumbnails, content_hash)
        if thumbnail is not None and min(thumbnail.size) >= size:
            scale = side / min(thumbnail.size)
            if scale < 1.0:
                thumbnail = thumbnail.resize(
                    (max(side, round(thumbnail.width * scale)), max(side, round(thumbnail.height * scale))),
                    Image.Resampling.BILINEAR,
                    reducing_gap=3.0,
                )
            return thumbnail
    if thumbnail_only:
        raise ValueError(f"{photo.path}: a video or RAW file without a thumbnail in the cache (scan it again)")
    return load_small(photo, side)


class LibraryExamples(PhotoSet):
    """The loaded photos of a library (training and held-out rows), with pair labels and the split."""

    def __init__(
        self,
        config: DataConfig,
        refs: Sequence[PhotoRef],
        images: Sequence[Image.Image],
        photo_ids: np.ndarray,
        keys: list[str],
        labels: PairLabels,
        heldout: np.ndarray,
    ) -> None:
        super().__init__(config, refs, images)
        self.photo_ids = np.asarray(photo_ids, dtype=np.int64)
        self.keys = keys
        self.labels = labels
        self.heldout = np.asarray(heldout, dtype=np.int64)
        train = np.ones(len(self.images), dtype=bool)
        train[self.heldout] = False
        self.train_rows = np.flatnonzero(train)

    @classmethod
    def from_snapshot(
        cls,
        paths: LibraryPaths,
        snapshot: TrainingSnapshot,
        config: DataConfig,
        *,
        holdout_share: float,
        seed: int,
        max_photos: int | None = None,
        threads: int = 2,
    ) -> LibraryExamples:
        photos = list(snapshot.photos)
        if max_photos is not None and len(photos) > max_photos:
            # A stable sample (by content), so that a resumed job trains on the same photos.
            photos = sorted(photos, key=lambda p: stable_unit(p.content_hash or str(p.id), seed + 1))[:max_photos]
            photos.sort(key=lambda p: p.id)

        def one(photo: TrainingPhoto) -> Image.Image | None:
            ref = PhotoRef(photo.path, photo.orientation)
            try:
                return load_cached(
                    paths, ref, photo.content_hash, config.cache_side, config.size, thumbnail_only=photo.thumbnail_only
                )
            except (OSError, ValueError, Image.DecompressionBombError):
                return None  # vanished or unreadable since the scan: the next scan will say so

        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            decoded = list(pool.map(one, photos))
        kept = [i for i, image in enumerate(decoded) if image is not None]
        photos = [photos[i] for i in kept]
        images = [decoded[i] for i in kept]
        if len(images) < 2:
            raise ValueError(f"need at least 2 readable photos to train, found {len(images)}")
        rows_by_id = {p.id: row for row, p in enumerate(photos)}
        labels = build_labels(snapshot, rows_by_id, len(photos))
        keys = [p.content_hash or f"id{p.id}" for p in photos]
        heldout = holdout_rows(labels.event, keys, holdout_share, seed)
        refs = [PhotoRef(p.path, p.orientation) for p in photos]
        return cls(config, refs, images, np.array([p.id for p in photos]), keys, labels, heldout)

    def describe(self) -> dict[str, object]:
        pos_events = self.labels.event[self.train_rows]
        return {
            "library": self.config.library,
            "photos": len(self.images),
            "training_photos": len(self.train_rows),
            "heldout_photos": len(self.heldout),
            "exif_photos": int((self.labels.event >= 0).sum()),
            "events": len(np.unique(pos_events[pos_events >= 0])),
            "kept_albums": len(self.labels.kept),
            "removal_albums": len(self.labels.removed),
        }

    def pair_batch(self, indices: Sequence[int], rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
        """Two friend-like views of each photo (float32 NCHW): `FriendAugment` on the fit's settings.

        Zoom is what a generic encoder tolerates least (a 55–80 % crop alone halves self-retrieval on the
        event library, while colour, blur, downscaling and recompression barely move the code), so both
        views crop from a quarter of the frame to all of it. Two such views beat a zoomed view paired
        with a near-full one (bench/finetune_gain.py development runs: stripped photos placed 0.43 vs
        0.39 after 300 steps).
        """
        views = []
        for _ in range(2):
            augment = FriendAugment(self.config, rng)
            pixels = np.stack([model_pixels(augment(self.images[i]), self.spec) for i in indices])
            views.append(normalise(pixels, self.spec))
        return views[0], views[1]

    def pixels(self, rows: Sequence[int], spec: InputSpec, *, friend: bool = False) -> np.ndarray:
        """uint8 NHWC model pixels of ``rows`` for ``spec``; ``friend`` = their deterministic friend copies."""
        out = []
        for row in rows:
            image = self.images[row]
            if friend:
                image = friend_copy(image, int(stable_unit(self.keys[row], 7) * 2**31))
            out.append(model_pixels(image, spec))
        return np.stack(out) if out else np.zeros((0, spec.size, spec.size, 3), np.uint8)


class EventBatchSampler:
    """Batches for a supervised-contrastive loss: a few events (or kept albums) with several photos each,
    filled up with photos drawn from the whole training set (EXIF-less ones included, for the
    reconstruction and view-consistency terms). Deterministic per step, so a resumed run continues."""

    def __init__(
        self,
        labels: PairLabels,
        train_rows: np.ndarray,
        batch_size: int,
        per_group: int,
        labelled_share: float,
        seed: int,
    ) -> None:
        self.train_rows = np.asarray(train_rows, dtype=np.int64)
        self.batch_size = min(batch_size, len(self.train_rows))
        self.per_group = max(2, per_group)
        self.labelled_share = labelled_share
        self.seed = seed
        groups: list[np.ndarray] = []
        event = labels.event[self.train_rows]
        for label in np.unique(event[event >= 0]):
            members = self.train_rows[event == label]
            if len(members) >= 2:
                groups.append(members)
        in_train = set(self.train_rows.tolist())
        for accepted, members in labels.kept:
            rows = np.array(sorted(set(np.concatenate([accepted, members]).tolist()) & in_train), dtype=np.int64)
            if len(rows) >= 2:
                groups.append(rows)
        self.groups = groups

    def batch(self, step: int) -> list[int]:
        rng = np.random.default_rng([self.seed, step])
        chosen: list[int] = []
        if self.groups:
            wanted = max(1, round(self.batch_size * self.labelled_share / self.per_group))
            picks = rng.choice(len(self.groups), size=min(wanted, len(self.groups)), replace=False)
            for g in picks:
                members = self.groups[int(g)]
                take = min(self.per_group, len(members))
                chosen += rng.choice(members, size=take, replace=False).tolist()
        seen = set(chosen)
        rest = [int(r) for r in rng.permutation(self.train_rows) if int(r) not in seen]
        chosen += rest[: max(0, self.batch_size - len(chosen))]
        return chosen[: self.batch_size]


@dataclass
class EvalSet:
    """Rows the gate measures on: EXIF anchors from training events, and held-out photos as EXIF-less queries."""

    anchors: np.ndarray  # rows (training photos with an event)
    queries: np.ndarray  # rows (held-out photos)
    truth_anchor: np.ndarray  # event per anchor
    truth_query: np.ndarray  # event per query
    accepted_query: np.ndarray  # (Q,) index into ``accepted_groups`` or -1
    accepted_groups: list[np.ndarray]  # anchor positions (into ``anchors``) of each kept album

    @classmethod
    def build(cls, examples: LibraryExamples, *, max_anchors: int = 3000, seed: int = 0) -> EvalSet:
        labels = examples.labels
        train = examples.train_rows
        anchors = train[labels.event[train] >= 0]
        queries = examples.heldout
        if len(anchors) > max_anchors:
            # Keep whole events (a query needs its own event's anchors), chosen at random.
            events = np.unique(labels.event[anchors])
            np.random.default_rng(seed).shuffle(events)
            sizes = np.array([(labels.event[anchors] == e).sum() for e in events])
            keep = events[np.cumsum(sizes) <= max_anchors]
            anchors = anchors[np.isin(labels.event[anchors], keep)]
            queries = queries[np.isin(labels.event[queries], keep)]
        position = {int(r): i for i, r in enumerate(anchors)}
        accepted_groups: list[np.ndarray] = []
        accepted_query = np.full(len(queries), -1, dtype=np.int64)
        query_position = {int(r): i for i, r in enumerate(queries)}
        for accepted, members in labels.kept:
            rows = set(np.concatenate([accepted, members]).tolist())
            in_anchors = np.array(sorted(position[r] for r in rows if r in position), dtype=np.int64)
            held = [query_position[r] for r in set(accepted.tolist()) if r in query_position]
            if len(in_anchors) and held:
                accepted_query[held] = len(accepted_groups)
                accepted_groups.append(in_anchors)
        return cls(anchors, queries, labels.event[anchors], labels.event[queries], accepted_query, accepted_groups)
