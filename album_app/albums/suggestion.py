"""What every album method returns: labels, how sure, why, and (method ``life``) each album's kind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Suggestion:
    labels: np.ndarray  # (N,) int, -1 = Unsorted, albums 0..K-1 in order of their first photo
    confidence: np.ndarray  # (N,) float in [0, 1]: how sure the placement (or the leaving out) is
    reason: list[str]  # (N,) short human text
    method: str  # the method actually used
    look_alike: np.ndarray | None = None  # (N,) photo id a photo without time was placed by (-1: none)
    threshold: float = float("nan")  # the calibrated look-alike distance (content units)
    kinds: list[str] | None = None  # (K,) each album's kind (album_app.albums.kinds); None: all "event"
    periods: list[str | None] | None = None  # (K,) an everyday album's month ("2024-03"), else None

    @property
    def n_albums(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) and self.labels.max() >= 0 else 0

    def kind_of(self, label: int) -> str:
        return self.kinds[label] if self.kinds is not None else "event"

    def period_of(self, label: int) -> str | None:
        return self.periods[label] if self.periods is not None else None
