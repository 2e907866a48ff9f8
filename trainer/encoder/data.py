"""Photos in, augmented model inputs out.

Decoding is the slow part (FIELD-NOTES: JPEG decode dominates), so each photo is decoded once,
drafted and shrunk to a small upright RGB image kept in memory; every view is cut from that cache.
Augmentations act on PIL images, before `album_app.preprocess.model_pixels`/`normalise`, so the
pixels the encoder trains on go through exactly the resize/normalise contract the app uses.
"""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from album_app.ingest.decode import register_heif
from album_app.preprocess import InputSpec, model_pixels, normalise, to_rgb, upright

from .config import DataConfig

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class PhotoRef:
    path: str
    orientation: int | None = None  # None = read it from the file's EXIF
    label: str | None = None  # class folder, for labelled evaluation sets


def folder_photos(root: str | Path) -> list[PhotoRef]:
    """Every image file under root (recursively, sorted); the label is the top-level folder name."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    refs = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            rel = path.relative_to(root)
            label = rel.parts[0] if len(rel.parts) > 1 else None
            refs.append(PhotoRef(str(path), None, label))
    return refs


def catalog_photos(catalog: str | Path) -> list[PhotoRef]:
    """The indexed photos of an album_app catalog (opened read-only by album_app.catalog)."""
    # Imported here so that training from a folder does not need the catalog package.
    from album_app.catalog import read_photo_paths

    return [PhotoRef(str(path), int(orientation or 1)) for path, orientation in read_photo_paths(catalog)]


def source_photos(config: DataConfig) -> list[PhotoRef]:
    if config.data:
        refs = [
            ref for folder in config.data for ref in folder_photos(folder) if not excluded(ref, folder, config.exclude)
        ]
    else:
        refs = catalog_photos(config.library)
    if config.limit is not None and len(refs) > config.limit:
        refs = sorted(random.Random(0).sample(refs, config.limit), key=lambda r: r.path)
    return refs


def excluded(ref: PhotoRef, root: str | Path, groups: Sequence[str]) -> bool:
    """Whether a photo lies in one of ``groups`` (sub-folders of ``root`` written "a/b"): a held-out group."""
    rel = Path(ref.path).relative_to(root).as_posix()
    return any(rel.startswith(group.strip("/") + "/") for group in groups)


def load_small(ref: PhotoRef, side: int) -> Image.Image:
    """Decode a photo upright with its short side about `side` pixels (never enlarged)."""
    register_heif()  # a catalog's HEIC photos open through pillow-heif (their orientation is 1 in the catalog)
    with Image.open(ref.path) as image:
        orientation = ref.orientation
        if orientation is None:
            orientation = int(image.getexif().get(ORIENTATION_TAG, 1) or 1)
        if image.format == "JPEG":
            # draft() lets libjpeg decode at 1/2, 1/4 or 1/8 scale: far cheaper than a full decode.
            image.draft("RGB", (side, side))
        image = to_rgb(image)
        image.load()
    image = upright(image, orientation)
    width, height = image.size
    scale = side / min(width, height)
    if scale < 1.0:
        new_size = (max(side, round(width * scale)), max(side, round(height * scale)))
        image = image.resize(new_size, Image.Resampling.BILINEAR, reducing_gap=3.0)
    return image


def load_all(refs: Sequence[PhotoRef], side: int, threads: int = 2) -> tuple[list[Image.Image], list[int]]:
    """Decode every photo (in a small thread pool; PIL releases the GIL while decoding).

    Returns the images and the indices of refs that decoded; unreadable files are reported and skipped.
    """

    def one(ref: PhotoRef) -> Image.Image | None:
        try:
            return load_small(ref, side)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            print(f"skipping unreadable photo {ref.path}: {error}", file=sys.stderr)
            return None

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        decoded = list(pool.map(one, refs))
    kept = [i for i, image in enumerate(decoded) if image is not None]
    return [decoded[i] for i in kept], kept


class Augment:
    """Random changes a photo goes through when someone else shoots, edits or forwards it.

    Framing/zoom (random resized crop), mirroring, exposure and colour (jitter, white balance,
    grayscale), focus (blur), recompression (JPEG) and resolution loss (downscale).
    """

    def __init__(self, config: DataConfig, rng: random.Random) -> None:
        self.config = config
        self.rng = rng

    def __call__(self, image: Image.Image) -> Image.Image:
        """A global view: a crop of ``crop_scale`` of the photo at the training views' side, then `photometric`."""
        return self.photometric(self.view(image, self.config.view_size, self.config.crop_scale))

    def view(self, image: Image.Image, size: int, scale: tuple[float, float]) -> Image.Image:
        """Framing only: a random window resized to size x size, mirrored half the time."""
        image = self.random_resized_crop(image, size, scale)
        return ImageOps.mirror(image) if self.rng.random() < 0.5 else image

    def photometric(self, image: Image.Image) -> Image.Image:
        """Exposure, colour, focus, recompression and resolution changes of a framed view."""
        c, rng, size = self.config, self.rng, image.size[0]
        if c.jitter > 0:
            ops = [ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color]
            rng.shuffle(ops)
            for op in ops:
                image = op(image).enhance(rng.uniform(1 - c.jitter, 1 + c.jitter))
        if c.white_balance > 0:
            gains = np.array([rng.uniform(1 - c.white_balance, 1 + c.white_balance) for _ in range(3)])
            array = np.asarray(image, dtype=np.float32) * gains.astype(np.float32)
            image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
        if rng.random() < c.grayscale_p:
            image = ImageOps.grayscale(image).convert("RGB")
        if rng.random() < c.blur_p:
            # The radius is relative to the view's side: the same softness at 48 px and at 112 px.
            image = image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.1, 1.5) * size / 64))
        if rng.random() < c.downscale_p:
            small = max(8, int(size * rng.uniform(0.3, 0.7)))
            image = image.resize((small, small), Image.Resampling.BILINEAR).resize(
                (size, size), Image.Resampling.BILINEAR
            )
        if rng.random() < c.jpeg_p:
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=rng.randint(20, 90))
            buffer.seek(0)
            image = Image.open(buffer).convert("RGB")
        return image

    def random_resized_crop(
        self, image: Image.Image, size: int, scale: tuple[float, float] | None = None
    ) -> Image.Image:
        """A random window (area share in ``scale``, default crop_scale; aspect 3:4..4:3) resized to size x size."""
        width, height = image.size
        area = width * height
        lo, hi = scale or self.config.crop_scale
        for _ in range(10):
            target = area * self.rng.uniform(lo, hi)
            aspect = np.exp(self.rng.uniform(np.log(3 / 4), np.log(4 / 3)))
            w = round((target * aspect) ** 0.5)
            h = round((target / aspect) ** 0.5)
            if 0 < w <= width and 0 < h <= height:
                left = self.rng.randint(0, width - w)
                top = self.rng.randint(0, height - h)
                return image.resize((size, size), Image.Resampling.BILINEAR, box=(left, top, left + w, top + h))
        # Fall back to the whole centre square (the app's own framing).
        return Image.fromarray(model_pixels(image, InputSpec(size=size)))


