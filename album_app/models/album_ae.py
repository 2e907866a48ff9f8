"""Per-album autoencoders on the encoder's codes: which accepted album a photo belongs to, or none.

Every accepted (locked) album has a small autoencoder trained on its members' codes (trainer/album_ae/,
one ONNX file per album under ``LIBRARY/models/albums/<album_id>.onnx``). A photo that looks like an album's
members is reconstructed well by that album's model and badly by the others, so:

  * a photo's *score* under album a is ``log e_a(x)``, its reconstruction error there. Every model sees
    the same input space (codes centred by the library mean, on the unit sphere), so errors are squared
    distances to each album's learned manifold, comparable across albums much as nearest-neighbour
    distances are. Dividing by each album's own held-out error spread (``normalise=True``, the obvious
    fix for size imbalance) was measured and rejected: an album of a few varied photos has huge held-out
    errors, and normalising by them made it swallow everything (bench/album_models_quality.py);
  * probabilities are a softmax over ``-score / sharpness`` (``sharpness`` calibrated on held-out members
    by the trainer, in ``index.json``; 1 when absent);
  * when no album reconstructs a photo well (``e_a(x) > threshold_a`` for every album, a calibrated
    quantile of its held-out errors) the photo is an outlier: Unsorted; when the best album is not
    clearly better than the rest (probability below ``min_probability``) it stays Unsorted too.

Each ONNX file carries its contract in metadata (see `AlbumModelInfo`); a model trained on codes of
another encoder (``code_model_id``) is stale and ignored. This module runs models; it never trains one.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort

from album_app.models import onnx

CONTRACT_KEY = "album_app.album_model"
CONTRACT_VERSION = "1"
INPUT_NAME = "code"
OUTPUT_NAME = "error"
MODELS_SUBDIR = "albums"
INDEX_NAME = "index.json"
#: Below this probability the best album is not distinctive enough: the photo stays Unsorted (a wrong
#: album is worse than none). 0 switches the rule off. On the tuning seeds of bench/album_models_quality.py,
#: 0.5 put 1-4 % of stripped photos in a wrong album, 0.7 none.
MIN_PROBABILITY = 0.7
#: Errors are floored here before the log (an exact reconstruction must not give -inf).
ERROR_FLOOR = 1e-8


class AlbumModelError(Exception):
    """An album model file the app cannot use; the message is meant for a person."""


@dataclass(frozen=True)
class AlbumModelInfo:
    """What an album model's metadata says (written by `trainer.album_ae.export_album_ae`)."""

    album_id: int
    code_model_id: str  # the encoder whose codes it was trained on
    code_size: int
    member_count: int
    fingerprint: str  # names the member set + code model + training settings (retrain when it changes)
    loc: float  # median log reconstruction error of held-out members
    temperature: float  # spread of those log errors (used only by the ``normalise`` scoring)
    threshold: float  # reconstruction error above which the album does not "know" a photo
    path: Path = Path()
    extra: dict[str, str] = field(default_factory=dict)  # everything else in the metadata (informational)

    @classmethod
    def from_metadata(cls, meta: dict[str, str], path: Path) -> AlbumModelInfo:
        if meta.get(CONTRACT_KEY) != CONTRACT_VERSION:
            found = meta.get(CONTRACT_KEY)
            raise AlbumModelError(f"{path} is not an album model this app reads ({CONTRACT_KEY}={found!r})")
        try:
            info = cls(
                album_id=int(meta["album_id"]),
                code_model_id=str(meta["code_model_id"]),
                code_size=int(meta["code_size"]),
                member_count=int(meta["member_count"]),
                fingerprint=str(meta["fingerprint"]),
                loc=float(meta["loc"]),
                temperature=float(meta["temperature"]),
                threshold=float(meta["threshold"]),
                path=path,
                extra={k: v for k, v in meta.items() if k not in _KNOWN_KEYS},
            )
        except (KeyError, ValueError) as error:
            raise AlbumModelError(f"{path} has incomplete album-model metadata ({error})") from error
        if not (info.temperature > 0 and info.threshold > 0 and math.isfinite(info.loc)):
            raise AlbumModelError(f"{path} has an unusable calibration (temperature, threshold must be > 0)")
        return info


_KNOWN_KEYS = {
    CONTRACT_KEY,
    "album_id",
    "code_model_id",
    "code_size",
    "member_count",
    "fingerprint",
    "loc",
    "temperature",
    "threshold",
}


def album_models_dir(models_root: str | os.PathLike[str]) -> Path:
    """Where a library keeps its album models: ``LibraryPaths.models / "albums"``."""
    return Path(models_root) / MODELS_SUBDIR


def model_path(directory: str | os.PathLike[str], album_id: int) -> Path:
    return Path(directory) / f"{int(album_id)}.onnx"


def read_index(directory: str | os.PathLike[str]) -> dict[str, object]:
    """The ensemble's calibration (``sharpness``, ``code_model_id``); empty when absent or unreadable."""
    path = Path(directory) / INDEX_NAME
    try:
        value = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _session(path: Path) -> ort.InferenceSession:
    # Each model is a few kB of matrix products: one thread, no inter-op pool per model (there may be hundreds).
    return onnx.open_session(path, 1, error=AlbumModelError, what="album model")


