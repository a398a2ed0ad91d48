"""Test doubles for the external boundaries. Never imported by production code."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from rag.embedder import Embedder, Vectors


class HashingEmbedder:
    """Deterministic bag-of-characters vectors: fast, no model, for structural tests."""

    def __init__(self, dim: int = 64, ident: str = "fake-hashing") -> None:
        self._dim, self._id = dim, ident

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    def _vec(self, text: str) -> Vectors:
        v = np.zeros(self._dim, np.float32)
        for ch in text:
            v[int(hashlib.md5(ch.encode()).hexdigest(), 16) % self._dim] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self.embed_queries(texts)


class RecordingEmbedder:
    """A real embedder that notes every text it is asked to embed (queries and passages apart)
    and calls `on_passages` before each passage call (e.g. to check which locks are held)."""

    def __init__(self, inner: Embedder, on_passages: Callable[[Sequence[str]], None] | None = None) -> None:
        self.inner = inner
        self.query_calls: list[list[str]] = []
        self.passage_calls: list[list[str]] = []
        self._on_passages = on_passages

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def queries(self) -> list[str]:
        return [t for call in self.query_calls for t in call]

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.query_calls.append(list(texts))
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if self._on_passages is not None:
            self._on_passages(texts)
        self.passage_calls.append(list(texts))
        return self.inner.embed_passages(texts)
