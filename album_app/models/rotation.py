"""Rotation suggestions: is this photo shown sideways or upside down? Suggested, never written to the original.

A small CNN (trainer/rotation/, shipped as ``assets/rotation.onnx``) looks at the photo *as displayed*
(EXIF orientation already applied, the same 64-px centre square the encoder sees) and says how many quarter
turns it is off. Convention everywhere: ``quarter_turns`` = clockwise quarter turns that make the photo
upright (0 = it is upright; 1 = turn it right once; 3 = turn it left once). The model's class k means "the
upright photo was turned k quarter turns counter-clockwise", which is undone by k clockwise turns, so the
class *is* the suggestion.

A suggestion is only made when the model is sure (``min_confidence``, calibrated by the trainer on held-out
upright photos so that few upright photos get a suggestion). Test-time mirroring: a mirrored upright photo
is still upright, and mirroring swaps "a quarter left" with "a quarter right", so both views vote.

Exports may carry the turn: `rotate_for_export` writes a rotated copy; the original is only ever read.

A library may have its own model, trained on its own upright photos (``album-trainer rotation --library``,
published as ``LIBRARY/models/rotation.onnx`` only when it beats the bundled one on the library's held-out
photos). `RotationModel.for_library` prefers it and falls back to the bundled model, saying why, when it
cannot be read. Suggestions are stored per model id, so a new model makes fresh suggestions.

`album_app.services.rotations.update_suggestions` is the one way suggestions are made and stored
(``album-app rotations``, the window's background pass after a scan, ``album-app export --turn-suggested``);
`export_turns` there says which photos an export turns.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from album_app.ingest.identify import KIND_BYTES, not_a_still
from album_app.library import LibraryPaths, resolve_library
from album_app.models import onnx
from album_app.models.onnx import bundled_asset
from album_app.preprocess import InputSpec, model_pixels, normalise, to_rgb, upright

CONTRACT_KEY = "album_app.rotation_model"
CONTRACT_VERSION = "1"
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
ROTATION_ASSET = "rotation.onnx"
#: A library's own model, in LIBRARY/models/ (written by the trainer as .partial, checked, renamed).
LIBRARY_MODEL_NAME = "rotation.onnx"
ORIENTATION_TAG = 0x0112
#: Used when a model's metadata has no calibrated confidence.
DEFAULT_MIN_CONFIDENCE = 0.9
#: One photo in HOLDOUT_MODULO is never trained on (by a hash of its file name), so that any model trained
#: by trainer/rotation/ can be measured on photos it has not seen (bench/rotation_accuracy.py, tests).
HOLDOUT_MODULO = 10


class RotationModelError(Exception):
    """A rotation model the app cannot use; the message is meant for a person."""


def is_holdout(name: str) -> bool:
    """The trainer's split: True for the photos it keeps out of training (about 1 in HOLDOUT_MODULO)."""
    digest = hashlib.sha1(Path(name).name.encode()).digest()
    return int.from_bytes(digest[:4], "big") % HOLDOUT_MODULO == 0


def holdout_turn(name: str, seed: int = 0) -> int:
    """A held-out photo's test turn: 0..3 quarter turns counter-clockwise, random but fixed by its file name
    and ``seed`` (so the trainer's gate and bench/rotation_accuracy.py turn each photo the same way)."""
    return hashlib.sha1(f"{seed}:{Path(name).name}".encode()).digest()[0] % 4


def library_rotation_model_path(paths: LibraryPaths) -> Path:
    return paths.models / LIBRARY_MODEL_NAME


def default_rotation_model_path() -> Path:
    """The bundled model (see `album_app.models.onnx.bundled_asset`)."""
    return bundled_asset(ROTATION_ASSET)


@dataclass(frozen=True)
class RotationSuggestion:
    quarter_turns: int  # clockwise quarter turns that make the photo upright (0 = leave it)
    confidence: float  # the model's probability for that answer (after mirroring)
    probabilities: tuple[float, float, float, float]  # for 0, 1, 2, 3 clockwise quarter turns


