"""The reviewer pages in headless Chromium (Debian's `chromium`, driven by Playwright).

Screenshots go to a temporary folder; with INNOGROWTH_UPDATE_SCREENSHOTS=1 they replace
docs/screenshots/screen1.png and screen2.png.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from api.auth.keys import create_key
from api.masking import mask_company_name
from api.store.factory import open_store
from index_build.builder import BuildResult
from rag.classifier import Classifier
from tests.api_fixtures import (
    api_build,
    company,
    module_classifier,
    settings_for,
    small_catalog_file,
)
from tests.system_services import CHROMIUM_ARGS, free_port, require_chromium

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1366, "height": 900}


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
    app = create_app(settings, classifier=module_classifier, store=store)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", key)
    server.should_exit = True
    thread.join(timeout=10)


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


def test_classify_review_edit_and_save(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    shots = screenshot_dir(tmp_path)
    values = company()
    fill_screen1(page, values)
    page.wait_for_function("document.getElementById('industry_name').value === '산업용 로봇 제조업'")
    assert page.input_value("#reference_date")  # today, read-only
    assert page.get_attribute("#reference_date", "readonly") is not None
    page.screenshot(path=str(shots / "screen1.png"), full_page=True)

    page.click("#classify-button")
    page.wait_for_selector("#recommendations")
    assert page.locator(".rec-row").count() == 3
    assert page.locator(".rationale").count() == 3
    assert page.locator("#company-echo mark").count() >= 1
    assert page.locator(".rationale mark").count() >= 1
    assert page.locator(".evidence-id").count() >= 3
    assert page.inner_text("#decision-badge") in {"추천", "검토 필요", "해당 없음"}
    page.screenshot(path=str(shots / "screen2.png"), full_page=True)

    page.click("#reclassify-button")
    page.wait_for_selector("#company-form")
    for name in ("company_name", "business_number", "representative_name", "main_products", "st_code"):
        assert page.input_value(f"#{name}") == values[name]

    page.click("#classify-button")
    page.wait_for_selector("#save-form")
    page.locator("input[name=choice]").nth(1).check()
    page.fill("#comment", "2순위 품목이 더 적합")
    page.click("#save-button")
    page.wait_for_selector("#saved-alert")
    assert "저장되었습니다" in page.inner_text("#saved-alert")

    page.goto(live_server.url + "/decisions")
    table = page.inner_text("#decision-list")
    assert mask_company_name(values["company_name"]) in table and "홍*동" in table and "-*****" in table
    assert values["company_name"] not in table  # 기업명 masked like the other personal fields
    assert values["business_number"] not in table and "2순위 품목이 더 적합" in table


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
