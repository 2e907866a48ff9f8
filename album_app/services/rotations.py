"""Rotation suggestions for a library: judge photos with a rotation model, store what it says, and write
turned copies for an export. The model itself is album_app.models.rotation; originals are only ever read."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from album_app.catalog import Catalog, extras
from album_app.catalog.albums import photo_paths
from album_app.ingest.decode import register_heif
from album_app.ingest.embedded import motion_video
from album_app.ingest.identify import HEADER_BYTES, RAW_FORMATS, VIDEO_FORMATS, refine_tiff, sniff
from album_app.ingest.xmp import packet, parse
from album_app.models.rotation import ORIENTATION_TAG, RotationModel, load_displayed, turn_clockwise
from album_app.preprocess import upright
from album_app.progress import CancelToken, ProgressCallback, RateMeter

#: Photos decoded and judged per model call, and stored per transaction.
BATCH = 256
MAKE_TAG = 0x010F


@dataclass
class RotationPass:
    """What one pass over photos the model had not looked at did."""

    model_id: str
    rows: list[tuple[int, int, float]] = field(default_factory=list)  # (photo id, quarter turns, confidence)
    unreadable: int = 0  # vanished or unreadable since the scan: not answered, so tried again next time
    last_id: int = 0  # the last photo gone through (answered or unreadable); 0 when none
    cancelled: bool = False

    @property
    def turned(self) -> int:
        """Photos given a suggestion (a turn) in this pass."""
        return sum(1 for _, turns, _ in self.rows if turns)


def judge_photos(
    model: RotationModel,
    photos: Sequence[extras.PendingRotation],
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    on_batch: Callable[[list[tuple[int, int, float]]], None] | None = None,
    batch: int = BATCH,
) -> RotationPass:
    """The model's answer for each photo (as displayed), ``batch`` photos at a time; ``on_batch`` gets each
    batch's rows as they come (to store them). Stops between photos when ``cancel`` is set, keeping (and
    passing on) the answers for the photos already decoded; ``cancelled`` says so."""
    found = RotationPass(model.model_id)
    meter = RateMeter("rotations", len(photos))
    done = 0
    for start in range(0, len(photos), batch):
        images, ids = [], []
        for photo in photos[start : start + batch]:
            if cancel is not None and cancel.cancelled:
                found.cancelled = True
                break
            try:
                images.append(load_displayed(_judged_file(photo), 2 * model.spec.size))
                ids.append(photo.photo_id)
            except (OSError, ValueError):  # vanished or unreadable since the scan
                found.unreadable += 1
            found.last_id = photo.photo_id
            done += 1
        suggestions = model.suggest(images) if images else []
        rows = [(pid, s.quarter_turns, s.confidence) for pid, s in zip(ids, suggestions, strict=True)]
        if rows and on_batch is not None:
            on_batch(rows)
        found.rows.extend(rows)
        if progress is not None:
            progress(meter.progress(done))
        if found.cancelled:
            break
    return found


def _judged_file(photo: extras.PendingRotation) -> str:
    """The scan's thumbnail when the photo has one to be judged by (stored upright, without EXIF orientation,
    so it is shown as it lies), else the original (HEIF included, through pillow-heif)."""
    if photo.thumbnail and os.path.exists(photo.thumbnail):
        return photo.thumbnail
    register_heif()
    return photo.path


def update_suggestions(
    catalog: Catalog,
    model: RotationModel,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    limit: int | None = None,
) -> RotationPass:
    """Suggestions from ``model`` for every indexed photo it has not looked at (at most ``limit``), stored
    batch by batch under its model id in a writer ``catalog``: an interrupted pass keeps what it did, and a
    new model (another id) looks at every photo again. The photos are only read."""
    pending = extras.photos_without_rotation(catalog, model.model_id, limit)

    def store(rows: list[tuple[int, int, float]]) -> None:
        with catalog.transaction() as conn:
            extras.store_rotations(conn, model.model_id, rows)

    return judge_photos(model, pending, cancel=cancel, progress=progress, on_batch=store)


def current_suggestions(catalog: Catalog, model_id: str, min_confidence: float) -> dict[int, extras.RotationRow]:
    """Photo id -> the stored suggestion of model ``model_id``, for the photos it says are turned (at least
    ``min_confidence`` sure, not dismissed): what the window shows and an export turns."""
    return {row.photo_id: row for row in extras.suggested_rotations(catalog, model_id, min_confidence)}


def export_turns(catalog: Catalog, model: RotationModel, *, progress: ProgressCallback | None = None) -> dict[str, int]:
    """Original path -> clockwise quarter turns, for the photos an export should turn: those ``model``
    suggests turning (at or above its ``min_confidence``, not dismissed). Photos it has not looked at yet
    are looked at first: stored with a writer catalog, only kept for this export with a reader."""
    if catalog.writer:
        update_suggestions(catalog, model, progress=progress)
        fresh: list[tuple[int, int, float]] = []
    else:
        pending = extras.photos_without_rotation(catalog, model.model_id)
        fresh = judge_photos(model, pending, progress=progress).rows
    stored = current_suggestions(catalog, model.model_id, model.min_confidence)
    turns = {photo_id: row.quarter_turns for photo_id, row in stored.items()}
    turns.update({pid: t for pid, t, confidence in fresh if t and confidence >= model.min_confidence})
    paths = photo_paths(catalog, turns)
    return {paths[photo_id]: t for photo_id, t in turns.items() if photo_id in paths}


def rotate_for_export(
    src: str | os.PathLike[str], quarter_turns: int, dest: str | os.PathLike[str], *, quality: int = 95
) -> Path:
    """Write ``dest``: the photo at ``src`` as displayed, turned ``quarter_turns`` × 90° clockwise.

    The original is opened read-only and never written (``dest`` may not be ``src`` or a link to it). Videos,
    RAW files and motion photos are refused (ValueError): a video or RAW file is never re-encoded, and a
    motion photo's turned still would lose the video inside it; they are exported as they are. The
    pixels are turned and saved with EXIF Orientation reset to 1 (every viewer shows it the same way),
    keeping the rest of the EXIF and the ICC profile; JPEG is re-encoded at ``quality``. The copy is
    written beside ``dest`` and moved into place, so a failure never leaves half a file.
    """
    src, dest = Path(src), Path(dest)
    if dest.resolve() == src.resolve() or (dest.exists() and os.path.samefile(src, dest)):
        raise ValueError(f"refusing to write over the original {src} (a hard link or symlink to it included)")
    data = src.read_bytes()
    refused = _never_turned(data)
    if refused:
        raise ValueError(refused)
    register_heif()  # a HEIC is turned like any photo (where pillow-heif can encode one)
    with Image.open(src) as image:
        image.load()
        fmt = image.format or "JPEG"
        exif = image.getexif()
        refused = _motion_photo(data, exif.get(MAKE_TAG))
        if refused:
            raise ValueError(refused)
        orientation = int(exif.get(ORIENTATION_TAG, 1) or 1)
        icc = image.info.get("icc_profile")
        shown = upright(image, orientation)
    turned = turn_clockwise(shown, quarter_turns)
    if ORIENTATION_TAG in exif:
        exif[ORIENTATION_TAG] = 1  # the pixels are now upright as they lie
    options: dict[str, object] = {"exif": exif.tobytes()} if len(exif) else {}
    if icc:
        options["icc_profile"] = icc
    if fmt == "JPEG":
        options.update(quality=quality, subsampling=0)  # 4:4:4: a re-encode should lose as little as it can
        if turned.mode not in ("RGB", "L", "CMYK"):
            turned = turned.convert("RGB")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.stem}-", suffix=dest.suffix or ".jpg")
    os.close(fd)
    try:
        turned.save(tmp, format=fmt, **options)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def _never_turned(data: bytes) -> str | None:
    """Why a file is refused by its bytes (a video, a RAW file), else None."""
    found = sniff(data[:HEADER_BYTES])
    if found == "TIFF":
        found = refine_tiff(data)
    if found in VIDEO_FORMATS:
        return "a video; videos are exported as they are, never re-encoded"
    if found in RAW_FORMATS:
        return "a RAW file; RAW files are exported as they are, never rewritten"
    return None  # a still (or something Pillow will say it cannot read)


def _motion_photo(data: bytes, make: object) -> str | None:
    """Why a motion photo is refused: its video would be lost."""
    if motion_video(data, parse(packet(data)), make if isinstance(make, str) else None) is not None:
        return "a motion photo; a turned copy would lose the video inside it, so it is exported as it is"
    return None
