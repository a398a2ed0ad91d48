"""The `VectorIndex` boundary and its plain FAISS implementation (inner product on unit vectors).

Builds serve `rag.llama_retrieval.LlamaVectorIndex` (the same FAISS index inside a llama-index
vector store, with citation-id nodes); `FaissVectorIndex` stays for tests and tools that need no
nodes."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from rag.embedder import Vectors
from rag.llama_nodes import CitedPassage


class VectorIndex(Protocol):
    """Rows addressed by insertion order; `search` gives (scores, rows), best first, row -1 for
    none."""

    @property
    def dim(self) -> int: ...

    @property
    def size(self) -> int: ...

    def search(self, queries: Vectors, k: int) -> tuple[Vectors, np.ndarray]: ...

    def add(self, vectors: Vectors, passages: Sequence[CitedPassage]) -> None: ...

    def keep_rows(self, rows: Sequence[int]) -> VectorIndex: ...

    def reconstruct_all(self) -> Vectors: ...


class FaissVectorIndex:
    """Exact inner-product search; rows are addressed by insertion order. Adds are locked."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index
        self._lock = threading.Lock()

    @classmethod
    def build(cls, vectors: Vectors, dim: int) -> FaissVectorIndex:
        index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> FaissVectorIndex:
        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def search(self, queries: Vectors, k: int) -> tuple[Vectors, np.ndarray]:
        k = max(1, min(k, self.size))
        if self.size == 0:
            n = len(queries)
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, ids

    def add(self, vectors: Vectors, passages: Sequence[CitedPassage] = ()) -> None:
        """New rows at the end; the passages (citation ids, texts) are not kept here."""
        with self._lock:
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def keep_rows(self, rows: Sequence[int]) -> FaissVectorIndex:
        vectors = self.reconstruct_all()[list(rows)] if rows else np.zeros((0, self.dim), np.float32)
        return FaissVectorIndex.build(vectors, self.dim)

    def reconstruct_all(self) -> Vectors:
        if self.size == 0:
            return np.zeros((0, self.dim), np.float32)
        out: Vectors = self._index.reconstruct_n(0, self.size)
        return out
