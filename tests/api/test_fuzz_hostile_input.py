"""Hostile input: oversized fields and bodies, control characters, mixed scripts, SQL and markup.

Nothing may answer 5xx; what is refused is refused with the Korean envelope; what is accepted
is stored as given and shown escaped on every page (no XSS).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from api.auth.keys import create_key
from api.decisions.masking import mask_company_name
from catalog.company_fields import MAX_FIELD_CHARS
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier
from store.factory import open_store
from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    module_classifier,
    settings_for,
    small_catalog_file,
)
from tests.support.reliability_support import HTML, page_login
from tests.support.system_services import postgres_url

__all__ = ["api_build", "harness", "module_classifier", "postgres_url", "small_catalog_file"]

TEXT_FIELDS = ("industry_name", "main_products", "product_use", "tech_business_name")
PERSONAL_FIELDS = ("company_name", "representative_name")
XSS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}",
    "' onmouseover='alert(1)",
]
SQL = [
    "'; DROP TABLE decisions; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "%' UNION SELECT secret_hash FROM api_keys --",
]
CONTROL = ["\x00", "\x07\x08", "\x1b[31m", "\u202e", "\u200b\ufeff", "\r\n\t", "\u2028\u2029", "\x7f\x85"]
MIXED = "로봇 ロボット 機器人 robot робот روبوت 🤖 Ⅻ ｆｕｌｌ ＩＧ００１ e\u0301"


def tables(harness: ApiHarness) -> set[str]:
    path = harness.settings.data_dir / "innogrowth.db"
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def assert_envelope(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text[:300]
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] and error["message"] and error["request_id"]
    return error


# --- sizes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", [*TEXT_FIELDS, *PERSONAL_FIELDS])
def test_oversized_field_is_422_naming_the_field(harness: ApiHarness, field: str) -> None:
    r = harness.classify(company(**{field: "가" * (MAX_FIELD_CHARS + 1)}))
    error = assert_envelope(r, 422)
    assert error["field"] == field and f"{MAX_FIELD_CHARS:,}자" in error["message"]
    assert harness.store.get_run(1) is None  # nothing was recorded


def test_a_field_at_the_limit_is_classified(harness: ApiHarness) -> None:
    r = harness.classify(company(main_products="산업용 자율주행 물류로봇 " * (MAX_FIELD_CHARS // 14)))
    assert r.status_code == 200, r.text[:300]


def test_oversized_bodies_are_413(harness: ApiHarness) -> None:
    big = b'{"main_products": "' + b"a" * 1_100_000 + b'"}'
    headers = {**harness.headers(), "Content-Type": "application/json"}
    assert_envelope(harness.client.post("/v1/classify", content=big, headers=headers), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield b'{"main_products": "'
        for _ in range(40):
            yield b"a" * 50_000
        yield b'"}'

    assert_envelope(harness.client.post("/v1/classify", content=chunks(), headers=headers), 413)
    batch = b"main_products\n" + b"x" * 10_100_000
    batch_headers = {**harness.headers(), "Content-Type": "text/csv"}
    assert_envelope(harness.client.post("/v1/classify/batch", content=batch, headers=batch_headers), 413)


def test_deeply_nested_or_malformed_json_is_a_4xx(harness: ApiHarness) -> None:
    headers = {**harness.headers(), "Content-Type": "application/json"}
    for body in (
        b"[" * 200_000,
        b'{"a":' * 50_000,
        b"\xff\xfe\x00",
        b'{"main_products": "\\ud800"}',
        b"nul\x00",
    ):
        r = harness.client.post("/v1/classify", content=body, headers=headers)
        assert 400 <= r.status_code < 500, (body[:20], r.status_code, r.text[:200])


def test_long_comment_and_query_strings(harness: ApiHarness) -> None:
    run_id = harness.classify(company()).json()["run_id"]
    body = {"run_id": run_id, "final_item_id": "NONE", "comment": "의" * 2001, **company()}
    body = {k: v for k, v in body.items() if k in {"run_id", "final_item_id", "comment", *PERSONAL_FIELDS}}
    body["business_number"] = company()["business_number"]
    assert_envelope(harness.client.post("/v1/decisions", json=body, headers=harness.headers()), 422)
    r = harness.client.get("/v1/decisions", params={"q": "x" * 201}, headers=harness.headers())
    assert_envelope(r, 422)
    r = harness.client.get(
        "/v1/decisions", params={"page": "99999999999999999999"}, headers=harness.headers()
    )
    assert_envelope(r, 422)


# --- characters --------------------------------------------------------------------------------------


@pytest.mark.parametrize("chars", CONTROL, ids=[repr(c) for c in CONTROL])
def test_control_characters_never_break_the_service(harness: ApiHarness, chars: str) -> None:
    body = company(main_products=f"산업용{chars}자율주행 물류로봇", company_name=f"이노{chars}로보틱스(주)")
    r = harness.classify(body)
    assert r.status_code in (200, 422), r.text[:300]
    if r.status_code == 200:
        run_id = r.json()["run_id"]
        personal = {k: body[k] for k in ("company_name", "business_number", "representative_name")}
        saved = harness.client.post(
            "/v1/decisions",
            json={"run_id": run_id, "final_item_id": "NONE", **personal},
            headers=harness.headers(),
        )
        assert saved.status_code in (201, 422), saved.text[:300]
        listed = harness.client.get("/v1/decisions", headers=harness.headers())
        assert listed.status_code == 200


def test_mixed_scripts_are_classified_and_echoed(harness: ApiHarness) -> None:
    r = harness.classify(company(main_products=MIXED, tech_business_name=MIXED))
    assert r.status_code == 200, r.text
    assert r.json()["company"]["main_products"] == MIXED  # stored and echoed exactly as given


def save_sql_payload_decisions(harness: ApiHarness) -> None:
    """One classification and saved decision per SQL payload, in the products, name and comment."""
    for payload in SQL:
        body = company(main_products=f"물류로봇 {payload}", company_name=f"이노{payload}")
        run = harness.classify(body)
        assert run.status_code == 200, run.text
        personal = {k: body[k] for k in ("company_name", "business_number", "representative_name")}
        saved = harness.client.post(
            "/v1/decisions",
            json={"run_id": run.json()["run_id"], "final_item_id": "NONE", "comment": payload, **personal},
            headers=harness.headers(),
        )
        assert saved.status_code == 201, saved.text


def search_total(harness: ApiHarness, **params: str) -> int:
    found = harness.client.get("/v1/decisions", params=params, headers=harness.headers())
    assert found.status_code == 200, found.text
    total: int = found.json()["total"]
    assert total == len(found.json()["items"])  # one page holds them all here
    return total


def test_sql_payloads_are_data(harness: ApiHarness) -> None:
    before = tables(harness)
    save_sql_payload_decisions(harness)
    for payload in SQL:
        assert search_total(harness, q=payload) == 1, payload  # the literal text, not a predicate
        by_item = harness.client.get("/v1/decisions", params={"item": payload}, headers=harness.headers())
        assert (by_item.status_code, by_item.json().get("total", 0)) in ((200, 0), (422, 0))
    # every saved row is still there, once: no payload deleted, duplicated or hid a row
    assert search_total(harness) == search_total(harness, q="물류로봇") == len(SQL)
    assert tables(harness) == before and "decisions" in before


def test_like_wildcards_in_search_are_literal(harness: ApiHarness) -> None:
    save_sql_payload_decisions(harness)
    # only the UNION payload holds a literal % or _ ("secret_hash", "api_keys")
    assert search_total(harness, q="%") == 1
    assert search_total(harness, q="_") == 1


# --- markup on the pages -------------------------------------------------------------------------------


def assert_escaped(page: str, payload: str) -> None:
    assert str(escape(payload)) in page, payload
    if "<" in payload:
        assert payload not in page, f"raw markup on the page: {payload}"


def test_markup_is_escaped_on_every_page(harness: ApiHarness) -> None:
    client = harness.client
    csrf = page_login(client, harness.keys["reviewer"])
    for payload in XSS:
        values = company(
            company_name=f"기업{payload}",
            representative_name=f"홍{payload}",
            main_products=f"물류로봇 {payload}",
            product_use=f"무인 운반 {payload}",
            tech_business_name=f"로봇 개발 {payload}",
        )
        screen2 = client.post("/classify", data={**values, "csrf_token": csrf}, headers=HTML)
        assert screen2.status_code == 200, screen2.text[:300]
        for field in ("company_name", "main_products", "product_use", "tech_business_name"):
            assert_escaped(screen2.text, values[field])
        edit = client.post("/edit", data={**values, "csrf_token": csrf}, headers=HTML)
        assert_escaped(edit.text, values["main_products"])
        run_id = int(screen2.text.split('name="run_id" value="')[1].split('"')[0])
        form = {
            "csrf_token": csrf,
            "run_id": str(run_id),
            "choice": "NONE",
            "comment": f"의견 {payload}",
            **{k: values[k] for k in ("company_name", "business_number", "representative_name")},
        }
        saved = client.post("/decisions", data=form, headers=HTML, follow_redirects=False)
        assert saved.status_code == 303, saved.text[:300]
        detail = client.get(saved.headers["location"], headers=HTML)
        assert_escaped(detail.text, form["comment"])
        assert_escaped(detail.text, mask_company_name(values["company_name"]))
        listing = client.get("/decisions", params={"q": payload}, headers=HTML)
        assert listing.status_code == 200
        assert_escaped(listing.text, mask_company_name(values["company_name"]))
        assert_escaped(listing.text, payload)  # the search box echoes the query
        missing = client.get(f"/items/{payload}", headers=HTML)
        assert missing.status_code in (404, 422) and "<script>alert" not in missing.text
    login_page = client.get("/login", params={"next": '/"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in login_page.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=300))
def test_any_text_is_echoed_escaped_on_screen1(harness: ApiHarness, text: str) -> None:
    """재분류 (POST /edit) shows the posted fields back: any text, exactly, escaped."""
    if not hasattr(harness, "csrf"):
        harness.csrf = page_login(harness.client, harness.keys["reviewer"])  # type: ignore[attr-defined]
    values = company(main_products=text)
    r = harness.client.post("/edit", data={**values, "csrf_token": harness.csrf}, headers=HTML)  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text[:300]
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    assert str(escape(normalised)) in r.text.replace("\r\n", "\n") or str(escape(text)) in r.text


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(TEXT_FIELDS),
    text=st.text(st.characters(codec="utf-8"), min_size=0, max_size=400),
)
def test_any_text_field_classifies_or_is_refused_cleanly(harness: ApiHarness, field: str, text: str) -> None:
    r = harness.classify(company(**{field: text}))
    assert r.status_code in (200, 422), r.text[:300]
    if r.status_code == 422:
        assert r.json()["error"]["field"] == field


@pytest.mark.postgres
def test_control_characters_on_postgresql(
    postgres_url: str,
    tmp_path: Path,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> None:
    """PostgreSQL refuses NUL in text; the service must not turn such input into a 5xx."""
    settings = settings_for(tmp_path, small_catalog_file, api_build, database_url=postgres_url)
    store = open_store(postgres_url)
    key = create_key(store, name="nul", role="reviewer").plaintext
    with TestClient(create_app(settings, classifier=module_classifier, store=store)) as client:
        for chars in CONTROL:
            body = company(main_products=f"산업용{chars}물류로봇", company_name=f"이노{chars}(주)")
            r = client.post("/v1/classify", json=body, headers={"X-API-Key": key})
            assert r.status_code in (200, 422), (repr(chars), r.status_code, r.text[:300])
            if r.status_code == 200:
                personal = {k: body[k] for k in ("company_name", "business_number", "representative_name")}
                saved = client.post(
                    "/v1/decisions",
                    json={
                        "run_id": r.json()["run_id"],
                        "final_item_id": "NONE",
                        "comment": chars,
                        **personal,
                    },
                    headers={"X-API-Key": key},
                )
                assert saved.status_code in (201, 422), (repr(chars), saved.status_code, saved.text[:300])
            found = client.get("/v1/decisions", params={"q": f"이노{chars}"}, headers={"X-API-Key": key})
            assert found.status_code in (200, 422), (repr(chars), found.status_code, found.text[:300])
    store.engine.dispose()


HUGE_IDS = [2**31, 2**63, 10**30]


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_out_of_range_ids_are_4xx(harness: ApiHarness, huge: int) -> None:
    """Ids past the database's integer range (PostgreSQL INTEGER, SQLite 64-bit) are simply not found."""
    r = harness.client.get(f"/v1/decisions/{huge}", headers=harness.headers())
    assert r.status_code in (404, 422), r.text[:300]
    personal = {k: company()[k] for k in ("company_name", "business_number", "representative_name")}
    body = {"run_id": huge, "final_item_id": "NONE", **personal}
    r = harness.client.post("/v1/decisions", json=body, headers=harness.headers())
    assert r.status_code in (404, 422), r.text[:300]
    csrf = page_login(harness.client, harness.keys["reviewer"])
    page = harness.client.get(f"/decisions/{huge}", headers=HTML)
    assert page.status_code in (404, 422), page.text[:300]
    form = {"csrf_token": csrf, "run_id": str(huge), "choice": "NONE", **personal}
    saved = harness.client.post("/decisions", data=form, headers=HTML, follow_redirects=False)
    assert saved.status_code in (404, 422), saved.text[:300]


@pytest.mark.parametrize("raw", ["²", "١٢", "-1", "1e9", " 7", "0x10", "9" * 40])
def test_odd_run_ids_on_the_save_page(harness: ApiHarness, raw: str) -> None:
    csrf = page_login(harness.client, harness.keys["reviewer"])
    personal = {k: company()[k] for k in ("company_name", "business_number", "representative_name")}
    form = {"csrf_token": csrf, "run_id": raw, "choice": "NONE", **personal}
    saved = harness.client.post("/decisions", data=form, headers=HTML, follow_redirects=False)
    assert saved.status_code in (404, 422), saved.text[:300]
