"""From per-record outcomes to the run's `summary.json`: metrics per system, with bootstrap
intervals for the headline numbers, and the product's calibration, latency and theme breakdown.

The top level holds every evaluated record together (what `--compare` reads); `per_dataset`
holds the same metrics per `--dataset` file (named by its stem); `per_style` (combined and per
dataset) breaks item-row top-1 and hit@3 down by the records' `style` when they carry one."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from catalog.judgments import NONE_LABEL
from catalog.model import Catalog
from eval import metrics as m
from eval.bootstrap import RESAMPLES, Statistic, bootstrap_ci, mean_statistic, ratio_statistic
from eval.calibration import expected_calibration_error, reliability_bins
from eval.latency import END_TO_END, latency_summary
from eval.prediction import Prediction
from eval.runner import PRODUCT, EvalRun, RecordOutcome
from rag.llm.types import LLM_STATUSES

HEADLINE = m.HEADLINE
# 2: item-row headline metrics, always-none baseline, per_dataset, per_style, index_extra.
SCHEMA = 2
NO_STYLE = "(no style)"
_NO_ANSWER = Prediction.from_ranking([])


def predictions_of(outcomes: Sequence[RecordOutcome], system: str) -> list[Prediction]:
    """The system's predictions in record order (a record it did not answer counts as NONE)."""
    return [o.predictions.get(system, _NO_ANSWER) for o in outcomes]


def system_metrics(
    golds: Sequence[m.Gold], preds: Sequence[Prediction], catalog: Catalog, seed: int
) -> dict[str, Any]:
    abstain = m.abstain_stats(golds, preds)
    ratios = m.ratio_flags(golds, preds)
    out: dict[str, Any] = {
        "n": len(golds),
        "item_rows": sum(not g.is_none for g in golds),
        # Headline: item rows and NONE rows apart.
        "item_top1": ratios["item_top1"].value,
        "item_hit_at_3": ratios["item_hit_at_3"].value,
        "item_top1_with_alternates": ratios["item_top1_with_alternates"].value,
        "item_rows_answered_none": ratios["item_rows_answered_none"].value,
        # Over all rows, NONE as a class: mixes NONE rows and item rows (secondary).
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
        key: ratio_statistic(ratios[key].numerator, ratios[key].denominator)
        for key in ratios
        if ratios[key].value is not None  # no interval for an undefined metric
    }
    statistics |= {
        "accuracy": mean_statistic([m.is_correct(g, p) for g, p in pairs]),
        "hit_at_3": mean_statistic([m.is_hit_at_3(g, p) for g, p in pairs]),
        "macro_f1": m.MacroF1Resampler(golds, preds),
    }
    out["ci95"] = {key: bootstrap_ci(n, stat, seed=seed).to_dict() for key, stat in statistics.items()}
    return out


def style_metrics(
    outcomes: Sequence[RecordOutcome], systems: Sequence[str], style_of: Mapping[str, str]
) -> dict[str, Any]:
    """Item-row top-1 and hit@3 of every system per record style (records without one are
    grouped as NO_STYLE); {} when no record carries a style."""
    if not any(o.judgment.id in style_of for o in outcomes):
        return {}
    groups: dict[str, list[RecordOutcome]] = {}
    for o in outcomes:
        groups.setdefault(style_of.get(o.judgment.id, NO_STYLE), []).append(o)
    out: dict[str, Any] = {}
    for style in sorted(groups, key=lambda s: (s == NO_STYLE, s)):
        rows = groups[style]
        golds = [m.Gold.of(o.judgment) for o in rows]
        entry: dict[str, Any] = {
            "records": len(rows),
            "item_rows": sum(not g.is_none for g in golds),
            "systems": {},
        }
        for s in systems:
            preds = predictions_of(rows, s)
            entry["systems"][s] = {
                "item_top1": m.item_top1(golds, preds),
                "item_hit_at_3": m.item_hit_at_3(golds, preds),
            }
        out[style] = entry
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


def _spread(values: Sequence[float]) -> dict[str, float] | None:
    """p50 / p95 / mean / max of the values (None when there are none)."""
    if not values:
        return None
    arr = np.array(values, dtype=np.float64)
    return {
        "n": len(values),
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "mean": float(arr.mean()),
        "max": float(arr.max()),
    }


def _known(rows: Sequence[Mapping[str, Any]], key: str) -> list[float]:
    return [float(r[key]) for r in rows if isinstance(r.get(key), int | float)]


