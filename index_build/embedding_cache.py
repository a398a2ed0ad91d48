"""Content-addressed cache of passage vectors, so a rebuild only embeds new or changed texts.

A build root without a cache of its own starts from the packaged seed (`index_build/seed/`,
written by `scripts/seed_embedding_cache.py`): the vectors of the packaged catalog and development
sets for the default embedder, so that a fresh clone's first build embeds almost nothing. The seed
is only a cache: a text it does not hold is embedded as usual, and an embedder it was not made
with never reads it (the file name carries the embedder id's hash).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.embedder import Embedder, Vectors

if TYPE_CHECKING:
    from rag.query_views import QueryVectorCache

QUERY_KEY_PREFIX = "query\0"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


SEED_DIR = Path(__file__).parent / "seed"


def cache_tag(embedder_id: str) -> str:
    return hashlib.sha1(embedder_id.encode()).hexdigest()[:12]


def seed_path(embedder_id: str) -> Path:
    return SEED_DIR / f"embed-cache-{cache_tag(embedder_id)}.npz"


def _read(path: Path, dim: int) -> dict[str, Vectors]:
    try:
        data = np.load(path)
        keys, vecs = data["keys"], data["vectors"]
        if vecs.shape[1:] == (dim,):
            return {str(k): vecs[i].astype(np.float32) for i, k in enumerate(keys)}
    except (OSError, ValueError, KeyError):
        pass
    return {}


class EmbeddingCache:
    def __init__(self, root: Path, embedder_id: str, dim: int, *, use_seed: bool = True) -> None:
        self.path = root / f".embed-cache-{cache_tag(embedder_id)}.npz"
        self.dim = dim
        self._vectors: dict[str, Vectors] = {}
        if self.path.exists():
            self._vectors = _read(self.path, dim)
        elif use_seed and seed_path(embedder_id).exists():
            self._vectors = _read(seed_path(embedder_id), dim)

    def __len__(self) -> int:
        return len(self._vectors)

    def keep_only(self, texts: list[str]) -> int:
        """Drop every vector but those of `texts` (passages, or `QUERY_KEY_PREFIX` + query)."""
        wanted = {_key(t) for t in texts}
        self._vectors = {k: v for k, v in self._vectors.items() if k in wanted}
        return len(self._vectors)

    def embed(
        self, texts: list[str], embed: Callable[[list[str]], Vectors], advance: Callable[[int], None]
    ) -> Vectors:
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        advance(len(texts) - len(missing))
        batch = 32
        for i in range(0, len(missing), batch):
            chunk = missing[i : i + batch]
            vecs = embed([t for _, t in chunk])
            for (k, _), v in zip(chunk, vecs, strict=True):
                self._vectors[k] = v
            advance(len(chunk))
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.vstack([self._vectors[k] for k in keys]).astype(np.float32)

    def query_encoder(self, embed_queries: Callable[[list[str]], Vectors]) -> Callable[[list[str]], Vectors]:
        """Query vectors through this cache too (kept apart from passages by a key prefix)."""

        def encode(texts: list[str]) -> Vectors:
            keyed = [QUERY_KEY_PREFIX + t for t in texts]
            return self.embed(
                keyed, lambda ks: embed_queries([k[len(QUERY_KEY_PREFIX) :] for k in ks]), lambda n: None
            )

        return encode

    def query_cache(self, embedder: Embedder) -> QueryVectorCache:
        """A query-vector cache whose misses are embedded through this cache (`save` keeps them)."""
        from rag.query_views import QueryVectorCache

        return QueryVectorCache(embedder, encode=self.query_encoder(embedder.embed_queries))

    def save(self, path: Path | None = None, *, compressed: bool = False) -> None:
        target = path or self.path
        keys = np.array(sorted(self._vectors))
        vecs = (
            np.vstack([self._vectors[k] for k in keys]) if len(keys) else np.zeros((0, self.dim), np.float32)
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".{os.getpid()}.tmp.npz")
        (np.savez_compressed if compressed else np.savez)(tmp, keys=keys, vectors=vecs)
        os.replace(tmp, target)
