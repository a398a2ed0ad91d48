"""LLM failures degrade (200 + degraded) or map to 502/504; logs are JSON without personal data."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import create_key
from api.json_logging import JsonFormatter
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier
from rag.llm.protocol import LlmTransportError
from store.factory import open_store
from tests.support.api_fixtures import api_build, company, module_classifier, settings_for, small_catalog_file
from tests.support.fake_rerankers import FailingReranker

__all__ = ["api_build", "module_classifier", "small_catalog_file"]


def client_with(
    reranker: FailingReranker, tmp_path: Path, catalog_file: Path, build: BuildResult, base: Classifier
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    classifier = Classifier(
        base.resources, base.ranker, options=base.options, reranker=reranker, cache=base.cache
    )
    settings = settings_for(tmp_path, catalog_file, build)
    store = open_store(settings.resolved_database_url())
    key = create_key(store, name="rev", role="reviewer").plaintext
    with TestClient(create_app(settings, classifier=classifier, store=store)) as client:
        yield client, {"X-API-Key": key}


def test_llm_failure_degrades_to_200(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    for client, headers in client_with(
        FailingReranker(), tmp_path, small_catalog_file, api_build, module_classifier
    ):
        r = client.post("/v1/classify", json=company(), headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["degraded"] is True and "timeout" in body["degraded_reason"]
        assert body["result"]["recommendations"] and body["result"]["rationale_source"] == "extractive"
        skipped = client.post("/v1/classify", json={**company(), "use_llm": False}, headers=headers)
        assert skipped.json()["degraded"] is False


@pytest.mark.parametrize(
    "error,status,code",
    [(TimeoutError(), 504, "llm_timeout"), (LlmTransportError("connection_error"), 502, "llm_failed")],
)
def test_llm_errors_that_escape_map_to_502_504(
    tmp_path: Path,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
    error: Exception,
    status: int,
    code: str,
) -> None:
    for client, headers in client_with(
        FailingReranker(error), tmp_path, small_catalog_file, api_build, module_classifier
    ):
        r = client.post("/v1/classify", json=company(), headers=headers)
        assert r.status_code == status and r.json()["error"]["code"] == code


def test_logs_are_json_and_never_hold_personal_data(
    tmp_path: Path,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    values = company(company_name="비밀상사", representative_name="김비밀")
    settings = settings_for(tmp_path, small_catalog_file, api_build)
    store = open_store(settings.resolved_database_url())
    key = create_key(store, name="rev", role="reviewer").plaintext
    with TestClient(create_app(settings, classifier=module_classifier, store=store)) as client:
        headers = {"X-API-Key": key}
        run = client.post("/v1/classify", json=values, headers=headers).json()
        decision = {
            "run_id": run["run_id"],
            "final_item_id": "NONE",
            "company_name": values["company_name"],
            "business_number": values["business_number"],
            "representative_name": values["representative_name"],
        }
        assert client.post("/v1/decisions", json=decision, headers=headers).status_code == 201
        client.get("/v1/decisions?q=비밀상사", headers=headers)
        client.post("/v1/classify", json={**values, "business_number": "999-99-99999"}, headers=headers)
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert any('"event": "request"' in line for line in lines)
    assert any('"event": "decision_saved"' in line for line in lines)
    text = "\n".join(lines)
    for secret in ("비밀상사", "김비밀", values["business_number"], "999-99-99999"):
        assert secret not in text
    assert all(json.loads(line)["msg"] for line in lines)
