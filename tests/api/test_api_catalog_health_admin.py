"""Catalog endpoints, KSIC lookup, /health and /ready, and the maintainer's reload."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient

from api.auth.keys import create_key
from index_build.artifacts import BuildError
from index_build.builder import BuildResult
from innogrowth.service import create_app
from innogrowth.settings import Settings
from rag.classifier import Classifier
from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    module_classifier,
    settings_for,
    small_catalog_file,
)
from tests.support.system_services import free_port

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]


def test_catalog_tree_and_version(harness: ApiHarness) -> None:
    body = harness.client.get("/v1/catalog", headers=harness.headers("api")).json()
    catalog = harness.classifier.catalog
    assert body["version"] == catalog.version_id
    assert body["counts"] == {"themes": 9, "fields": 31, "items": len(catalog.items)}
    assert sum(len(f["items"]) for t in body["themes"] for f in t["fields"]) == len(catalog.items)
    first_item = body["themes"][0]["fields"][0]["items"][0]
    assert first_item["code"].endswith("(임시)") or first_item["official_code"]


def test_catalog_item_by_id_with_numbered_lines(harness: ApiHarness) -> None:
    item = harness.classifier.catalog.items[0]
    r = harness.client.get(f"/v1/catalog/items/{item.id}", headers=harness.headers("api"))
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == item.id and body["theme"]["id"] == item.theme_id
    assert [ln["evidence_id"] for ln in body["lines"]][:2] == [f"{item.id}#L1", f"{item.id}#L2"]
    missing = harness.client.get("/v1/catalog/items/IG999", headers=harness.headers("api"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_ksic_lookup(harness: ApiHarness) -> None:
    ok = harness.client.get("/v1/lookup/ksic/29280", headers=harness.headers("api")).json()
    assert ok["name"] == "산업용 로봇 제조업" and ok["how"] == "ksic11"
    mapped = harness.client.get("/v1/lookup/ksic/10401", headers=harness.headers("api")).json()
    assert mapped["code"] == "10411" and mapped["how"] == "ksic10" and "11차" in mapped["message"]
    unknown = harness.client.get("/v1/lookup/ksic/99999", headers=harness.headers("api")).json()
    assert unknown["code"] is None and unknown["how"] == "unknown"


def test_unknown_route_and_method_use_the_envelope(harness: ApiHarness) -> None:
    r = harness.client.get("/v1/nothing", headers=harness.headers())
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = harness.client.delete("/v1/catalog", headers=harness.headers())
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_ready_and_health(harness: ApiHarness) -> None:
    ready = harness.client.get("/ready").json()
    assert ready["status"] == "ready" and ready["database"] == "ok"
    assert ready["index"]["versions"]["build"] == harness.classifier.versions["build"]


def test_not_ready_without_a_build(tmp_path: Path, small_catalog_file: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        catalog_path=small_catalog_file,
        build_dir=tmp_path / "no-builds",
        llm_base_url=None,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "not_ready"
        key = create_key(app.state.service.store, name="r", role="reviewer").plaintext
        r = client.post("/v1/classify", json=company(), headers={"X-API-Key": key})
        assert r.status_code == 503 and "색인" in r.json()["error"]["message"]


def test_reload_swaps_the_classifier_without_dropping_requests(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    settings = settings_for(tmp_path, small_catalog_file, api_build)
    loads: list[Classifier] = []
    gate = threading.Event()

    def loader() -> Classifier:
        gate.wait(timeout=30)
        loads.append(module_classifier)
        return module_classifier

    app = create_app(settings, classifier=module_classifier, classifier_loader=loader)
    with TestClient(app) as client:
        key = create_key(app.state.service.store, name="m", role="maintainer").plaintext
        headers = {"X-API-Key": key}
        outcome: dict[str, int] = {}
        reload_thread = threading.Thread(
            target=lambda: outcome.update(first=client.post("/v1/admin/reload", headers=headers).status_code)
        )
        reload_thread.start()
        # While the new classifier is built aside, requests keep being served by the old one
        # and a second reload is refused.
        assert client.post("/v1/classify", json=company(), headers=headers).status_code == 200
        busy = client.post("/v1/admin/reload", headers=headers)
        assert busy.status_code == 409
        gate.set()
        reload_thread.join(timeout=60)
        assert outcome["first"] == 200 and len(loads) == 1


def test_reload_failure_keeps_the_old_classifier(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    def broken() -> Classifier:
        raise BuildError("index build x cannot be used: built for another catalog")

    settings = settings_for(tmp_path, small_catalog_file, api_build)
    app = create_app(settings, classifier=module_classifier, classifier_loader=broken)
    with TestClient(app) as client:
        key = create_key(app.state.service.store, name="m", role="maintainer").plaintext
        r = client.post("/v1/admin/reload", headers={"X-API-Key": key})
        assert r.status_code == 503 and "another catalog" in r.json()["error"]["details"][0]["reason"]
        assert client.post("/v1/classify", json=company(), headers={"X-API-Key": key}).status_code == 200


def test_database_down_at_start_serves_classification_and_is_not_ready(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    settings = settings_for(
        tmp_path,
        small_catalog_file,
        api_build,
        database_url=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
    )
    app = create_app(settings, classifier=module_classifier)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert {d["component"] for d in ready.json()["error"]["details"]} == {"database"}
        r = client.get("/v1/catalog", headers={"X-API-Key": "ig_0123456789ab_" + "x" * 30})
        assert r.status_code == 503 and r.json()["error"]["code"] == "db_unavailable"
