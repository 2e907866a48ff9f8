"""Batched onnxruntime runs of an encoder: uint8 pixels in, codes out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from PIL import Image

from album_app.preprocess import InputSpec, model_pixels, normalise

BATCH = 64  # big enough to keep the convolutions efficient, small enough to stay cache-friendly


class Encoder:
    """An open encoder model. Build it with `album_app.embed.load_encoder`, which checks the contract."""

    def __init__(
        self,
        session: ort.InferenceSession,
        model_id: str,
        spec: InputSpec,
        code_size: int,
        path: Path,
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.session = session
        self.model_id = model_id
        self.spec = spec
        self.code_size = code_size
        self.path = path
        self.summary = summary or {}
        self._input = session.get_inputs()[0]
        self._output = session.get_outputs()[0].name
        # A model exported with a fixed batch can only be fed that many rows at a time.
        fixed = self._input.shape[0]
        self._fixed_batch = fixed if isinstance(fixed, int) and fixed > 0 else None
        self.batch_size = self._fixed_batch or BATCH

    def __repr__(self) -> str:
        return (
            f"Encoder(model_id={self.model_id!r}, size={self.spec.size}, "
            f"code_size={self.code_size}, path={self.path})"
        )

    def embed(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 NHWC pixels (stacked `model_pixels` output) -> float32 (N, code_size) raw codes."""
        pixels = np.asarray(pixels)
        expected = (self.spec.size, self.spec.size, self.spec.channels)
        if pixels.ndim != 4 or pixels.shape[1:] != expected or pixels.dtype != np.uint8:
            raise ValueError(
                f"expected uint8 pixels of shape (N, {', '.join(map(str, expected))}), "
                f"got {pixels.dtype} {pixels.shape}"
            )
        codes = np.empty((len(pixels), self.code_size), dtype=np.float32)
        for start in range(0, len(pixels), self.batch_size):
            chunk = normalise(pixels[start : start + self.batch_size], self.spec)
            rows = len(chunk)
            if self._fixed_batch and rows < self._fixed_batch:
                chunk = np.concatenate(
                    [chunk, np.zeros((self._fixed_batch - rows, *chunk.shape[1:]), np.float32)]
                )
            codes[start : start + rows] = self.session.run([self._output], {self._input.name: chunk})[0][
                :rows
            ]
        return codes

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Upright PIL images -> codes (the convenience path; the scan feeds `embed` pixels directly)."""
        if not images:
            return np.empty((0, self.code_size), dtype=np.float32)
        return self.embed(np.stack([model_pixels(image, self.spec) for image in images]))
