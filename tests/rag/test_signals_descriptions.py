"""Signals that read descriptions: per-line catalog passages, per-field query views, mentions."""

from __future__ import annotations

from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.query_views import query_views
from rag.signals import compute_signals


def test_build_indexes_every_described_line(small_classifier: Classifier) -> None:
    res = small_classifier.resources
    items = small_classifier.catalog.items
    expected = sum(1 for i in items for ln in i.described_lines() if ln.kind != "note")
    expected += sum(1 for i in items if i.vocabulary)  # each item's vocabulary passage, line 0
    assert len(res.line_vectors) == expected == len(res.line_numbers) == len(res.line_item)


def test_a_function_described_in_one_field_finds_the_item_by_its_line(
    small_classifier: Classifier,
) -> None:
    """A product-use paragraph that paraphrases one catalog line of an item, next to an unrelated
    product name: the line signal still puts that item first and cites that line."""
    res = small_classifier.resources
    item = small_classifier.catalog.items[11]
    n, line = next(
        (n, ln) for n, ln in enumerate(item.described_lines(), 1) if ln.kind != "note" and len(ln.text) > 30
    )
    record = CompanyRecord(main_products="신제품", product_use=line.text, tech_business_name="사업화")
    sig = compute_signals(record, res, small_classifier.cache)
    pos = res.item_position[item.id]
    assert sig.ranking("line")[0] == pos
    assert sig.best_lines[pos] == n
    result = small_classifier.classify(record, use_llm=False)
    cited = {e.id for r in result.recommendations if r.item_id == item.id for e in r.evidence}
    assert f"{item.id}#L{n}" in cited


def test_query_views_hold_each_own_field(small_classifier: Classifier) -> None:
    record = CompanyRecord(
        ksic_code="29280", main_products="라이다 센서", product_use="물체를 3차원으로 인식", st_code="EA0101"
    )
    views = query_views(record, small_classifier.resources)
    assert views.fields == ("라이다 센서", "물체를 3차원으로 인식")
    texts = views.texts()
    assert texts[0] == views.text and texts[-2:] == list(views.fields)


def test_name_mention_signal(small_classifier: Classifier) -> None:
    res = small_classifier.resources
    item = small_classifier.catalog.items[5]
    sig = compute_signals(CompanyRecord(main_products=f"{item.name} 제품"), res, small_classifier.cache)
    assert sig.name_mention[res.item_position[item.id]] == 1.0
    assert sig.name_mention.sum() >= 1


def test_decide_agrees_with_classify(small_classifier: Classifier) -> None:
    """`decide` (no rationale, for measuring many records) gives the same decision and top item."""
    records = [
        CompanyRecord(main_products=i.name, product_use=i.described_lines()[0].text)
        for i in small_classifier.catalog.items[:6]
    ] + [CompanyRecord(main_products="수입 의료기기 총판 및 도매 유통")]
    for record in records:
        result = small_classifier.classify(record, use_llm=False)
        decision, item = small_classifier.decide(record)
        assert decision == result.decision
        assert item == result.recommendations[0].item_id
