"""LLM faults through the real client: the service keeps answering, degraded with the reason.

The reranker is the production one built from the settings (`INNOGROWTH_LLM_BASE_URL`), talking
HTTP to a misbehaving OpenAI-compatible server on 127.0.0.1 (tests/support/fake_llm_server.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import create_key
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier
from store.factory import open_store
from store.sql_store import SqlStore
from tests.support.api_fixtures import api_build, company, module_classifier, small_catalog_file
from tests.support.fake_llm_server import HTML_PAYLOAD, FakeLlmServer, closed_port_url
from tests.support.reliability_support import (
    HTML,
    assert_only_candidates,
    leaked_sentences,
    llm_settings,
    page_login,
    system_prompt_sentences,
    with_settings_reranker,
)

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

LLM_TIMEOUT_S = 1.0
SLOW_DELAY_S = 6.0


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLlmServer]:
    with FakeLlmServer() as server:
        yield server


@dataclass
class LlmService:
    client: TestClient
    headers: dict[str, str]
    reviewer_key: str
    store: SqlStore
    fake: FakeLlmServer

    def classify(self, **overrides: str) -> tuple[dict[str, object], float]:
        began = time.monotonic()
        r = self.client.post("/v1/classify", json=company(**overrides), headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json(), time.monotonic() - began


@pytest.fixture
def service(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_llm: FakeLlmServer,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> Iterator[LlmService]:
    monkeypatch.setenv("INNOGROWTH_LLM_BASE_URL", fake_llm.base_url)
    settings = llm_settings(tmp_path, small_catalog_file, api_build, llm_timeout_s=LLM_TIMEOUT_S)
    assert settings.llm_base_url == fake_llm.base_url
    classifier = with_settings_reranker(module_classifier, settings)
    store = open_store(settings.resolved_database_url())
    key = create_key(store, name="rev", role="reviewer").plaintext
    fake_llm.mode, fake_llm.delay_s = "valid", 0.0
    fake_llm.requests.clear()
    with TestClient(create_app(settings, classifier=classifier, store=store)) as client:
        yield LlmService(client, {"X-API-Key": key}, key, store, fake_llm)
    store.engine.dispose()


def test_a_valid_llm_answer_is_used(service: LlmService) -> None:
    body, _ = service.classify()
    result = body["result"]
    assert body["degraded"] is False and result["rationale_source"] == "llm"
    assert len(service.fake.requests) == 1
    assert_only_candidates(result)


@pytest.mark.parametrize(
    "mode,reason",
    [
        ("invalid_json", "invalid_json"),
        ("foreign_code", "code_not_in_candidates"),
        ("http_500", "http_error 500"),
        ("slow", "timeout"),
    ],
)
def test_llm_fault_degrades_with_reason_then_recovers(service: LlmService, mode: str, reason: str) -> None:
    service.fake.mode, service.fake.delay_s = mode, SLOW_DELAY_S
    body, elapsed = service.classify()
    result = body["result"]
    assert body["degraded"] is True and reason in str(body["degraded_reason"]), body["degraded_reason"]
    assert result["rationale_source"] == "extractive" and result["recommendations"]
    assert_only_candidates(result)
    assert len(service.fake.requests) == 2  # one retry, then the deterministic result
    run = service.store.get_run(int(str(body["run_id"])))
    assert run is not None and run.degraded
    if mode == "slow":
        # Two attempts cut at the timeout, not two full waits for the slow server.
        assert elapsed < 2 * SLOW_DELAY_S - 1, elapsed
        assert result["timings_ms"]["llm"] < 2 * LLM_TIMEOUT_S * 1000 + 2000, result["timings_ms"]
    service.fake.mode = "valid"
    again, _ = service.classify(main_products="산업용 자율주행 물류로봇 2세대")
    assert again["degraded"] is False and again["result"]["rationale_source"] == "llm"


def test_injected_llm_text_is_filtered_and_escaped(service: LlmService) -> None:
    service.fake.mode = "injected"
    body, _ = service.classify()
    result = body["result"]
    assert_only_candidates(result)
    assert leaked_sentences(result, system_prompt_sentences()) == []
    rationale = result["recommendations"][0]["rationale"]
    assert "<script>" in rationale  # kept as data in JSON ...
    csrf = page_login(service.client, service.reviewer_key)
    page = service.client.post("/classify", data={**company(), "csrf_token": csrf}, headers=HTML)
    assert page.status_code == 200, page.text
    assert HTML_PAYLOAD not in page.text and "<script>alert" not in page.text  # ... never as markup
    assert "&lt;script&gt;alert(&#39;llm&#39;)&lt;/script&gt;" in page.text
    assert leaked_sentences(page.text, system_prompt_sentences()) == []


def test_llm_server_down(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> None:
    """Nothing listens at INNOGROWTH_LLM_BASE_URL: connection refused on both attempts."""
    monkeypatch.setenv("INNOGROWTH_LLM_BASE_URL", closed_port_url())
    settings = llm_settings(tmp_path, small_catalog_file, api_build)
    classifier = with_settings_reranker(module_classifier, settings)
    app = create_app(settings, classifier=classifier)
    with TestClient(app) as client:
        key = create_key(app.state.service.store, name="rev", role="reviewer").plaintext
        assert client.get("/ready").status_code == 200
        began = time.monotonic()
        r = client.post("/v1/classify", json=company(), headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["degraded"] is True and "connection_error" in body["degraded_reason"]
        assert body["result"]["recommendations"] and body["result"]["rationale_source"] == "extractive"
        assert_only_candidates(body["result"])
        assert time.monotonic() - began < 30
