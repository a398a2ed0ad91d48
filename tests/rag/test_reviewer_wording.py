"""What the reviewer reads (issue 12): keywords as whole words tagged with their field, the 업종명
filled from the code never called the company's words, wording that matches each item's
probability, 추천 only at or above the 추천 threshold, and one rounding for every probability."""

from __future__ import annotations

import dataclasses
import re

import pytest

from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.decision_policy import RECOMMEND_THRESHOLD
from rag.keywords import MAX_KEYWORDS, MAX_WORD_CHARS, MAX_WORDS, input_words, keyword_fields
from rag.rationale import percent, percent_label, render_rationale, standing_of, threshold_label
from rag.result import ClassificationResult, Keyword
from tests.support.api_fixtures import api_build, module_classifier, small_catalog_file
from tests.support.keyword_records import MIXED

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

ROBOT = CompanyRecord(
    ksic_code="29280",
    industry_name="산업용 로봇 제조업",  # the KSIC name of 29280: what screen 1 fills in
    main_products="산업용 자율주행 물류로봇",
    product_use="물류창고에서 라이다로 장애물을 인식해 화물을 무인 운반하는 이동로봇",
    tech_business_name="자율주행 물류로봇 개발",
    st_code="EA0101",
)
OWN_FIELDS = ("main_products", "product_use", "tech_business_name")


def with_options(clf: Classifier, **changes: float) -> Classifier:
    """The same resources, ranker and query cache under other thresholds."""
    options = dataclasses.replace(clf.options, **changes)
    return Classifier(clf.resources, clf.ranker, options=options, reranker=clf.reranker, cache=clf.cache)


def quoted(text: str) -> list[str]:
    return re.findall(r"'([^']+)'", text)


def test_one_rounding_for_every_probability() -> None:
    assert [percent(p) for p in (0.125, 0.3249, 0.325, 0.4049, 0.405, 0.0)] == [13, 32, 33, 40, 41, 0]
    assert percent_label(0.4143) == "41%" and percent_label(0.00004) == "1% 미만"
    assert percent_label(0.0) == "1% 미만" and percent_label(0.9998) == "99% 초과"
    assert threshold_label(0.37) == "37%" and threshold_label(0.0) == "0%"


def test_candidates_are_whole_compounds_and_phrases(module_classifier: Classifier) -> None:
    words = {w.word for w in input_words(MIXED, module_classifier.resources)}
    assert {"자율주행차", "라이다 센서", "3차원", "3차원 인식", "리튬이온", "리튬이온 배터리"} <= words
    assert "리튬이온 양극재" in words  # 재 read as a prefix of 개발 by Kiwi still ends 양극재
    assert not words & {"자율", "주행", "차원", "리튬", "이온", "양극", "개발", "산업"}
    robot = {w.word for w in input_words(ROBOT, module_classifier.resources)}
    assert {"자율주행 물류로봇", "물류로봇", "이동로봇", "무인 운반"} <= robot
    assert not robot & {"자율", "주행", "로봇", "물류", "로봇 제조업"}


def test_candidates_keep_the_cost_bound(module_classifier: Classifier) -> None:
    long_text = " ".join(f"단어{n}번" for n in range(200)) + " " + "가" * 80
    words = input_words(CompanyRecord(main_products=long_text), module_classifier.resources)
    assert len(words) <= MAX_WORDS and all(len(w.word) <= MAX_WORD_CHARS for w in words)


def test_filled_in_industry_name_is_not_the_companys_words(module_classifier: Classifier) -> None:
    res = module_classifier.resources
    assert "industry_name" not in keyword_fields(ROBOT, res)
    assert all(w.source_field != "industry_name" for w in input_words(ROBOT, res))
    typed = dataclasses.replace(ROBOT, industry_name="협동로봇 부품 가공")
    assert "industry_name" in keyword_fields(typed, res)
    assert any(w.source_field == "industry_name" for w in input_words(typed, res))
    result = module_classifier.classify(ROBOT, use_llm=False)
    for rec in result.recommendations:
        assert all(k.source_field in OWN_FIELDS for k in rec.keywords)
        assert "업종명" not in rec.rationale
        own_text = " ".join(getattr(ROBOT, f) for f in OWN_FIELDS)
        assert all(word in own_text for word in quoted(rec.rationale)), rec.rationale


def test_industry_words_are_never_called_the_companys(module_classifier: Classifier) -> None:
    catalog = module_classifier.catalog
    item = catalog.items[0]
    keywords = [Keyword("물류로봇", "main_products", 0, 4, 1.0), Keyword("로봇", "industry_name", 0, 2, 0.5)]
    text = render_rationale(catalog, item, keywords, [], [], "v1")
    assert "기업이 기재한 '물류로봇' 및 업종명에 적힌 '로봇'" in text
    only_industry = render_rationale(catalog, item, keywords[1:], [], [], "v1")
    assert "업종명에 적힌 '로봇'" in only_industry and "기업이 기재한" not in only_industry


