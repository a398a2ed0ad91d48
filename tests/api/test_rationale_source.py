"""Who wrote the rationale, shown on screen 2 and in the API result: the LLM with its model name,
or the extractive writer (with or without a failed LLM), through FastAPI's TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import create_key
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier, Reranker
from store.factory import open_store
from tests.support.api_fixtures import api_build, company, module_classifier, settings_for, small_catalog_file
from tests.support.fake_rerankers import FailingReranker, OnePickReranker, ReversingReranker
from tests.support.reliability_support import HTML, page_login

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

Serve = Callable[[Reranker | None], tuple[TestClient, str]]


@pytest.fixture
def serve(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> Iterator[Serve]:
    clients: list[TestClient] = []

    def start(reranker: Reranker | None) -> tuple[TestClient, str]:
        base = module_classifier
        clf = Classifier(
            base.resources, base.ranker, options=base.options, reranker=reranker, cache=base.cache
        )
        settings = settings_for(tmp_path / str(len(clients)), small_catalog_file, api_build)
        store = open_store(settings.resolved_database_url())
        key = create_key(store, name="rev", role="reviewer").plaintext
        client = TestClient(create_app(settings, classifier=clf, store=store))
        client.__enter__()
        clients.append(client)
        return client, key

    yield start
    for c in clients:
        c.__exit__(None, None, None)


def api_and_page(client: TestClient, key: str) -> tuple[dict[str, object], str]:
    r = client.post("/v1/classify", json=company(), headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    token = page_login(client, key)
    page = client.post("/classify", data={**company(), "csrf_token": token}, headers=HTML)
    assert page.status_code == 200, page.text
    result: dict[str, object] = r.json()["result"]
    return result, page.text


def test_extractive_without_an_llm(serve: Serve) -> None:
    client, key = serve(None)
    result, page = api_and_page(client, key)
    assert (result["rationale_source"], result["rationale_model"], result["llm"]) == (
        "extractive",
        None,
        None,
    )
    assert 'id="rationale-source" data-source="extractive"' in page
    assert "근거 작성: 추출형 (언어모델 없이 카탈로그 문장과 과거 판정으로 작성)" in page


def test_the_llm_with_its_model_name(serve: Serve) -> None:
    client, key = serve(ReversingReranker())
    result, page = api_and_page(client, key)
    assert (result["rationale_source"], result["rationale_model"]) == ("llm", "fake-reversing-llm")
    llm = result["llm"]
    assert isinstance(llm, dict) and llm["status"] == "answered" and llm["model"] == "fake-reversing-llm"
    assert 'data-source="llm"' in page and "근거 작성: 언어모델 fake-reversing-llm" in page


def test_extractive_after_the_llm_failed_says_so(serve: Serve) -> None:
    client, key = serve(FailingReranker())
    result, page = api_and_page(client, key)
    assert (result["rationale_source"], result["rationale_model"]) == ("extractive", None)
    llm = result["llm"]
    assert isinstance(llm, dict) and (llm["status"], llm["model"]) == ("timeout", "fake-llm")
    assert 'data-source="extractive"' in page
    assert "근거 작성: 추출형 (언어모델 fake-llm의 답을 쓰지 못해" in page


def test_reference_candidates_the_llm_did_not_pick_are_marked_extractive(serve: Serve) -> None:
    client, key = serve(OnePickReranker())
    result, page = api_and_page(client, key)
    assert result["rationale_source"] == "llm"
    assert "근거 작성: 언어모델 fake-one-pick-llm" in page
    assert "언어모델이 고르지 않은 참고 후보는 추출형 근거입니다." in page


def test_an_llm_that_finds_no_item_leaves_the_extractive_rationale(serve: Serve) -> None:
    client, key = serve(OnePickReranker(none=True))
    result, page = api_and_page(client, key)
    assert (result["rationale_source"], result["rationale_model"]) == ("extractive", None)
    assert "언어모델 fake-one-pick-llm은 해당 품목이 없다고 답함" in page
