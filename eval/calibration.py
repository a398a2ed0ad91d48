"""Reliability curve and expected calibration error (ECE) of top-1 confidence vs correctness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

N_BINS = 10


@dataclass(frozen=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS
) -> list[ReliabilityBin]:
    """Equal-width bins over [0, 1]; a confidence of exactly 1 falls into the last bin."""
    if len(confidences) != len(correct):
        raise ValueError("confidences and correctness differ in length")
    sums = [[0.0, 0.0, 0] for _ in range(n_bins)]
    for c, ok in zip(confidences, correct, strict=True):
        c = min(max(float(c), 0.0), 1.0)
        b = min(int(c * n_bins), n_bins - 1)
        sums[b][0] += c
        sums[b][1] += float(ok)
        sums[b][2] += 1
    out = []
    for b, (conf, acc, n) in enumerate(sums):
        count = int(n)
        out.append(
            ReliabilityBin(
                lower=b / n_bins,
                upper=(b + 1) / n_bins,
                count=count,
                mean_confidence=conf / count if count else None,
                accuracy=acc / count if count else None,
            )
        )
    return out


def expected_calibration_error(bins: Sequence[ReliabilityBin]) -> float:
    """Σ (bin share) · |accuracy − mean confidence| over non-empty bins."""
    total = sum(b.count for b in bins)
    if not total:
        return 0.0
    return sum(
        b.count / total * abs(b.accuracy - b.mean_confidence)
        for b in bins
        if b.count and b.accuracy is not None and b.mean_confidence is not None
    )
