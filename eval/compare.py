"""Compare the product's metrics with a stored summary; a headline metric that drops by more than
the allowed margin fails the run.

Only metrics that at least one of the two summaries has are compared. A stored summary of an
older schema (before the item-row headline) lacks `item_top1` and friends: those rows show this
run's value alone, nothing fails on them, and a warning says the baseline should be regenerated.
Datasets that both summaries report in `per_dataset` (runs over several `--dataset` files) are
compared too, with the same rule for their headline metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from eval.metrics import HEADLINE

COMPARED = (
    "item_top1",
    "item_hit_at_3",
    "item_top1_with_alternates",
    "item_rows_answered_none",
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
CONFIG_KEYS = ("dataset_sha256", "folds", "train_sha256", "limit", "seed", "use_llm", "exclude_extra")
# Per-dataset rows: the headline and the overall accuracy (the full list is compared on all records).
PER_DATASET_COMPARED = (*HEADLINE, "accuracy")
_EPS = 1e-9


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    baseline: float | None
    current: float | None
    headline: bool
    failed: bool
    dataset: str = ""  # "" = all evaluated records; else a `per_dataset` name

    @property
    def label(self) -> str:
        return f"{self.metric} [{self.dataset}]" if self.dataset else self.metric

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
    metrics: dict[str, Any] = summary.get("systems", {}).get(summary.get("product", ""), {})
    return metrics


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _rows(
    now: dict[str, Any],
    before: dict[str, Any],
    metrics: Sequence[str],
    headline: Sequence[str],
    max_drop: float,
    dataset: str = "",
) -> list[MetricDelta]:
    rows = []
    for key in metrics:
        if key not in now and key not in before:
            continue
        b, c = _number(before.get(key)), _number(now.get(key))
        is_headline = key in headline
        failed = is_headline and b is not None and (c is None or b - c > max_drop + _EPS)
        rows.append(MetricDelta(key, b, c, is_headline, failed, dataset))
    return rows


def _coverage(summary: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """Dataset name → the product's metrics on it: `per_dataset`, or for a summary of one dataset
    without it (older schema) the top level under its file stem; None when unknown."""
    product = summary.get("product", "")
    per_dataset = summary.get("per_dataset")
    if isinstance(per_dataset, dict) and per_dataset:
        return {
            name: entry.get("systems", {}).get(product, {})
            for name, entry in per_dataset.items()
            if isinstance(entry, dict)
        }
    path = summary.get("config", {}).get("dataset")
    if not path or "," in str(path):
        return None
    return {PurePath(str(path)).stem: _product_metrics(summary)}


def compare_summaries(
    current: dict[str, Any],
    baseline: dict[str, Any],
    max_drop: float,
    metrics: Sequence[str] = COMPARED,
    headline: Sequence[str] = HEADLINE,
) -> Comparison:
    """Rows for every compared metric either summary has; a headline row fails when it fell by
    more than `max_drop` or is missing from the current run while the baseline has it.

    The all-records rows are compared when both summaries cover the same datasets (by name);
    then, for a run over several datasets, each dataset's headline and accuracy follow. When the
    datasets differ (e.g. a new run over dev + rich_dev against a baseline of dev alone), only the
    datasets both cover are compared, with every metric, and a warning names the difference."""
    now, before = _product_metrics(current), _product_metrics(baseline)
    mine, theirs = _coverage(current), _coverage(baseline)
    same = mine is None or theirs is None or set(mine) == set(theirs)
    rows: list[MetricDelta] = []
    warnings = []
    if same:
        rows += _rows(now, before, metrics, headline, max_drop)
        if mine is not None and theirs is not None and len(mine) > 1:
            for name in mine:
                rows += _rows(mine[name], theirs[name], PER_DATASET_COMPARED, headline, max_drop, name)
    else:
        assert mine is not None and theirs is not None
        common = [name for name in mine if name in theirs]
        warnings.append(
            f"the baseline covers {', '.join(sorted(theirs))}, this run {', '.join(sorted(mine))}: "
            + (f"only {', '.join(common)} compared" if common else "nothing in common to compare")
        )
        for name in common:
            rows += _rows(mine[name], theirs[name], metrics, headline, max_drop, name)
    absent = sorted(
        {r.metric for r in rows if r.headline and r.baseline is None and r.current is not None},
        key=list(headline).index,
    )
    if absent:
        warnings.append(
            f"the baseline has no {', '.join(absent)} (schema {baseline.get('schema', 1)}, before the "
            "item-row headline): those headline metrics are not compared; regenerate the baseline"
        )
    warnings += [
        f"config differs on {k}: baseline {baseline.get('config', {}).get(k)!r}, "
        f"this run {current.get('config', {}).get(k)!r}"
        for k in CONFIG_KEYS
        if baseline.get("config", {}).get(k) != current.get("config", {}).get(k)
    ]
    return Comparison(rows, max_drop, warnings)
