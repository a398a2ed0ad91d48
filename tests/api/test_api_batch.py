"""POST /v1/classify/batch: JSON list, CSV upload, JSONL body; bad rows reported per line."""

from __future__ import annotations

import json
from typing import Any

from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    module_classifier,
    small_catalog_file,
)

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]


def lines_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_list_streams_one_line_per_row_and_keeps_going(harness: ApiHarness) -> None:
    rows = [
        {"id": "a", **{k: v for k, v in company().items() if k != "business_number"}},
        {"id": "b", "ksic_code": "29280"},
        "not an object",
        {"id": "d", "main_products": "의료영상 AI 진단 소프트웨어", "st_code": "ZZ0101"},
        {"id": "e", "main_products": "리튬이온 배터리 양극재", "ksic_code": "10401"},
    ]
    r = harness.client.post("/v1/classify/batch", json=rows, headers=harness.headers("api"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    out = lines_of(r.text)
    by_id = {o.get("id"): o for o in out if "id" in o}
    assert by_id["a"]["ok"] and len(by_id["a"]["result"]["recommendations"]) >= 1
    assert "company_name" not in by_id["a"]["company"]
    assert not by_id["b"]["ok"] and "공란 입력" in by_id["b"]["error"]["message"]
    assert not by_id["L3"]["ok"] and by_id["L3"]["line"] == 3
    assert not by_id["d"]["ok"] and by_id["d"]["error"]["field"] == "st_code"
    assert by_id["e"]["ok"] and by_id["e"]["company"]["ksic_code"] == "10411"
    assert out[-1] == {"summary": {"rows": 5, "ok": 2, "failed": 3}}


def test_csv_upload_with_korean_headers(harness: ApiHarness) -> None:
    csv_text = (
        "id,업종코드,주요제품,제품의 용도 및 특성,기술사업명,기술분류\n"
        'c1,29280,산업용 물류로봇,"창고 무인 운반, 라이다",물류로봇 개발,EA0101\n'
        "c2,99999,산업용 물류로봇,,,\n"
    )
    files = {"file": ("companies.csv", csv_text.encode("utf-8"), "text/csv")}
    r = harness.client.post("/v1/classify/batch", files=files, headers=harness.headers("api"))
    assert r.status_code == 200, r.text
    out = lines_of(r.text)
    assert (
        out[0]["id"] == "c1" and out[0]["ok"] and out[0]["company"]["product_use"] == "창고 무인 운반, 라이다"
    )
    assert out[1]["id"] == "c2" and out[1]["line"] == 3 and out[1]["error"]["field"] == "ksic_code"


def test_jsonl_body_with_a_broken_line(harness: ApiHarness) -> None:
    body = '{"id": "x", "main_products": "산업용 물류로봇"}\n{broken\n'
    headers = {**harness.headers("api"), "Content-Type": "application/x-ndjson"}
    out = lines_of(
        harness.client.post("/v1/classify/batch?use_llm=false", content=body, headers=headers).text
    )
    assert out[0]["ok"] and out[1]["line"] == 2 and out[1]["error"]["code"] == "unreadable_row"


def test_batch_bounds(harness: ApiHarness) -> None:
    too_many = [{"main_products": "로봇"}] * 10_001
    r = harness.client.post("/v1/classify/batch", json=too_many, headers=harness.headers("api"))
    assert r.status_code == 413 and "10,000" in r.json()["error"]["message"]
    huge = b'[{"main_products": "' + b"a" * 10_100_000 + b'"}]'
    headers = {**harness.headers("api"), "Content-Type": "application/json"}
    r = harness.client.post("/v1/classify/batch", content=huge, headers=headers)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    r = harness.client.post("/v1/classify/batch", content=b'{"x": 1}', headers=headers)
    assert r.status_code == 422


def test_batch_needs_auth(harness: ApiHarness) -> None:
    assert harness.client.post("/v1/classify/batch", json=[]).status_code == 401
