"""Which llama-index vector store holds a build's vectors: a name → (new, load) factory.

`faiss` (the default) is llama-index's `FaissVectorStore` over an exact `faiss.IndexFlatIP`
(inner product of unit vectors = cosine), persisted as one FAISS file. Another store (e.g.
PostgreSQL/pgvector through `llama-index-vector-stores-postgres`) plugs in by adding an entry
here: see README, "Retrieval seam (llama-index)". llama-index is imported only when a store is
made or loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llama_index.core.vector_stores.types import BasePydanticVectorStore

DEFAULT_VECTOR_STORE = "faiss"


@dataclass(frozen=True)
class VectorStoreKind:
    new: Callable[[int], BasePydanticVectorStore]  # an empty store for vectors of this dimension
    load: Callable[[Path], BasePydanticVectorStore]  # the store persisted at this path


def _new_faiss(dim: int) -> BasePydanticVectorStore:
    import faiss
    from llama_index.vector_stores.faiss import FaissVectorStore

    return FaissVectorStore(faiss_index=faiss.IndexFlatIP(dim))


def _load_faiss(path: Path) -> BasePydanticVectorStore:
    from llama_index.vector_stores.faiss import FaissVectorStore

    return FaissVectorStore.from_persist_path(str(path))


VECTOR_STORES: dict[str, VectorStoreKind] = {"faiss": VectorStoreKind(_new_faiss, _load_faiss)}


def vector_store_kind(name: str) -> VectorStoreKind:
    try:
        return VECTOR_STORES[name]
    except KeyError:
        known = ", ".join(sorted(VECTOR_STORES))
        raise ValueError(f"알 수 없는 벡터 저장소 {name!r}: {known} 중 하나를 쓰세요") from None
