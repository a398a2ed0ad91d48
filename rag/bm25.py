"""Okapi BM25 over pre-tokenised documents; serialisable to JSON."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any


class Bm25Index:
    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.doc_tf = [Counter(d) for d in docs]
        self.doc_len = [len(d) for d in docs]
        self.avg_len = (sum(self.doc_len) / len(docs)) if docs else 0.0
        df: Counter[str] = Counter()
        for tf in self.doc_tf:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self.doc_tf):
            for t in tf:
                self.postings.setdefault(t, []).append(i)

    def __len__(self) -> int:
        return len(self.doc_tf)

    def term_score(self, term: str, doc: int) -> float:
        tf = self.doc_tf[doc].get(term, 0)
        if not tf:
            return 0.0
        norm = self.k1 * (1 - self.b + self.b * self.doc_len[doc] / (self.avg_len or 1.0))
        return self.idf.get(term, 0.0) * tf * (self.k1 + 1) / (tf + norm)

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """Sparse scores: doc index → BM25 score, only for docs sharing a term."""
        out: dict[int, float] = {}
        for term in set(query):
            for doc in self.postings.get(term, []):
                out[doc] = out.get(doc, 0.0) + self.term_score(term, doc)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "k1": self.k1,
            "b": self.b,
            "docs": [[t for t, n in tf.items() for _ in range(n)] for tf in self.doc_tf],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bm25Index:
        return cls(data["docs"], k1=data["k1"], b=data["b"])
