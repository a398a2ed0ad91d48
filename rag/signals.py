"""Each retrieval signal scores every catalog item on its own (measurable separately).

- dense: cosine of the company text to each item passage (FAISS)
- dense_name: cosine of the company text to each item's name alone
- dense_ksic / dense_st: the same for the KSIC explanatory note / S&T names of the company's codes
- knn: similarity-weighted votes of the nearest past judgments (FAISS), and the best similarity
- lexical: BM25 of the company's Kiwi nouns over catalog text
- prior_ksic / prior_st: log P(item | KSIC prefix), log P(item | S&T prefix), backed off
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from catalog.judgments import NONE_LABEL, Judgment
from rag.company import CompanyRecord
from rag.query_views import QueryVectorCache, QueryViews, query_views
from rag.resources import RetrievalResources

FloatArray = npt.NDArray[np.float64]
KNN_K = 15
KNN_TEMPERATURE = 0.02
SIGNAL_NAMES = ("dense", "knn", "lexical", "prior_ksic", "prior_st")


@dataclass
class SignalScores:
    """Per-item arrays aligned with `resources.item_ids`, plus record-level facts."""

    views: QueryViews
    dense: FloatArray
    dense_name: FloatArray
    dense_ksic: FloatArray
    dense_st: FloatArray
    knn_vote: FloatArray
    knn_max: FloatArray
    lexical: FloatArray
    prior_ksic: FloatArray
    prior_st: FloatArray
    query_terms: list[str]
    neighbours: list[tuple[Judgment, float]] = field(default_factory=list)
    knn_none_share: float = 0.0
    knn_top_sim: float = 0.0
    prior_none_ksic: float = 0.0
    prior_none_st: float = 0.0
    ksic_support: float = 0.0

    def ranking(self, name: str) -> list[int]:
        """Item positions ranked by one signal alone (ties broken by position)."""
        arr = {
            "dense": self.dense,
            "knn": self.knn_vote + 1e-6 * self.knn_max,
            "lexical": self.lexical,
            "prior_ksic": self.prior_ksic,
            "prior_st": self.prior_st,
        }[name]
        return [int(i) for i in np.argsort(-arr, kind="stable")]


def _dense(res: RetrievalResources, vec: npt.NDArray[np.float32] | None) -> FloatArray:
    n = len(res.item_ids)
    if vec is None:
        return np.zeros(n)
    scores, ids = res.item_index.search(vec.reshape(1, -1), n)
    out = np.zeros(n)
    out[ids[0]] = scores[0]
    return out


def _knn(
    res: RetrievalResources, vec: npt.NDArray[np.float32], exclude_ids: frozenset[str]
) -> tuple[FloatArray, FloatArray, list[tuple[Judgment, float]], float, float]:
    n = len(res.item_ids)
    votes, best = np.zeros(n), np.zeros(n)
    pos = res.item_position
    found = [
        (j, s) for j, s in res.search_judgments(vec, KNN_K + len(exclude_ids)) if j.id not in exclude_ids
    ][:KNN_K]
    if not found:
        return votes, best, [], 0.0, 0.0
    top = found[0][1]
    weights = [j.weight * math.exp((s - top) / KNN_TEMPERATURE) for j, s in found]
    total = sum(weights)
    none_share = 0.0
    for (j, s), w in zip(found, weights, strict=True):
        if j.item_id == NONE_LABEL:
            none_share += w / total
            continue
        i = pos.get(j.item_id)
        if i is not None:
            votes[i] += w / total
            best[i] = max(best[i], s)
        for alt in j.alternates:
            a = pos.get(alt)
            if a is not None:
                votes[a] += 0.3 * w / total
    return votes, best, found, none_share, top


def compute_signals(
    record: CompanyRecord,
    res: RetrievalResources,
    cache: QueryVectorCache,
    exclude_ids: frozenset[str] = frozenset(),
) -> SignalScores:
    views = query_views(record, res)
    texts = [views.text or views.ksic or " "]
    texts += [t for t in (views.ksic, views.st) if t]
    vecs = cache.get_many(texts)
    text_vec = vecs[0]
    ksic_vec = vecs[1] if views.ksic else None
    st_vec = vecs[-1] if views.st else None
    terms = res.tokenizer.terms(record.business_text() or record.industry_name)
    lex = np.zeros(len(res.item_ids))
    for doc, score in res.lexical.scores(terms).items():
        lex[doc] = score
    knn_vote, knn_max, neighbours, none_share, top_sim = _knn(res, text_vec, exclude_ids)
    ksic, st = views.ksic_code, record.st_code
    prior_k = np.array([math.log(res.priors.p_ksic(ksic, i)) for i in res.item_ids])
    prior_s = np.array([math.log(res.priors.p_st(st, i)) for i in res.item_ids])
    return SignalScores(
        views=views,
        dense=_dense(res, text_vec),
        dense_name=(res.item_name_vectors @ text_vec).astype(np.float64),
        dense_ksic=_dense(res, ksic_vec),
        dense_st=_dense(res, st_vec),
        knn_vote=knn_vote,
        knn_max=knn_max,
        lexical=lex,
        prior_ksic=prior_k,
        prior_st=prior_s,
        query_terms=terms,
        neighbours=neighbours,
        knn_none_share=none_share,
        knn_top_sim=top_sim,
        prior_none_ksic=res.priors.p_ksic(ksic, NONE_LABEL),
        prior_none_st=res.priors.p_st(st, NONE_LABEL),
        ksic_support=res.priors.support(ksic),
    )
