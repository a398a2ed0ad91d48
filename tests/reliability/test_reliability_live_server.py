"""The service as deployed: `innogrowth serve` in a child process on 127.0.0.1, configured only
through INNOGROWTH_* variables (the LLM server among them), its stdout/stderr captured.

Checks the structured logs (every line JSON, request ids), that a full reviewer flow through the
API and the pages leaves no personal data in the logs nor in what the LLM receives, masking in
lists, and (last, since it stops the service) graceful shutdown with a request in flight.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from index_build.builder import BuildResult
from tests.support.api_fixtures import api_build, company, small_catalog_file
from tests.support.fake_llm_server import FakeLlmServer
from tests.support.live_service import (
    ServiceConfig,
    ServiceProcess,
    business_number,
    iter_json_lines,
    provision_keys,
)

__all__ = ["api_build", "small_catalog_file"]

PII = {
    "company_name": "개인정보검사전용기업(주)",
    "business_number": business_number(987_654),
    "representative_name": "남궁비밀",
}


@dataclass
class Live:
    service: ServiceProcess
    keys: dict[str, str]
    fake: FakeLlmServer
    config: ServiceConfig

    def api(self, role: str = "rev") -> httpx.Client:
        return httpx.Client(
            base_url=self.service.base_url, headers={"X-API-Key": self.keys[role]}, timeout=120
        )


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, small_catalog_file: Path, api_build: BuildResult
) -> Iterator[Live]:
    with FakeLlmServer() as fake:
        data_dir = tmp_path_factory.mktemp("live")
        config = ServiceConfig(
            data_dir=data_dir,
            build_dir=api_build.path.parent,
            catalog_path=small_catalog_file,
            llm_base_url=fake.base_url,
            llm_timeout_s=60.0,
            rate_limit_per_minute=100_000,
        )
        keys = provision_keys(config.resolved_database_url, {"rev": "reviewer", "admin": "maintainer"})
        service = ServiceProcess.start(config)
        try:
            yield Live(service, keys, fake, config)
        finally:
            service.kill()


def pii_variants() -> list[str]:
    digits = PII["business_number"].replace("-", "")
    return [*PII.values(), digits, PII["representative_name"][1:], PII["company_name"][:8]]


def test_llm_configured_by_environment_is_used(live: Live) -> None:
    with live.api() as client:
        r = client.post("/v1/classify", json=company())
    assert r.status_code == 200, r.text
    assert r.json()["result"]["rationale_source"] == "llm" and not r.json()["degraded"]
    assert live.fake.requests, "the LLM server named by INNOGROWTH_LLM_BASE_URL was not called"


def run_full_flow(live: Live) -> list[httpx.Response]:
    """A reviewer's day with the same company: API and pages, successes and refusals."""
    body = company(**PII)
    responses: list[httpx.Response] = []
    with live.api() as api:
        classified = api.post("/v1/classify", json=body)
        responses.append(classified)
        run_id = classified.json()["run_id"]
        decision = {
            "run_id": run_id,
            "final_item_id": "NONE",
            "comment": f"{PII['company_name']} 확인",
            **PII,
        }
        responses.append(api.post("/v1/decisions", json=decision))
        responses.append(api.post("/v1/decisions", json=decision))  # 409
        responses.append(api.get("/v1/decisions", params={"q": PII["company_name"]}))
        responses.append(api.get(f"/v1/decisions/{responses[1].json()['id']}"))
        wrong_check_digit = str((int(PII["business_number"][-1]) + 1) % 10)
        bad = {**body, "business_number": PII["business_number"][:-1] + wrong_check_digit}
        responses.append(api.post("/v1/classify", json=bad))  # 422 naming the number
        responses.append(api.post("/v1/classify/batch", json=[body, {**body, "ksic_code": "xx"}]))
    with httpx.Client(base_url=live.service.base_url, timeout=120, headers={"Accept": "text/html"}) as web:
        login = web.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert csrf
        web.post("/login", data={"api_key": live.keys["rev"], "csrf_token": csrf.group(1), "next": "/"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/").text)
        assert token
        screen2 = web.post("/classify", data={**body, "csrf_token": token.group(1)})
        responses.append(screen2)
        page_run = re.search(r'name="run_id" value="(\d+)"', screen2.text)
        assert page_run, screen2.text[:300]
        form = {"csrf_token": token.group(1), "run_id": page_run.group(1), "choice": "NONE", **PII}
        responses.append(web.post("/decisions", data=form))
        responses.append(web.get("/decisions", params={"q": PII["company_name"]}))
        responses.append(
            web.post("/classify", data={**body, "representative_name": "", "csrf_token": token.group(1)})
        )
    return responses


def test_full_flow_keeps_personal_data_out_of_logs_and_the_llm(live: Live) -> None:
    live.fake.requests.clear()
    responses = run_full_flow(live)
    assert [r.status_code for r in responses] == [200, 201, 409, 200, 200, 422, 200, 200, 303, 200, 422]
    assert live.fake.requests, "the flow never reached the LLM"
    log = live.service.log_text()
    sent = json.dumps(live.fake.requests, ensure_ascii=False)
    for secret in pii_variants():
        assert secret not in log, f"personal data in the service log: {secret}"
        assert secret not in sent, f"personal data sent to the LLM: {secret}"


def test_personal_data_is_masked_where_listed(live: Live) -> None:
    with live.api() as api:
        listed = api.get("/v1/decisions", params={"q": PII["company_name"]})
        assert listed.status_code == 200 and listed.json()["total"] >= 1
        one = api.get(f"/v1/decisions/{listed.json()['items'][0]['id']}")
    masked_number = PII["business_number"][:7] + "*****"
    for text in (listed.text, one.text):
        assert PII["business_number"] not in text and PII["representative_name"] not in text
        assert masked_number in text and "남**밀" in text
    # 기업명 is masked too (issue 14); the comment, free text, still holds what the reviewer wrote
    assert {d["company"]["company_name"] for d in listed.json()["items"]} == {"개********업(주)"}
    assert one.json()["company"]["company_name"] == "개********업(주)"
    with httpx.Client(base_url=live.service.base_url, timeout=120) as web:
        login = web.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert csrf
        web.post("/login", data={"api_key": live.keys["rev"], "csrf_token": csrf.group(1), "next": "/"})
        page = web.get("/decisions", params={"q": PII["company_name"]})
        assert page.status_code == 200 and PII["company_name"] in page.text  # the search box echoes it
        assert "<td>개********업(주)</td>" in page.text and f"<td>{PII['company_name']}</td>" not in page.text
        assert PII["business_number"] not in page.text and PII["representative_name"] not in page.text


def test_logs_are_json_lines_with_request_ids(live: Live) -> None:
    with live.api() as api:
        mine = api.get("/v1/catalog", headers={"X-Request-ID": "reliability-rid-42"})
        forged = api.get("/v1/catalog", headers={"X-Request-ID": 'bad id "with" spaces<script>'})
        plain = api.get("/health")
    assert mine.headers["x-request-id"] == "reliability-rid-42"
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])  # not echoed: a new id
    time.sleep(0.5)
    lines = [line for line in live.service.log_text().splitlines() if line.strip()]
    records = list(iter_json_lines("\n".join(lines)))
    assert len(records) == len(lines), [line for line in lines if not line.startswith("{")][:5]
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
    requests = {r["request_id"]: r for r in records if r.get("event") == "request"}
    for response in (mine, forged, plain):
        logged = requests[response.headers["x-request-id"]]
        assert logged["status"] == response.status_code and logged["path"] == response.url.path
        assert isinstance(logged["duration_ms"], float)
    assert "<script>" not in live.service.log_text()
    assert any(r.get("msg", "").startswith("Application startup complete") for r in records)


