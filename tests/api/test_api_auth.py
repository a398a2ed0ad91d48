"""Authentication, roles, rate limiting, CORS and security headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import create_key, hash_secret, parse_key, verify_key
from api.auth.rate_limit import RateLimiter
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier
from store.factory import open_store
from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    module_classifier,
    settings_for,
    small_catalog_file,
)

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]


def test_no_key_is_401_with_envelope(harness: ApiHarness) -> None:
    r = harness.client.post("/v1/classify", json=company())
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    assert harness.client.get("/v1/decisions").status_code == 401


def test_wrong_or_revoked_key_is_401(harness: ApiHarness) -> None:
    bad = harness.client.get("/v1/catalog", headers={"Authorization": "Bearer ig_000000000000_" + "x" * 40})
    assert bad.status_code == 401
    issued = create_key(harness.store, name="temp", role="reviewer")
    headers = {"X-API-Key": issued.plaintext}
    assert harness.client.get("/v1/catalog", headers=headers).status_code == 200
    assert harness.store.revoke_key(issued.record.key_id)
    assert harness.client.get("/v1/catalog", headers=headers).status_code == 401


def test_both_header_styles_work(harness: ApiHarness) -> None:
    assert harness.client.get("/v1/catalog", headers=harness.headers(bearer=True)).status_code == 200
    assert harness.client.get("/v1/catalog", headers=harness.headers(bearer=False)).status_code == 200


@pytest.mark.parametrize(
    "method,path,role,status",
    [
        ("get", "/v1/decisions", "api", 403),
        ("post", "/v1/decisions", "api", 403),
        ("post", "/v1/admin/reload", "api", 403),
        ("post", "/v1/admin/reload", "reviewer", 403),
        ("get", "/v1/decisions", "reviewer", 200),
        ("get", "/v1/catalog", "api", 200),
    ],
)
def test_role_permissions(harness: ApiHarness, method: str, path: str, role: str, status: int) -> None:
    body = {"run_id": 1, "final_item_id": "NONE"} if method == "post" and "decisions" in path else None
    r = getattr(harness.client, method)(
        path, headers=harness.headers(role), **({"json": body} if body else {})
    )
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["error"]["code"] == "forbidden"


def test_public_endpoints(harness: ApiHarness) -> None:
    assert harness.client.get("/health").json() == {"status": "ok"}
    assert harness.client.get("/ready").status_code == 200
    assert harness.client.get("/docs").status_code == 200
    assert harness.client.get("/openapi.json").status_code == 200
    assert harness.client.get("/login").status_code == 200


def test_keys_store_only_a_hash(harness: ApiHarness) -> None:
    issued = create_key(harness.store, name="hash-check", role="api")
    parsed = parse_key(issued.plaintext)
    assert parsed is not None
    record = harness.store.find_key(parsed[0])
    assert record is not None
    assert parsed[1] not in record.secret_hash
    assert record.secret_hash == hash_secret(record.salt, parsed[1])
    assert verify_key(harness.store, issued.plaintext) is not None
    assert (
        verify_key(harness.store, issued.plaintext[:-1] + ("A" if issued.plaintext[-1] != "A" else "B"))
        is None
    )


def test_token_bucket() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.take("k") == 0.0 and limiter.take("k") == 0.0
    wait = limiter.take("k")
    assert wait > 0
    assert limiter.take("other") == 0.0
    now[0] += wait
    assert limiter.take("k") == 0.0


def test_rate_limit_is_429_per_key(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    settings = settings_for(tmp_path, small_catalog_file, api_build, rate_limit_per_minute=2)
    store = open_store(settings.resolved_database_url())
    one = create_key(store, name="one", role="api").plaintext
    two = create_key(store, name="two", role="api").plaintext
    with TestClient(create_app(settings, classifier=module_classifier, store=store)) as client:
        codes = [client.get("/v1/catalog", headers={"X-API-Key": one}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = client.get("/v1/catalog", headers={"X-API-Key": one})
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/v1/catalog", headers={"X-API-Key": two}).status_code == 200


def test_cors_closed_by_default_and_open_when_configured(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    preflight = {"Origin": "https://bank.example", "Access-Control-Request-Method": "POST"}
    settings = settings_for(tmp_path, small_catalog_file, api_build)
    with TestClient(create_app(settings, classifier=module_classifier)) as client:
        r = client.options("/v1/classify", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
    open_settings = settings_for(
        tmp_path, small_catalog_file, api_build, cors_origins=["https://bank.example"]
    )
    with TestClient(create_app(open_settings, classifier=module_classifier)) as client:
        r = client.options("/v1/classify", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://bank.example"


def test_security_headers(harness: ApiHarness) -> None:
    r = harness.client.get("/login")
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "cache-control" in r.headers


def test_bootstrap_admin_key(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    key = "ig_0123456789ab_" + "s" * 32
    settings = settings_for(tmp_path, small_catalog_file, api_build, bootstrap_admin_key=key)
    with TestClient(create_app(settings, classifier=module_classifier)) as client:
        r = client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.text


def test_first_start_prints_how_to_create_a_key(
    tmp_path: Path,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings_for(tmp_path, small_catalog_file, api_build)
    with TestClient(create_app(settings, classifier=module_classifier)):
        pass
    assert "innogrowth keys create --role maintainer --name admin" in capsys.readouterr().err
