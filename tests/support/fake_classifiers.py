"""Fake classifiers (the protocol eval runs) that tests share."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from catalog.judgments import NONE_LABEL, Judgment
from catalog.model import Catalog
from rag.company import CompanyRecord
from rag.embedder import Embedder
from rag.passages import judgment_passage
from rag.result import Candidate, ClassificationResult, Recommendation

Visible = frozenset[str]


def recommendation(catalog: Catalog, item_id: str, rank: int, confidence: float) -> Recommendation:
    theme, field, item = catalog.path_of(catalog.item_by_id[item_id])
    return Recommendation(
        rank=rank,
        item_id=item.id,
        item_code=item.display_code,
        item_name=item.name,
        field_id=field.id,
        field_code=field.display_code,
        field_name=field.name,
        theme_id=theme.id,
        theme_code=theme.display_code,
        theme_name=theme.name,
        score=confidence,
        confidence=confidence,
        rationale="",
    )


class MemorisingClassifier:
    """Answers with the labels of the nearest *visible* past judgments (bag-of-characters vectors).
    A record that could see itself would find itself at similarity 1, so every call is logged
    with the ids that were visible."""

    def __init__(
        self,
        catalog: Catalog,
        judgments: list[Judgment],
        embedder: Embedder,
        visible: Collection[str] | None = None,
        calls: list[tuple[CompanyRecord, Visible]] | None = None,
    ) -> None:
        self._catalog, self._all, self._embedder = catalog, judgments, embedder
        self._visible = [j for j in judgments if visible is None or j.id in visible]
        texts = [judgment_passage(j) for j in self._visible]
        self._vectors = embedder.embed_passages(texts)
        self.calls: list[tuple[CompanyRecord, Visible]] = calls if calls is not None else []
        self.versions = {"catalog": catalog.version_id, "build": "fake-build", "ranker": "memorise"}

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def restricted_to(self, judgment_ids: Collection[str]) -> MemorisingClassifier:
        return MemorisingClassifier(self._catalog, self._all, self._embedder, judgment_ids, self.calls)

    def _neighbour_labels(self, record: CompanyRecord) -> list[tuple[str, float]]:
        if not self._visible:
            return []
        sims = self._vectors @ self._embedder.embed_queries([record.full_text()])[0]
        out: dict[str, float] = {}
        for n in np.argsort(-sims, kind="stable"):
            out.setdefault(self._visible[n].item_id, float(sims[n]))
        return list(out.items())

    def classify(self, record: CompanyRecord, *, use_llm: bool = True) -> ClassificationResult:
        self.calls.append((record, frozenset(j.id for j in self._visible)))
        labels = self._neighbour_labels(record)
        items = [(lab, s) for lab, s in labels if lab != NONE_LABEL]
        none_first = bool(labels) and labels[0][0] == NONE_LABEL
        recs = [recommendation(self._catalog, lab, n + 1, s) for n, (lab, s) in enumerate(items[:3])]
        ranked = [lab for lab, _ in items] + [i.id for i in self._catalog.items]
        candidates = [Candidate(i, 0.0) for i in dict.fromkeys(ranked)][:20]
        return ClassificationResult(
            decision="not_applicable" if none_first or not recs else "recommended",
            decision_reason="",
            recommendations=recs,
            candidates=candidates,
            none_probability=labels[0][1] if none_first else 0.1,
            versions=self.versions,
            timings_ms={"retrieve": 1.0, "rank": 0.5},
        )

    def classify_pair(self, record: CompanyRecord) -> tuple[ClassificationResult, ClassificationResult]:
        result = self.classify(record, use_llm=False)
        return result, result

    def signal_rankings(self, record: CompanyRecord) -> dict[str, list[str]]:
        items = [lab for lab, _ in self._neighbour_labels(record) if lab != NONE_LABEL]
        return {"knn": items, "dense": [i.id for i in self._catalog.items]}
