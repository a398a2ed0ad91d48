"""After the LLM's order is applied, the decision, its reason and the confidences describe the
LLM's top item (issue 9: the sentence "1순위 품목 신뢰도 X %" could describe the old top item)."""

from __future__ import annotations

from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.rationale import percent_label
from tests.support.fake_rerankers import OnePickReranker, ReversingReranker


def test_decision_and_reason_follow_the_llm_top_item(small_classifier: Classifier) -> None:
    item = small_classifier.catalog.items[4]
    record = CompanyRecord(main_products=item.name, product_use=item.described_lines()[0].text)
    plain = small_classifier.classify(record, use_llm=False)
    llm = Classifier(
        small_classifier.resources,
        small_classifier.ranker,
        options=small_classifier.options,
        reranker=ReversingReranker(),
        cache=small_classifier.cache,
    )
    result = llm.classify(record)
    assert result.rationale_source == "llm"
    top = result.recommendations[0]
    assert top.item_id == plain.recommendations[2].item_id != plain.recommendations[0].item_id
    assert [r.rank for r in result.recommendations] == [1, 2, 3]
    # the decision is the one the deterministic policy gives for the new top item's confidence
    options = llm.options
    bar = max(options.abstain_threshold, options.recommend_threshold)
    expected = "recommended" if top.confidence >= bar else "review"
    if plain.decision != "not_applicable":
        assert result.decision == expected
        # and the confidence the reason quotes is the new top item's, as the page shows it
        assert f"({percent_label(top.confidence)})" in result.decision_reason
    assert result.predicted_label in (top.item_id, "NONE")


def with_reranker(base: Classifier, reranker: OnePickReranker) -> Classifier:
    return Classifier(base.resources, base.ranker, options=base.options, reranker=reranker, cache=base.cache)


def test_fewer_picks_are_followed_by_the_deterministic_order_as_reference_candidates(
    small_classifier: Classifier,
) -> None:
    item = small_classifier.catalog.items[4]
    record = CompanyRecord(main_products=item.name, product_use=item.described_lines()[0].text)
    plain = small_classifier.classify(record, use_llm=False)
    result = with_reranker(small_classifier, OnePickReranker()).classify(record)
    ids = [r.item_id for r in plain.recommendations]
    assert [r.item_id for r in result.recommendations] == [ids[1], ids[0], ids[2]]
    assert [r.rank for r in result.recommendations] == [1, 2, 3]
    assert result.recommendations[0].rationale == "두 번째 후보가 맞습니다."
    # the former first item is now a 참고 후보: never worded as the match
    assert "부합합니다" not in result.recommendations[1].rationale
    assert result.rationale_source == "llm" and result.llm is not None and result.llm.picks == 1


def test_no_item_applies_keeps_the_extractive_rationale_and_says_so(small_classifier: Classifier) -> None:
    item = small_classifier.catalog.items[4]
    record = CompanyRecord(main_products=item.name, product_use=item.described_lines()[0].text)
    result = with_reranker(small_classifier, OnePickReranker(none=True)).classify(record)
    assert result.decision in ("not_applicable", "review")
    assert result.rationale_source == "extractive" and result.rationale_model is None
    assert result.llm is not None and result.llm.status == "answered" and result.llm.none_applies
    assert all("부합합니다" not in r.rationale for r in result.recommendations)
