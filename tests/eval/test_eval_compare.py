"""`--compare`: a headline metric that drops by more than the margin fails; within it passes; a
baseline of the older schema (no item-row headline) is compared on what it has, with a warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.compare import compare_summaries
from eval.metrics import HEADLINE
from eval.summary import read_summary

BASELINE_SUMMARY = Path(__file__).resolve().parents[2] / "eval" / "baseline_summary.json"


def metrics(**overrides: float | None) -> dict[str, float | None]:
    base: dict[str, float | None] = {
        "item_top1": 0.45,
        "item_hit_at_3": 0.70,
        "none_precision": 0.77,
        "none_recall": 0.88,
        "accuracy": 0.70,
        "hit_at_3": 0.80,
        "macro_f1": 0.50,
        "micro_f1": 0.6,
    }
    base.update(overrides)
    return base


def summary(**overrides: float | None) -> dict[str, Any]:
    return {"product": "innogrowth", "systems": {"innogrowth": metrics(**overrides)}, "config": {"folds": 5}}


def two_datasets(dev: dict[str, float | None], rich: dict[str, float | None]) -> dict[str, Any]:
    out = summary()
    out["schema"] = 2
    out["per_dataset"] = {
        "dev": {"systems": {"innogrowth": dev}},
        "rich_dev": {"systems": {"innogrowth": rich}},
    }
    return out


def test_the_headline_keeps_item_rows_and_none_rows_apart() -> None:
    assert HEADLINE == ("item_top1", "item_hit_at_3", "none_precision", "none_recall")


def test_identical_runs_pass() -> None:
    result = compare_summaries(summary(), summary(), 0.02)
    assert not result.failed
    assert all(r.delta in (None, 0.0) for r in result.rows)
    assert not result.warnings


def test_drop_within_margin_passes_and_gains_pass() -> None:
    result = compare_summaries(summary(item_top1=0.435, none_recall=0.95), summary(), 0.02)
    assert not result.failed
    rows = {r.metric: r for r in result.rows}
    assert rows["item_top1"].delta == pytest.approx(-0.015)
    assert rows["none_recall"].delta == pytest.approx(0.07)


def test_drop_of_exactly_the_margin_passes() -> None:
    assert not compare_summaries(summary(item_hit_at_3=0.68), summary(), 0.02).failed


@pytest.mark.parametrize("metric", HEADLINE)
def test_drop_beyond_margin_fails_and_names_the_metric(metric: str) -> None:
    before = metrics()[metric]
    assert before is not None
    result = compare_summaries(summary(**{metric: before - 0.03}), summary(), 0.02)
    assert result.failed
    assert [r.metric for r in result.failures] == [metric]


def test_secondary_drops_never_fail() -> None:
    # The mixed accuracy and the old all-rows hit@3 are no longer headline metrics.
    assert not compare_summaries(summary(micro_f1=0.1, accuracy=0.5, hit_at_3=0.5), summary(), 0.02).failed


def test_missing_headline_metric_fails() -> None:
    current = summary()
    del current["systems"]["innogrowth"]["item_top1"]
    assert compare_summaries(current, summary(), 0.02).failed


def test_config_difference_is_a_warning() -> None:
    current = summary()
    current["config"]["folds"] = 3
    result = compare_summaries(current, summary(), 0.02)
    assert not result.failed
    assert any("folds" in w for w in result.warnings)


def test_an_old_schema_baseline_is_compared_on_what_it_has() -> None:
    old = summary()
    for key in ("item_top1", "item_hit_at_3"):
        del old["systems"]["innogrowth"][key]
    result = compare_summaries(summary(item_top1=0.1, item_hit_at_3=0.1), old, 0.02)
    assert not result.failed  # nothing to compare item_top1 with
    rows = {r.metric: r for r in result.rows}
    assert rows["item_top1"].baseline is None and rows["item_top1"].current == pytest.approx(0.1)
    assert rows["none_recall"].delta == 0.0  # both have it: compared
    assert any("item_top1, item_hit_at_3" in w and "regenerate" in w for w in result.warnings)
    # A NONE recall drop still fails against the old baseline.
    assert compare_summaries(summary(none_recall=0.80), old, 0.02).failed


def test_the_committed_baseline_summary_compares_cleanly() -> None:
    base = read_summary(BASELINE_SUMMARY)
    result = compare_summaries(base, base, 0.02)
    assert not result.failed
    headline = {"item_top1", "item_hit_at_3", "none_precision", "none_recall"}
    assert headline <= {r.metric for r in result.rows}
    assert {"dev", "rich_dev"} <= set(base["per_dataset"])


def test_an_old_schema_summary_does_not_crash_compare() -> None:
    """A baseline written before the item-row headline (schema 1): compared on what both have,
    with a warning to regenerate it."""
    current = read_summary(BASELINE_SUMMARY)
    old = json.loads(json.dumps(current))
    old["schema"] = 1
    old.pop("per_dataset", None)
    for system in old["systems"].values():
        for metric in ("item_top1", "item_hit_at_3", "item_top1_with_alternates", "item_rows_answered_none"):
            system.pop(metric, None)
    result = compare_summaries(current, old, 0.02)
    assert not result.failed
    assert "none_precision" in {r.metric for r in result.rows}
    assert any("regenerate" in w for w in result.warnings)


def test_per_dataset_headline_drops_fail_with_the_dataset_named() -> None:
    base = two_datasets(metrics(), metrics(item_top1=0.66))
    same = compare_summaries(base, base, 0.02)
    assert not same.failed
    assert {r.label for r in same.rows} >= {"item_top1", "item_top1 [dev]", "item_top1 [rich_dev]"}
    worse = two_datasets(metrics(), metrics(item_top1=0.60))  # combined unchanged, rich fell
    result = compare_summaries(worse, base, 0.02)
    assert [r.label for r in result.failures] == ["item_top1 [rich_dev]"]


def test_datasets_only_in_one_summary_compare_the_common_ones() -> None:
    """A run over dev + rich_dev against an old baseline of dev alone: the all-records rows mix
    other records and are not compared; dev is, under its name."""
    old = summary(none_recall=0.88)
    old["config"]["dataset"] = "catalog/data/judgments/dev.jsonl"
    del old["systems"]["innogrowth"]["item_top1"]
    current = two_datasets(metrics(none_recall=0.80), metrics())
    current["systems"]["innogrowth"]["none_recall"] = 0.95  # all records: not comparable
    result = compare_summaries(current, old, 0.02)
    assert {r.dataset for r in result.rows} == {"dev"}
    assert [r.label for r in result.failures] == ["none_recall [dev]"]
    assert any("only dev compared" in w for w in result.warnings)
    disjoint = summary()
    disjoint["config"]["dataset"] = "other.jsonl"
    nothing = compare_summaries(current, disjoint, 0.02)
    assert not nothing.rows and not nothing.failed
    assert any("nothing in common" in w for w in nothing.warnings)
