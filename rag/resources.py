"""Everything retrieval reads, held together; can be restricted to a subset of past judgments."""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from catalog.judgments import Judgment
from catalog.model import Catalog
from catalog.reference import KsicLookup, StLookup
from rag.bm25 import Bm25Index
from rag.company import TEXT_FIELDS
from rag.embedder import Embedder, Vectors
from rag.korean_tokens import KoreanTokenizer
from rag.llama_nodes import judgment_passages
from rag.mentions import MentionIndex
from rag.priors import Priors
from rag.vector_index import VectorIndex

JUDGMENT_TEXT_FIELDS = ("item_id", "ksic_code", "st_code", *TEXT_FIELDS)


def same_text_and_item(a: Judgment, b: Judgment) -> bool:
    """The same decision but for its weight: same item, same technical text (same vector)."""
    return all(getattr(a, f) == getattr(b, f) for f in JUDGMENT_TEXT_FIELDS)


def item_name_terms(res: RetrievalResources) -> list[list[str]]:
    """Per item position: the Kiwi terms of the item's name."""
    return [res.tokenizer.terms(res.catalog.item_by_id[i].name) for i in res.item_ids]


@dataclass
class RetrievalResources:
    catalog: Catalog
    embedder: Embedder
    item_ids: list[str]
    item_vectors: Vectors
    item_index: VectorIndex
    item_name_vectors: Vectors
    line_vectors: Vectors  # one row per catalog line passage
    line_item: npt.NDArray[np.int64]  # item position of each line row
    line_numbers: list[int]  # line number (as cited `IG012#L3`) of each line row
    judgments: list[Judgment]
    judgment_vectors: Vectors
    judgment_index: VectorIndex  # one row per `judgments` entry, same order
    lexical: Bm25Index
    priors: Priors
    ksic: KsicLookup
    st: StLookup
    tokenizer: KoreanTokenizer
    build_id: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def item_position(self) -> dict[str, int]:
        return {item_id: i for i, item_id in enumerate(self.item_ids)}

    @cached_property
    def mentions(self) -> MentionIndex:
        return MentionIndex(self.catalog, self.item_ids)

    @cached_property
    def item_field(self) -> npt.NDArray[np.int64]:
        """Per item position: the index of its field (for field-level aggregates)."""
        fields = {f.id: n for n, f in enumerate(self.catalog.fields)}
        return np.array([fields[self.catalog.item_by_id[i].field_id] for i in self.item_ids], dtype=np.int64)

    def restricted_to(self, judgment_ids: Collection[str]) -> RetrievalResources:
        """The same catalog and vectors with only the given past judgments (for honest folds)."""
        keep = set(judgment_ids)
        rows = [i for i, j in enumerate(self.judgments) if j.id in keep]
        vectors = (
            self.judgment_vectors[rows] if rows else np.zeros((0, self.item_vectors.shape[1]), np.float32)
        )
        judgments = [self.judgments[i] for i in rows]
        priors = Priors(self.priors.n_classes, self.priors.m)
        for j in judgments:
            priors.add(j.ksic_code, j.st_code, j.item_id, j.weight)
        return RetrievalResources(
            catalog=self.catalog,
            embedder=self.embedder,
            item_ids=self.item_ids,
            item_vectors=self.item_vectors,
            item_index=self.item_index,
            item_name_vectors=self.item_name_vectors,
            line_vectors=self.line_vectors,
            line_item=self.line_item,
            line_numbers=self.line_numbers,
            judgments=judgments,
            judgment_vectors=vectors,
            judgment_index=self.judgment_index.keep_rows(rows),
            lexical=self.lexical,
            priors=priors,
            ksic=self.ksic,
            st=self.st,
            tokenizer=self.tokenizer,
            build_id=self.build_id,
        )

    def add_judgment(self, judgment: Judgment, vector: Vectors) -> None:
        """A new past judgment joins the kNN index and the priors at once."""
        with self.lock:
            self.judgment_index.add(vector.reshape(1, -1), judgment_passages([judgment], self.catalog))
            self.judgment_vectors = np.vstack([self.judgment_vectors, vector.reshape(1, -1)])
            self.judgments.append(judgment)
            self.priors.add(judgment.ksic_code, judgment.st_code, judgment.item_id, judgment.weight)

    def reweigh_judgment(self, judgment: Judgment) -> bool:
        """Give a held judgment its new `weight` (same id, item and text): its vector stays, its
        priors and votes count with the new weight. False when no such judgment is held."""
        with self.lock:
            for row, held in enumerate(self.judgments):
                if held.id == judgment.id and same_text_and_item(held, judgment):
                    self.priors.remove(held.ksic_code, held.st_code, held.item_id, held.weight)
                    self.priors.add(judgment.ksic_code, judgment.st_code, judgment.item_id, judgment.weight)
                    self.judgments[row] = judgment
                    return True
            return False

    def withdraw_judgment(self, judgment_id: str) -> bool:
        """Take a past judgment out of the kNN index and the priors (False when it is not there)."""
        with self.lock:
            rows = [i for i, j in enumerate(self.judgments) if j.id == judgment_id]
            if not rows:
                return False
            dropped = set(rows)
            keep = [i for i in range(len(self.judgments)) if i not in dropped]
            for i in rows:
                j = self.judgments[i]
                self.priors.remove(j.ksic_code, j.st_code, j.item_id, j.weight)
            dim = self.judgment_vectors.shape[1]
            self.judgment_vectors = self.judgment_vectors[keep] if keep else np.zeros((0, dim), np.float32)
            self.judgments = [self.judgments[i] for i in keep]
            self.judgment_index = self.judgment_index.keep_rows(keep)
            return True

    def search_judgments(self, query: Vectors, k: int) -> list[tuple[Judgment, float]]:
        with self.lock:
            if self.judgment_index.size == 0:
                return []
            scores, ids = self.judgment_index.search(query.reshape(1, -1), k)
            return [
                (self.judgments[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0
            ]
