"""What a cold classification embeds for its keyword attribution (issue 15): each text once."""

from __future__ import annotations

from collections import Counter

from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.query_views import QueryVectorCache
from tests.support.fakes import RecordingEmbedder

RICH = CompanyRecord(
    ksic_code="29280",
    main_products="물류창고용 자율주행 운반로봇과 관제 소프트웨어",
    product_use="라이다와 3차원 카메라로 장애물을 인식해 화물을 무인 운반하고, 리튬이온 배터리를 자동 교체함",
    tech_business_name="다중 로봇 경로계획 알고리즘 개발",
    st_code="EA0101",
)


def _counted(clf: Classifier) -> tuple[Classifier, RecordingEmbedder]:
    """The same classifier over a fresh query cache whose misses are recorded."""
    counter = RecordingEmbedder(clf.embedder)
    fresh = Classifier(clf.resources, clf.ranker, options=clf.options)
    fresh.cache = QueryVectorCache(counter)
    return fresh, counter


def test_a_replaced_query_cache_serves_the_rationale_too(small_classifier: Classifier) -> None:
    clf, counter = _counted(small_classifier)
    assert clf.writer.cache is clf.cache
    clf.classify(RICH, use_llm=False)
    twice = [t for t, n in Counter(counter.queries).items() if n > 1]
    assert counter.queries and not twice  # no keyword embedded again for the rationale
    before = len(counter.queries)
    clf.classify(RICH, use_llm=False)
    assert len(counter.queries) == before  # warm: nothing embedded
