"""The batch path embeds a chunk of rows per call, ahead of ranking, and changes no answer."""

from __future__ import annotations

from typing import Any

from api.classifying.batch import classify_row, classify_rows
from api.classifying.batch_rows import BatchRow
from api.validation import ReferenceLists
from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.keywords import input_words
from rag.query_views import QueryVectorCache
from tests.support.fakes import RecordingEmbedder

ROWS = [
    BatchRow(1, "a", {"ksic_code": "29280", "main_products": "물류창고용 자율주행 운반로봇"}),
    BatchRow(2, "b", {"ksic_code": "29280"}),  # no product text: an error line
    BatchRow(3, "c", {"main_products": "리튬이온 배터리 양극재", "ksic_code": "20129"}),
    BatchRow(4, "L4", None, "읽을 수 없는 행"),
    BatchRow(5, "e", {"main_products": "의료영상 AI 진단 소프트웨어", "product_use": "흉부 X선 판독 보조"}),
    BatchRow(6, "f", {"main_products": "스마트팜 양액 자동 제어기", "ksic_code": "29199"}),
    BatchRow(7, "g", {"main_products": "수소연료전지 분리판", "tech_business_name": "금속 분리판 코팅"}),
]


def _answer(line: dict[str, Any]) -> Any:
    if not line["ok"]:
        return line["error"]["code"], line["error"]["message"]
    result = line["result"]
    recs = [
        (r["item_id"], r["confidence"], [k["word"] for k in r["keywords"]]) for r in result["recommendations"]
    ]
    return result["decision"], result["none_probability"], recs


def _record(row: BatchRow) -> CompanyRecord:
    assert row.data is not None
    return CompanyRecord(**row.data)


def _fresh(small_classifier: Classifier) -> tuple[Classifier, RecordingEmbedder]:
    counter = RecordingEmbedder(small_classifier.embedder)
    clf = Classifier(small_classifier.resources, small_classifier.ranker, cache=QueryVectorCache(counter))
    return clf, counter


def test_batch_lines_equal_one_row_at_a_time_in_order_with_one_embedding_call_per_chunk(
    small_classifier: Classifier,
) -> None:
    refs = ReferenceLists.load()
    one_by_one, single = _fresh(small_classifier)
    expected = [classify_row(row, one_by_one, refs, use_llm=False) for row in ROWS]
    batched, counter = _fresh(small_classifier)
    lines = list(classify_rows(ROWS, batched, refs, use_llm=False, chunk_rows=3))
    assert [(line["line"], line["id"]) for line in lines] == [(r.line, r.id) for r in ROWS]
    assert [_answer(line) for line in lines] == [_answer(line) for line in expected]
    # 7 rows in chunks of 3: three embedding calls, each covering every valid row of its chunk
    assert len([len(c) for c in counter.query_calls]) == 3
    # one row at a time: per valid row one call before ranking, and one after it when a top item
    # can use some of its noun phrases (only those are embedded; a batch embeds them all ahead)
    assert 5 <= len(single.query_calls) <= 10
    assert set(single.queries) <= set(counter.queries)
    phrases = {
        w.word for row in ROWS if row.data for w in input_words(_record(row), batched.resources) if w.parts
    }
    assert set(counter.queries) - set(single.queries) <= phrases


def test_no_rows_no_lines(small_classifier: Classifier) -> None:
    clf, counter = _fresh(small_classifier)
    assert list(classify_rows([], clf, ReferenceLists.load(), use_llm=False)) == []
    assert counter.query_calls == []
