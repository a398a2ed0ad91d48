"""The baselines on tiny hand-made data with known answers."""

from __future__ import annotations

import numpy as np

from catalog.judgments import Judgment
from eval.baselines import (
    AlwaysNoneBaseline,
    Bm25CatalogBaseline,
    CachedTerms,
    DenseItemBaseline,
    DenseKnnBaseline,
    Query,
    TfidfLogRegBaseline,
)
from eval.vectors import TrainingPool
from rag.bm25 import Bm25Index
from rag.company import CompanyRecord
from rag.korean_tokens import KoreanTokenizer


class SplitTerms(CachedTerms):
    """Whitespace terms instead of Kiwi: the baselines' logic, not the tokenizer, is under test."""

    def __init__(self) -> None:
        super().__init__(KoreanTokenizer())

    def __call__(self, text: str) -> list[str]:
        return text.replace(".", " ").split()


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def query(text: str, vector: np.ndarray | None = None) -> Query:
    return Query("q", CompanyRecord(main_products=text), vector if vector is not None else unit(1, 0))


def J(rid: str, text: str, label: str) -> Judgment:
    return Judgment(rid, "", "", text, "", "", "", label)


def test_bm25_picks_the_item_sharing_rare_terms_and_abstains_without_overlap() -> None:
    docs = [["배터리", "전극", "소재"], ["드론", "비행", "제어"], ["소재", "섬유"]]
    b = Bm25CatalogBaseline(["IG001", "IG002", "IG003"], Bm25Index(docs), SplitTerms())
    p = b.predict(query("드론 제어 소프트웨어"))
    assert p.label == "IG002" and p.top3 == ("IG002",)
    assert b.predict(query("섬유 소재")).label == "IG003"
    assert b.predict(query("전혀 무관한 말")).label == "NONE"


def test_dense_item_is_the_nearest_catalog_vector_and_never_none() -> None:
    items = np.vstack([unit(1, 0), unit(0, 1), unit(1, 1)])
    b = DenseItemBaseline(["IG001", "IG002", "IG003"], items)
    p = b.predict(query("x", unit(0.2, 1)))
    assert p.label == "IG002" and p.top3 == ("IG002", "IG003", "IG001")


def test_dense_knn_similarity_weighted_vote_can_answer_none() -> None:
    train = [J("a", "", "NONE"), J("b", "", "NONE"), J("c", "", "IG005"), J("d", "", "IG006")]
    vecs = np.vstack([unit(1, 0.1), unit(1, 0.2), unit(1, 0), unit(0, 1)])
    knn = DenseKnnBaseline(k=3)
    knn.fit(TrainingPool(train, vecs))
    p = knn.predict(query("x", unit(1, 0)))
    assert p.label == "NONE" and p.top3 == ("IG005",)
    assert p.confidence is not None and 0.6 < p.confidence < 0.7
    knn.fit(TrainingPool(train[2:], vecs[2:]))
    assert knn.predict(query("x", unit(1, 0))).label == "IG005"


def test_tfidf_logreg_learns_words_and_none_from_training_only() -> None:
    rows = [J(f"b{i}", f"배터리 전극 {i}", "IG001") for i in range(4)]
    rows += [J(f"d{i}", f"드론 비행 {i}", "IG002") for i in range(4)]
    rows += [J(f"n{i}", f"도매 유통 {i}", "NONE") for i in range(4)]
    model = TfidfLogRegBaseline(SplitTerms())
    model.fit(TrainingPool(rows, np.zeros((len(rows), 2), np.float32)))
    assert model.predict(query("드론 비행체")).label == "IG002"
    p = model.predict(query("유통 도매업"))
    assert p.label == "NONE" and set(p.top3) == {"IG001", "IG002"}
    assert p.confidence is not None and 0 < p.confidence <= 1
    model.fit(TrainingPool(rows[:1], np.zeros((1, 2), np.float32)))
    assert model.predict(query("아무거나")).label == "IG001"


def test_always_none_answers_none_and_lists_no_item() -> None:
    b = AlwaysNoneBaseline()
    b.fit(TrainingPool([J("a", "배터리", "IG001")], np.zeros((1, 2), np.float32)))
    p = b.predict(query("드론 제어 소프트웨어"))
    assert b.name == "always-none"
    assert p.label == "NONE" and p.top3 == () and p.candidates == () and p.confidence is None
