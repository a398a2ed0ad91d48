"""Two service instances on one database: a decision saved through one reaches the other's answers.

Each instance is a full app (its own classifier, slot and decision sync) over the same store, as two
`--workers` processes or two replicas are; requests go through real HTTP (FastAPI's test client).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from api.auth.keys import create_key
from index_build.builder import BuildResult
from innogrowth.service import create_app
from innogrowth.settings import Settings
from innogrowth.wiring import load_classifier
from rag.classifier import Classifier
from rag.embedder import Embedder
from store.factory import open_store
from store.sql_store import SqlStore
from tests.support.api_fixtures import (
    api_build,
    company,
    settings_for,
    small_catalog_file,
    valid_business_number,
)
from tests.support.system_services import postgres_url

__all__ = ["api_build", "postgres_url", "small_catalog_file"]

SYNC_SECONDS = 0.2
DEADLINE_S = 5.0
PERSONAL = {
    "company_name": "곤충푸드(주)",
    "business_number": valid_business_number(),
    "representative_name": "김철수",
}
INSECT = company(
    ksic_code="10799",
    industry_name="",
    main_products="곤충 단백질 기반 대체육 패티",
    product_use="식용 곤충 분말로 만든 고단백 대체육",
    tech_business_name="곤충 단백질 대체육 개발",
    st_code="LB0107",
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def replicas(
    database_url: str,
    tmp_path: Path,
    small_catalog_file: Path,
    api_build: BuildResult,
    embedder: Embedder,
) -> Iterator[tuple[TestClient, TestClient, Classifier, str]]:
    settings: Settings = settings_for(
        tmp_path, small_catalog_file, api_build, database_url=database_url, decision_sync_seconds=SYNC_SECONDS
    )
    store: SqlStore = open_store(database_url)
    SQLModel.metadata.drop_all(store.engine)
    store.create_schema()
    key = create_key(store, name="reviewer", role="reviewer").plaintext
    first = load_classifier(settings, embedder=embedder)
    second = load_classifier(settings, embedder=embedder)
    with (
        TestClient(create_app(settings, classifier=first, store=open_store(database_url))) as a,
        TestClient(create_app(settings, classifier=second, store=open_store(database_url))) as b,
    ):
        yield a, b, second, key
    store.engine.dispose()


def _score(result: dict[str, Any], item_id: str) -> float:
    """The ranker's score of a candidate (its probability of a far item rounds to 0 beside a
    confident first item; the score still shows the move)."""
    return next((c["score"] for c in result["candidates"] if c["item_id"] == item_id), float("-inf"))


def test_a_decision_saved_through_one_instance_changes_the_others_next_answer(
    replicas: tuple[TestClient, TestClient, Classifier, str],
) -> None:
    a, b, b_classifier, key = replicas
    headers = {"Authorization": f"Bearer {key}"}
    before = b.post("/v1/classify", json=INSECT, headers=headers)
    assert before.status_code == 200, before.text
    candidates = before.json()["result"]["candidates"]
    target = candidates[-1]["item_id"]  # an item the company is far from: the save must move it
    run = a.post("/v1/classify", json=INSECT, headers=headers).json()
    saved = a.post(
        "/v1/decisions", json={"run_id": run["run_id"], "final_item_id": target, **PERSONAL}, headers=headers
    )
    assert saved.status_code == 201, saved.text
    judgment = f"D{saved.json()['id']}"
    started = time.monotonic()
    while judgment not in {j.id for j in b_classifier.resources.judgments}:
        assert time.monotonic() - started < DEADLINE_S, "the other instance did not learn the decision"
        time.sleep(0.05)
    after = b.post("/v1/classify", json=INSECT, headers=headers).json()["result"]
    assert _score(after, target) > _score(before.json()["result"], target)

    withdrawn = a.post(
        f"/v1/decisions/{saved.json()['id']}/withdraw", json={"reason": "잘못 저장"}, headers=headers
    )
    assert withdrawn.status_code in (200, 403), withdrawn.text
    if withdrawn.status_code == 200:  # reviewers may withdraw their own decisions
        started = time.monotonic()
        while judgment in {j.id for j in b_classifier.resources.judgments}:
            assert time.monotonic() - started < DEADLINE_S, "the other instance kept a withdrawn decision"
            time.sleep(0.05)
