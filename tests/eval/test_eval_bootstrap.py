"""Bootstrap intervals: seeded, deterministic, containing the point estimate."""

from __future__ import annotations

import numpy as np
import pytest

from eval import metrics as m
from eval.bootstrap import bootstrap_ci, mean_statistic, ratio_statistic
from eval.prediction import Prediction


def test_interval_contains_point_and_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    values = rng.random(200) < 0.7
    a = bootstrap_ci(len(values), mean_statistic(values), seed=7)
    b = bootstrap_ci(len(values), mean_statistic(values), seed=7)
    assert a == b
    assert a.low <= a.point <= a.high
    assert a.point == values.mean()
    assert 0.55 < a.low < a.point < a.high < 0.85


def test_more_data_gives_a_narrower_interval() -> None:
    values = np.array([1.0, 0.0] * 50)
    many = np.array([1.0, 0.0] * 2000)
    wide = bootstrap_ci(len(values), mean_statistic(values), seed=1, resamples=300)
    narrow = bootstrap_ci(len(many), mean_statistic(many), seed=1, resamples=300)
    assert narrow.high - narrow.low < wide.high - wide.low


def test_macro_f1_interval_contains_point() -> None:
    golds = [m.Gold(x) for x in ["A", "B", "C", "NONE"] * 10]
    preds = [Prediction(x, (x,)) for x in ["A", "B", "NONE", "NONE"] * 10]
    ci = bootstrap_ci(len(golds), m.MacroF1Resampler(golds, preds), seed=3)
    assert ci.point == m.item_f1(golds, preds, "macro")
    assert ci.low <= ci.point <= ci.high


def test_empty_and_constant_data() -> None:
    assert bootstrap_ci(0, mean_statistic([])).point == 0.0
    const = bootstrap_ci(10, mean_statistic([1.0] * 10))
    assert (const.low, const.point, const.high) == (1.0, 1.0, 1.0)


def test_ratio_statistic_resamples_a_subset_of_the_records() -> None:
    rng = np.random.default_rng(4)
    item = rng.random(300) < 0.4  # the rows the metric is over
    hit = item & (rng.random(300) < 0.5)
    ci = bootstrap_ci(300, ratio_statistic(hit, item), seed=2)
    assert ci.point == pytest.approx(hit.sum() / item.sum())
    assert ci.low <= ci.point <= ci.high
    assert 0.3 < ci.low < ci.high < 0.7
    # Wider than the interval of a mean over all 300 rows of the same flags: fewer rows count.
    all_rows = bootstrap_ci(300, mean_statistic(hit), seed=2)
    assert ci.high - ci.low > all_rows.high - all_rows.low


def test_ratio_statistic_skips_resamples_without_a_denominator_row() -> None:
    den = np.zeros(50, dtype=bool)
    den[0] = True  # one row: most resamples miss it
    stat = ratio_statistic(den, den)
    assert np.isnan(stat(np.array([1, 2, 3], dtype=np.int64)))
    ci = bootstrap_ci(50, stat, seed=1, resamples=200)
    assert (ci.low, ci.point, ci.high) == (1.0, 1.0, 1.0)
