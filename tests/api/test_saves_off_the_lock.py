"""A save embeds its decision before the swap lock and re-weighing embeds nothing."""

from __future__ import annotations

import dataclasses

import pytest

from api.classifying.slot import ClassifierSlot
from catalog.judgments import Judgment
from index_build.builder import BuildInputs
from rag.classifier import Classifier
from rag.ranker import Ranker
from tests.support.fakes import RecordingEmbedder


@dataclasses.dataclass
class Watched:
    slot: ClassifierSlot
    passage_calls: list[tuple[int, bool]]  # per passage call: texts, whether the swap lock was held


@pytest.fixture()
def watched(small_classifier: Classifier, small_inputs: BuildInputs) -> Watched:
    clf = small_classifier.restricted_to([j.id for j in small_inputs.judgments])
    clf.ranker = Ranker.from_json(small_classifier.ranker.to_json())
    slot = ClassifierSlot(lambda: clf, lambda c: None)
    calls: list[tuple[int, bool]] = []
    clf.resources.embedder = RecordingEmbedder(
        clf.embedder, on_passages=lambda texts: calls.append((len(texts), slot._swap_lock.locked()))
    )
    slot.install(clf)
    return Watched(slot, calls)


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
    watched: Watched,
) -> None:
    slot = watched.slot
    clf = slot.current
    assert clf is not None
    decision = _decision(clf.catalog.items[0].id)
    assert slot.add_judgment(decision)
    assert watched.passage_calls == [(1, False)]
    assert slot.add_judgment(decision)  # the same save again (e.g. a reload got it first)
    assert [j.id for j in clf.resources.judgments].count("D7") == 1
    assert watched.passage_calls == [(1, False)]


def test_a_new_weight_is_applied_without_embedding_and_moves_the_priors(
    watched: Watched,
) -> None:
    slot = watched.slot
    clf = slot.current
    assert clf is not None
    item = clf.catalog.items[0].id
    assert slot.apply_judgments([_decision(item, weight=0.25)])
    low = clf.resources.priors.p_ksic("10799", item)
    vectors_before = clf.resources.judgment_vectors.shape
    assert slot.apply_judgments([_decision(item, weight=1.0)])
    assert watched.passage_calls == [(1, False)]  # the first save only
    assert clf.resources.judgment_vectors.shape == vectors_before
    held = [j for j in clf.resources.judgments if j.id == "D7"]
    assert [j.weight for j in held] == [1.0]
    assert clf.resources.priors.p_ksic("10799", item) > low


def test_a_changed_item_is_re_embedded_and_replaces_the_old_one(
    watched: Watched,
) -> None:
    slot = watched.slot
    clf = slot.current
    assert clf is not None
    first, second = clf.catalog.items[0].id, clf.catalog.items[1].id
    slot.apply_judgments([_decision(first)])
    slot.apply_judgments([dataclasses.replace(_decision(first), item_id=second)])
    assert [j.item_id for j in clf.resources.judgments if j.id == "D7"] == [second]
    assert watched.passage_calls == [(1, False), (1, False)]
