"""POST /v1/classify: validation rules, envelope, degraded flag, run recording."""

from __future__ import annotations

import pytest

from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    invalid_business_number,
    module_classifier,
    small_catalog_file,
)

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    err: dict[str, object] = body["error"]
    assert set(err) == {"code", "message", "field", "details", "request_id"}
    return err


def test_classify_returns_three_items_with_rationale_and_versions(harness: ApiHarness) -> None:
    r = harness.classify(company())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["run_id"] >= 1
    recs = body["result"]["recommendations"]
    assert 1 <= len(recs) <= 3
    assert all(rec["rationale"] and rec["evidence"] for rec in recs)
    assert body["result"]["versions"]["build"]
    assert body["company"]["industry_name"] == "산업용 로봇 제조업"
    assert any(n["code"] == "filled_from_code" for n in body["notes"])
    assert body["degraded"] is False
    assert r.headers["x-request-id"]


def test_run_is_recorded_without_personal_data(harness: ApiHarness) -> None:
    body = harness.classify(company()).json()
    run = harness.store.get_run(body["run_id"])
    assert run is not None
    assert run.company.main_products == company()["main_products"]
    assert "홍길동" not in run.result_json and "이노로보틱스" not in run.result_json
    assert run.versions.build_id == body["result"]["versions"]["build"]


@pytest.mark.parametrize(
    "field,label",
    [
        ("company_name", "기업명"),
        ("business_number", "사업자등록번호"),
        ("representative_name", "대표자명"),
        ("ksic_code", "업종코드"),
        ("main_products", "주요제품"),
        ("product_use", "제품용도"),
        ("tech_business_name", "기술사업명"),
        ("st_code", "기술분류"),
    ],
)
def test_blank_required_field_is_named(harness: ApiHarness, field: str, label: str) -> None:
    r = harness.classify(company(**{field: "   "}))
    assert r.status_code == 422
    err = error_of(r)
    assert err["field"] == field
    assert f"'{label}' 항목이 공란입니다" in str(err["message"])
    assert "공란 입력" in str(err["message"])


def test_all_blank_problems_are_listed(harness: ApiHarness) -> None:
    r = harness.classify({"main_products": "로봇"})
    err = error_of(r)
    fields = {d["field"] for d in err["details"]}  # type: ignore[attr-defined]
    assert {"company_name", "business_number", "ksic_code", "st_code"} <= fields


def test_business_number_check_digit(harness: ApiHarness) -> None:
    bad = harness.classify(company(business_number=invalid_business_number()))
    assert bad.status_code == 422
    err = error_of(bad)
    assert err["field"] == "business_number" and "검증번호" in str(err["message"])
    good = harness.classify(company(business_number=invalid_business_number().replace("-", "")[:9]))
    assert good.status_code == 422  # nine digits: wrong format
    assert "형식" in str(error_of(good)["message"])
    plain = company()["business_number"].replace("-", "")
    assert harness.classify(company(business_number=plain)).status_code == 200


def test_ksic_unknown_and_tenth_revision_mapped(harness: ApiHarness) -> None:
    unknown = harness.classify(company(ksic_code="99999"))
    assert unknown.status_code == 422 and error_of(unknown)["field"] == "ksic_code"
    short = harness.classify(company(ksic_code="2928"))
    assert short.status_code == 422 and "5자리" in str(error_of(short)["message"])
    mapped = harness.classify(company(ksic_code="10401"))
    assert mapped.status_code == 200
    body = mapped.json()
    assert body["company"]["ksic_code"] == "10411"
    note = next(n for n in body["notes"] if n["code"] == "ksic10_mapped")
    assert "10401" in note["message"] and "10411" in note["message"]


def test_st_code_format_and_major(harness: ApiHarness) -> None:
    bad_format = harness.classify(company(st_code="E01"))
    assert bad_format.status_code == 422
    assert error_of(bad_format)["field"] == "st_code"
    unknown_major = harness.classify(company(st_code="ZZ0101"))
    assert unknown_major.status_code == 422
    assert "ZZ" in str(error_of(unknown_major)["message"])
    lower = harness.classify(company(st_code="ea0101"))
    assert lower.status_code == 200 and lower.json()["company"]["st_code"] == "EA0101"


def test_field_length_is_bounded(harness: ApiHarness) -> None:
    r = harness.classify(company(main_products="가" * 2001))
    assert r.status_code == 422
    err = error_of(r)
    assert err["field"] == "main_products" and "2,000자" in str(err["message"])


def test_oversized_body_is_413(harness: ApiHarness) -> None:
    r = harness.client.post(
        "/v1/classify",
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={**harness.headers(), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"


def test_malformed_json_and_unknown_field(harness: ApiHarness) -> None:
    json_headers = {**harness.headers(), "Content-Type": "application/json"}
    r = harness.client.post("/v1/classify", content=b"{not json", headers=json_headers)
    assert r.status_code == 422 and error_of(r)["code"] == "validation_error"
    typo = harness.classify({**company(), "main_product": "x"})
    assert typo.status_code == 422 and error_of(typo)["field"] == "main_product"


def test_api_role_may_omit_personal_fields(harness: ApiHarness) -> None:
    personal = {"company_name", "business_number", "representative_name"}
    anonymous = {k: v for k, v in company().items() if k not in personal}
    assert harness.classify(anonymous, role="api").status_code == 200
    assert harness.classify(anonymous, role="reviewer").status_code == 422
    bad = {**anonymous, "business_number": invalid_business_number()}
    assert harness.classify(bad, role="api").status_code == 422


def test_request_id_is_echoed(harness: ApiHarness) -> None:
    r = harness.client.post(
        "/v1/classify", json=company(ksic_code=""), headers={**harness.headers(), "X-Request-ID": "abc-123"}
    )
    assert r.headers["x-request-id"] == "abc-123"
    assert error_of(r)["request_id"] == "abc-123"
