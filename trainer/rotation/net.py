"""The rotation suggester's network, its pixels (decoding, augmentation, the app's view), its measurement and
its ONNX form.

Labels are free: every photo the library shows upright (EXIF orientation applied) is one example of each
of the four turns. A class k input is the upright photo turned k quarter turns counter-clockwise, so k is
also the number of clockwise quarter turns that fix it (album_app/models/rotation.py). ``min_confidence``
is calibrated on held-out photos: the lowest probability at which at most MAX_UPRIGHT_FLAGGED of upright
held-out photos would get a (wrong) suggestion; it goes into the model's metadata.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from torch import nn

from album_app.models.rotation import CONTRACT_KEY, CONTRACT_VERSION, INPUT_NAME, OUTPUT_NAME, RotationModel
from album_app.preprocess import InputSpec, center_square
from trainer.encoder.data import PhotoRef, load_all
from trainer.encoder.model import conv_block
from trainer.onnx import export_stamped, torch_compute, write_checked

SIZE = 64  # the encoder's input side: the scan's model pixels can feed both models
CACHE = 80  # decoded centre squares are kept at this side (room for random crops)
MAX_UPRIGHT_FLAGGED = 0.02


class RotationNet(nn.Module):
    """(N, 3, 64, 64) → (N, 4) logits. Strided conv stages, then a linear layer over the *whole* 4×4 map:
    where the sky or the floor is matters here, so no global pooling."""

    def __init__(self, widths: tuple[int, ...] = (16, 32, 64, 128), size: int = SIZE, dropout: float = 0.2) -> None:
        super().__init__()
        stages, cin = [], 3
        for index, width in enumerate(widths):
            stages.append(conv_block(cin, width, 2))
            if index >= 2:
                stages.append(conv_block(width, width, 1))  # depth where the maps are small (cheap)
            cin = width
        self.features = nn.Sequential(*stages)
        side = size // 2 ** len(widths)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin * side * side, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def squares(photos: list[PhotoRef], threads: int) -> tuple[np.ndarray, list[int]]:
    """Decoded, upright centre squares at CACHE px: (N, CACHE, CACHE, 3) uint8, and which photos decoded."""
    images, kept = load_all(photos, CACHE, threads=threads)
    return np.stack(
        [
            np.asarray(center_square(image).resize((CACHE, CACHE), Image.Resampling.BILINEAR), np.uint8)
            for image in images
        ]
    ), kept


def turned(pixels: np.ndarray, turns: np.ndarray) -> np.ndarray:
    """Each HWC image turned ``turns[i]`` quarter turns counter-clockwise (np.rot90's direction)."""
    return np.stack([np.rot90(p, int(k)) for p, k in zip(pixels, turns, strict=True)])


def augment(cache: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random crop (60–100 % of the side), mirror, exposure/contrast jitter, resized to SIZE."""
    out = np.empty((len(cache), SIZE, SIZE, 3), np.uint8)
    for i, pixels in enumerate(cache):
        side = int(rng.integers(int(CACHE * 0.6), CACHE + 1))
        top, left = (int(v) for v in rng.integers(0, CACHE - side + 1, 2))
        window = pixels[top : top + side, left : left + side]
        crop = Image.fromarray(window).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
        array = np.asarray(crop, np.float32)
        if rng.random() < 0.5:
            array = array[:, ::-1]
        mean = array.mean()
        array = (array - mean) * rng.uniform(0.75, 1.25) + mean * rng.uniform(0.75, 1.25)
        out[i] = np.clip(array, 0, 255).astype(np.uint8)
    return out


def to_input(pixels: np.ndarray, spec: InputSpec) -> torch.Tensor:
    from album_app.preprocess import normalise

    return torch.from_numpy(normalise(np.ascontiguousarray(pixels), spec))


def centre(cache: np.ndarray) -> np.ndarray:
    """The un-augmented view the app sees: the centre square at SIZE px."""
    return np.stack([np.asarray(Image.fromarray(p).resize((SIZE, SIZE), Image.Resampling.BILINEAR)) for p in cache])


def evaluate(model: nn.Module, pixels: np.ndarray, spec: InputSpec) -> np.ndarray:
    """(N, 4 turns, 4 classes) probabilities for every held-out photo turned every way (mirror-averaged)."""
    model.eval()
    out = np.empty((len(pixels), 4, 4))
    with torch.no_grad():
        for k in range(4):
            views = np.stack([np.rot90(p, k) for p in pixels])
            probs = torch.softmax(model(to_input(views, spec)), 1).numpy()
            mirrored = torch.softmax(model(to_input(views[:, :, ::-1], spec)), 1).numpy()
            out[:, k] = 0.5 * (probs + mirrored[:, [0, 3, 2, 1]])
    return out


def calibrate_min_confidence(probs: np.ndarray) -> float:
    """Lowest probability at which at most MAX_UPRIGHT_FLAGGED of the upright held-out photos would be
    suggested a turn (probs: (N, 4 turns, 4 classes); turn 0 = upright)."""
    upright_probs = probs[:, 0]
    wrong_turn = upright_probs[:, 1:].max(axis=1)  # confidence of the best non-zero answer on upright photos
    flagged = upright_probs.argmax(axis=1) != 0
    candidates = np.sort(wrong_turn[flagged])
    allowed = int(MAX_UPRIGHT_FLAGGED * len(upright_probs))
    if len(candidates) <= allowed:
        return 0.5
    return float(min(0.999, max(0.5, candidates[len(candidates) - allowed - 1] + 1e-6)))


def export(
    model: nn.Module,
    out: str | os.PathLike[str],
    spec: InputSpec,
    min_confidence: float,
    summary: dict[str, object],
    parity_pixels: np.ndarray,
    *,
    quiet: bool = False,
) -> str:
    """ONNX (dynamic batch) with the contract in its metadata, written atomically after a parity check and
    the app's own loader (trainer/onnx.py); returns the model id."""
    example = to_input(parity_pixels, spec)
    metadata, _ = write_checked(
        out,
        lambda tmp: export_stamped(
            model.eval(),
            example[:2],
            tmp,
            INPUT_NAME,
            OUTPUT_NAME,
            lambda model_id: {
                CONTRACT_KEY: CONTRACT_VERSION,
                "input_spec": spec.to_json(),
                "model_id": model_id,
                "classes": "clockwise quarter turns 0,1,2,3",
                "min_confidence": repr(min_confidence),
                "training_summary": json.dumps(summary, sort_keys=True),
            },
        ),
        torch_compute(model),
        example.numpy(),
        validate=RotationModel.load,  # the app can read what we wrote
        what="rotation model",
    )
    model_id = metadata["model_id"]
    if not quiet:
        accuracy = summary["held_out_accuracy"]
        print(f"exported {out} (model_id {model_id}, held-out accuracy {accuracy})", file=sys.stderr)
    return model_id