def test_graceful_shutdown_finishes_the_request_in_flight(live: Live) -> None:
    live.fake.mode, live.fake.delay_s = "slow", 4.0
    live.fake.requests.clear()
    outcome: dict[str, Any] = {}

    def slow_request() -> None:
        with httpx.Client(base_url=live.service.base_url, timeout=120) as client:
            began = time.monotonic()
            r = client.post(
                "/v1/classify",
                json=company(main_products="종료 중 처리되는 분류"),
                headers={"X-API-Key": live.keys["rev"]},
            )
            outcome.update(status=r.status_code, body=r.json(), seconds=time.monotonic() - began)

    worker = threading.Thread(target=slow_request)
    worker.start()
    deadline = time.monotonic() + 120
    while not live.fake.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.fake.requests, "the request never reached the LLM"
    live.service.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    with pytest.raises(httpx.HTTPError):  # no new connections once shutting down
        httpx.get(f"{live.service.base_url}/health", timeout=5)
    worker.join(timeout=120)
    exit_code = live.service.stop(timeout_s=60)
    assert outcome.get("status") == 200, outcome
    assert outcome["body"]["result"]["rationale_source"] == "llm" and outcome["seconds"] >= 4.0
    assert exit_code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a clean shutdown
    messages = [r.get("msg", "") for r in iter_json_lines(live.service.log_text())]
    assert any(m.startswith("Waiting for application shutdown") for m in messages), messages[-8:]
    assert any(m.startswith("Finished server process") for m in messages), messages[-8:]