def read_album_model_info(path: str | os.PathLike[str]) -> AlbumModelInfo:
    path = Path(path)
    return AlbumModelInfo.from_metadata(onnx.metadata(_session(path)), path)


# --- scoring (pure numpy) -------------------------------------------------------------------------------


@dataclass
class AlbumPlacement:
    """Where photos go by the album models. Columns follow ``album_ids``."""

    album_ids: np.ndarray  # (A,) the albums considered
    labels: np.ndarray  # (N,) album id, or -1 = Unsorted
    probability: np.ndarray  # (N,) probability of the best album (softmax over albums)
    best: np.ndarray  # (N,) the best album id whether or not it was accepted (-1 when there are no albums)
    outlier: np.ndarray  # (N,) bool: no album reconstructs the photo within its threshold
    ambiguous: np.ndarray  # (N,) bool: within some threshold, but the best album is not distinctive
    probabilities: np.ndarray  # (N, A)
    scores: np.ndarray  # (N, A) normalised errors (lower = fits better)

    def top(self, row: int, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most probable albums of one photo: [(album_id, probability)], best first."""
        return _top(self.album_ids, self.probabilities[row], k)

    def reason(self, row: int) -> str:
        """A short text for the inspector's "why here"."""
        if len(self.album_ids) == 0:
            return "no accepted album has a model yet"
        ranked = ", ".join(f"{album} {p:.0%}" for album, p in self.top(row, 3))
        if self.outlier[row]:
            return f"fits no accepted album: none reconstructs it within its usual error (closest: {ranked})"
        if self.ambiguous[row]:
            return f"fits no album for sure: about as likely in several ({ranked})"
        return f"reconstructed best by album {int(self.labels[row])}'s model ({ranked})"


def _top(album_ids: np.ndarray, probabilities: np.ndarray, k: int) -> list[tuple[int, float]]:
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [(int(album_ids[i]), float(probabilities[i])) for i in order]


class AlbumScorer:
    """Reconstruction errors of every album model → scores, probabilities, placements.

    Pure arrays in and out, so the rules can be tested without any model; `AlbumModels` feeds it.
    """

    def __init__(
        self,
        album_ids: Sequence[int],
        loc: Sequence[float],
        temperature: Sequence[float],
        threshold: Sequence[float],
        *,
        sharpness: float = 1.0,
        normalise: bool = False,
    ) -> None:
        self.album_ids = np.asarray(album_ids, dtype=np.int64).reshape(-1)
        self.loc = np.asarray(loc, dtype=np.float64).reshape(-1)
        self.temperature = np.asarray(temperature, dtype=np.float64).reshape(-1)
        self.threshold = np.asarray(threshold, dtype=np.float64).reshape(-1)
        if not (len(self.album_ids) == len(self.loc) == len(self.temperature) == len(self.threshold)):
            raise ValueError("album_ids, loc, temperature and threshold must have one value per album")
        if not (np.isfinite(sharpness) and sharpness > 0):
            raise ValueError(f"sharpness must be > 0, got {sharpness!r}")
        self.sharpness = float(sharpness)
        self.normalise = normalise

    @classmethod
    def from_infos(
        cls, infos: Sequence[AlbumModelInfo], *, sharpness: float = 1.0, normalise: bool = False
    ) -> AlbumScorer:
        return cls(
            [i.album_id for i in infos],
            [i.loc for i in infos],
            [i.temperature for i in infos],
            [i.threshold for i in infos],
            sharpness=sharpness,
            normalise=normalise,
        )

    def scores(self, errors: np.ndarray) -> np.ndarray:
        """(N, A) errors → (N, A) scores, lower = fits better: log errors (``normalise``: in held-out
        spreads above the album's typical held-out log error)."""
        logs = np.log(np.maximum(self._check(errors), ERROR_FLOOR))
        return (logs - self.loc) / self.temperature if self.normalise else logs

    def probabilities(self, errors: np.ndarray) -> np.ndarray:
        """(N, A) softmax over ``-score / sharpness`` (rows sum to 1; empty when there are no albums)."""
        return _softmax(-self.scores(errors) / self.sharpness)

    def place(self, errors: np.ndarray, *, min_probability: float = MIN_PROBABILITY) -> AlbumPlacement:
        """The best album per photo among those whose threshold it is within; -1 for outliers and for
        photos whose best album has a probability below ``min_probability``."""
        errors = self._check(errors)
        n, a = errors.shape
        scores = self.scores(errors)
        probabilities = _softmax(-scores / self.sharpness)
        if a == 0:
            none = np.full(n, -1, np.int64)
            return AlbumPlacement(
                self.album_ids,
                none,
                np.zeros(n),
                none.copy(),
                np.ones(n, bool),
                np.zeros(n, bool),
                probabilities,
                scores,
            )
        within = errors <= self.threshold
        outlier = ~within.any(axis=1)
        # The best album among those that know the photo (all albums when none does, for the "why").
        candidate = np.where(within | outlier[:, None], probabilities, -1.0)
        best_col = np.argmax(candidate, axis=1)
        best_p = probabilities[np.arange(n), best_col]
        ambiguous = ~outlier & (best_p < min_probability)
        accepted = ~outlier & ~ambiguous
        best = self.album_ids[best_col]
        labels = np.where(accepted, best, -1).astype(np.int64)
        return AlbumPlacement(
            self.album_ids, labels, best_p, best.astype(np.int64), outlier, ambiguous, probabilities, scores
        )

    def top(self, errors_row: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
        """One photo's ``k`` most probable albums: [(album_id, probability)], best first."""
        return _top(self.album_ids, self.probabilities(np.atleast_2d(errors_row))[0], k)

    def _check(self, errors: np.ndarray) -> np.ndarray:
        errors = np.atleast_2d(np.asarray(errors, dtype=np.float64))
        if errors.shape[1] != len(self.album_ids):
            raise ValueError(f"errors have {errors.shape[1]} columns, the scorer knows {len(self.album_ids)} albums")
        return errors


def _softmax(logits: np.ndarray) -> np.ndarray:
    if logits.shape[-1] == 0:
        return logits.copy()
    shifted = logits - logits.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=-1, keepdims=True)


# --- the models of a library -------------------------------------------------------------------------------


class AlbumModels:
    """The usable album models in a folder, for one code model; run them with onnxruntime.

    ``stale`` lists files skipped (another encoder's codes, another contract, unreadable) with the reason:
    they are retrained by `album-trainer albums`, never used.
    """

    def __init__(
        self,
        infos: Sequence[AlbumModelInfo],
        sessions: Sequence[ort.InferenceSession],
        *,
        sharpness: float = 1.0,
        stale: Sequence[tuple[Path, str]] = (),
    ) -> None:
        if len(infos) != len(sessions):
            raise ValueError("one session per album model")
        sizes = {info.code_size for info in infos}
        if len(sizes) > 1:
            raise AlbumModelError(f"album models disagree on the code size: {sorted(sizes)}")
        self.infos = list(infos)
        self.sessions = list(sessions)
        self.stale = list(stale)
        self.scorer = AlbumScorer.from_infos(self.infos, sharpness=sharpness)

    @classmethod
    def load(
        cls, directory: str | os.PathLike[str], code_model_id: str | None = None, album_ids: Iterable[int] | None = None
    ) -> AlbumModels:
        """Every ``*.onnx`` album model in ``directory`` trained on ``code_model_id``'s codes (any when None),
        limited to ``album_ids`` when given (e.g. the albums still accepted). A missing folder is no models."""
        directory = Path(directory)
        wanted = None if album_ids is None else {int(a) for a in album_ids}
        infos, sessions, stale = [], [], []
        paths = sorted(directory.glob("*.onnx"), key=lambda p: (len(p.stem), p.stem)) if directory.is_dir() else []
        for path in paths:
            try:
                session = _session(path)
                info = AlbumModelInfo.from_metadata(onnx.metadata(session), path)
            except AlbumModelError as error:
                stale.append((path, str(error)))
                continue
            if code_model_id is not None and info.code_model_id != code_model_id:
                stale.append((path, f"trained on codes of model {info.code_model_id}, not {code_model_id}"))
                continue
            if wanted is not None and info.album_id not in wanted:
                stale.append((path, f"album {info.album_id} is not an accepted album"))
                continue
            infos.append(info)
            sessions.append(session)
        index = read_index(directory)
        sharpness = index.get("sharpness", 1.0)
        if not isinstance(sharpness, int | float) or not sharpness > 0:
            sharpness = 1.0
        if index.get("code_model_id") not in (None, code_model_id) and code_model_id is not None:
            sharpness = 1.0  # calibrated for another encoder's models
        return cls(infos, sessions, sharpness=float(sharpness), stale=stale)

    def __len__(self) -> int:
        return len(self.infos)

    @property
    def album_ids(self) -> np.ndarray:
        return self.scorer.album_ids

    def errors(self, codes: np.ndarray) -> np.ndarray:
        """(N, D) raw encoder codes → (N, A) reconstruction errors, one column per album model."""
        codes = np.ascontiguousarray(np.atleast_2d(np.asarray(codes, dtype=np.float32)))
        out = np.empty((len(codes), len(self.sessions)), dtype=np.float64)
        if len(codes) == 0 or not self.sessions:
            return out
        if codes.shape[1] != self.infos[0].code_size:
            raise ValueError(f"codes have {codes.shape[1]} dimensions, the album models take {self.infos[0].code_size}")
        for column, session in enumerate(self.sessions):
            out[:, column] = session.run([OUTPUT_NAME], {INPUT_NAME: codes})[0]
        return out

    def place(self, codes: np.ndarray, *, min_probability: float = MIN_PROBABILITY) -> AlbumPlacement:
        return self.scorer.place(self.errors(codes), min_probability=min_probability)

    def why(self, code: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
        """The inspector's "why": one photo's ``k`` most probable albums, [(album_id, probability)]."""
        if not self.sessions:
            return []
        return self.scorer.top(self.errors(np.atleast_2d(code))[0], k)
