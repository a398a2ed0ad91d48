"""How the service gets its classifier: the current index build plus the LLM reranker, if set."""

from __future__ import annotations

from innogrowth.settings import Settings
from rag.classifier import Classifier


def load_classifier(settings: Settings) -> Classifier:
    """Catalog + current build (+ LLM reranker when INNOGROWTH_LLM_BASE_URL is set).

    Raises index_build.artifacts.BuildError when there is no usable build.
    """
    from rag.llm.reranker import build_reranker

    return Classifier.load(settings, reranker=build_reranker(settings))
