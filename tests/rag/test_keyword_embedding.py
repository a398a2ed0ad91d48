"""What a cold classification embeds for its keyword attribution (issue 15): each text once."""

from __future__ import annotations

from collections import Counter

import numpy as np

from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.keywords import (
    FIELD_WEIGHT,
    MIN_WEIGHT,
    VOCABULARY_WORD_CHARS,
    WordOccurrence,
    _norm,
    _without_substrings,
    catalog_words,
    contributing_keywords,
    input_words,
)
from rag.query_views import QueryVectorCache, query_views
from tests.support.fakes import RecordingEmbedder
from tests.support.keyword_records import MIXED

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


def _every_word_embedded(
    words: list[WordOccurrence], positions: list[int], clf: Classifier
) -> list[list[tuple[str, float]]]:
    """The attribution as it was before issue 15: every candidate's vector looked up."""
    res = clf.resources
    vecs = clf.cache.get_many([w.word for w in words])
    sims = vecs @ res.item_vectors.T
    z = (sims - sims.mean(axis=1, keepdims=True)) / (sims.std(axis=1, keepdims=True) + 1e-6)
    terms = [res.tokenizer.terms(w.word) or [w.word] for w in words]
    out = []
    for pos in positions:
        lexical = np.array([max(res.lexical.term_score(t, pos) for t in ts) for ts in terms])
        lex_norm = lexical / lexical.max() if lexical.max() > 0 else lexical
        weight = [
            FIELD_WEIGHT.get(w.source_field, 1.0) * (lex_norm[i] + max(0.0, float(z[i, pos]) - 1.0) / 2)
            for i, w in enumerate(words)
        ]
        by_form = {_norm(w.word): weight[i] for i, w in enumerate(words)}
        usable = [
            i
            for i, w in enumerate(words)
            if weight[i] > MIN_WEIGHT and all(by_form.get(p, 0.0) > MIN_WEIGHT for p in w.parts)
        ]
        ranked = sorted(usable, key=lambda i: -weight[i])
        chosen = _without_substrings([(words[i], float(weight[i])) for i in ranked])
        out.append([(w.word, round(wt, 4)) for w, wt in chosen])
    return out


def _same_keywords(got: list[list[tuple[str, float]]], expected: list[list[tuple[str, float]]]) -> None:
    """The same words in the same order, each weight within one unit of its 4th decimal (the two
    paths sum the same floats in another order, so a weight can round to either side)."""
    assert [[w for w, _ in kws] for kws in got] == [[w for w, _ in kws] for kws in expected]
    for g, e in zip(got, expected, strict=True):
        assert np.allclose([wt for _, wt in g], [wt for _, wt in e], rtol=0, atol=1.5e-4), (g, e)


def test_phrases_embedded_after_ranking_give_the_same_keywords(small_classifier: Classifier) -> None:
    clf, counter = _counted(small_classifier)
    never_embedded = set()
    for record in (RICH, MIXED):
        result = clf.classify(record, use_llm=False)
        words = input_words(record, clf.resources)
        never_embedded |= {w.word for w in words if w.parts} - set(counter.queries)
        positions = [clf.resources.item_position[r.item_id] for r in result.recommendations]
        expected = _every_word_embedded(words, positions, clf)
        _same_keywords([[(k.word, k.weight) for k in r.keywords] for r in result.recommendations], expected)
        outside = [p for p in range(len(clf.resources.item_ids)) if p not in positions][:20]
        got = contributing_keywords(words, outside, clf.resources, clf.cache)
        reference = _every_word_embedded(words, outside, clf)
        assert [[(k.word, k.source_field, k.start, k.end) for k in kws] for kws in got] == [
            [(w, *_occurrence(words, w)) for w, _ in kws] for kws in reference
        ]
        _same_keywords([[(k.word, k.weight) for k in kws] for kws in got], reference)
    assert never_embedded  # the attribution did without some phrases' vectors


def _occurrence(words: list[WordOccurrence], word: str) -> tuple[str, int, int]:
    w = next(w for w in words if w.word == word)
    return w.source_field, w.start, w.end


def test_a_cold_record_embeds_its_views_its_words_and_only_the_phrases_a_top_item_can_use(
    small_classifier: Classifier,
) -> None:
    clf, counter = _counted(small_classifier)
    words = input_words(RICH, clf.resources)
    clf.classify(RICH, use_llm=False)
    views = query_views(RICH, clf.resources).texts()
    singles = [w.word for w in words if not w.parts]
    phrases = [w.word for w in words if w.parts]
    assert counter.query_calls[0] == list(dict.fromkeys(views + singles))  # one call before ranking
    later = [t for call in counter.query_calls[1:] for t in call]
    assert set(later) <= set(phrases) and len(counter.query_calls) <= 2  # then one call of phrases


def test_prefetch_embeds_the_phrases_too_so_a_batch_row_waits_for_nothing(
    small_classifier: Classifier,
) -> None:
    clf, counter = _counted(small_classifier)
    words = clf.prefetch([RICH])[0]
    assert {w.word for w in words} <= set(counter.queries)
    calls = len(counter.query_calls)
    clf.classify(RICH, use_llm=False)
    assert len(counter.query_calls) == calls


def test_pinned_catalog_words_are_never_embedded(small_classifier: Classifier) -> None:
    clf, counter = _counted(small_classifier)
    vocabulary = catalog_words(clf.catalog, clf.resources.tokenizer)
    assert vocabulary and all(" " not in w and len(w) <= VOCABULARY_WORD_CHARS for w in vocabulary)
    assert {"로봇", "자율주행"} <= set(vocabulary)
    clf.cache.pin(vocabulary, small_classifier.cache.get_many(vocabulary))
    words = input_words(RICH, clf.resources)
    known = [w.word for w in words if w.word in set(vocabulary)]
    assert known
    clf.classify(RICH, use_llm=False)
    assert not set(known) & set(counter.queries)
