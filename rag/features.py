"""Candidate generation (union of each signal's top items) and the ranker's feature rows."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rag.company import CompanyRecord
from rag.none_cues import CUE_NAMES, CueFinding
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
    "line",
    "line_view",
    "line_gap",
    "dense_view",
    "name_mention",
    "example_mention",
    "vocabulary_mention",
    "field_line_max",
    "field_share",
    # the same evidence where the record is rich (a product-use paragraph or a technology
    # business name): its own words should outweigh the KSIC prior and distant neighbours
    "rich_prior_ksic",
    "rich_knn_vote",
    "rich_knn_max",
    "rich_line_view",
    "rich_lexical_norm",
    "rich_name_mention",
    "rich_dense_name",
    # the same similarities less the item's hub level (`rag.hubness`): a broad item close to
    # every company text needs more than a high cosine
    "dense_vs_hub",
    "line_vs_hub",
)
# Item features that come from the labels of past judgments: a judgment of item X can only raise
# X's score, never lower it (the ranker's weights on these are bounded below by 0). Without the
# bound, the rich development set teaches the opposite: it has one record per item, so in
# out-of-fold training a rich record's own item never has rich support while its siblings do, and
# a negative weight on "other judgments with this S&T code / these neighbours chose this item"
# scores well there — and turns every saved decision, and every packaged rich record, into
# evidence against its own item for the next company that resembles it.
JUDGMENT_EVIDENCE = frozenset(
    {"knn_vote", "knn_max", "prior_ksic", "prior_st", "rich_prior_ksic", "rich_knn_vote", "rich_knn_max"}
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
    "top_item_probability",
    "top_item_lead",
    "has_ksic_note",
    "has_product_use",
    "has_tech_name",
    "has_st_code",
    "line_top",
    "name_mention_any",
    *CUE_NAMES,
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
    rankings += [sig.ranking("line")[:per], [int(i) for i in np.flatnonzero(sig.name_mention)]]
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


def _top(arr: npt.NDArray[np.float64]) -> float:
    return float(arr.max()) if len(arr) else 0.0


def item_feature_rows(
    sig: SignalScores,
    positions: list[int],
    name_terms: list[list[str]],
    item_field: npt.NDArray[np.int64],
    rich: bool,
    hubs: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
) -> CandidateRows:
    dense_order = np.argsort(-sig.dense)
    rank_of = np.empty_like(dense_order)
    rank_of[dense_order] = np.arange(len(dense_order))
    dense_top, name_top, lex_top = _top(sig.dense), _top(sig.dense_name), _top(sig.lexical)
    best_line = sig.line_best
    line_top = _top(best_line)
    field_max = np.full(int(item_field.max()) + 1 if len(item_field) else 0, -1.0)
    np.maximum.at(field_max, item_field, best_line)
    r = float(rich)
    hub_dense, hub_line = hubs
    rows = []
    for i in positions:
        lexical_norm = sig.lexical[i] / lex_top if lex_top > 0 else 0.0
        field_best = float(field_max[item_field[i]])
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
                lexical_norm,
                math.log1p(sig.lexical[i]),
                sig.prior_ksic[i],
                sig.prior_st[i],
                name_overlap(name_terms[i], sig.query_terms),
                sig.line[i],
                sig.line_view[i],
                best_line[i] - line_top,
                sig.dense_view[i],
                sig.name_mention[i],
                sig.example_mention[i],
                sig.vocabulary_mention[i],
                field_best - line_top,
                best_line[i] - field_best,
                r * sig.prior_ksic[i],
                r * sig.knn_vote[i],
                r * sig.knn_max[i],
                r * sig.line_view[i],
                r * lexical_norm,
                r * sig.name_mention[i],
                r * sig.dense_name[i],
                sig.dense[i] - hub_dense[i],
                best_line[i] - hub_line[i],
            ]
        )
    return CandidateRows(positions, np.array(rows, dtype=np.float64).reshape(-1, len(ITEM_FEATURES)))


def record_feature_row(
    sig: SignalScores,
    record: CompanyRecord,
    wholesale: bool,
    distribution: bool,
    top_item_score: float,
    top_probabilities: tuple[float, float],
    cues: CueFinding,
) -> npt.NDArray[np.float64]:
    text = record.business_text()
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
            top_probabilities[0],
            top_probabilities[0] - top_probabilities[1],
            float(bool(sig.views.ksic)),
            float(bool(record.product_use)),
            float(bool(record.tech_business_name)),
            float(bool(record.st_code)),
            _top(sig.line_best),
            float(sig.name_mention.any()),
            *cues.values(),
        ],
        dtype=np.float64,
    )