def test_keywords_are_located_tagged_and_never_substrings(module_classifier: Classifier) -> None:
    for record in (ROBOT, MIXED):
        result = module_classifier.classify(record, use_llm=False)
        for rec in result.recommendations:
            words = [k.word for k in rec.keywords]
            assert len(words) <= MAX_KEYWORDS
            for k in rec.keywords:
                assert getattr(record, k.source_field)[k.start : k.end] == k.word
            for a in words:
                assert not [b for b in words if a != b and a.replace(" ", "") in b.replace(" ", "")], words


def _top(result: ClassificationResult) -> float:
    return result.recommendations[0].confidence


def test_recommended_only_at_or_above_the_threshold(module_classifier: Classifier) -> None:
    assert RECOMMEND_THRESHOLD == module_classifier.options.recommend_threshold == 0.33
    top = _top(module_classifier.classify(ROBOT, use_llm=False))
    low = with_options(module_classifier, abstain_threshold=0.0, recommend_threshold=min(1.0, top + 0.01))
    review = low.classify(ROBOT, use_llm=False)
    assert review.decision == "review"
    assert review.decision_reason == (
        f"1순위 품목의 신뢰도({percent_label(top)})가 추천 기준"
        f"({threshold_label(min(1.0, top + 0.01))})보다 낮아 검토가 필요합니다."
    )
    high = with_options(module_classifier, abstain_threshold=0.0, recommend_threshold=max(0.0, top - 0.01))
    recommended = high.classify(ROBOT, use_llm=False)
    assert recommended.decision == "recommended"
    assert f"1순위 품목의 신뢰도({percent_label(top)})" in recommended.decision_reason
    first, *others = recommended.recommendations
    assert "부합합니다" in first.rationale and "참고 후보" not in first.rationale
    for rec in others:
        assert "부합합니다" not in rec.rationale and "참고 후보" in rec.rationale
        assert f"가능성({percent_label(rec.confidence)})" in rec.rationale


@pytest.mark.parametrize("decision", ["review", "not_applicable"])
def test_reference_items_say_how_unlikely_they_are(module_classifier: Classifier, decision: str) -> None:
    # a 해당 없음 threshold at the record's own P(해당 없음): the decision follows from the threshold
    p_none = module_classifier.classify(ROBOT, use_llm=False).none_probability
    changes = {"recommend_threshold": 1.0} if decision == "review" else {"none_threshold": p_none}
    result = with_options(module_classifier, **changes).classify(ROBOT, use_llm=False)
    assert result.decision == decision and result.recommendations
    for rec in result.recommendations:
        assert "부합합니다" not in rec.rationale and "참고 후보" in rec.rationale
        assert percent_label(rec.confidence) in rec.rationale, rec.rationale


def test_none_reason_shows_the_none_probability_as_the_result_does(module_classifier: Classifier) -> None:
    threshold = module_classifier.classify(ROBOT, use_llm=False).none_probability
    result = with_options(module_classifier, none_threshold=threshold).classify(ROBOT, use_llm=False)
    assert result.decision == "not_applicable"
    shown_p, shown_t = percent_label(result.none_probability), threshold_label(threshold)
    shown = f"해당 품목이 없을 가능성({shown_p})이 기준({shown_t}) 이상"
    assert shown in result.decision_reason


def test_the_none_decision_compares_the_shown_probability(module_classifier: Classifier) -> None:
    # the result shows P(해당 없음) rounded to 4 places: a threshold at the shown value answers 해당
    # 없음 whichever way the unrounded value fell, and one 1e-4 above it never does
    shown = module_classifier.classify(ROBOT, use_llm=False).none_probability
    assert with_options(module_classifier, none_threshold=shown).classify(ROBOT, use_llm=False).decision == (
        "not_applicable"
    )
    above = with_options(module_classifier, none_threshold=shown + 1e-4).classify(ROBOT, use_llm=False)
    assert above.decision != "not_applicable" and above.none_probability == shown


def test_standing_of_each_item() -> None:
    kw = {"recommend_threshold": 0.36, "abstain_threshold": 0.2}
    assert standing_of("recommended", 1, 0.5, **kw) == "recommended"
    assert standing_of("recommended", 2, 0.4, **kw) == "not_first"
    assert standing_of("recommended", 2, 0.1, **kw) == "low"
    assert standing_of("review", 1, 0.3, **kw) == "below_threshold"
    assert standing_of("not_applicable", 1, 0.5, **kw) == "decision"


@pytest.mark.parametrize("p_none", [0.37996, 0.38, 0.38004])
def test_a_none_probability_shown_at_the_threshold_is_none(
    module_classifier: Classifier, p_none: float
) -> None:
    # each is shown 38.00 %: the decision reads what the result shows, never a digit it hides
    scored = dataclasses.replace(module_classifier.score(ROBOT), none_probability=p_none)
    policy = with_options(module_classifier, none_threshold=0.38).policy
    assert policy.decide(scored, 0.5)[0] == "not_applicable"
    assert with_options(module_classifier, none_threshold=0.3801).policy.decide(scored, 0.5)[0] != (
        "not_applicable"
    )
