"""Content-addressed cache of passage vectors, so a rebuild only embeds new or changed texts."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.embedder import Vectors

QUERY_KEY_PREFIX = "query\0"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, root: Path, embedder_id: str, dim: int) -> None:
        tag = hashlib.sha1(embedder_id.encode()).hexdigest()[:12]
        self.path = root / f".embed-cache-{tag}.npz"
        self.dim = dim
        self._vectors: dict[str, Vectors] = {}
        if self.path.exists():
            try:
                data = np.load(self.path)
                keys, vecs = data["keys"], data["vectors"]
                if vecs.shape[1:] == (dim,):
                    self._vectors = {str(k): vecs[i] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}

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

    def save(self) -> None:
        keys = np.array(sorted(self._vectors))
        vecs = (
            np.vstack([self._vectors[k] for k in keys]) if len(keys) else np.zeros((0, self.dim), np.float32)
        )
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=keys, vectors=vecs)
        os.replace(tmp, self.path)
