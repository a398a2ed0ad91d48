"""After the LLM's order is applied, the decision, its reason and the confidences describe the
LLM's top item (issue 9: the sentence "1순위 품목 신뢰도 X %" could describe the old top item)."""

from __future__ import annotations

from collections.abc import Sequence

from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.llm.types import LlmCandidate, LlmOutcome, LlmPick
from rag.rationale import percent_label


class ReversingReranker:
    """Picks the deterministic order's third, second and first items (a valid answer)."""

    model = "fake-reversing-llm"

    def rerank(
        self,
        company_fields: dict[str, str],
        candidates: Sequence[LlmCandidate],
        *,
        none_probability: float | None = None,
    ) -> LlmOutcome:
        picks = [LlmPick(c.item_id, f"{c.path_label} 관련.", []) for c in list(candidates[:3])[::-1]]
        return LlmOutcome(True, picks, False, None, 1, self.model, "v1", 1.0)


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
