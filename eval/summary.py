"""From per-record outcomes to the run's `summary.json`: metrics per system, with bootstrap
intervals for the headline numbers, and the product's calibration, latency and theme breakdown."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from catalog.judgments import NONE_LABEL
from catalog.model import Catalog
from eval import metrics as m
from eval.bootstrap import RESAMPLES, Statistic, bootstrap_ci, mean_statistic
from eval.calibration import expected_calibration_error, reliability_bins
from eval.latency import latency_summary
from eval.prediction import Prediction
from eval.runner import PRODUCT, EvalRun, RecordOutcome

HEADLINE = m.HEADLINE
SCHEMA = 1
_NO_ANSWER = Prediction.from_ranking([])


def predictions_of(outcomes: Sequence[RecordOutcome], system: str) -> list[Prediction]:
    """The system's predictions in record order (a record it did not answer counts as NONE)."""
    return [o.predictions.get(system, _NO_ANSWER) for o in outcomes]


def system_metrics(
    golds: Sequence[m.Gold], preds: Sequence[Prediction], catalog: Catalog, seed: int
) -> dict[str, Any]:
    abstain = m.abstain_stats(golds, preds)
    out: dict[str, Any] = {
        "n": len(golds),
        "accuracy": m.accuracy(golds, preds),
        "hit_at_3": m.hit_at_3(golds, preds),
        "accuracy_with_alternates": m.accuracy_with_alternates(golds, preds),
        "macro_f1": m.item_f1(golds, preds, "macro"),
        "micro_f1": m.item_f1(golds, preds, "micro"),
        "theme_accuracy": m.level_accuracy(golds, preds, m.theme_of(catalog)),
        "field_accuracy": m.level_accuracy(golds, preds, m.field_of(catalog)),
        "none_precision": abstain.precision,
        "none_recall": abstain.recall,
        "none_rate": abstain.rate,
    }
    for k in m.RECALL_KS:
        out[f"candidate_recall_at_{k}"] = m.candidate_recall(golds, preds, k)
    confs = [p.confidence for p in preds]
    if golds and all(c is not None for c in confs):
        bins = reliability_bins(
            [float(c) for c in confs if c is not None],
            [m.is_correct(g, p) for g, p in zip(golds, preds, strict=True)],
        )
        out["ece"] = expected_calibration_error(bins)
    else:
        out["ece"] = None
    n = len(golds)
    pairs = list(zip(golds, preds, strict=True))
    statistics: dict[str, Statistic] = {
        "accuracy": mean_statistic([m.is_correct(g, p) for g, p in pairs]),
        "hit_at_3": mean_statistic([m.is_hit_at_3(g, p) for g, p in pairs]),
        "macro_f1": m.MacroF1Resampler(golds, preds),
    }
    out["ci95"] = {key: bootstrap_ci(n, stat, seed=seed).to_dict() for key, stat in statistics.items()}
    return out


def product_details(outcomes: Sequence[RecordOutcome], catalog: Catalog) -> dict[str, Any]:
    golds = [m.Gold.of(o.judgment) for o in outcomes]
    preds = predictions_of(outcomes, PRODUCT)
    theme = m.theme_of(catalog)
    groups = [t.id for t in catalog.themes] + [NONE_LABEL]
    confs = [p.confidence if p.confidence is not None else 0.0 for p in preds]
    correct = [m.is_correct(g, p) for g, p in zip(golds, preds, strict=True)]
    bins = reliability_bins(confs, correct)
    return {
        "theme_names": {t.id: t.name for t in catalog.themes},
        "per_theme": sorted(
            (asdict(g) for g in m.accuracy_by_gold_group(golds, preds, theme)),
            key=lambda g: groups.index(g["group"]) if g["group"] in groups else len(groups),
        ),
        "theme_confusion": {"groups": groups, "counts": m.confusion(golds, preds, theme, groups).tolist()},
        "reliability": [b.to_dict() for b in bins],
        "ece": expected_calibration_error(bins),
        "latency_ms": [s.to_dict() for s in latency_summary([o.timings_ms for o in outcomes])],
        "decisions": dict(Counter(str(o.product.get("decision", "")) for o in outcomes)),
        "degraded": sum(bool(o.product.get("degraded")) for o in outcomes),
    }


def build_summary(run: EvalRun, catalog: Catalog, config: dict[str, Any], seed: int) -> dict[str, Any]:
    golds = [m.Gold.of(o.judgment) for o in run.outcomes]
    labels = Counter("NONE" if g.is_none else "item" for g in golds)
    return {
        "schema": SCHEMA,
        "config": config,
        "dataset": {
            "records": len(golds),
            "item_rows": labels["item"],
            "none_rows": labels["NONE"],
            "distinct_items": len({g.label for g in golds if not g.is_none}),
        },
        "headline": list(HEADLINE),
        "bootstrap": {"resamples": RESAMPLES, "seed": seed, "level": 0.95},
        "product": PRODUCT,
        "systems": {
            s: system_metrics(golds, predictions_of(run.outcomes, s), catalog, seed) for s in run.systems
        },
        "product_details": product_details(run.outcomes, catalog),
    }


def outcome_row(o: RecordOutcome) -> dict[str, Any]:
    """One line of `results.jsonl`: the record, its gold label and every system's answer."""
    gold = m.Gold.of(o.judgment)
    return {
        "id": o.judgment.id,
        "fold": o.fold,
        "gold": {"label": gold.label, "alternates": list(gold.alternates)},
        "record": {k: v for k, v in o.judgment.to_dict().items() if k not in ("item_id", "alternates")},
        "product": {**o.product, "timings_ms": o.timings_ms},
        "systems": {
            name: {**p.to_dict(), "correct": m.is_correct(gold, p), "hit_at_3": m.is_hit_at_3(gold, p)}
            for name, p in o.predictions.items()
        },
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n", "utf-8")


def write_results(path: Path, outcomes: Sequence[RecordOutcome]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for o in outcomes:
            fh.write(json.dumps(outcome_row(o), ensure_ascii=False, default=_json_default) + "\n")


def read_summary(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    if "systems" not in data or "product" not in data:
        raise ValueError(f"{path} is not an eval summary (no 'systems'/'product')")
    return data
