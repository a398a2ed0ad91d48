"""Vectors shared by every fold and every dense baseline: each query is embedded once."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from catalog.judgments import Judgment
from rag.company import CompanyRecord
from rag.embedder import Embedder, Vectors

BATCH = 64


Encoder = Callable[[list[str]], Vectors]


def query_encoder(classifier: object, embedder: Embedder) -> tuple[Encoder, bool]:
    """The classifier's own query-vector cache when it has one (`cache.get_many`), so a text is
    embedded once for the classifier and the baselines together (True); else the plain embedder."""
    get_many = getattr(getattr(classifier, "cache", None), "get_many", None)
    if callable(get_many):
        return (lambda texts: np.asarray(get_many(texts), dtype=np.float32)), True
    return (lambda texts: embedder.embed_queries(texts)), False


def embed_queries(
    encode: Encoder,
    records: Mapping[str, CompanyRecord],
    advance: Callable[[int], None] = lambda n: None,
) -> dict[str, Vectors]:
    """Record id → query vector of the record's full text (what the classifier embeds)."""
    ids = sorted(records)
    out: dict[str, Vectors] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        vecs = encode([records[i].full_text() for i in chunk])
        out.update({rid: vecs[n] for n, rid in enumerate(chunk)})
        advance(len(chunk))
    return out


@dataclass(frozen=True)
class TrainingPool:
    """Past judgments with their passage vectors (rows aligned), from which folds take subsets."""

    judgments: Sequence[Judgment]
    vectors: Vectors

    def __post_init__(self) -> None:
        if len(self.judgments) != len(self.vectors):
            raise ValueError(f"{len(self.judgments)} judgments but {len(self.vectors)} vectors")

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(j.id for j in self.judgments)

    def subset(self, ids: Collection[str]) -> TrainingPool:
        keep = set(ids)
        rows = [n for n, j in enumerate(self.judgments) if j.id in keep]
        dim = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
        vecs = self.vectors[rows] if rows else np.zeros((0, dim), np.float32)
        return TrainingPool([self.judgments[n] for n in rows], vecs)
