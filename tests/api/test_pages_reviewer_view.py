"""What the reviewer sees, through HTTP (issue 12; the browser tier checks the same on screen):
the 업종명 filled from the code is marked and never the company's words, Korean time for every
date, Korean labels, codes with one legend line, versions in a details element, a favicon."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import text

from api.pages.result_view import PROVISIONAL_LEGEND
from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    module_classifier,
    small_catalog_file,
)
from tests.support.reliability_support import HTML, page_login

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]

PERSONAL = ("company_name", "business_number", "representative_name")


def classify_page(h: ApiHarness, token: str, **form: str) -> str:
    r = h.client.post("/classify", data={**company(), "csrf_token": token, **form}, headers=HTML)
    assert r.status_code == 200, r.text
    return r.text


CHIP = re.compile(r'<span class="chip" title="[^"]*">([^<]+)<span class="chip-field">([^<]+)</span>')


def chips(page: str) -> list[tuple[str, str]]:
    return CHIP.findall(page)


def save_page(h: ApiHarness, token: str, page: str, choice: str) -> str:
    run_id = re.search(r'name="run_id" value="(\d+)"', page)
    assert run_id
    form = {"csrf_token": token, "run_id": run_id.group(1), "choice": choice}
    r = h.client.post("/decisions", data={**form, **{k: company()[k] for k in PERSONAL}})
    assert r.status_code == 200, r.text
    return r.text


def test_filled_in_industry_name_is_marked_and_not_a_keyword(harness: ApiHarness) -> None:
    token = page_login(harness.client, harness.keys["reviewer"])
    # the script filled 업종명 from 업종코드 and said so (industry_name_auto=1)
    auto = classify_page(harness, token, industry_name="산업용 로봇 제조업", industry_name_auto="1")
    assert 'id="industry_name-note">(업종코드에서 자동 입력)' in auto
    assert chips(auto) and all(where != "업종명" for _, where in chips(auto))
    assert "업종명에 적힌" not in auto and "업종명을 업종코드에서 채웠습니다" not in auto
    assert 'name="industry_name_auto" value="1"' in auto  # 재분류 keeps the flag
    # the reviewer's own 업종명 is theirs: no note, and it may give keywords
    typed = classify_page(harness, token, industry_name="협동로봇 감속기 가공", industry_name_auto="")
    assert "업종코드에서 자동 입력" not in typed
    # a name the reviewer left blank is filled on the server, and marked the same way
    blank = classify_page(harness, token, industry_name="")
    assert "(업종코드에서 자동 입력)" in blank and "산업용 로봇 제조업" in blank


def test_screen2_codes_versions_and_korean_labels(harness: ApiHarness) -> None:
    token = page_login(harness.client, harness.keys["reviewer"])
    page = classify_page(harness, token, industry_name_auto="1")
    assert "(임시)" not in page and page.count(PROVISIONAL_LEGEND) == 1
    codes = re.findall(r'<td class="codes">(.*?)</td>', page)
    assert len(codes) == 3
    for cell in codes:
        plain = re.sub(r"</?strong>", "", cell).replace("&gt;", ">")
        assert re.fullmatch(r"[A-Z]+\d*\*? > [A-Z]+\d+\*? > [A-Z]+\d+\*?", plain), plain
    build = harness.classifier.versions["build"]
    footer = page.split("<footer", 1)[1]
    assert build not in footer and '<details class="versions" id="versions">' in page
    assert build in page.split('id="versions"', 1)[1]
    visible = re.sub(r"<[^>]+>", " ", page)  # what a reviewer reads, not attribute values
    for raw in ("recommended", "not_applicable", "(xAI)"):
        assert raw not in visible, raw
    assert not re.search(r"(?<!순위 )추천 채택:", visible)  # the label reads "1순위 추천 채택: …"


def test_decision_pages_show_korean_time_and_korean_words(harness: ApiHarness) -> None:
    token = page_login(harness.client, harness.keys["reviewer"])
    page = classify_page(harness, token, industry_name_auto="1")
    reference_date = re.search(r"<th>분류기준일</th><td>([\d-]+)</td>", page)
    assert reference_date
    detail = save_page(harness, token, page, "NONE")
    assert "UTC" not in detail and "한국 시간" in detail
    saved_at = re.search(r'id="saved-at">([^<]+)<', detail)
    assert saved_at and saved_at.group(1).startswith(reference_date.group(1))
    result = re.search(r'id="run-result">([^<]+)<', detail)
    assert result and result.group(1).split(" · ")[0] in {"추천", "검토 필요", "해당 없음"}
    assert "recommended" not in detail and "review ·" not in detail and "llm_model=" not in detail
    listing = harness.client.get("/decisions").text
    assert f'<td class="date">{reference_date.group(1)}</td>' in listing
    assert "<th>사업자등록번호</th>" in listing


def test_list_date_and_date_filter_are_korean_days(harness: ApiHarness) -> None:
    """Saved at 16:30 UTC on 1 Jan = 01:30 on 2 Jan in Seoul: listed, found and shown as 2 Jan."""
    token = page_login(harness.client, harness.keys["reviewer"])
    save_page(harness, token, classify_page(harness, token), "NONE")
    with harness.store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET created_at = :t"), {"t": datetime(2026, 1, 1, 16, 30)})
    listing = harness.client.get("/decisions?date_from=2026-01-02&date_to=2026-01-02").text
    assert '<td class="date">2026-01-02</td>' in listing
    assert "조건에 맞는 판정이 없습니다" in harness.client.get("/decisions?date_to=2026-01-01").text
    api = harness.client.get("/v1/decisions?date_from=2026-01-02", headers=harness.headers()).json()
    assert api["items"][0]["created_at"] == "2026-01-02T01:30:00+09:00"
    at = datetime.fromisoformat(api["items"][0]["created_at"])
    assert at == datetime(2026, 1, 1, 16, 30, tzinfo=UTC)


def test_decision_list_headers_do_not_wrap_mid_word(harness: ApiHarness) -> None:
    css = harness.client.get("/static/style.css").text
    rule = re.search(r"\.list th \{([^}]*)\}", css)
    assert rule and "white-space: nowrap" in rule.group(1) and "word-break: keep-all" in rule.group(1)


def test_favicon_is_public_and_local(harness: ApiHarness) -> None:
    r = harness.client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page_login(harness.client, harness.keys["reviewer"])
    assert '<link rel="icon" href="/favicon.ico"' in harness.client.get("/").text


def test_wholesaler_naming_the_goods_makers_is_not_applicable(harness: ApiHarness) -> None:
    """제조사 are the makers of the goods a wholesaler buys, not its own manufacturing."""
    body = company(
        ksic_code="46452",
        main_products="문구류 도매",
        product_use="국내 제조사 제품을 매입해 학교와 기업에 납품",
        tech_business_name="문구 유통",
        st_code="LB0101",
    )
    result = harness.classify(body).json()["result"]
    assert result["decision"] == "not_applicable", result["decision_reason"]
    assert all("부합합니다" not in r["rationale"] for r in result["recommendations"])
