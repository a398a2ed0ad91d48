"""KSIC-note and S&T-name views and the catalog's keywords embedded by the build: no request embeds one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from catalog.reference import KsicLookup, StLookup
from index_build.artifacts import load_current
from index_build.build_resources import resources_from_build
from index_build.builder import BuildInputs, build_index
from index_build.loading import classifier_from_build
from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.decision_policy import ClassifierOptions
from rag.embedder import Embedder
from rag.keywords import catalog_words, input_words
from rag.korean_tokens import KoreanTokenizer
from rag.query_views import QueryVectorCache, query_views, reference_view_texts
from rag.ranker import Ranker
from tests.support.fakes import RecordingEmbedder


def test_every_ksic_and_st_view_a_record_gets_is_among_the_reference_texts(
    small_classifier: Classifier,
) -> None:
    texts = set(reference_view_texts(KsicLookup.load(), StLookup.load()))
    assert len(texts) > 1000
    for ksic, st in [("29280", "EA0101"), ("10799", "LB0107"), ("2928", "EA01"), ("26111", "")]:
        views = query_views(
            CompanyRecord(ksic_code=ksic, main_products="로봇", st_code=st), small_classifier.resources
        )
        assert views.ksic and views.ksic in texts
        assert not views.st or views.st in texts


def test_pinned_vectors_are_never_embedded_nor_evicted(embedder: Embedder) -> None:
    counter = RecordingEmbedder(embedder)
    cache = QueryVectorCache(counter, capacity=2)
    cache.pin(["고정 A", "고정 B"], np.ones((2, embedder.dim), np.float32))
    assert cache.get_many(["고정 A", "고정 B"]).tolist() == np.ones((2, embedder.dim)).tolist()
    cache.get_many(["고정 A", "새 문장 1", "새 문장 2", "새 문장 3"])
    assert counter.queries == ["새 문장 1", "새 문장 2", "새 문장 3"]
    cold = cache.emptied()
    cold.get_many(["고정 B", "새 문장 1"])
    assert counter.queries[3:] == ["새 문장 1"]  # the copy kept the pins, not the rest


def test_a_build_embeds_the_reference_views_once_and_a_request_embeds_none_of_them(
    tmp_path: Path, small_inputs: BuildInputs, embedder: Embedder, small_classifier: Classifier
) -> None:
    record = CompanyRecord(ksic_code="29280", main_products="물류창고 자율주행 운반로봇", st_code="EA0101")
    views = query_views(record, small_classifier.resources)
    reference = [views.ksic, views.st, "다른 업종의 설명"]
    result = build_index(small_inputs, embedder, tmp_path, show_progress=False, reference_views=reference)
    assert "embed_reference_views" in result.manifest.timings_s
    arts = load_current(tmp_path, embedder_id=embedder.id, catalog_version=small_inputs.catalog.version_id)
    assert arts.reference_views is not None and arts.reference_views[0] == reference
    counter = RecordingEmbedder(embedder)
    res = resources_from_build(
        small_inputs.catalog, arts, counter, KsicLookup.load(), StLookup.load(), KoreanTokenizer()
    )
    clf = Classifier(res, Ranker.from_json({}))
    clf.cache = QueryVectorCache(counter)
    clf.cache.pin(*arts.reference_views)
    clf.classify(record, use_llm=False)
    assert counter.queries and views.text in counter.queries
    assert views.ksic not in counter.queries and views.st not in counter.queries


def test_a_build_embeds_the_catalog_keywords_once_and_a_loaded_classifier_pins_them(
    tmp_path: Path, small_inputs: BuildInputs, embedder: Embedder
) -> None:
    tokenizer = KoreanTokenizer()
    words = catalog_words(small_inputs.catalog, tokenizer)
    assert "로봇" in words and all(" " not in w for w in words)
    result = build_index(small_inputs, embedder, tmp_path, show_progress=False, keyword_words=words)
    assert "embed_keyword_vectors" in result.manifest.timings_s
    arts = load_current(tmp_path, embedder_id=embedder.id, catalog_version=small_inputs.catalog.version_id)
    assert arts.keyword_vectors is not None and arts.keyword_vectors[0] == words
    counter = RecordingEmbedder(embedder)
    clf = classifier_from_build(small_inputs.catalog, arts, counter, ClassifierOptions())
    record = CompanyRecord(main_products="물류창고 자율주행 운반로봇", product_use="산업용 로봇 부품")
    clf.classify(record, use_llm=False)
    cited = {w.word for w in input_words(record, clf.resources)}
    assert counter.queries and "로봇" in cited and not cited & set(words) & set(counter.queries)
