"""The reviewer pages through HTTP (no browser): login, CSRF, screen 1 and 2, save, list, item."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    module_classifier,
    small_catalog_file,
)

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]

HTML = {"Accept": "text/html"}


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF field on the page"
    return match.group(1)


def login(client: TestClient, key: str) -> str:
    page = client.get("/login").text
    r = client.post(
        "/login", data={"api_key": key, "csrf_token": csrf(page), "next": "/"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    set_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    return csrf(client.get("/").text)


def test_pages_need_login(harness: ApiHarness) -> None:
    r = harness.client.get("/", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/")
    assert harness.client.get("/decisions", follow_redirects=False).status_code == 303


def test_login_rejects_bad_key_and_api_role(harness: ApiHarness) -> None:
    page = harness.client.get("/login").text
    bad = harness.client.post("/login", data={"api_key": "nope", "csrf_token": csrf(page)})
    assert bad.status_code == 401 and "올바르지 않거나" in bad.text
    api = harness.client.post("/login", data={"api_key": harness.keys["api"], "csrf_token": csrf(page)})
    assert api.status_code == 403


def test_post_without_csrf_is_refused(harness: ApiHarness) -> None:
    login(harness.client, harness.keys["reviewer"])
    r = harness.client.post("/classify", data=company(), headers=HTML)
    assert r.status_code == 403 and "보안 토큰" in r.text


def test_blank_field_shows_message_and_classifies_nothing(harness: ApiHarness) -> None:
    token = login(harness.client, harness.keys["reviewer"])
    r = harness.client.post(
        "/classify", data={**company(representative_name=""), "csrf_token": token}, headers=HTML
    )
    assert r.status_code == 422
    assert "공란 입력" in r.text and "&#39;대표자명&#39; 항목이 공란입니다" in r.text
    assert "분류검색 결과" not in r.text
    assert harness.store.get_run(1) is None
    assert 'value="이노로보틱스(주)"' in r.text  # the other inputs are kept


def test_screen2_shows_items_rationale_marks_and_saves(harness: ApiHarness) -> None:
    token = login(harness.client, harness.keys["reviewer"])
    r = harness.client.post("/classify", data={**company(), "csrf_token": token}, headers=HTML)
    assert r.status_code == 200, r.text
    page = r.text
    assert "분류검색 결과" in page and page.count('class="rec-row"') == 3
    assert "<mark>" in page and "기여 키워드" in page and "#L" in page
    assert "산업용 로봇 제조업" in page  # 업종명 filled from the code
    run_id = re.search(r'name="run_id" value="(\d+)"', page)
    assert run_id
    choice = re.search(r'name="choice" value="(IG\d+)"', page)
    assert choice
    saved = harness.client.post(
        "/decisions",
        data={
            "csrf_token": token,
            "run_id": run_id.group(1),
            "choice": choice.group(1),
            "comment": "<script>alert(1)</script>",
            "company_name": "이노로보틱스(주)",
            "business_number": company()["business_number"],
            "representative_name": "홍길동",
        },
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "저장되었습니다" in saved.text
    assert "<script>alert(1)</script>" not in saved.text and "&lt;script&gt;" in saved.text
    listing = harness.client.get("/decisions?q=이노로보틱스").text
    assert "이****스(주)" in listing and "이노로보틱스(주)" not in listing  # 기업명 masked, legal form kept
    assert "홍*동" in listing and "홍길동" not in listing
    assert company()["business_number"] not in listing and "-*****" in listing


def test_edit_keeps_inputs(harness: ApiHarness) -> None:
    token = login(harness.client, harness.keys["reviewer"])
    data = {**company(main_products='물류로봇 "X-1" <신형>'), "csrf_token": token}
    r = harness.client.post("/edit", data=data, headers=HTML)
    assert r.status_code == 200
    assert 'value="이노로보틱스(주)"' in r.text and "물류로봇 &#34;X-1&#34; &lt;신형&gt;" in r.text


def test_item_page_numbers_lines_like_evidence_ids(harness: ApiHarness) -> None:
    login(harness.client, harness.keys["reviewer"])
    item = harness.classifier.catalog.items[0]
    page = harness.client.get(f"/items/{item.id}").text
    assert 'id="L1"' in page and f"{item.id}#L1" in page and item.name in page
    missing = harness.client.get("/items/IG999", headers=HTML)
    assert missing.status_code == 404 and "찾을 수 없습니다" in missing.text


def test_ksic_lookup_works_with_the_session_cookie(harness: ApiHarness) -> None:
    login(harness.client, harness.keys["reviewer"])
    assert harness.client.get("/v1/lookup/ksic/29280").json()["name"] == "산업용 로봇 제조업"
    # the cookie never authorises a state-changing API call
    assert harness.client.post("/v1/classify", json=company()).status_code == 401


def test_logout(harness: ApiHarness) -> None:
    token = login(harness.client, harness.keys["reviewer"])
    harness.client.post("/logout", data={"csrf_token": token})
    assert harness.client.get("/", follow_redirects=False).status_code == 303


def test_login_redirects_only_to_local_paths(harness: ApiHarness) -> None:
    page = harness.client.get("/login?next=//evil.example/x").text
    assert 'name="next" value="/"' in page
    form = {"api_key": harness.keys["reviewer"], "csrf_token": csrf(page), "next": "https://evil.example/"}
    r = harness.client.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
