"""Compare the product's metrics with a stored summary; a headline metric that drops by more than
the allowed margin fails the run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from eval.metrics import HEADLINE

COMPARED = (
    "accuracy",
    "hit_at_3",
    "accuracy_with_alternates",
    "macro_f1",
    "micro_f1",
    "theme_accuracy",
    "field_accuracy",
    "none_precision",
    "none_recall",
    "candidate_recall_at_5",
    "candidate_recall_at_10",
    "candidate_recall_at_20",
    "ece",
)
CONFIG_KEYS = ("dataset_sha256", "folds", "train_sha256", "limit", "seed", "use_llm")
_EPS = 1e-9


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    baseline: float | None
    current: float | None
    headline: bool
    failed: bool

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline


@dataclass
class Comparison:
    rows: list[MetricDelta]
    max_drop: float
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.rows)

    @property
    def failures(self) -> list[MetricDelta]:
        return [r for r in self.rows if r.failed]

    def to_dict(self, against: str) -> dict[str, Any]:
        return {
            "against": against,
            "max_drop": self.max_drop,
            "failed": self.failed,
            "rows": [{**asdict(r), "delta": r.delta} for r in self.rows],
            "warnings": self.warnings,
        }


def _product_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    metrics: dict[str, Any] = summary["systems"].get(summary["product"], {})
    return metrics


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def compare_summaries(
    current: dict[str, Any],
    baseline: dict[str, Any],
    max_drop: float,
    metrics: Sequence[str] = COMPARED,
    headline: Sequence[str] = HEADLINE,
) -> Comparison:
    """Rows for every compared metric; a headline row fails when it fell by more than `max_drop`
    or is missing from the current run while the baseline has it."""
    now, before = _product_metrics(current), _product_metrics(baseline)
    rows = []
    for key in metrics:
        b, c = _number(before.get(key)), _number(now.get(key))
        is_headline = key in headline
        failed = is_headline and b is not None and (c is None or b - c > max_drop + _EPS)
        rows.append(MetricDelta(key, b, c, is_headline, failed))
    warnings = [
        f"config differs on {k}: baseline {baseline.get('config', {}).get(k)!r}, "
        f"this run {current.get('config', {}).get(k)!r}"
        for k in CONFIG_KEYS
        if baseline.get("config", {}).get(k) != current.get("config", {}).get(k)
    ]
    return Comparison(rows, max_drop, warnings)
