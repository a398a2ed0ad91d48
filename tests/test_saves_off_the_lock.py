"""A save embeds its decision before the swap lock and re-weighing embeds nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from api.classifier_slot import ClassifierSlot
from catalog.judgments import Judgment
from index_build.builder import BuildInputs
from rag.classifier import Classifier
from rag.embedder import Embedder, Vectors
from rag.ranker import Ranker


class LockWatchingEmbedder:
    """The real embedder, noting for each passage call whether the slot's swap lock was held."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.slot: ClassifierSlot | None = None
        self.passage_calls: list[tuple[int, bool]] = []

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        assert self.slot is not None
        self.passage_calls.append((len(texts), self.slot._swap_lock.locked()))
        return self.inner.embed_passages(texts)


@pytest.fixture()
def watched(
    small_classifier: Classifier, small_inputs: BuildInputs
) -> tuple[ClassifierSlot, LockWatchingEmbedder]:
    clf = small_classifier.restricted_to([j.id for j in small_inputs.judgments])
    clf.ranker = Ranker.from_json(small_classifier.ranker.to_json())
    watcher = LockWatchingEmbedder(clf.embedder)
    clf.resources.embedder = watcher
    slot = ClassifierSlot(lambda: clf, lambda c: None)
    slot.install(clf)
    watcher.slot = slot
    return slot, watcher


def _decision(item_id: str, weight: float = 1.0) -> Judgment:
    return Judgment(
        id="D7",
        ksic_code="10799",
        industry_name="그 외 기타 식료품 제조업",
        main_products="곤충 단백질 기반 대체육 패티",
        product_use="식용 곤충 단백질로 만든 대체육",
        tech_business_name="",
        st_code="",
        item_id=item_id,
        source="reviewer_decision",
        weight=weight,
    )


def test_a_save_is_embedded_before_the_swap_lock_and_held_once(
    watched: tuple[ClassifierSlot, LockWatchingEmbedder],
) -> None:
    slot, watcher = watched
    clf = slot.current
    assert clf is not None
    decision = _decision(clf.catalog.items[0].id)
    assert slot.add_judgment(decision)
    assert watcher.passage_calls == [(1, False)]
    assert slot.add_judgment(decision)  # the same save again (e.g. a reload got it first)
    assert [j.id for j in clf.resources.judgments].count("D7") == 1
    assert watcher.passage_calls == [(1, False)]


def test_a_new_weight_is_applied_without_embedding_and_moves_the_priors(
    watched: tuple[ClassifierSlot, LockWatchingEmbedder],
) -> None:
    slot, watcher = watched
    clf = slot.current
    assert clf is not None
    item = clf.catalog.items[0].id
    assert slot.apply_judgments([_decision(item, weight=0.25)])
    low = clf.resources.priors.p_ksic("10799", item)
    vectors_before = clf.resources.judgment_vectors.shape
    assert slot.apply_judgments([_decision(item, weight=1.0)])
    assert watcher.passage_calls == [(1, False)]  # the first save only
    assert clf.resources.judgment_vectors.shape == vectors_before
    held = [j for j in clf.resources.judgments if j.id == "D7"]
    assert [j.weight for j in held] == [1.0]
    assert clf.resources.priors.p_ksic("10799", item) > low


def test_a_changed_item_is_re_embedded_and_replaces_the_old_one(
    watched: tuple[ClassifierSlot, LockWatchingEmbedder],
) -> None:
    slot, watcher = watched
    clf = slot.current
    assert clf is not None
    first, second = clf.catalog.items[0].id, clf.catalog.items[1].id
    slot.apply_judgments([_decision(first)])
    slot.apply_judgments([dataclasses.replace(_decision(first), item_id=second)])
    assert [j.item_id for j in clf.resources.judgments if j.id == "D7"] == [second]
    assert watcher.passage_calls == [(1, False), (1, False)]
