"""More like this: the photos nearest to some photos in the encoder's code space (pure numpy).

Codes are L2-normalised once, so cosine similarity is a dot product; the library is scanned in chunks
(bounded memory whatever its size) and each chunk keeps only its best candidates. With several photos
asked for, a photo's score is its similarity to the nearest of them ("like any of these").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CHUNK = 16_384  # rows scored at once: 16k × 128 float32 = 8 MB per chunk
LIMIT = 500  # neighbours returned by default: more than a person looks through


@dataclass(frozen=True)
class Neighbours:
    """Photo ids, most alike first, with their cosine similarity (1 = the same code)."""

    photo_ids: np.ndarray
    similarity: np.ndarray

    def __len__(self) -> int:
        return len(self.photo_ids)

    def at_least(self, threshold: float) -> list[int]:
        """The ids at or above a similarity (they are sorted, so a prefix)."""
        return self.photo_ids[: int(np.searchsorted(-self.similarity, -threshold, side="right"))].tolist()


class CodeIndex:
    """Every photo's code from one model, normalised, for nearest-neighbour look-ups."""

    def __init__(self, photo_ids: Sequence[int] | np.ndarray, codes: np.ndarray, model_id: str = "") -> None:
        codes = np.asarray(codes, np.float32)
        if codes.ndim != 2 or len(codes) != len(photo_ids):
            raise ValueError(f"codes of shape {codes.shape} for {len(photo_ids)} photos")
        norms = np.linalg.norm(codes, axis=1, keepdims=True)
        # A zero code (a photo that could not be embedded) has no direction: it matches nothing.
        self.codes = np.divide(codes, norms, out=np.zeros_like(codes), where=norms > 0)
        self.photo_ids = np.asarray(photo_ids, np.int64)
        self.model_id = model_id
        self._row_of = {int(p): i for i, p in enumerate(self.photo_ids.tolist())}

    def __len__(self) -> int:
        return len(self.photo_ids)

    def rows(self, photo_ids: Sequence[int]) -> np.ndarray:
        return np.array([r for p in photo_ids if (r := self._row_of.get(int(p))) is not None], np.int64)

    def neighbours(self, photo_ids: Sequence[int], limit: int = LIMIT, *, chunk: int = CHUNK) -> Neighbours:
        """The ``limit`` photos most like any of ``photo_ids`` (those themselves left out); empty when none
        of them has a code."""
        rows = self.rows(photo_ids)
        rows = rows[np.linalg.norm(self.codes[rows], axis=1) > 0]  # a zero code has no direction to follow
        if len(rows) == 0 or limit <= 0:
            return Neighbours(np.zeros(0, np.int64), np.zeros(0, np.float32))
        queries = self.codes[rows]  # (q, d)
        best_rows: list[np.ndarray] = []
        best_scores: list[np.ndarray] = []
        for start in range(0, len(self.codes), chunk):
            block = self.codes[start : start + chunk]
            scores = block @ queries[0] if len(queries) == 1 else (block @ queries.T).max(axis=1)
            keep = min(limit + len(rows), len(scores))
            top = np.argpartition(-scores, keep - 1)[:keep] if keep < len(scores) else np.arange(len(scores))
            best_rows.append(top + start)
            best_scores.append(scores[top])
        candidates, scores = np.concatenate(best_rows), np.concatenate(best_scores)
        keep = ~np.isin(candidates, rows) & (np.linalg.norm(self.codes[candidates], axis=1) > 0)
        candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))[:limit]  # most alike first; ties in a stable order
        return Neighbours(self.photo_ids[candidates[order]], scores[order].astype(np.float32))
