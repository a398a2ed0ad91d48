"""Candidate generation (union of each signal's top items) and the ranker's feature rows."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rag.signals import SignalScores

PER_SIGNAL_TOP = 10
ITEM_FEATURES = (
    "dense",
    "dense_gap",
    "dense_recip_rank",
    "dense_name",
    "dense_name_gap",
    "dense_ksic",
    "dense_st",
    "knn_vote",
    "knn_max",
    "lexical_norm",
    "lexical_raw",
    "prior_ksic",
    "prior_st",
    "name_overlap",
)
RECORD_FEATURES = (
    "prior_none_ksic",
    "prior_none_st",
    "knn_none_share",
    "knn_top_sim",
    "dense_top",
    "lexical_top",
    "log_text_len",
    "ksic_support",
    "wholesale_ksic",
    "distribution_text",
    "top_item_score",
    "has_ksic_note",
)


@dataclass
class CandidateRows:
    positions: list[int]
    matrix: npt.NDArray[np.float64]


def candidate_positions(sig: SignalScores, k: int) -> list[int]:
    """Union of the top items of every signal, ordered by first appearance, capped at k·2."""
    per = max(PER_SIGNAL_TOP, k // 2)
    seen: dict[int, None] = {}
    rankings = [
        sig.ranking("dense")[:per],
        sig.ranking("lexical")[:per],
        [int(i) for i in np.argsort(-sig.dense_name)[: per // 2]],
        [int(i) for i in np.argsort(-sig.dense_ksic)[: per // 2]],
    ]
    knn_items = [i for i in sig.ranking("knn") if sig.knn_vote[i] > 0][:per]
    prior_items = [i for i in sig.ranking("prior_ksic")[: per // 2]]
    for ranking in (knn_items, *rankings, prior_items):
        for i in ranking:
            seen.setdefault(i, None)
    return list(seen)[: max(k * 2, 2 * PER_SIGNAL_TOP)]


def name_overlap(item_name_terms: list[str], query_terms: list[str]) -> float:
    if not item_name_terms:
        return 0.0
    q = set(query_terms)
    return sum(1 for t in item_name_terms if t in q) / len(item_name_terms)


def item_feature_rows(sig: SignalScores, positions: list[int], name_terms: list[list[str]]) -> CandidateRows:
    dense_order = np.argsort(-sig.dense)
    rank_of = np.empty_like(dense_order)
    rank_of[dense_order] = np.arange(len(dense_order))
    dense_top = float(sig.dense.max()) if len(sig.dense) else 0.0
    name_top = float(sig.dense_name.max()) if len(sig.dense_name) else 0.0
    lex_top = float(sig.lexical.max()) if len(sig.lexical) else 0.0
    rows = []
    for i in positions:
        rows.append(
            [
                sig.dense[i],
                sig.dense[i] - dense_top,
                1.0 / (1 + rank_of[i]),
                sig.dense_name[i],
                sig.dense_name[i] - name_top,
                sig.dense_ksic[i],
                sig.dense_st[i],
                sig.knn_vote[i],
                sig.knn_max[i],
                sig.lexical[i] / lex_top if lex_top > 0 else 0.0,
                math.log1p(sig.lexical[i]),
                sig.prior_ksic[i],
                sig.prior_st[i],
                name_overlap(name_terms[i], sig.query_terms),
            ]
        )
    return CandidateRows(positions, np.array(rows, dtype=np.float64).reshape(-1, len(ITEM_FEATURES)))


def record_feature_row(
    sig: SignalScores, text: str, wholesale: bool, distribution: bool, top_item_score: float
) -> npt.NDArray[np.float64]:
    return np.array(
        [
            sig.prior_none_ksic,
            sig.prior_none_st,
            sig.knn_none_share,
            sig.knn_top_sim,
            float(sig.dense.max()) if len(sig.dense) else 0.0,
            math.log1p(float(sig.lexical.max())) if len(sig.lexical) else 0.0,
            math.log1p(len(text)),
            math.log1p(sig.ksic_support),
            float(wholesale),
            float(distribution),
            top_item_score,
            float(bool(sig.views.ksic)),
        ],
        dtype=np.float64,
    )
