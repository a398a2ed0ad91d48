"""`--compare`: a headline metric that drops by more than the margin fails; within it passes."""

from __future__ import annotations

from typing import Any

import pytest

from eval.compare import compare_summaries


def summary(**metrics: float | None) -> dict[str, Any]:
    base: dict[str, float | None] = {"accuracy": 0.70, "hit_at_3": 0.80, "macro_f1": 0.50, "micro_f1": 0.6}
    base.update(metrics)
    return {"product": "innogrowth", "systems": {"innogrowth": base}, "config": {"folds": 5, "seed": 13}}


def test_identical_runs_pass() -> None:
    result = compare_summaries(summary(), summary(), 0.02)
    assert not result.failed
    assert all(r.delta in (None, 0.0) for r in result.rows)


def test_drop_within_margin_passes_and_gains_pass() -> None:
    result = compare_summaries(summary(accuracy=0.685, macro_f1=0.60), summary(), 0.02)
    assert not result.failed
    rows = {r.metric: r for r in result.rows}
    assert rows["accuracy"].delta == pytest.approx(-0.015)
    assert rows["macro_f1"].delta == pytest.approx(0.10)


def test_drop_of_exactly_the_margin_passes() -> None:
    assert not compare_summaries(summary(hit_at_3=0.78), summary(), 0.02).failed


def test_drop_beyond_margin_fails_and_names_the_metric() -> None:
    result = compare_summaries(summary(hit_at_3=0.77), summary(), 0.02)
    assert result.failed
    assert [r.metric for r in result.failures] == ["hit_at_3"]


def test_non_headline_drop_never_fails() -> None:
    assert not compare_summaries(summary(micro_f1=0.1), summary(), 0.02).failed


def test_missing_headline_metric_fails() -> None:
    current = summary()
    del current["systems"]["innogrowth"]["macro_f1"]
    assert compare_summaries(current, summary(), 0.02).failed


def test_config_difference_is_a_warning() -> None:
    current = summary()
    current["config"]["folds"] = 3
    result = compare_summaries(current, summary(), 0.02)
    assert not result.failed
    assert any("folds" in w for w in result.warnings)
