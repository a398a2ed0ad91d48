"""Each retrieval signal scores every catalog item on its own (measurable separately).

- dense: cosine of the company text to each item passage (FAISS)
- dense_name: cosine of the company text to each item's name alone
- dense_ksic / dense_st: the same for the KSIC explanatory note / S&T names of the company's codes
- line / line_view: the best cosine between a catalog line of the item (each definition, detail
  and example line is its own passage) and the whole text / the best single own-words field
- dense_view: the best cosine of a single own-words field to the item passage
- name_mention / example_mention / vocabulary_mention: the text names the item or an alias / its
  example products / words of its vocabulary
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
SIGNAL_NAMES = ("dense", "line", "knn", "lexical", "prior_ksic", "prior_st")


@dataclass
class SignalScores:
    """Per-item arrays aligned with `resources.item_ids`, plus record-level facts."""

    views: QueryViews
    dense: FloatArray
    dense_name: FloatArray
    dense_ksic: FloatArray
    dense_st: FloatArray
    line: FloatArray
    line_view: FloatArray
    line_best: FloatArray  # the larger of line and line_view
    dense_view: FloatArray
    name_mention: FloatArray
    example_mention: FloatArray
    vocabulary_mention: FloatArray
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
    best_lines: dict[int, int] = field(default_factory=dict)  # item position → best line number

    def ranking(self, name: str) -> list[int]:
        """Item positions ranked by one signal alone (ties broken by position)."""
        arr = {
            "dense": self.dense,
            "line": self.line_best,
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


def _line_scores(
    res: RetrievalResources, text_vec: npt.NDArray[np.float32], view_vecs: npt.NDArray[np.float32]
) -> tuple[FloatArray, FloatArray, dict[int, int]]:
    """Per item: best line cosine to the whole text, to the best field view, and the number of
    its best line (by the larger of the two)."""
    n = len(res.item_ids)
    full, view = np.full(n, -1.0), np.full(n, -1.0)
    if not len(res.line_vectors):
        return np.zeros(n), np.zeros(n), {}
    sims_full = (res.line_vectors @ text_vec).astype(np.float64)
    np.maximum.at(full, res.line_item, sims_full)
    sims_view = (
        (res.line_vectors @ view_vecs.T).max(axis=1).astype(np.float64) if len(view_vecs) else sims_full
    )
    np.maximum.at(view, res.line_item, sims_view)
    # rows sorted by item, then by similarity: the last row of each item's run is its best line
    order = np.lexsort((np.maximum(sims_full, sims_view), res.line_item))
    items = res.line_item[order]
    last = np.flatnonzero(np.r_[items[1:] != items[:-1], True])
    best = {int(items[k]): res.line_numbers[int(order[k])] for k in last}
    return np.where(full < -0.5, 0.0, full), np.where(view < -0.5, 0.0, view), best


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
            best[i] = max(best[i], s * min(1.0, j.weight))  # a half-weight save is a weaker neighbour
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
    vecs = cache.get_many(views.texts())  # one embedding call for every view
    text_vec = vecs[0]
    ksic_vec = vecs[1] if views.ksic else None
    st_vec = vecs[1 + int(bool(views.ksic))] if views.st else None
    view_vecs = vecs[len(vecs) - len(views.fields) :] if views.fields else vecs[:0]
    line_full, line_view, best_lines = _line_scores(res, text_vec, view_vecs)
    dense = _dense(res, text_vec)
    dense_view = (res.item_vectors @ view_vecs.T).max(axis=1).astype(np.float64) if len(view_vecs) else dense
    name_hit, example_hit, vocabulary_hit = res.mentions.scores(record.business_text())
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
        dense=dense,
        dense_name=(res.item_name_vectors @ text_vec).astype(np.float64),
        dense_ksic=_dense(res, ksic_vec),
        dense_st=_dense(res, st_vec),
        line=line_full,
        line_view=line_view,
        line_best=np.maximum(line_full, line_view),
        dense_view=dense_view,
        name_mention=name_hit,
        example_mention=example_hit,
        vocabulary_mention=vocabulary_hit,
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
        best_lines=best_lines,
    )
