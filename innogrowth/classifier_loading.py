"""How the service gets its classifier: the current index build plus the LLM reranker, if set."""

from __future__ import annotations

import threading

from innogrowth.settings import Settings
from innogrowth.wiring import configured_embedder, load_classifier, reranker_from
from rag.classifier import Classifier
from rag.embedder import Embedder
from rag.embedding_worker import EmbeddingWorker


def service_classifier(settings: Settings, embedder: Embedder | None = None) -> Classifier:
    """Catalog + current build + the LLM reranker when INNOGROWTH_LLM_BASE_URL is set.

    Raises index_build.artifacts.BuildError when there is no usable build.
    """
    return load_classifier(settings, reranker=reranker_from(settings), embedder=embedder)


class ServiceClassifierLoader:
    """The service's loader: every (re)loaded classifier shares the one embedder the service
    owns, made at the first load, so that a reload neither loads the model again nor starts a
    second set of embedding threads next to the first (`rag.embedding_worker`)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = configured_embedder(self._settings)
            return self._embedder

    def __call__(self) -> Classifier:
        return service_classifier(self._settings, self.embedder())

    def close(self) -> None:
        """Stop the embedding threads (at the service's shutdown)."""
        with self._lock:
            embedder, self._embedder = self._embedder, None
        if isinstance(embedder, EmbeddingWorker):
            embedder.close()