@dataclass
class RotationModel:
    """An open rotation classifier. Build it with `RotationModel.load`."""

    session: ort.InferenceSession
    spec: InputSpec
    min_confidence: float
    path: Path
    model_id: str = ""  # names graph + weights: suggestions are stored per model id
    summary: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, threads: int = 1) -> RotationModel:
        path = Path(path) if path is not None else default_rotation_model_path()
        session = onnx.open_session(path, max(1, threads), error=RotationModelError, what="rotation model")
        meta = onnx.metadata(session)
        if meta.get(CONTRACT_KEY) != CONTRACT_VERSION:
            raise RotationModelError(f"{path} is not a rotation model this app reads")
        try:
            spec = InputSpec.from_json(meta["input_spec"])
            min_confidence = float(meta.get("min_confidence", DEFAULT_MIN_CONFIDENCE))
            summary = json.loads(meta.get("training_summary", "{}"))
        except (KeyError, ValueError, TypeError) as error:
            raise RotationModelError(f"{path} has unreadable metadata ({error})") from error
        if spec.problems():
            raise RotationModelError(f"{path}: {'; '.join(spec.problems())}")
        model_id = str(meta.get("model_id", ""))
        return cls(session, spec, min_confidence, path, model_id, summary if isinstance(summary, dict) else {})

    @classmethod
    def for_library(
        cls, library: LibraryPaths | str | os.PathLike[str] | None, threads: int = 1
    ) -> tuple[RotationModel, list[str]]:
        """The model the app uses for a library (its paths, or its folder or catalog file): its own
        (``models/rotation.onnx``) when there is one and it reads, else the bundled one. Also returns
        messages for a person: why the library's own was passed over (a corrupt or foreign file is never
        fatal while the bundled model works). None: the bundled model."""
        notes: list[str] = []
        if library is not None:
            paths = library if isinstance(library, LibraryPaths) else resolve_library(library)
            own = library_rotation_model_path(paths)
            if own.exists():
                try:
                    return cls.load(own, threads), notes
                except RotationModelError as error:
                    notes.append(f"{error}; using the bundled rotation model instead")
        return cls.load(None, threads), notes

    @property
    def bundled(self) -> bool:
        return self.path.resolve() == default_rotation_model_path().resolve()

    def probabilities(self, pixels: np.ndarray, *, mirror: bool = True) -> np.ndarray:
        """uint8 NHWC ``model_pixels`` of displayed photos → (N, 4) probabilities of 0..3 clockwise turns."""
        pixels = np.asarray(pixels, dtype=np.uint8)
        if pixels.ndim == 3:
            pixels = pixels[None]
        probs = self._run(pixels)
        if mirror:
            # Mirroring an image turned k quarter turns gives one turned -k: its class k is our class -k.
            mirrored = self._run(np.ascontiguousarray(pixels[:, :, ::-1]))
            probs = 0.5 * (probs + mirrored[:, [0, 3, 2, 1]])
        return probs

    def _run(self, pixels: np.ndarray) -> np.ndarray:
        if len(pixels) == 0:
            return np.zeros((0, 4))
        logits = self.session.run([OUTPUT_NAME], {INPUT_NAME: normalise(pixels, self.spec)})[0].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)

    def suggest_pixels(self, pixels: np.ndarray, *, min_confidence: float | None = None) -> list[RotationSuggestion]:
        """One suggestion per photo; ``quarter_turns`` is 0 unless the model is sure of a turn."""
        floor = self.min_confidence if min_confidence is None else min_confidence
        out = []
        for row in self.probabilities(pixels):
            best = int(np.argmax(row))
            turns = best if (best != 0 and row[best] >= floor) else 0
            out.append(RotationSuggestion(turns, float(row[turns]), tuple(float(p) for p in row)))  # type: ignore[arg-type]
        return out

    def suggest(self, images: list[Image.Image], **kwargs: float | None) -> list[RotationSuggestion]:
        """Displayed (upright-by-EXIF) PIL images → suggestions."""
        if not images:
            return []
        return self.suggest_pixels(np.stack([model_pixels(image, self.spec) for image in images]), **kwargs)

    def suggest_file(self, path: str | os.PathLike[str], **kwargs: float | None) -> RotationSuggestion:
        """A photo file as the app displays it (EXIF orientation applied, decoded small)."""
        return self.suggest([load_displayed(path, 2 * self.spec.size)], **kwargs)[0]


def turn_figures(model: RotationModel, pixels: np.ndarray, turns: np.ndarray) -> dict[str, float]:
    """How ``model`` does on upright photos (uint8 NHWC model pixels) shown turned.

    * accuracy: each photo turned ``turns[i]`` quarter turns counter-clockwise (see `holdout_turn`), the
      most probable answer is the turn (chance 0.25);
    * accuracy_4way: the same over every photo at each of the four turns (four times the sample);
    * suggested_right / suggested_wrong: of the turned views (1..3 turns), the share for which the app
      would suggest the right fix / a wrong one (probability >= the model's ``min_confidence``);
    * upright_flagged: of the upright views, the share given any suggestion.
    """
    pixels = np.asarray(pixels, np.uint8)
    turns = np.asarray(turns, np.int64) % 4
    if len(pixels) == 0:
        return {"photos": 0}
    probs = np.stack([model.probabilities(np.ascontiguousarray(np.rot90(pixels, k, axes=(1, 2)))) for k in range(4)])
    best = probs.argmax(axis=2)  # (4 turns, N)
    confident = probs.max(axis=2) >= model.min_confidence
    suggested = np.where((best != 0) & confident, best, 0)
    truth = np.arange(4)[:, None]
    turned = suggested[1:]
    return {
        "photos": len(pixels),
        "accuracy": float(np.mean(best[turns, np.arange(len(pixels))] == turns)),
        "accuracy_4way": float(np.mean(best == truth)),
        "suggested_right": float(np.mean(turned == truth[1:])),
        "suggested_wrong": float(np.mean((turned != 0) & (turned != truth[1:]))),
        "upright_flagged": float(np.mean(suggested[0] != 0)),
    }


def load_displayed(path: str | os.PathLike[str], side: int) -> Image.Image:
    """The photo as shown (EXIF orientation applied), decoded at about ``side`` px (JPEG draft). A video or
    RAW file is refused (ValueError): Pillow would read a TIFF-based RAW's small preview, or nothing, and the
    scan's thumbnail (its poster, its LibRaw preview) is what stands for such a file."""
    with open(path, "rb") as handle:
        kind = not_a_still(handle.read(KIND_BYTES))
    if kind:
        raise ValueError(f"{os.fspath(path)} is {kind}, not a still")
    with Image.open(path) as image:
        orientation = int(image.getexif().get(ORIENTATION_TAG, 1) or 1)
        if image.format == "JPEG":
            image.draft("RGB", (side, side))
        image = to_rgb(image)
        image.load()
    return upright(image, orientation)


def turn_clockwise(image: Image.Image, quarter_turns: int) -> Image.Image:
    """The image turned ``quarter_turns`` × 90° clockwise (PIL's ROTATE_* are counter-clockwise)."""
    turns = quarter_turns % 4
    if turns == 0:
        return image.copy()
    return image.transpose(
        {1: Image.Transpose.ROTATE_270, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_90}[turns]
    )
