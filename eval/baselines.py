"""Simple systems run on the same folds as the product, to show what its ranker adds.

- `always-none`: answers 해당 없음 for every record and lists no item: the floor of the NONE-heavy
  development set (its overall accuracy is the share of NONE rows; its item-row top-1 and hit@3
  are 0, its NONE recall 1).
- `bm25-catalog`: Kiwi terms of the company text, BM25 over catalog item text (the index build's
  lexical index of `item_lexical_text`); the best item.
- `tfidf-logreg`: character 2-4-grams and Kiwi nouns, TF-IDF, one-vs-rest logistic regression
  (liblinear: seconds per fold) trained on the fold's judgments with NONE as a class.
- `dense-item`: the catalog item whose e5 vector is nearest to the query.
- `dense-knn`: similarity-weighted vote of the nearest past judgments of the fold (NONE possible).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from catalog.judgments import NONE_LABEL
from eval.prediction import Prediction
from eval.vectors import TrainingPool
from rag.bm25 import Bm25Index
from rag.company import CompanyRecord
from rag.embedder import Vectors
from rag.korean_tokens import KoreanTokenizer


@dataclass(frozen=True)
class Query:
    id: str
    record: CompanyRecord
    vector: Vectors


class Baseline(Protocol):
    @property
    def name(self) -> str: ...

    def fit(self, train: TrainingPool) -> None: ...

    def predict(self, query: Query) -> Prediction: ...


class CachedTerms:
    """Kiwi terms per text, memoised: the same texts are tokenised once across folds."""

    def __init__(self, tokenizer: KoreanTokenizer) -> None:
        self._tokenizer = tokenizer
        self._cache: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        if text not in self._cache:
            self._cache[text] = self._tokenizer.terms(text)
        return self._cache[text]


class AlwaysNoneBaseline:
    name = "always-none"

    def fit(self, train: TrainingPool) -> None:
        """Nothing to learn."""

    def predict(self, query: Query) -> Prediction:
        """해당 없음, no recommended item, no confidence (ECE is not defined for it)."""
        return Prediction(NONE_LABEL, ())


class Bm25CatalogBaseline:
    name = "bm25-catalog"

    def __init__(self, item_ids: Sequence[str], index: Bm25Index, terms: CachedTerms) -> None:
        """`index`: BM25 over the Kiwi terms of each item's lexical text, rows aligned with `item_ids`
        (the index build's lexical index is exactly that)."""
        if len(index) != len(item_ids):
            raise ValueError(f"{len(index)} BM25 documents for {len(item_ids)} items")
        self._terms = terms
        self._item_ids = list(item_ids)
        self._index = index

    def fit(self, train: TrainingPool) -> None:
        """Catalog text only: nothing to learn from past judgments."""

    def predict(self, query: Query) -> Prediction:
        """Items sharing a term, best first (ties in catalog order); NONE only when none shares one."""
        scores = self._index.scores(self._terms(query.record.full_text()))
        ranked = sorted(scores, key=lambda d: (-scores[d], d))
        return Prediction.from_ranking([self._item_ids[d] for d in ranked])


class TfidfLogRegBaseline:
    name = "tfidf-logreg"

    def __init__(self, terms: CachedTerms, c: float = 20.0) -> None:
        self._terms = terms
        self._c = c
        self._model: Pipeline | None = None
        self._only_label: str | None = None

    def fit(self, train: TrainingPool) -> None:
        texts = [CompanyRecord.from_judgment(j).full_text() for j in train.judgments]
        labels = [j.item_id for j in train.judgments]
        self._model, self._only_label = None, None
        if len(set(labels)) < 2:
            self._only_label = labels[0] if labels else None
            return
        features = FeatureUnion(
            [
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)),
                ("nouns", TfidfVectorizer(analyzer=self._terms, sublinear_tf=True)),
            ]
        )
        logreg = OneVsRestClassifier(LogisticRegression(C=self._c, solver="liblinear"))
        self._model = Pipeline([("tfidf", features), ("logreg", logreg)])
        self._model.fit(texts, labels)

    def predict(self, query: Query) -> Prediction:
        if self._model is None:
            return Prediction.from_ranking([self._only_label] if self._only_label else [], 1.0)
        proba = self._model.predict_proba([query.record.full_text()])[0]
        classes: list[str] = [str(c) for c in self._model.classes_]
        order = np.argsort(-proba, kind="stable")
        return Prediction.from_ranking([classes[i] for i in order], float(proba[order[0]]))


class DenseItemBaseline:
    name = "dense-item"

    def __init__(self, item_ids: Sequence[str], item_vectors: Vectors) -> None:
        self._item_ids = list(item_ids)
        self._vectors = item_vectors

    def fit(self, train: TrainingPool) -> None:
        """Catalog vectors only: nothing to learn from past judgments."""

    def predict(self, query: Query) -> Prediction:
        sims = self._vectors @ query.vector
        order = np.argsort(-sims, kind="stable")
        return Prediction.from_ranking([self._item_ids[i] for i in order])


class DenseKnnBaseline:
    name = "dense-knn"

    def __init__(self, k: int = 10) -> None:
        self._k = k
        self._train: TrainingPool | None = None

    def fit(self, train: TrainingPool) -> None:
        self._train = train

    def predict(self, query: Query) -> Prediction:
        if self._train is None or not len(self._train.judgments):
            return Prediction.from_ranking([])
        sims = self._train.vectors @ query.vector
        nearest = np.argsort(-sims, kind="stable")[: self._k]
        votes: dict[str, float] = defaultdict(float)
        for n in nearest:
            votes[self._train.judgments[n].item_id] += max(float(sims[n]), 0.0)
        ranked = sorted(votes, key=lambda lab: (-votes[lab], lab))
        total = sum(votes.values())
        return Prediction.from_ranking(ranked, votes[ranked[0]] / total if total else None)
