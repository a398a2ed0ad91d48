"""Each evaluation metric on tiny hand-made cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from catalog.model import Catalog
from eval import metrics as m
from eval.calibration import expected_calibration_error, reliability_bins
from eval.latency import END_TO_END, latency_summary
from eval.prediction import Prediction

NONE = "NONE"


def P(
    label: str, top3: tuple[str, ...] = (), conf: float | None = None, cands: tuple[str, ...] = ()
) -> Prediction:
    return Prediction(label, top3 or ((label,) if label != NONE else ()), conf, cands)


def G(label: str, *alternates: str) -> m.Gold:
    return m.Gold(label, alternates)


def test_top1_accuracy_counts_none_as_a_class() -> None:
    golds = [G("IG001"), G(NONE), G(NONE), G("IG002")]
    preds = [P("IG001"), P(NONE), P("IG003"), P(NONE)]
    assert m.accuracy(golds, preds) == 0.5


def test_hit_at_3_items_in_recommendations_and_none_only_when_answered() -> None:
    golds = [G("IG001"), G("IG002"), G(NONE), G(NONE), G("IG004")]
    preds = [
        P("IG009", ("IG009", "IG008", "IG001")),  # third recommendation: hit
        P("IG009", ("IG009", "IG008", "IG007", "IG002")),  # fourth does not count
        P(NONE),  # hit
        P("IG001", ("IG001",)),  # NONE row answered with an item: miss
        P(NONE, ("IG004",)),  # an item row whose item is still recommended: hit
    ]
    assert m.hit_at_3(golds, preds) == pytest.approx(3 / 5)


def test_accuracy_with_alternates() -> None:
    golds = [G("IG001", "IG005"), G("IG002"), G(NONE, "IG003")]
    preds = [P("IG005"), P("IG005"), P("IG003")]
    assert m.accuracy(golds, preds) == 0.0
    assert m.accuracy_with_alternates(golds, preds) == pytest.approx(2 / 3)


def test_item_f1_ignores_none_as_a_class_but_counts_its_errors() -> None:
    golds = [G("A"), G("A"), G("B"), G(NONE)]
    preds = [P("A"), P(NONE), P("B"), P("B")]
    # A: tp1 fn1 → F1 2/3; B: tp1 fp1 → F1 2/3
    assert m.item_f1(golds, preds, "macro") == pytest.approx(2 / 3)
    # micro over A,B: tp2 fp1 fn1 → 2/3
    assert m.item_f1(golds, preds, "micro") == pytest.approx(2 / 3)
    assert m.item_f1([G(NONE)], [P(NONE)], "macro") == 0.0


def test_macro_f1_resampler_matches_sklearn_on_resamples() -> None:
    rng = np.random.default_rng(3)
    labels = ["A", "B", "C", "D", NONE]
    golds = [G(str(x)) for x in rng.choice(labels, 60)]
    preds = [P(str(x)) for x in rng.choice(labels, 60)]
    resampler = m.MacroF1Resampler(golds, preds)
    assert resampler(np.arange(60)) == pytest.approx(m.item_f1(golds, preds, "macro"))
    for _ in range(5):
        idx = rng.integers(0, 60, 60)
        y_true = [golds[i].label for i in idx]
        y_pred = [preds[i].label for i in idx]
        present = sorted((set(y_true) | set(y_pred)) - {NONE})
        expected = f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
        assert resampler(idx) == pytest.approx(expected)


def test_theme_and_field_accuracy(small_catalog: Catalog) -> None:
    by_field: dict[str, list[str]] = {}
    for item in small_catalog.items:
        by_field.setdefault(item.field_id, []).append(item.id)
    a, b = next(ids for ids in by_field.values() if len(ids) >= 2)[:2]  # same field (and theme)
    other = next(i for i in small_catalog.items if i.theme_id != small_catalog.item_by_id[a].theme_id).id
    golds = [G(a), G(a), G(a), G(NONE)]
    preds = [P(a), P(b), P(other), P(NONE)]
    assert m.level_accuracy(golds, preds, m.field_of(small_catalog)) == 0.75
    assert m.level_accuracy(golds, preds, m.theme_of(small_catalog)) == 0.75
    assert m.accuracy(golds, preds) == 0.5
    groups = [t.id for t in small_catalog.themes] + [NONE]
    counts = m.confusion(golds, preds, m.theme_of(small_catalog), groups)
    assert counts.sum() == 4
    assert counts[groups.index(NONE), groups.index(NONE)] == 1
    per_theme = {g.group: g for g in m.accuracy_by_gold_group(golds, preds, m.theme_of(small_catalog))}
    assert per_theme[NONE].accuracy == 1.0
    assert per_theme[small_catalog.item_by_id[a].theme_id].n == 3


def test_abstain_precision_and_recall() -> None:
    golds = [G(NONE), G(NONE), G(NONE), G("A"), G("B")]
    preds = [P(NONE), P(NONE), P("A"), P(NONE), P("B")]
    stats = m.abstain_stats(golds, preds)
    assert stats.precision == pytest.approx(2 / 3)
    assert stats.recall == pytest.approx(2 / 3)
    assert stats.rate == pytest.approx(3 / 5)
    never = m.abstain_stats([G("A")], [P("A")])
    assert never.precision is None and never.recall is None


def test_candidate_recall_at_k_over_item_rows_only() -> None:
    cands = tuple(f"X{i}" for i in range(30))
    golds = [G("X3"), G("X7"), G("X15"), G("Y"), G(NONE)]
    preds = [P("X0", cands=cands)] * 5
    assert m.candidate_recall(golds, preds, 5) == pytest.approx(1 / 4)
    assert m.candidate_recall(golds, preds, 10) == pytest.approx(2 / 4)
    assert m.candidate_recall(golds, preds, 20) == pytest.approx(3 / 4)
    assert m.candidate_recall([G(NONE)], [P(NONE)], 5) is None


def test_reliability_bins_and_ece() -> None:
    confs = [0.95, 0.95, 0.95, 0.95, 0.15, 0.15, 1.0]
    correct = [True, True, True, False, False, False, True]
    bins = reliability_bins(confs, correct, n_bins=10)
    assert [b.count for b in bins] == [0, 2, 0, 0, 0, 0, 0, 0, 0, 5]
    assert bins[9].accuracy == pytest.approx(0.8)
    assert bins[9].mean_confidence == pytest.approx(0.96)
    assert bins[0].accuracy is None
    # ECE = 5/7·|0.8 − 0.96| + 2/7·|0 − 0.15|
    assert expected_calibration_error(bins) == pytest.approx(5 / 7 * 0.16 + 2 / 7 * 0.15)
    perfect = reliability_bins([0.75] * 4, [True, True, True, False])
    assert expected_calibration_error(perfect) == pytest.approx(0.0)


def test_latency_percentiles_per_stage_and_end_to_end() -> None:
    timings = [{"retrieve": float(v), END_TO_END: float(10 * v)} for v in range(1, 101)]
    timings[0]["llm"] = 500.0
    rows = {r.stage: r for r in latency_summary(timings)}
    assert list(rows)[-1] == END_TO_END
    assert rows["retrieve"].p50_ms == pytest.approx(50.5)
    assert rows["retrieve"].p95_ms == pytest.approx(95.05)
    assert rows[END_TO_END].max_ms == 1000.0
    assert rows["llm"].n == 1


def test_prediction_from_ranking_keeps_none_out_of_recommendations() -> None:
    p = Prediction.from_ranking(["NONE", "A", "B", "C", "D"], 0.4)
    assert p.label == NONE and p.top3 == ("A", "B", "C") and p.confidence == 0.4
    assert Prediction.from_ranking([]).label == NONE


def test_item_row_metrics_leave_none_rows_out() -> None:
    golds = [G("A", "B"), G("C"), G("D"), G("E"), G(NONE), G(NONE)]
    preds = [
        P("B", ("B", "A")),  # alternate: miss of item top-1, hit with alternates, hit@3
        P("C"),  # hit
        P(NONE, ("X", "D")),  # answered NONE, item still listed: miss, hit@3 (see is_hit_at_3)
        P(NONE),  # answered NONE, nothing listed: miss everywhere
        P(NONE),  # NONE rows never enter the item metrics
        P("A"),
    ]
    assert m.item_top1(golds, preds) == pytest.approx(1 / 4)
    assert m.item_top1_with_alternates(golds, preds) == pytest.approx(2 / 4)
    assert m.item_hit_at_3(golds, preds) == pytest.approx(3 / 4)
    assert m.item_rows_answered_none(golds, preds) == pytest.approx(2 / 4)
    # The mixed accuracy counts the NONE row answered NONE: 2/6.
    assert m.accuracy(golds, preds) == pytest.approx(2 / 6)
    ratios = m.ratio_flags(golds, preds)
    assert ratios["item_top1"].value == m.item_top1(golds, preds)
    assert ratios["item_hit_at_3"].value == m.item_hit_at_3(golds, preds)
    assert ratios["item_top1_with_alternates"].value == m.item_top1_with_alternates(golds, preds)
    assert ratios["item_rows_answered_none"].value == m.item_rows_answered_none(golds, preds)
    stats = m.abstain_stats(golds, preds)
    assert ratios["none_precision"].value == pytest.approx(stats.precision) == pytest.approx(1 / 3)
    assert ratios["none_recall"].value == pytest.approx(stats.recall) == pytest.approx(1 / 2)


def test_answering_none_everywhere_scores_the_none_share_but_zero_on_items() -> None:
    """The flattering case: mixed accuracy is the NONE share, the headline says what it is."""
    golds = [G(NONE)] * 6 + [G("A"), G("B"), G("C"), G("D")]
    preds = [P(NONE)] * len(golds)
    assert m.accuracy(golds, preds) == pytest.approx(0.6)
    assert m.item_top1(golds, preds) == 0.0
    assert m.item_hit_at_3(golds, preds) == 0.0
    assert m.item_rows_answered_none(golds, preds) == 1.0
    ratios = m.ratio_flags(golds, preds)
    assert ratios["none_recall"].value == 1.0
    assert ratios["none_precision"].value == pytest.approx(0.6)


def test_item_metrics_are_undefined_without_item_rows() -> None:
    golds, preds = [G(NONE)], [P(NONE)]
    assert m.item_top1(golds, preds) is None
    assert m.item_hit_at_3(golds, preds) is None
    assert m.ratio_flags(golds, preds)["item_top1"].value is None
    assert m.ratio_flags([G("A")], [P("A")])["none_precision"].value is None
