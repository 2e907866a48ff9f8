"""The encoder model: find, open and check it (falling back to the bundled one when a chosen model is unusable.

An encoder.onnx carries its contract in metadata_props (written by `album-trainer export`):
    album_app.contract  "1"
    input_spec          InputSpec JSON (size, channels, mean/std, layout, resize)
    code_size           code dimension, as text
    model_id            16 hex digits naming graph + weights (codes from different ids never mix)
    training_summary    JSON describing data, steps, losses, figures (informational)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from PIL import Image

from album_app.models import onnx
from album_app.models.onnx import bundled_asset
from album_app.preprocess import InputSpec, model_pixels, normalise

CONTRACT_KEY = "album_app.contract"
SUPPORTED_CONTRACTS = ("1",)
ENCODER_ASSET = "encoder.onnx"

#: Photos a model is tried on before it is used (see `check_outputs`).
PROBE_PHOTOS = 16
BATCH = 64  # big enough to keep the convolutions efficient, small enough to stay cache-friendly


class Encoder:
    """An open encoder model. Build it with `load_encoder`, which checks the contract."""

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


class ModelError(Exception):
    """A model file the app cannot use; the message is meant for the user."""


@dataclass(frozen=True)
class ModelContract:
    model_id: str
    spec: InputSpec
    code_size: int
    summary: dict[str, Any] = field(default_factory=dict)
    path: Path = Path()


def default_model_path() -> Path:
    """The bundled encoder (see `album_app.models.onnx.bundled_asset`)."""
    return bundled_asset(ENCODER_ASSET)


def open_session(path: Path, threads: int | None = None) -> ort.InferenceSession:
    """An encoder session; ModelError for a missing or unreadable file."""
    return onnx.open_session(path, threads, error=ModelError, what="encoder model")


def contract_from_session(session: ort.InferenceSession, path: Path) -> ModelContract:
    """Read and check the contract of an open session; ModelError says what is wrong."""
    meta = onnx.metadata(session)
    version = meta.get(CONTRACT_KEY)
    if version is None:
        raise ModelError(
            f"{path} has no album_app contract in its metadata (export it with `album-trainer export`)"
        )
    if version not in SUPPORTED_CONTRACTS:
        raise ModelError(
            f"{path} uses contract version {version!r}; this app reads {', '.join(SUPPORTED_CONTRACTS)}"
        )
    missing = [key for key in ("input_spec", "code_size", "model_id") if not meta.get(key)]
    if missing:
        raise ModelError(f"{path} lacks contract metadata: {', '.join(missing)}")
    try:
        spec = InputSpec.from_json(meta["input_spec"])
    except (ValueError, KeyError, TypeError) as error:
        raise ModelError(f"{path} has an unreadable input_spec ({error})") from error
    problems = spec.problems()
    if problems:
        raise ModelError(f"{path} asks for input this app cannot provide: {'; '.join(problems)}")
    try:
        code_size = int(meta["code_size"])
    except ValueError:
        code_size = 0
    if code_size <= 0:
        raise ModelError(f"{path} has an invalid code_size {meta['code_size']!r}")
    check_shapes(session, spec, code_size, path)
    try:
        summary = json.loads(meta.get("training_summary", "{}"))
    except json.JSONDecodeError:
        summary = {}  # informational only: a damaged summary does not make the model unusable
    return ModelContract(
        meta["model_id"], spec, code_size, summary if isinstance(summary, dict) else {}, path
    )


def check_shapes(session: ort.InferenceSession, spec: InputSpec, code_size: int, path: Path) -> None:
    """The graph must take float N x 3 x S x S and give float N x code_size, as the metadata claims."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise ModelError(f"{path} takes {len(inputs)} inputs; an encoder takes one image batch")
    expected_in = [None, spec.channels, spec.size, spec.size]
    if not _matches(inputs[0].shape, expected_in) or inputs[0].type != "tensor(float)":
        raise ModelError(
            f"{path} input is {inputs[0].type} {inputs[0].shape}, but its contract says float N x "
            f"{spec.channels} x {spec.size} x {spec.size}"
        )
    if not outputs or not _matches(outputs[0].shape, [None, code_size]) or outputs[0].type != "tensor(float)":
        shape = outputs[0].shape if outputs else "nothing"
        raise ModelError(f"{path} output is {shape}, but its contract says float N x {code_size}")


