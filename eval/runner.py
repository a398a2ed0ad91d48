"""Runs the product, its single signals and the baselines over the folds, record by record."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from catalog.judgments import Judgment
from eval.baselines import Baseline, Query
from eval.folds import Fold
from eval.latency import END_TO_END
from eval.prediction import Prediction
from eval.protocol import SIGNALS, EvaluatedClassifier
from eval.vectors import TrainingPool
from rag.company import CompanyRecord
from rag.embedder import Vectors
from rag.result import ClassificationResult

PRODUCT = "innogrowth"
# the product with the LLM reranker on top of the same ranking (runs with an LLM configured)
PRODUCT_LLM = "innogrowth+llm"
SIGNAL_PREFIX = "signal:"


class LeakError(RuntimeError):
    """A record was about to be classified with itself among the visible past judgments."""


@dataclass
class RecordOutcome:
    judgment: Judgment
    fold: int
    predictions: dict[str, Prediction]
    timings_ms: dict[str, float]
    product: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalRun:
    outcomes: list[RecordOutcome]
    systems: list[str]
    fold_versions: list[dict[str, str]] = field(default_factory=list)


def system_order(baselines: Sequence[Baseline]) -> list[str]:
    return [PRODUCT, PRODUCT_LLM] + [SIGNAL_PREFIX + s for s in SIGNALS] + [b.name for b in baselines]


def _extra(result: ClassificationResult) -> dict[str, Any]:
    return {
        "decision": result.decision,
        "none_probability": result.none_probability,
        "confidences": [r.confidence for r in result.recommendations[:3]],
        "rationale_source": result.rationale_source,
        "degraded": result.degraded,
    }


def _classify(
    clf: EvaluatedClassifier, record: CompanyRecord, use_llm: bool
) -> tuple[dict[str, Prediction], dict[str, float], dict[str, Any]]:
    """The product's predictions (and with `use_llm` the LLM's on the same ranking), its timings
    (the deterministic path's) and what `results.jsonl` keeps of it."""
    t0 = time.perf_counter()
    if not use_llm:
        result = clf.classify(record, use_llm=False)
        elapsed_ms = (time.perf_counter() - t0) * 1000
        timings = {k: float(v) for k, v in result.timings_ms.items()}
        timings[END_TO_END] = elapsed_ms
        return {PRODUCT: Prediction.from_result(result)}, timings, _extra(result)
    plain, with_llm = clf.classify_pair(record)
    elapsed_ms = (time.perf_counter() - t0) * 1000
    timings = {k: float(v) for k, v in plain.timings_ms.items()}
    timings[END_TO_END] = timings.get("total", elapsed_ms)
    llm = asdict(with_llm.llm) if with_llm.llm is not None else {"status": "not_asked"}
    extra = _extra(plain) | {
        "llm": {
            **llm,
            **_extra(with_llm),
            "end_to_end_ms": elapsed_ms,
            "degraded_reason": with_llm.degraded_reason,
        }
    }
    predictions = {PRODUCT: Prediction.from_result(plain), PRODUCT_LLM: Prediction.from_result(with_llm)}
    return predictions, timings, extra


def run_folds(
    classifier: EvaluatedClassifier,
    dataset: Sequence[Judgment],
    folds: Sequence[Fold],
    baselines: Sequence[Baseline],
    pool: TrainingPool,
    query_vectors: Mapping[str, Vectors],
    *,
    selected: set[str] | None = None,
    use_llm: bool = True,
    advance: Callable[[int], None] = lambda n: None,
    status: Callable[[str], None] = lambda text: None,
) -> EvalRun:
    """Each fold: restrict the classifier and fit the baselines on the fold's training ids only,
    then classify the fold's (selected) test records. Outcomes come back in dataset order."""
    by_id = {j.id: j for j in dataset}
    outcomes: dict[str, RecordOutcome] = {}
    seen_systems: set[str] = {PRODUCT} | {b.name for b in baselines}
    fold_versions: list[dict[str, str]] = []
    for fold in folds:
        tests = [rid for rid in fold.test_ids if selected is None or rid in selected]
        if not tests:
            continue
        leaked = sorted(set(tests) & fold.train_ids)
        if leaked:
            raise LeakError(f"fold {fold.index}: {len(leaked)} test records are in training ({leaked[:3]})")
        where = f"fold {fold.index + 1}/{len(folds)}"
        status(f"{where}: index + ranker on {len(fold.train_ids)} judgments")
        clf = classifier.restricted_to(fold.train_ids)
        fold_versions.append({"fold": str(fold.index), **clf.versions})
        train = pool.subset(fold.train_ids)
        status(f"{where}: fitting baselines")
        for b in baselines:
            b.fit(train)
        status(f"{where}: classifying")
        for rid in tests:
            j = by_id[rid]
            record = CompanyRecord.from_judgment(j)
            predictions, timings, extra = _classify(clf, record, use_llm)
            seen_systems.update(predictions)
            for signal, ranking in clf.signal_rankings(record).items():
                predictions[SIGNAL_PREFIX + signal] = Prediction.from_ranking(ranking)
                seen_systems.add(SIGNAL_PREFIX + signal)
            query = Query(rid, record, query_vectors[rid])
            for b in baselines:
                predictions[b.name] = b.predict(query)
            outcomes[rid] = RecordOutcome(j, fold.index, predictions, timings, extra)
            advance(1)
    order = [s for s in system_order(baselines) if s in seen_systems]
    order += sorted(seen_systems - set(order))
    return EvalRun([outcomes[j.id] for j in dataset if j.id in outcomes], order, fold_versions)
