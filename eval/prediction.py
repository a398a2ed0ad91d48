"""One system's answer for one record, in the shape every metric reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalog.judgments import NONE_LABEL
from rag.result import ClassificationResult

CANDIDATES_KEPT = 20


@dataclass(frozen=True)
class Prediction:
    """`label`: the top-1 answer (item id or NONE); `top3`: the recommended items (never NONE);
    `confidence`: of the top-1 answer, when the system has one; `candidates`: ranked item ids."""

    label: str
    top3: tuple[str, ...]
    confidence: float | None = None
    candidates: tuple[str, ...] = ()

    @classmethod
    def from_result(cls, result: ClassificationResult) -> Prediction:
        label = result.predicted_label
        recs = result.recommendations
        if label == NONE_LABEL:
            confidence: float | None = result.none_probability
        else:
            confidence = recs[0].confidence
        return cls(
            label=label,
            top3=tuple(r.item_id for r in recs[:3]),
            confidence=confidence,
            candidates=tuple(c.item_id for c in result.candidates[:CANDIDATES_KEPT]),
        )

    @classmethod
    def from_ranking(cls, ranking: Sequence[str], confidence: float | None = None) -> Prediction:
        """A ranked label list (NONE may appear in it): the first label wins, items fill top-3."""
        items = tuple(lab for lab in ranking if lab != NONE_LABEL)
        return cls(
            label=ranking[0] if ranking else NONE_LABEL,
            top3=items[:3],
            confidence=confidence,
            candidates=items[:CANDIDATES_KEPT],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "top3": list(self.top3),
            "confidence": self.confidence,
            "candidates": list(self.candidates),
        }
