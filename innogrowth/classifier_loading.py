"""How the service gets its classifier: the current index build plus the LLM reranker, if set."""

from __future__ import annotations

import threading

from innogrowth.settings import Settings
from innogrowth.wiring import load_classifier, reranker_from
from rag.classifier import Classifier
from rag.embedder import Embedder, make_embedder
from rag.embedding_worker import EmbeddingWorker


def service_classifier(settings: Settings, embedder: Embedder | None = None) -> Classifier:
    """Catalog + current build + the LLM reranker when INNOGROWTH_LLM_BASE_URL is set.

    Raises index_build.artifacts.BuildError when there is no usable build.
    """
    return load_classifier(settings, reranker=reranker_from(settings), embedder=embedder)


class ServiceClassifierLoader:
    """The service's loader: every (re)loaded classifier shares the one embedder the service
    owns, made at the first load, so that a reload neither loads the model again nor starts a
    second embedding thread next to the first (`rag.embedding_worker`)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                s = self._settings
                self._embedder = make_embedder(s.embedder, s.embedder_batch_size, s.embedder_threads)
            return self._embedder

    def __call__(self) -> Classifier:
        return service_classifier(self._settings, self.embedder())

    def close(self) -> None:
        """Stop the embedding thread (at the service's shutdown)."""
        with self._lock:
            embedder, self._embedder = self._embedder, None
        if isinstance(embedder, EmbeddingWorker):
            embedder.close()
