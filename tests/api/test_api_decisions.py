"""Saving decisions (transactional, audited, taught to the live classifier), listing, masking."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from api.auth.keys import create_key
from index_build.builder import BuildResult
from innogrowth.service import create_app
from innogrowth.wiring import saved_decision_judgments
from rag.classifier import Classifier
from store.factory import open_store
from store.records import DecisionFilter
from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    invalid_business_number,
    module_classifier,
    settings_for,
    small_catalog_file,
    valid_business_number,
)

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]

PERSONAL = {
    "company_name": "이노로보틱스(주)",
    "business_number": valid_business_number(),
    "representative_name": "홍길동",
}
ALL = DecisionFilter()


def classify(h: ApiHarness, **overrides: str) -> dict[str, Any]:
    r = h.classify(company(**overrides))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def save(h: ApiHarness, run_id: int, final: str, comment: str = "", **personal: str) -> Any:
    body = {"run_id": run_id, "final_item_id": final, "comment": comment, **PERSONAL, **personal}
    return h.client.post("/v1/decisions", json=body, headers=h.headers("reviewer"))


def test_accept_change_and_none_are_recorded_with_versions(harness: ApiHarness) -> None:
    first = classify(harness)
    top = first["result"]["recommendations"][0]["item_id"]
    accepted = save(harness, first["run_id"], top, "추천이 맞음")
    assert accepted.status_code == 201, accepted.text
    d = accepted.json()
    assert d["action"] == "accepted" and d["final_item_id"] == top
    assert d["versions"]["build"] == first["result"]["versions"]["build"]
    assert d["versions"]["catalog"] and d["versions"]["embedder"] and d["versions"]["prompt"]
    assert d["reviewer"] == "reviewer-tester"

    second = classify(harness)
    recommended = {r["item_id"] for r in second["result"]["recommendations"]}
    other = next(i.id for i in harness.classifier.catalog.items if i.id not in recommended)
    changed = save(harness, second["run_id"], other)
    assert changed.json()["action"] == "changed"

    third = classify(harness)
    none = save(harness, third["run_id"], "none")
    assert none.json()["action"] == "none" and none.json()["final_item_label"] == "해당 없음"


def test_official_code_or_id_accepted_unknown_rejected(harness: ApiHarness) -> None:
    run = classify(harness)
    unknown = save(harness, run["run_id"], "IG999")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "final_item_id"
    missing_run = save(harness, 999_999, "NONE")
    assert missing_run.status_code == 404


def test_second_save_of_a_run_is_409_and_nothing_half_saved(harness: ApiHarness) -> None:
    run = classify(harness)
    assert save(harness, run["run_id"], "NONE").status_code == 201
    again = save(harness, run["run_id"], "NONE")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert harness.store.list_decisions(ALL, 1, 100).total == 1


def test_personal_fields_validated_on_save(harness: ApiHarness) -> None:
    run = classify(harness)
    blank = save(harness, run["run_id"], "NONE", representative_name=" ")
    assert blank.status_code == 422 and "'대표자명' 항목이 공란입니다" in blank.json()["error"]["message"]
    bad = save(harness, run["run_id"], "NONE", business_number=invalid_business_number())
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "business_number"


def test_list_filters_paginates_and_masks(harness: ApiHarness) -> None:
    for n, final in enumerate(["NONE", "NONE", "NONE"]):
        run = classify(harness, main_products=f"산업용 자율주행 물류로봇 모델{n}")
        save(harness, run["run_id"], final, f"코멘트{n}", company_name=f"검색기업{n}")
    page = harness.client.get("/v1/decisions?per_page=2", headers=harness.headers()).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    item = page["items"][0]
    assert item["company"]["business_number"].endswith("-*****")
    assert item["company"]["representative_name"] == "홍*동"
    raw = harness.client.get("/v1/decisions", headers=harness.headers()).text
    assert PERSONAL["business_number"] not in raw and "홍길동" not in raw
    found = harness.client.get("/v1/decisions?q=검색기업1", headers=harness.headers()).json()
    assert found["total"] == 1 and found["items"][0]["company"]["company_name"] == "검***1"
    assert "검색기업" not in raw  # 기업명 is masked in lists like the other personal fields
    assert (
        harness.client.get("/v1/decisions?decision=changed", headers=harness.headers()).json()["total"] == 0
    )
    assert harness.client.get("/v1/decisions?item=NONE", headers=harness.headers()).json()["total"] == 3
    assert harness.client.get("/v1/decisions?reviewer=nobody", headers=harness.headers()).json()["total"] == 0
    assert (
        harness.client.get("/v1/decisions?date_from=2999-01-01", headers=harness.headers()).json()["total"]
        == 0
    )
    one = harness.client.get(f"/v1/decisions/{item['id']}", headers=harness.headers())
    assert one.status_code == 200 and one.json()["company"]["representative_name"] == "홍*동"
    assert harness.client.get("/v1/decisions/424242", headers=harness.headers()).status_code == 404


def test_saved_decision_improves_next_classification_of_near_identical_company(harness: ApiHarness) -> None:
    unusual_company = {
        "ksic_code": "29280",
        "main_products": "협동형 다관절 로봇팔 그리퍼 모듈",
        "product_use": "공장 조립라인에서 부품을 집어 옮기는 로봇팔 말단 장치",
        "tech_business_name": "로봇팔 그리퍼 모듈 개발",
    }
    before = classify(harness, **unusual_company)
    candidates = {c["item_id"]: c["score"] for c in before["result"]["candidates"]}
    ranked = [c["item_id"] for c in before["result"]["candidates"]]
    target = ranked[min(5, len(ranked) - 1)]  # an item the classifier ranked well below the top
    assert save(harness, before["run_id"], target, "검토 결과 이 품목").status_code == 201

    after = classify(harness, **{**unusual_company, "main_products": "협동형 다관절 로봇팔 그리퍼 모듈 제품"})
    after_ranked = [c["item_id"] for c in after["result"]["candidates"]]
    after_scores = {c["item_id"]: c["score"] for c in after["result"]["candidates"]}
    assert target in after_ranked
    assert after_ranked.index(target) < ranked.index(target) or after_scores[target] > candidates[target]
    neighbour_ids = {
        e["id"] for r in after["result"]["recommendations"] for e in r["evidence"] if e["kind"] == "judgment"
    }
    if after["result"]["recommendations"][0]["item_id"] == target:
        assert any(i.startswith("J:D") for i in neighbour_ids)


def test_decisions_fold_into_a_rebuild(harness: ApiHarness) -> None:
    run = classify(harness)
    top = run["result"]["recommendations"][0]["item_id"]
    saved = save(harness, run["run_id"], top).json()
    judgments = saved_decision_judgments(harness.settings)
    assert [j.id for j in judgments] == [f"D{saved['id']}"]
    j = judgments[0]
    assert j.item_id == top and j.main_products == company()["main_products"]
    assert "홍길동" not in repr(j) and PERSONAL["business_number"] not in repr(j)


def test_locked_database_is_503_then_retry_succeeds(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    settings = settings_for(tmp_path, small_catalog_file, api_build)
    store = open_store(settings.resolved_database_url(), busy_timeout_s=0.2)
    key = create_key(store, name="rev", role="reviewer").plaintext
    headers = {"X-API-Key": key}
    with TestClient(create_app(settings, classifier=module_classifier, store=store)) as client:
        run = client.post("/v1/classify", json=company(), headers=headers).json()
        path = make_url(settings.resolved_database_url()).database
        assert path
        locker = sqlite3.connect(path, timeout=0.1)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            body = {"run_id": run["run_id"], "final_item_id": "NONE", **PERSONAL}
            locked = client.post("/v1/decisions", json=body, headers={"X-API-Key": key})
            assert locked.status_code == 503, locked.text
            assert locked.json()["error"]["code"] == "db_unavailable"
            assert "데이터베이스" in locked.json()["error"]["message"]
        finally:
            locker.rollback()
            locker.close()
        assert store.list_decisions(ALL, 1, 10).total == 0
        retried = client.post("/v1/decisions", json=body, headers={"X-API-Key": key})
        assert retried.status_code == 201, retried.text
