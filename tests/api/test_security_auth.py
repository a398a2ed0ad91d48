"""Security of every route: authentication per role, keys hashed at rest, per-key rate limits,
CORS closed by default, security headers on every page and error (the unhandled 500 included)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from api.auth.keys import create_key, parse_key
from api.auth.roles import GRANTS, ROLES, Permission
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
from tests.support.reliability_support import HTML, captured_logs, page_login

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]

Route = tuple[str, str]

PUBLIC: set[Route] = {
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("MOUNT", "/static"),
    ("GET", "/favicon.ico"),
}
API: dict[Route, Permission] = {
    ("POST", "/v1/classify"): Permission.CLASSIFY,
    ("POST", "/v1/classify/batch"): Permission.CLASSIFY,
    ("GET", "/v1/catalog"): Permission.READ_CATALOG,
    ("GET", "/v1/catalog/items/{code}"): Permission.READ_CATALOG,
    ("GET", "/v1/lookup/ksic/{code}"): Permission.READ_CATALOG,
    ("POST", "/v1/decisions"): Permission.SAVE_DECISION,
    ("GET", "/v1/decisions"): Permission.READ_DECISIONS,
    ("GET", "/v1/decisions/{decision_id}"): Permission.READ_DECISIONS,
    ("POST", "/v1/decisions/{decision_id}/withdraw"): Permission.WITHDRAW_DECISION,
    ("POST", "/v1/admin/reload"): Permission.ADMIN,
}
PAGES: dict[Route, Permission] = {
    ("GET", "/"): Permission.CLASSIFY,
    ("POST", "/edit"): Permission.CLASSIFY,
    ("POST", "/classify"): Permission.CLASSIFY,
    ("POST", "/decisions"): Permission.SAVE_DECISION,
    ("GET", "/decisions"): Permission.READ_DECISIONS,
    ("GET", "/decisions/{decision_id}"): Permission.READ_DECISIONS,
    ("POST", "/decisions/{decision_id}/withdraw"): Permission.WITHDRAW_DECISION,
    ("GET", "/items/{code}"): Permission.READ_CATALOG,
}
SAMPLE_PATH = {"{code}": "IG001", "{decision_id}": "1"}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def app_routes(app: FastAPI) -> set[Route]:
    """(method, path) of every route the app serves, included routers flattened (HEAD omitted)."""
    found: set[Route] = set()
    for route in app.routes:
        if isinstance(route, Mount):
            found.add(("MOUNT", route.path))
            continue
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            for method in getattr(ctx, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, ctx.path))
    return found


def concrete(path: str) -> str:
    for pattern, value in SAMPLE_PATH.items():
        path = path.replace(pattern, value)
    return path


def request_body(method: str, path: str) -> dict[str, Any]:
    if path == "/v1/classify":
        return {"json": company()}
    if path == "/v1/classify/batch":
        return {"json": [company()]}
    if method == "POST" and path == "/v1/decisions":
        personal = {k: company()[k] for k in ("company_name", "business_number", "representative_name")}
        return {"json": {"run_id": 1, "final_item_id": "NONE", **personal}}
    return {}


def test_every_route_is_public_or_protected_on_purpose(harness: ApiHarness) -> None:
    served = app_routes(harness.client.app)  # type: ignore[arg-type]
    unclassified = served - PUBLIC - set(API) - set(PAGES)
    assert unclassified == set(), f"new routes need an auth decision in this test: {sorted(unclassified)}"
    assert set(API) | set(PAGES) <= served, sorted(set(API) | set(PAGES) - served)


@pytest.mark.parametrize("route", sorted(API), ids=lambda r: f"{r[0]} {r[1]}")
def test_api_route_needs_a_key_with_the_permission(harness: ApiHarness, route: Route) -> None:
    method, path = route
    url, body = concrete(path), request_body(method, path)
    anonymous = harness.client.request(method, url, **body)
    assert anonymous.status_code == 401, anonymous.text[:200]
    assert anonymous.json()["error"]["code"] == "unauthorized" and anonymous.headers["www-authenticate"]
    forged = harness.client.request(method, url, headers={"X-API-Key": "ig_0123456789ab_" + "A" * 40}, **body)
    assert forged.status_code == 401
    for role in ROLES:
        r = harness.client.request(method, url, headers=harness.headers(role), **body)
        if API[route] in GRANTS[role]:
            assert r.status_code not in (401, 403), (role, r.status_code, r.text[:200])
        else:
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (role, r.text[:200])


def test_session_cookie_is_never_enough_to_change_state_through_the_api(harness: ApiHarness) -> None:
    page_login(harness.client, harness.keys["maintainer"])
    assert harness.client.get("/v1/catalog").status_code == 200  # safe method with the cookie
    for (method, path), _ in API.items():
        if method == "POST":
            r = harness.client.post(concrete(path), **request_body(method, path))
            assert r.status_code == 401, (path, r.status_code)


@pytest.mark.parametrize("route", sorted(PAGES), ids=lambda r: f"{r[0]} {r[1]}")
def test_page_route_needs_a_session(harness: ApiHarness, route: Route) -> None:
    method, path = route
    r = harness.client.request(method, concrete(path), headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), r.status_code
    key_only = harness.client.request(
        method, concrete(path), headers={**HTML, **harness.headers("maintainer")}, follow_redirects=False
    )
    assert key_only.status_code == 303  # pages take the session, not an API key header


@pytest.mark.parametrize("role", ["reviewer", "maintainer"])
def test_logged_in_roles_reach_their_pages_and_revocation_ends_the_session(
    harness: ApiHarness, role: str
) -> None:
    csrf = page_login(harness.client, harness.keys[role])
    for (method, path), permission in PAGES.items():
        data = {"csrf_token": csrf, **company()} if method == "POST" else None
        r = harness.client.request(method, concrete(path), data=data, headers=HTML, follow_redirects=False)
        allowed = permission in GRANTS[role]
        assert (r.status_code not in (401, 403)) == allowed, (role, method, path, r.status_code)
        assert r.status_code != 303 or not r.headers["location"].startswith("/login"), (method, path)
    key_id = parse_key(harness.keys[role])
    assert key_id is not None and harness.store.revoke_key(key_id[0])
    r = harness.client.get("/", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_api_role_cannot_use_the_pages(harness: ApiHarness) -> None:
    page = harness.client.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = harness.client.post("/login", data={"api_key": harness.keys["api"], "csrf_token": csrf})
    assert r.status_code == 403


def test_keys_are_hashed_at_rest(harness: ApiHarness) -> None:
    db = harness.settings.data_dir / "innogrowth.db"
    issued = [create_key(harness.store, name=f"rest-{i}", role="api") for i in range(3)]
    harness.client.get("/v1/catalog", headers={"X-API-Key": issued[0].plaintext})
    raw = b"".join(Path(f"{db}{s}").read_bytes() for s in ("", "-wal", "-shm") if Path(f"{db}{s}").exists())
    for key in [*issued, *[None]]:
        plaintexts = [key.plaintext] if key else list(harness.keys.values())
        for plaintext in plaintexts:
            parsed = parse_key(plaintext)
            assert parsed is not None
            key_id, secret = parsed
            assert secret.encode() not in raw and plaintext.encode() not in raw
            record = harness.store.find_key(key_id)
            assert record is not None and record.secret_hash.encode() in raw and len(record.secret_hash) == 64
    salts = [harness.store.find_key(parse_key(k.plaintext)[0]).salt for k in issued]  # type: ignore[index,union-attr]
    assert len(set(salts)) == len(salts)  # salted per key


def test_rate_limit_per_key_holds_under_concurrency(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    settings = settings_for(tmp_path, small_catalog_file, api_build, rate_limit_per_minute=5)
    store = open_store(settings.resolved_database_url())
    busy, quiet = (create_key(store, name=n, role="api").plaintext for n in ("busy", "quiet"))
    statuses: Counter[int] = Counter()
    retry_after: list[int] = []
    lock = threading.Lock()
    with TestClient(create_app(settings, classifier=module_classifier, store=store)) as client:

        def hit() -> None:
            r = client.get("/v1/catalog", headers={"X-API-Key": busy})
            with lock:
                statuses[r.status_code] += 1
                if r.status_code == 429:
                    retry_after.append(int(r.headers["retry-after"]))
                    assert r.json()["error"]["code"] == "rate_limited"

        threads = [threading.Thread(target=hit) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == Counter({200: 5, 429: 15}), statuses
        assert min(retry_after) >= 1
        assert client.get("/v1/catalog", headers={"X-API-Key": quiet}).status_code == 200
        page = client.get("/login").text
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        logins = [
            client.post("/login", data={"api_key": "wrong", "csrf_token": csrf}).status_code
            for _ in range(12)
        ]
        assert logins[:10] == [401] * 10 and logins[10:] == [429, 429]  # login guessing is limited too
    store.engine.dispose()


def cors_probe(client: TestClient, path: str) -> list[dict[str, str]]:
    origin = {"Origin": "https://evil.example"}
    simple = client.get(path, headers=origin)
    preflight = client.options(
        path,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    return [dict(simple.headers), dict(preflight.headers)]


def test_cors_is_closed_by_default_on_every_route(harness: ApiHarness) -> None:
    paths = sorted({concrete(p) for _, p in (*API, *PAGES, *PUBLIC) if not p.startswith("/static")})
    for path in [*paths, "/static/style.css", "/nothing-here"]:
        for headers in cors_probe(harness.client, path):
            leaked = {k for k in headers if k.lower().startswith("access-control-")}
            assert leaked == set(), (path, leaked)


@pytest.fixture
def logged_in(harness: ApiHarness) -> Iterator[ApiHarness]:
    page_login(harness.client, harness.keys["reviewer"])
    yield harness


@pytest.mark.parametrize(
    "path", ["/", "/login", "/decisions", "/decisions/1", "/items/IG001", "/items/NOPE", "/decisions/x"]
)
def test_security_headers_on_every_page(logged_in: ApiHarness, path: str) -> None:
    r = logged_in.client.get(path, headers=HTML)
    assert r.headers.get("content-type", "").startswith("text/html"), (path, r.status_code)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (path, name)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert (
        "script-src" not in r.headers["content-security-policy"]
        or "unsafe-inline" not in r.headers["content-security-policy"]
    )
    assert r.headers["cache-control"] == "no-store"


class ExplodingClassifier:
    """Raises an error whose text holds personal data, as a buggy component might."""

    def __init__(self, real: Classifier) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def classify(self, record: Any, *, use_llm: bool = True) -> Any:
        raise RuntimeError("boom while handling 이노로보틱스(주) 홍길동")


def test_unhandled_error_is_a_500_envelope_with_headers_and_no_details(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> None:
    settings = settings_for(tmp_path, small_catalog_file, api_build)
    store = open_store(settings.resolved_database_url())
    key = create_key(store, name="rev", role="reviewer").plaintext
    exploding: Any = ExplodingClassifier(module_classifier)
    app = create_app(settings, classifier=exploding, store=store)
    with TestClient(app, raise_server_exceptions=False) as client, captured_logs() as logs:
        r = client.post(
            "/v1/classify", json=company(), headers={"X-API-Key": key, "X-Request-ID": "req-500-test"}
        )
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error" and r.json()["error"]["request_id"] == "req-500-test"
    assert "boom" not in r.text and "홍길동" not in r.text
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, name
    text = logs.getvalue()
    assert '"unhandled_error"' in text and "req-500-test" in text
    assert "홍길동" not in text and "boom" not in text
    store.engine.dispose()
