"""Fixtures and helpers for the API, store, page and batch tests (imported by those modules)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import create_key
from api.auth.roles import ROLES
from api.validation import business_number_check_digit
from index_build import layout
from index_build.builder import BuildInputs, BuildResult, build_index
from index_build.manifest import FORMAT_VERSION, Manifest
from index_build.ranker_training import train_ranker_for_build
from innogrowth.service import create_app
from innogrowth.settings import Settings
from innogrowth.wiring import load_classifier
from rag.classifier import Classifier
from rag.embedder import Embedder
from store.factory import open_store
from store.sql_store import SqlStore
from tests.conftest import small_raw_catalog

ROBOT_COMPANY: dict[str, str] = {
    "company_name": "이노로보틱스(주)",
    "business_number": "",  # filled with a valid number by company()
    "representative_name": "홍길동",
    "ksic_code": "29280",
    "industry_name": "",
    "main_products": "산업용 자율주행 물류로봇",
    "product_use": "물류창고에서 라이다로 장애물을 인식해 화물을 무인 운반하는 이동로봇",
    "tech_business_name": "자율주행 물류로봇 개발",
    "st_code": "EA0101",
}


def valid_business_number(first_nine: str = "123456789") -> str:
    check = business_number_check_digit(first_nine)
    return f"{first_nine[:3]}-{first_nine[3:5]}-{first_nine[5:]}{check}"


def invalid_business_number(first_nine: str = "123456789") -> str:
    wrong = (business_number_check_digit(first_nine) + 1) % 10
    return f"{first_nine[:3]}-{first_nine[3:5]}-{first_nine[5:]}{wrong}"


def company(**overrides: str) -> dict[str, str]:
    return {**ROBOT_COMPANY, "business_number": valid_business_number(), **overrides}


@pytest.fixture(scope="session")
def small_catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "small-catalog.json"
    path.write_text(json.dumps(small_raw_catalog(), ensure_ascii=False), "utf-8")
    return path


def settings_for(data_dir: Path, catalog_file: Path, build: BuildResult, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "catalog_path": catalog_file,
        "build_dir": build.path.parent,
        "rate_limit_per_minute": 10_000,
        "llm_base_url": None,
        "bootstrap_admin_key": None,
        **extra,
    }
    return Settings(**values)


@pytest.fixture(scope="session")
def api_build(request: pytest.FixtureRequest, small_inputs: BuildInputs, embedder: Embedder) -> BuildResult:
    """The shared small build (tests/conftest.py `small_build`).

    INNOGROWTH_TEST_BUILD_CACHE=<dir> keeps an identical build there between runs instead, so
    that iterating on the API tests does not rebuild and retrain each time.
    """
    cache = os.environ.get("INNOGROWTH_TEST_BUILD_CACHE")
    if not cache:
        small_build: BuildResult = request.getfixturevalue("small_build")
        return small_build
    root = Path(cache)
    current = layout.current_build(root)
    if current is not None:
        manifest = Manifest.read(current)
        usable = (manifest.format_version, manifest.catalog_version, manifest.embedder_id)
        if usable == (FORMAT_VERSION, small_inputs.catalog.version_id, embedder.id):
            return BuildResult(current, manifest)
    return build_index(small_inputs, embedder, root, show_progress=False, train_ranker=train_ranker_for_build)


@pytest.fixture(scope="module")
def module_classifier(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalog_file: Path,
    api_build: BuildResult,
    embedder: Embedder,
) -> Classifier:
    """A classifier of this module's own (saved decisions mutate it), from the small build."""
    settings = settings_for(tmp_path_factory.mktemp("clf"), small_catalog_file, api_build)
    return load_classifier(settings, embedder=embedder)


@dataclass
class ApiHarness:
    client: TestClient
    store: SqlStore
    settings: Settings
    classifier: Classifier
    keys: dict[str, str]

    def headers(self, role: str = "reviewer", *, bearer: bool = True) -> dict[str, str]:
        key = self.keys[role]
        return {"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key}

    def classify(self, body: dict[str, Any], role: str = "reviewer") -> Any:
        return self.client.post("/v1/classify", json=body, headers=self.headers(role))


@pytest.fixture
def harness(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> Iterator[ApiHarness]:
    settings = settings_for(tmp_path, small_catalog_file, api_build)
    store = open_store(settings.resolved_database_url())
    keys: dict[str, str] = {
        role: create_key(store, name=f"{role}-tester", role=role).plaintext for role in ROLES
    }
    app = create_app(settings, classifier=module_classifier, store=store)
    with TestClient(app) as client:
        yield ApiHarness(client, store, settings, module_classifier, keys)
    store.engine.dispose()