class PhotoSet:
    """The decoded photos of a data source and the batches of augmented view pairs cut from them."""

    def __init__(self, config: DataConfig, refs: Sequence[PhotoRef], images: Sequence[Image.Image]) -> None:
        if len(images) < 2:
            raise ValueError(f"need at least 2 readable photos to train, found {len(images)}")
        self.config = config
        self.refs = list(refs)
        self.images = list(images)
        self.spec = InputSpec(size=config.size)

    @classmethod
    def load(cls, config: DataConfig, threads: int = 2) -> PhotoSet:
        refs = source_photos(config)
        if not refs:
            where = ", ".join(config.data) if config.data else config.library
            raise ValueError(f"no photos found in {where}")
        images, kept = load_all(refs, config.cache_side, threads)
        return cls(config, [refs[i] for i in kept], images)

    def __len__(self) -> int:
        return len(self.images)

    def describe(self) -> dict[str, object]:
        source = {"data": list(self.config.data)} if self.config.data else {"library": self.config.library}
        return {**source, "photos": len(self.images)}

    def pair_batch(self, indices: Sequence[int], rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
        """Two independently augmented views of each photo: float32 NCHW arrays of equal shape."""
        augment = Augment(self.config, rng)
        views = []
        for _ in range(2):
            views.append(self.to_input([augment(self.images[i]) for i in indices]))
        return views[0], views[1]

    def multicrop_batch(self, indices: Sequence[int], rng: random.Random) -> tuple[np.ndarray, ...]:
        """Multi-crop views of B photos (float32 NCHW): two global views (2B, at the training views' side), the
        same two framings before the photometric changes (2B: the denoising reconstruction's target) and
        ``local_views`` detail views of each photo (L*B at ``local_size``; left out when L is 0)."""
        c, augment = self.config, Augment(self.config, rng)
        framed = [augment.view(self.images[i], c.view_size, c.crop_scale) for _ in range(2) for i in indices]
        changed = [augment.photometric(view) for view in framed]
        details = [
            augment.photometric(augment.view(self.images[i], c.local_size, c.local_scale))
            for _ in range(c.local_views)
            for i in indices
        ]
        batch = (self.to_input(changed), self.to_input(framed))
        return (*batch, self.to_input(details)) if details else batch

    def to_input(self, views: Sequence[Image.Image]) -> np.ndarray:
        """Square views (any one side) -> normalised float32 NCHW, through the app's own contract."""
        return normalise(np.stack([np.asarray(view.convert("RGB")) for view in views]), self.spec)

    def clean_pixels(self, indices: Sequence[int]) -> np.ndarray:
        """uint8 NHWC centre squares at the model's input side, as the app feeds it."""
        return np.stack([model_pixels(self.images[i], self.spec) for i in indices])


class EpochSampler:
    """Shuffled indices, reshuffled at each epoch; the position survives a checkpoint via `step`."""

    def __init__(self, n: int, batch_size: int, seed: int) -> None:
        self.n = n
        self.batch_size = min(batch_size, n)
        self.seed = seed
        self._epoch = -1
        self._order: list[int] = []

    def batch(self, step: int) -> list[int]:
        per_epoch = max(1, self.n // self.batch_size)  # drop the ragged tail: BN and NT-Xent like full batches
        epoch, position = divmod(step, per_epoch)
        if epoch != self._epoch:
            self._order = list(range(self.n))
            random.Random(self.seed * 1_000_003 + epoch).shuffle(self._order)
            self._epoch = epoch
        order = self._order
        start = position * self.batch_size
        return order[start : start + self.batch_size]
