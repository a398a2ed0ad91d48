"""What the harness needs from the classifier (the real `rag.classifier.Classifier` fits it)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from catalog.model import Catalog
from rag.company import CompanyRecord
from rag.embedder import Embedder
from rag.result import ClassificationResult

SIGNALS = ("dense", "knn", "lexical", "prior_ksic", "prior_st")


class EvaluatedClassifier(Protocol):
    @property
    def catalog(self) -> Catalog: ...

    @property
    def versions(self) -> dict[str, str]: ...

    @property
    def embedder(self) -> Embedder: ...

    def classify(self, record: CompanyRecord, *, use_llm: bool = True) -> ClassificationResult: ...

    def classify_pair(self, record: CompanyRecord) -> tuple[ClassificationResult, ClassificationResult]:
        """Without and with the LLM, from one retrieval and ranking of the record."""
        ...

    def restricted_to(self, judgment_ids: Collection[str]) -> EvaluatedClassifier:
        """The same catalog and vectors, with only these past judgments visible."""
        ...

    def signal_rankings(self, record: CompanyRecord) -> dict[str, list[str]]:
        """Item ids ranked by each single retrieval signal alone."""
        ...
