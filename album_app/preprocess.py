"""The one resize/normalise contract shared by the app and the trainer.

An encoder's input is a square RGB crop of the photo, upright (EXIF orientation applied),
resized to ``size`` pixels, scaled to [0, 1], then normalised with ``mean``/``std`` per channel,
laid out NCHW as float32. The contract travels inside the ONNX model's metadata so that a
model trained elsewhere is fed exactly what it was trained on.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image

# Orientation tag value -> the PIL transposes that make the pixels upright (applied in order).
ORIENTATION_TRANSPOSES: dict[int, tuple[Image.Transpose, ...]] = {
    1: (),
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


@dataclass(frozen=True)
class InputSpec:
    """What an encoder expects; stored as JSON in the model's ``input_spec`` metadata."""

    size: int = 64
    channels: int = 3
    mean: tuple[float, ...] = (0.5, 0.5, 0.5)
    std: tuple[float, ...] = (0.25, 0.25, 0.25)
    layout: str = "NCHW"
    resize: str = "center-crop"  # square centre crop, then bilinear resize
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> InputSpec:
        raw = json.loads(text)
        return cls(
            size=int(raw["size"]),
            channels=int(raw.get("channels", 3)),
            mean=tuple(float(v) for v in raw.get("mean", (0.5, 0.5, 0.5))),
            std=tuple(float(v) for v in raw.get("std", (0.25, 0.25, 0.25))),
            layout=str(raw.get("layout", "NCHW")),
            resize=str(raw.get("resize", "center-crop")),
            extra=dict(raw.get("extra", {})),
        )

    def problems(self) -> list[str]:
        """Reasons this app cannot honour the contract (empty when it can)."""
        found = []
        if self.channels != 3:
            found.append(f"channels={self.channels} (only RGB, 3, is supported)")
        if self.layout != "NCHW":
            found.append(f"layout={self.layout!r} (only 'NCHW' is supported)")
        if self.resize != "center-crop":
            found.append(f"resize={self.resize!r} (only 'center-crop' is supported)")
        if not 8 <= self.size <= 1024:
            found.append(f"size={self.size} (must be 8..1024)")
        if len(self.mean) != self.channels or len(self.std) != self.channels:
            found.append("mean/std must have one value per channel")
        elif any(s <= 0 for s in self.std):
            found.append("std values must be positive")
        return found


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """Apply an EXIF orientation (1..8) to the pixels; unknown values leave them as they are."""
    for transpose in ORIENTATION_TRANSPOSES.get(orientation, ()):
        image = image.transpose(transpose)
    return image


def center_square(image: Image.Image) -> Image.Image:
    """The largest centred square of the image."""
    width, height = image.size
    side = min(width, height)
    left = (width - side) // 2
    top = (height - side) // 2
    return image.crop((left, top, left + side, top + side))


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency is composited onto white, as a viewer shows it."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        peak = float(array.max()) or 1.0
        image = Image.fromarray(np.clip(array * (255.0 / peak), 0, 255).astype(np.uint8))
    return image.convert("RGB")


def model_pixels(image: Image.Image, spec: InputSpec) -> np.ndarray:
    """Upright RGB image -> uint8 HWC array of the model's square input size (before normalising).

    Kept as uint8 so the pixels cross process boundaries cheaply; ``normalise`` finishes the job.
    """
    square = center_square(to_rgb(image))
    if square.size != (spec.size, spec.size):
        square = square.resize((spec.size, spec.size), Image.Resampling.BILINEAR, reducing_gap=None)
    return np.asarray(square, dtype=np.uint8)


def normalise(pixels: np.ndarray, spec: InputSpec) -> np.ndarray:
    """uint8 HWC (or NHWC) pixels -> float32 CHW (or NCHW) normalised as the spec says."""
    array = pixels.astype(np.float32) / 255.0
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    array = (array - mean) / std
    if array.ndim == 3:
        return np.ascontiguousarray(array.transpose(2, 0, 1))
    return np.ascontiguousarray(array.transpose(0, 3, 1, 2))
