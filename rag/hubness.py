"""How close each catalog item lies to company texts in general (its "hubness").

In an embedding space some items are hubs: broad items such as 융·복합센서 or 지능형 상황진단 및
분석 sit near many company texts, so a raw cosine ranks them high for texts that describe something
else. A reviewer discounts such items; the ranker does the same with each item's similarity minus
its hub level (cross-domain similarity local scaling, CSLS): the mean of the item's `HUB_K` largest
similarities over the past judgments' query vectors, for the item passage (`dense`) and for the
item's best catalog line (`line`).

The levels are fixed when the ranker is trained (computed on the out-of-fold judgments for the
training rows, on all of them for the model) and saved in `ranker.json`, so a saved decision never
moves them: they change only with a rebuild, and then by a mean over many texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.company import CompanyRecord
from rag.query_views import QueryVectorCache, query_views
from rag.resources import RetrievalResources

FloatArray = npt.NDArray[np.float64]
HUB_K = 10


@dataclass(frozen=True)
class ItemHubs:
    """Hub levels per item id (items without one count 0)."""

    dense: dict[str, float]
    line: dict[str, float]

    @classmethod
    def none(cls) -> ItemHubs:
        return cls({}, {})

    def arrays(self, item_ids: list[str]) -> tuple[FloatArray, FloatArray]:
        """(dense, line) levels aligned with `item_ids`."""
        return (
            np.array([self.dense.get(i, 0.0) for i in item_ids], dtype=np.float64),
            np.array([self.line.get(i, 0.0) for i in item_ids], dtype=np.float64),
        )

    def to_json(self) -> dict[str, Any]:
        return {"k": HUB_K, "dense": self.dense, "line": self.line}

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> ItemHubs:
        if not d:
            return cls.none()
        return cls(
            {str(k): float(v) for k, v in d.get("dense", {}).items()},
            {str(k): float(v) for k, v in d.get("line", {}).items()},
        )


def _top_mean(sims: FloatArray, k: int) -> FloatArray:
    """Per column, the mean of its k largest values (rows: queries)."""
    k = min(k, sims.shape[0])
    top = np.partition(sims, sims.shape[0] - k, axis=0)[sims.shape[0] - k :]
    out: FloatArray = top.mean(axis=0)
    return out


def best_line_per_item(res: RetrievalResources, queries: FloatArray) -> FloatArray:
    """queries × items: each item's best line cosine (0 for an item without lines)."""
    n = len(res.item_ids)
    out = np.zeros((len(queries), n))
    if not len(res.line_vectors) or not len(queries):
        return out
    order = np.argsort(res.line_item, kind="stable")
    items = res.line_item[order]
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    sims = queries @ res.line_vectors[order].astype(np.float64).T
    out[:, items[starts]] = np.maximum.reduceat(sims, starts, axis=1)
    return out


def item_hubs(res: RetrievalResources, cache: QueryVectorCache, k: int = HUB_K) -> ItemHubs:
    """Hub levels of every item over the query vectors of `res`'s past judgments."""
    if not res.judgments:
        return ItemHubs.none()
    texts = [query_views(CompanyRecord.from_judgment(j), res).texts()[0] for j in res.judgments]
    queries = cache.get_many(texts).astype(np.float64)
    dense = _top_mean(queries @ res.item_vectors.astype(np.float64).T, k)
    line = _top_mean(best_line_per_item(res, queries), k)
    ids = res.item_ids
    return ItemHubs(
        {i: round(float(v), 6) for i, v in zip(ids, dense, strict=True)},
        {i: round(float(v), 6) for i, v in zip(ids, line, strict=True)},
    )
