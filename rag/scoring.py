"""One record through signals → candidates → features → ranker (shared by serving and training)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rag.application_rules import RuleFinding, check_rules
from rag.company import CompanyRecord
from rag.features import candidate_positions, item_feature_rows, record_feature_row
from rag.query_views import QueryVectorCache
from rag.ranker import Ranker
from rag.resources import RetrievalResources
from rag.signals import SignalScores, compute_signals

FloatArray = npt.NDArray[np.float64]
FUSION_SIGNALS = ("dense", "lexical", "knn", "prior_ksic")


@dataclass
class ScoredRecord:
    signals: SignalScores
    positions: list[int]
    rows: FloatArray
    scores: FloatArray
    probabilities: FloatArray
    record_row: FloatArray
    none_probability: float
    rules: RuleFinding

    @property
    def order(self) -> list[int]:
        """Indices into `positions`, best first."""
        return [int(i) for i in np.argsort(-self.scores, kind="stable")]


def fusion_ranks(sig: SignalScores, positions: list[int]) -> list[list[int]]:
    ranks = {}
    for name in FUSION_SIGNALS:
        order = sig.ranking(name)
        ranks[name] = {item: r for r, item in enumerate(order)}
    return [[ranks[n][p] for n in FUSION_SIGNALS] for p in positions]


RICH_MIN_CHARS = 20


def is_rich(record: CompanyRecord) -> bool:
    """A record that describes its business (product use or technology name), not just names it."""
    return len(record.product_use) + len(record.tech_business_name) >= RICH_MIN_CHARS


def top_two(probabilities: FloatArray) -> tuple[float, float]:
    """The two largest candidate probabilities (0 where there are fewer candidates)."""
    best = [*np.sort(probabilities)[::-1][:2].tolist(), 0.0, 0.0]
    return float(best[0]), float(best[1])


def score_record(
    record: CompanyRecord,
    res: RetrievalResources,
    cache: QueryVectorCache,
    ranker: Ranker,
    name_terms: list[list[str]],
    k: int,
    exclude_ids: frozenset[str] = frozenset(),
) -> ScoredRecord:
    sig = compute_signals(record, res, cache, exclude_ids)
    positions = candidate_positions(sig, k)
    hubs = ranker.hubs.arrays(res.item_ids)
    cand = item_feature_rows(sig, positions, name_terms, res.item_field, is_rich(record), hubs)
    scores = ranker.item_scores(cand.matrix, fusion_ranks(sig, positions))
    probs = ranker.item_probabilities(scores)
    rules = check_rules(record, res.ksic, sig.views.ksic_code)
    top = float(scores.max()) if len(scores) else 0.0
    row = record_feature_row(
        sig, record, rules.wholesale_ksic, rules.distribution_only, top, top_two(probs), rules.cues
    )
    return ScoredRecord(sig, positions, cand.matrix, scores, probs, row, ranker.none_probability(row), rules)
