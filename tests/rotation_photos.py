"""A made-up photo the bundled rotation model is sure of (sky over ground), saved upright or turned."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from album_app.models.rotation import turn_clockwise


def landscape(path: Path, quarter_turns_ccw: int = 0) -> Path:
    """A 96×72 sky-over-ground picture saved turned ``quarter_turns_ccw`` quarter turns counter-clockwise:
    the app should then suggest that many clockwise turns (the bundled model is 96-98 % sure of it)."""
    h, w = 72, 96
    y = np.linspace(0, 1, h)[:, None, None]
    pixels = np.where(y < 0.55, np.array([110, 160, 230]) * (1 - 0.3 * y), np.array([70, 110, 40])) * np.ones((h, w, 3))
    pixels[int(h * 0.55) :] += np.random.default_rng(0).normal(0, 20, pixels[int(h * 0.55) :].shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    path.parent.mkdir(parents=True, exist_ok=True)
    turn_clockwise(image, -quarter_turns_ccw).save(path, "JPEG", quality=95)
    return path