def _matches(shape: list[Any], expected: list[int | None]) -> bool:
    """Same rank, and every fixed dimension equal; symbolic (str/None) dimensions match anything."""
    if len(shape) != len(expected):
        return False
    return all(
        want is None or not isinstance(got, int) or got == want
        for got, want in zip(shape, expected, strict=True)
    )


def read_contract(path: str | Path) -> ModelContract:
    """The checked contract of a model file (raises ModelError with a human message)."""
    path = Path(path)
    return contract_from_session(open_session(path, threads=1), path)


def probe_pixels(spec: InputSpec, photos: Sequence[Image.Image] = ()) -> np.ndarray:
    """Model input for checking a model's outputs: the given photos (a library's own thumbnails), topped up
    with a fixed set of varied synthetic pictures (colours, gradients, stripes, noise) when there are few."""
    images = list(photos)[:PROBE_PHOTOS]
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:spec.size, 0:spec.size] / max(spec.size - 1, 1)
    while len(images) < PROBE_PHOTOS:
        kind, colour = len(images) % 4, rng.uniform(0, 1, 3)
        pattern = [x, y, (np.floor(x * 8) % 2), rng.uniform(0, 1, x.shape)][kind]
        pixels = np.clip(pattern[..., None] * colour + (1 - colour) * 0.3, 0, 1)
        images.append(Image.fromarray((pixels * 255).astype(np.uint8)))
    return np.stack([model_pixels(image, spec) for image in images])


def check_outputs(encoder: Encoder, photos: Sequence[Image.Image] = ()) -> None:
    """ModelError when the encoder's codes for varied photos are unusable (NaN, zeros, all alike)."""
    problems = onnx.output_problems(encoder.embed(probe_pixels(encoder.spec, photos)))
    if problems:
        raise ModelError(f"{encoder.path} {'; '.join(problems)}: it cannot tell photos apart")


def open_encoder(path: str | Path, threads: int | None = None, probe: Sequence[Image.Image] = ()) -> Encoder:
    """The encoder at ``path``, its contract and its outputs on ``probe`` photos checked (ModelError)."""
    path = Path(path)
    session = open_session(path, threads)
    contract = contract_from_session(session, path)
    encoder = Encoder(session, contract.model_id, contract.spec, contract.code_size, path, contract.summary)
    check_outputs(encoder, probe)
    return encoder


def load_encoder(
    path: Path | None = None,
    threads: int | None = None,
    *,
    probe: Sequence[Image.Image] = (),
    fallback: Path | None = None,
) -> tuple[Encoder, list[str]]:
    """The encoder at ``path``, else ``fallback`` (the model in use until now), else the bundled one; the
    list holds a warning for each model passed over, and why.

    Raises ModelError only when the bundled model itself is unusable (a broken installation).
    """
    warnings: list[str] = []
    default = default_model_path()
    for candidate in dict.fromkeys(c for c in (path, fallback) if c is not None and c != default):
        try:
            return open_encoder(candidate, threads, probe), warnings
        except ModelError as error:
            warnings.append(f"{error}. It is not used.")
    if warnings:
        warnings[-1] = warnings[-1].replace("It is not used.", f"Using the bundled encoder instead ({default}).")
    try:
        return open_encoder(default, threads, probe), warnings
    except ModelError as error:
        raise ModelError(
            f"the bundled encoder is unusable, the installation looks broken: {error}"
        ) from error