def llm_comparison(outcomes: Sequence[RecordOutcome]) -> dict[str, Any] | None:
    """What the LLM did and cost, next to the deterministic path, on the same records (None when the
    run had no LLM): end-to-end latency of both, the LLM stage alone, the status of every record
    (answered / refused / timeout / invalid / unavailable), the degraded rate, and the prompt and
    completion tokens (as the server reported them, summed over a record's attempts) and the
    prompt tokens the budget measured."""
    rows = [o.product["llm"] for o in outcomes if isinstance(o.product.get("llm"), dict)]
    if not rows:
        return None
    statuses = Counter(str(r.get("status")) for r in rows)
    return {
        "records": len(rows),
        "model": next((str(r["model"]) for r in rows if r.get("model")), None),
        "prompt_version": next((str(r["prompt_version"]) for r in rows if r.get("prompt_version")), None),
        "statuses": {
            k: statuses.get(k, 0) for k in (*LLM_STATUSES, *sorted(set(statuses) - set(LLM_STATUSES)))
        },
        "degraded_rate": sum(bool(r.get("degraded")) for r in rows) / len(rows),
        "latency_ms": {
            "without_llm": _spread(
                [o.timings_ms[END_TO_END] for o in outcomes if END_TO_END in o.timings_ms]
            ),
            "with_llm": _spread(_known(rows, "end_to_end_ms")),
            "llm_stage": _spread(_known(rows, "latency_ms")),
        },
        "prompt_tokens": _spread(_known(rows, "prompt_tokens")),
        "completion_tokens": _spread(_known(rows, "completion_tokens")),
        "measured_prompt_tokens": _spread(_known(rows, "measured_prompt_tokens")),
        "attempts": _spread(_known(rows, "attempts")),
        "candidates_in_prompt": _spread(_known(rows, "candidates_in_prompt")),
        "lines_in_prompt": _spread(_known(rows, "lines_in_prompt")),
        "counted_by": dict(Counter(str(r.get("counted_by")) for r in rows if r.get("counted_by"))),
        "prompt_token_budget": next(
            (r["prompt_token_budget"] for r in rows if r.get("prompt_token_budget")), None
        ),
    }


def dataset_counts(outcomes: Sequence[RecordOutcome]) -> dict[str, int]:
    golds = [m.Gold.of(o.judgment) for o in outcomes]
    labels = Counter("NONE" if g.is_none else "item" for g in golds)
    return {
        "records": len(golds),
        "item_rows": labels["item"],
        "none_rows": labels["NONE"],
        "distinct_items": len({g.label for g in golds if not g.is_none}),
    }


def _metrics_of(
    outcomes: Sequence[RecordOutcome],
    systems: Sequence[str],
    catalog: Catalog,
    seed: int,
    style_of: Mapping[str, str],
) -> dict[str, Any]:
    golds = [m.Gold.of(o.judgment) for o in outcomes]
    out: dict[str, Any] = {
        "dataset": dataset_counts(outcomes),
        "systems": {s: system_metrics(golds, predictions_of(outcomes, s), catalog, seed) for s in systems},
    }
    per_style = style_metrics(outcomes, systems, style_of)
    if per_style:
        out["per_style"] = per_style
    return out


def build_summary(
    run: EvalRun,
    catalog: Catalog,
    config: dict[str, Any],
    seed: int,
    dataset_of: Mapping[str, str] | None = None,
    style_of: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`dataset_of`: record id → dataset name (default: one dataset, `config["dataset"]`'s stem
    or "dataset"); `style_of`: record id → style, for the records that carry one."""
    styles = style_of or {}
    combined = _metrics_of(run.outcomes, run.systems, catalog, seed, styles)
    default_name = Path(str(config.get("dataset") or "dataset")).stem
    by_dataset: dict[str, list[RecordOutcome]] = {}
    for o in run.outcomes:
        name = (dataset_of or {}).get(o.judgment.id, default_name)
        by_dataset.setdefault(name, []).append(o)
    summary: dict[str, Any] = {
        "schema": SCHEMA,
        "config": config,
        "dataset": combined["dataset"],
        "headline": list(HEADLINE),
        "bootstrap": {"resamples": RESAMPLES, "seed": seed, "level": 0.95},
        "product": PRODUCT,
        "systems": combined["systems"],
    }
    if "per_style" in combined:
        summary["per_style"] = combined["per_style"]
    summary["per_dataset"] = {
        # One dataset: its table is the combined one (computed once).
        name: combined if len(by_dataset) == 1 else _metrics_of(rows, run.systems, catalog, seed, styles)
        for name, rows in by_dataset.items()
    }
    summary["product_details"] = product_details(run.outcomes, catalog)
    llm = llm_comparison(run.outcomes)
    if llm is not None:
        summary["llm"] = llm
    return summary


def outcome_row(o: RecordOutcome, dataset: str | None = None, style: str | None = None) -> dict[str, Any]:
    """One line of `results.jsonl`: the record, its gold label and every system's answer."""
    gold = m.Gold.of(o.judgment)
    return {
        "id": o.judgment.id,
        "dataset": dataset,
        "style": style,
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


def write_results(
    path: Path,
    outcomes: Sequence[RecordOutcome],
    dataset_of: Mapping[str, str] | None = None,
    style_of: Mapping[str, str] | None = None,
) -> None:
    datasets, styles = dataset_of or {}, style_of or {}
    with path.open("w", encoding="utf-8") as fh:
        for o in outcomes:
            row = outcome_row(o, datasets.get(o.judgment.id), styles.get(o.judgment.id))
            fh.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")


def read_summary(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    if "systems" not in data or "product" not in data:
        raise ValueError(f"{path} is not an eval summary (no 'systems'/'product')")
    return data
