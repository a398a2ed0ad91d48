"""The reviewer pages in headless Chromium (Debian's `chromium`, driven by Playwright).

Screenshots go to a temporary folder; with INNOGROWTH_UPDATE_SCREENSHOTS=1 they replace
docs/screenshots/: screen1.png, screen2.png (추천), screen2-review.png (검토 필요),
screen2-not-applicable.png (해당 없음) and decisions.png (판정 목록).

The small test build (80 judgments) gives flat confidences (a top item at 25-32 %), so this
module's live server runs with a 추천 threshold of 0.2 (the abstain threshold) to have a 추천 to
show; the default threshold (0.33) is tested in tests/test_reviewer_wording.py.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.auth.keys import create_key
from api.decisions.masking import mask_company_name
from api.validation import KST
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier
from store.factory import open_store
from tests.support.api_fixtures import (
    api_build,
    company,
    module_classifier,
    settings_for,
    small_catalog_file,
)
from tests.support.system_services import CHROMIUM_ARGS, free_port, require_chromium

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1366, "height": 900}
SMALL_BUILD_RECOMMEND_THRESHOLD = 0.2


@dataclass
class LiveServer:
    url: str
    reviewer_key: str


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> Iterator[LiveServer]:
    settings = settings_for(tmp_path_factory.mktemp("live"), small_catalog_file, api_build)
    store = open_store(settings.resolved_database_url())
    key = create_key(store, name="김심사", role="reviewer").plaintext
    options = dataclasses.replace(
        module_classifier.options, recommend_threshold=SMALL_BUILD_RECOMMEND_THRESHOLD
    )
    classifier = Classifier(
        module_classifier.resources, module_classifier.ranker, options=options, cache=module_classifier.cache
    )
    app = create_app(settings, classifier=classifier, store=store)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    calibrate_thresholds(classifier, f"http://127.0.0.1:{port}", key)
    yield LiveServer(f"http://127.0.0.1:{port}", key)
    server.should_exit = True
    thread.join(timeout=10)


def calibrate_thresholds(classifier: Classifier, url: str, key: str) -> None:
    """Set this server's 추천 and 해당 없음 thresholds between what the small build gives the three
    sample companies, so that each page test sees its decision whatever the small build's ranker
    learned (the thresholds' own values are tested in tests/test_reviewer_wording.py)."""
    import httpx

    seen = {}
    for name, values in (("recommended", RECOMMENDED), ("review", REVIEW), ("none", NOT_APPLICABLE)):
        r = httpx.post(f"{url}/v1/classify", json=values, headers={"X-API-Key": key}, timeout=120)
        assert r.status_code == 200, r.text
        result = r.json()["result"]
        seen[name] = (result["recommendations"][0]["confidence"], result["none_probability"])
    (conf_rec, p_rec), (conf_rev, p_rev), (_, p_none) = seen["recommended"], seen["review"], seen["none"]
    if not (conf_rec > conf_rev and p_none > max(p_rec, p_rev)):
        pytest.fail(f"the small build no longer separates the three sample companies: {seen}")
    classifier.options = dataclasses.replace(
        classifier.options,
        recommend_threshold=(conf_rec + conf_rev) / 2,
        abstain_threshold=min(classifier.options.abstain_threshold, conf_rev),
        none_threshold=(p_none + max(p_rec, p_rev)) / 2,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="ko-KR")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(live_server.url + "/")
    assert "/login" in tab.url
    tab.fill("#api_key", live_server.reviewer_key)
    tab.click("button[type=submit]")
    tab.wait_for_selector("#company-form")
    yield tab
    context.close()


def screenshot_dir(tmp_path: Path) -> Path:
    if os.environ.get("INNOGROWTH_UPDATE_SCREENSHOTS"):
        target = REPO / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path


def fill_screen1(tab: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        if name in {"industry_name", "reference_date"}:
            continue
        tab.fill(f"#{name}", value)
    tab.dispatch_event("#ksic_code", "change")


def test_blank_field_shows_gongran_message(page: Any) -> None:
    fill_screen1(page, company(main_products=""))
    page.click("#classify-button")
    page.wait_for_selector("#blank-alert")
    alert = page.inner_text("#blank-alert")
    assert "공란 입력" in alert and "'주요제품' 항목이 공란입니다" in alert
    assert page.query_selector("#recommendations") is None
    assert page.input_value("#company_name") == company()["company_name"]


RECOMMENDED = company()  # the robot maker: 추천 at this module's threshold
REVIEW = company(  # an AI platform split between several AI items: 검토 필요
    ksic_code="58222",
    main_products="기업용 AI 플랫폼",
    product_use="사내 문서를 학습한 인공지능으로 질의응답과 보고서 초안을 자동 생성하는 플랫폼",
    tech_business_name="AI 기반 업무지원 플랫폼",
    st_code="EE0299",
)
NOT_APPLICABLE = company(  # a lighting maker: 해당 없음 from P(해당 없음), not from a rule
    ksic_code="28422",
    main_products="LED조명",
    product_use="사무실과 공장용 LED 조명기구 생산",
    tech_business_name="LED 조명기구 생산",
    st_code="EE0101",
)
PERCENT = r"(\d+% 미만|\d+% 초과|\d+%)"
RAW_LABELS = ("recommended", "not_applicable", "(임시)", "UTC")


def classify(tab: Any, values: dict[str, str]) -> None:
    fill_screen1(tab, values)
    wait_for_industry_name(tab, re.compile(r"\S"))
    tab.click("#classify-button")
    tab.wait_for_selector("#recommendations")


def wait_for_industry_name(tab: Any, expected: str | re.Pattern[str]) -> None:
    """Wait for the KSIC lookup to fill 업종명.

    A locator assertion, not `wait_for_function("...")`: a string predicate that is false at
    first is re-evaluated with `eval` inside the page, which the pages' CSP (no unsafe-eval)
    refuses, so that wait failed whenever the lookup had not answered yet.
    """
    from playwright.sync_api import expect

    expect(tab.locator("#industry_name")).to_have_value(expected)


def texts(tab: Any, selector: str) -> list[str]:
    return [t.strip() for t in tab.locator(selector).all_inner_texts()]


def line_count(tab: Any, selector: str) -> list[int]:
    """Rendered lines of each element's text (1 = it did not wrap)."""
    script = """sel => Array.from(document.querySelectorAll(sel)).map(el => {
        const range = document.createRange(); range.selectNodeContents(el);
        return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size; })"""
    counts: list[int] = tab.evaluate(script, selector)
    return counts


def check_screen2(tab: Any, decision: str) -> None:
    """The points of issue 12 that hold on every screen 2."""
    assert tab.inner_text("#decision-badge") == decision
    body = tab.inner_text("body")
    for raw in RAW_LABELS:
        assert raw not in body, raw
    reason = tab.inner_text("#decision-reason")
    table = texts(tab, ".rec-row .pct")
    top = tab.inner_text("#top-confidence strong")
    none = tab.inner_text("#none-probability strong")
    assert table[0] == top  # one number per fact: the table and the badge agree
    if "1순위 품목의 신뢰도" in reason:
        assert re.search(r"신뢰도\(" + PERCENT + r"\)", reason).group(1) == top  # type: ignore[union-attr]
    if "해당 품목이 없을 가능성" in reason:
        assert re.search(r"가능성\(" + PERCENT + r"\)", reason).group(1) == none  # type: ignore[union-attr]
    standings = texts(tab, ".rec-row td.standing")
    rationales = texts(tab, ".rationale > p:first-of-type")
    for n, (standing, pct, rationale) in enumerate(zip(standings, table, rationales, strict=True), 1):
        if decision == "추천" and n == 1:
            assert standing == "추천" and "부합합니다" in rationale
        else:  # wording that matches the probability, never a match
            assert standing == "참고 후보" and "부합합니다" not in rationale
            assert "참고 후보" in rationale and f"가능성({pct})" in rationale, rationale
    # codes: theme > field > item, official or provisional (marked once), one legend line
    for codes in texts(tab, ".rec-row td.codes"):
        assert re.fullmatch(r"[A-Z]+\d*\*? > [A-Z]+\d+\*? > [A-Z]+\d+\*?", codes), codes
    if "*" in " ".join(texts(tab, ".rec-row td.codes")):
        assert tab.locator("#code-legend").count() == 1 and "임시" in tab.inner_text("#code-legend")
    # keywords: whole words, tagged with their field, none inside another; the filled-in 업종명
    # is not the company's words
    for article in tab.locator(".rationale").all():
        chips = [c.inner_text().split("\n")[0].strip() for c in article.locator(".chip").all()]
        fields = [f.strip() for f in article.locator(".chip-field").all_inner_texts()]
        assert len(fields) == len(chips) and all(fields)
        assert "업종명" not in fields and not {"자율", "주행", "차원", "리튬"} & set(chips)
        for a in chips:
            assert not [b for b in chips if a != b and a in b], chips
        assert "업종명" not in article.locator("p").first.inner_text()
    assert "업종코드에서 자동 입력" in tab.inner_text("#company-echo")
    # versions in a closed details element, not in the footer
    build = tab.locator("#versions td.mono").nth(1).text_content() or ""
    assert build and build not in tab.inner_text("footer")
    assert tab.get_attribute("#versions", "open") is None


def test_recommended_result_save_and_list(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    shots = screenshot_dir(tmp_path)
    values = RECOMMENDED
    fill_screen1(page, values)
    wait_for_industry_name(page, "산업용 로봇 제조업")
    reference_date = page.input_value("#reference_date")  # today in Korea, read-only
    assert reference_date == datetime.now(KST).date().isoformat()
    assert page.get_attribute("#reference_date", "readonly") is not None
    page.screenshot(path=str(shots / "screen1.png"), full_page=True)

    page.click("#classify-button")
    page.wait_for_selector("#recommendations")
    assert page.locator(".rec-row").count() == 3 and page.locator(".rationale").count() == 3
    assert page.locator("#company-echo mark").count() >= 1
    assert page.locator(".rationale mark").count() >= 1
    assert page.locator(".evidence-id").count() >= 3
    check_screen2(page, "추천")
    assert re.search(r"추천 기준\(\d+%\) 이상", page.inner_text("#decision-reason"))
    page.screenshot(path=str(shots / "screen2.png"), full_page=True)

    page.click("#reclassify-button")
    page.wait_for_selector("#company-form")
    for name in ("company_name", "business_number", "representative_name", "main_products", "st_code"):
        assert page.input_value(f"#{name}") == values[name]
    assert page.input_value("#industry_name_auto") == "1"  # still the code's name

    page.click("#classify-button")
    page.wait_for_selector("#save-form")
    choices = texts(page, ".choice")
    assert choices[0].startswith("1순위 추천 채택") and choices[1].startswith("2순위 참고 후보 채택")
    page.locator("input[name=choice]").nth(1).check()
    page.fill("#comment", "2순위 품목이 더 적합")
    page.click("#save-button")
    page.wait_for_selector("#saved-alert")
    assert "저장되었습니다" in page.inner_text("#saved-alert")
    detail = page.inner_text("main")
    for raw in (*RAW_LABELS, "review", "changed", "accepted"):
        assert raw not in detail, raw
    assert page.inner_text("#saved-at").startswith(reference_date) and "한국 시간" in detail
    assert page.inner_text("#run-result").startswith("추천 · 1순위 후보 ")
    assert page.get_attribute("#versions", "open") is None

    page.goto(live_server.url + "/decisions")
    table = page.inner_text("#decision-list")
    assert mask_company_name(values["company_name"]) in table and "홍*동" in table and "-*****" in table
    assert values["company_name"] not in table  # 기업명 masked like the other personal fields
    assert values["business_number"] not in table and "2순위 품목이 더 적합" in table
    # the same Korean date as 분류기준일 of the same save
    assert page.locator("#decision-list td.date").first.inner_text() == reference_date
    assert "(임시)" not in table and "*" in table and "임시" in page.inner_text("#code-legend")
    assert line_count(page, "#decision-list th") == [1] * 10  # no header wraps mid-word
    page.screenshot(path=str(shots / "decisions.png"), full_page=True)


def test_review_result(page: Any, tmp_path: Path) -> None:
    classify(page, REVIEW)
    check_screen2(page, "검토 필요")
    assert page.inner_text("#recommendations-heading") == "참고 후보 품목"
    page.screenshot(path=str(screenshot_dir(tmp_path) / "screen2-review.png"), full_page=True)


def test_not_applicable_result(page: Any, tmp_path: Path) -> None:
    classify(page, NOT_APPLICABLE)
    check_screen2(page, "해당 없음")
    assert "해당 품목이 없을 가능성(" in page.inner_text("#decision-reason")
    assert page.is_checked("input[name=choice][value=NONE]")
    page.screenshot(path=str(screenshot_dir(tmp_path) / "screen2-not-applicable.png"), full_page=True)


def test_favicon_is_served_from_local_files(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context()
    tab = context.new_page()
    response = tab.goto(live_server.url + "/favicon.ico")
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "image/x-icon"
    tab.goto(live_server.url + "/login")
    assert tab.get_attribute("link[rel=icon]", "href") == "/favicon.ico"
    context.close()


def test_api_docs_render_from_local_files(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    requested: list[str] = []
    tab.on("request", lambda request: requested.append(request.url))
    tab.goto(live_server.url + "/docs")
    tab.wait_for_selector(".swagger-ui .title")
    assert "innogrowth" in tab.inner_text(".swagger-ui .title")
    tab.wait_for_selector(".opblock-summary-path")
    paths = " ".join(tab.locator(".opblock-summary-path").all_inner_texts()).replace("\u200b", "")
    assert "/v1/classify" in paths and "/v1/decisions" in paths
    assert requested and all(url.startswith(live_server.url) for url in requested)
    context.close()
