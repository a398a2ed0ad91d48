"""The `VectorIndex` seam backed by a llama-index `VectorStoreIndex`.

Nodes are `rag.llama_nodes` passages (id = citation id, metadata out of the embedded text); their
vectors come from our embedder (`rag.llama_embedding.EmbedderAdapter`); the vectors live in a
llama-index vector store chosen by name (`rag.vector_stores`, `faiss` by default); docstore and
index store are persisted next to it in the build. Rows are addressed by insertion order, as in
`rag.vector_index.FaissVectorIndex`, so the scoring code reads the same numbers.

Hot path: with the FAISS store, `search` asks the exact `IndexFlatIP` the store wraps
(`FaissVectorStore.client`) for the row numbers directly: llama-index's own query path
(`VectorStore.query`, `direct=False`) returns the same ids and scores but builds Python lists per
hit (~2x the search time on 240 items). Other stores always go through `query`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.embedder import Embedder, Vectors
from rag.llama_nodes import CitedPassage, text_nodes
from rag.vector_stores import DEFAULT_VECTOR_STORE, vector_store_kind

if TYPE_CHECKING:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import BaseNode

    from rag.llama_embedding import EmbedderAdapter

DOCSTORE = "docstore.json"
INDEX_STORE = "index_store.json"


def _adapter(embedder: Embedder | None) -> EmbedderAdapter:
    from rag.llama_embedding import EmbedderAdapter

    return EmbedderAdapter(embedder)


class LlamaVectorIndex:
    """Exact inner-product search over llama-index nodes; rows by insertion order; adds locked."""

    def __init__(
        self, index: VectorStoreIndex, node_ids: list[str], dim: int, *, kind: str, direct: bool = True
    ) -> None:
        self._index = index
        self._node_ids = node_ids
        self._row_of = {node_id: row for row, node_id in enumerate(node_ids)}
        self._dim = dim
        self._kind = kind
        self._direct = direct
        client = getattr(index.vector_store, "client", None)
        self._faiss: Any = client if kind == "faiss" else None
        self._lock = threading.Lock()

    @classmethod
    def build(
        cls,
        passages: Sequence[CitedPassage],
        vectors: Vectors,
        dim: int,
        *,
        embedder: Embedder | None = None,
        kind: str = DEFAULT_VECTOR_STORE,
        direct: bool = True,
    ) -> LlamaVectorIndex:
        from llama_index.core import StorageContext, VectorStoreIndex

        store = vector_store_kind(kind).new(dim)
        index = VectorStoreIndex(
            text_nodes(passages, vectors),
            storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=_adapter(embedder),
        )
        return cls(index, [p.id for p in passages], dim, kind=kind, direct=direct)

    @classmethod
    def load(
        cls,
        store_dir: Path,
        vector_path: Path,
        dim: int,
        *,
        embedder: Embedder | None = None,
        kind: str = DEFAULT_VECTOR_STORE,
    ) -> LlamaVectorIndex:
        from llama_index.core import StorageContext, load_index_from_storage
        from llama_index.core.storage.docstore import SimpleDocumentStore
        from llama_index.core.storage.index_store import SimpleIndexStore

        context = StorageContext.from_defaults(
            docstore=SimpleDocumentStore.from_persist_path(str(store_dir / DOCSTORE)),
            index_store=SimpleIndexStore.from_persist_path(str(store_dir / INDEX_STORE)),
            vector_store=vector_store_kind(kind).load(vector_path),
        )
        index: VectorStoreIndex = load_index_from_storage(context, embed_model=_adapter(embedder))  # type: ignore[assignment]
        rows = index.index_struct.nodes_dict
        return cls(index, [rows[str(r)] for r in range(len(rows))], dim, kind=kind)

    def persist(self, store_dir: Path, vector_path: Path) -> None:
        """The docstore and index store under `store_dir`, the vectors at `vector_path`."""
        store_dir.mkdir(parents=True, exist_ok=True)
        context = self._index.storage_context
        context.docstore.persist(str(store_dir / DOCSTORE))
        context.index_store.persist(str(store_dir / INDEX_STORE))
        self._index.vector_store.persist(str(vector_path))

    def attach_embedder(self, embedder: Embedder) -> None:
        """The embedder that text queries (`retriever`) and nodes added without vectors use."""
        adapter: EmbedderAdapter = self._index._embed_model  # type: ignore[assignment]
        adapter.attach(embedder)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def size(self) -> int:
        return len(self._node_ids)

    @property
    def node_ids(self) -> list[str]:
        """Per row: the citation id of its node."""
        return list(self._node_ids)

    @property
    def llama_index(self) -> VectorStoreIndex:
        return self._index

    def node(self, row: int) -> BaseNode:
        return self._index.docstore.get_node(self._node_ids[row])

    def retriever(self, k: int) -> BaseRetriever:
        """llama-index's retriever over these nodes (text queries embedded by our embedder)."""
        return self._index.as_retriever(similarity_top_k=k)

    def search(self, queries: Vectors, k: int) -> tuple[Vectors, np.ndarray]:
        k = max(1, min(k, self.size))
        if self.size == 0:
            n = len(queries)
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if self._direct and self._faiss is not None:
            scores, ids = self._faiss.search(q, k)
            return scores, ids
        return self._query(q, k)

    def _query(self, queries: Vectors, k: int) -> tuple[Vectors, np.ndarray]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        scores = np.full((len(queries), k), -np.inf, np.float32)
        rows = np.full((len(queries), k), -1, np.int64)
        for n, q in enumerate(queries):
            found = self._index.vector_store.query(
                VectorStoreQuery(query_embedding=[float(x) for x in q], similarity_top_k=k)
            )
            for m, (node_id, sim) in enumerate(zip(found.ids or [], found.similarities or [], strict=True)):
                rows[n, m] = self._row_of[node_id] if node_id in self._row_of else int(node_id)
                scores[n, m] = sim
        return scores, rows

    def add(self, vectors: Vectors, passages: Sequence[CitedPassage]) -> None:
        """New rows at the end (a saved decision joins the judgment index at once)."""
        nodes = text_nodes(passages, vectors)
        with self._lock:
            self._index.insert_nodes(nodes)
            for p in passages:
                self._row_of[p.id] = len(self._node_ids)
                self._node_ids.append(p.id)

    def keep_rows(self, rows: Sequence[int]) -> LlamaVectorIndex:
        """A new index of only these rows, in this order (withdrawals, evaluation folds)."""
        vectors = self.reconstruct_all()[list(rows)] if rows else np.zeros((0, self.dim), np.float32)
        passages = []
        for r in rows:
            node = self.node(r)
            passages.append(CitedPassage(self._node_ids[r], node.get_content(), dict(node.metadata)))
        adapter: EmbedderAdapter = self._index._embed_model  # type: ignore[assignment]
        return LlamaVectorIndex.build(
            passages, vectors, self.dim, embedder=adapter.embedder, kind=self._kind, direct=self._direct
        )

    def reconstruct_all(self) -> Vectors:
        if self._faiss is None:
            raise NotImplementedError(f"vector store {self._kind!r} cannot hand back its vectors yet")
        if self.size == 0:
            return np.zeros((0, self.dim), np.float32)
        out: Vectors = self._faiss.reconstruct_n(0, self.size)
        return out
