"""Concurrent clients against a running service (classify, save, reload) and the checks of what the
database holds afterwards: the machinery of scripts/load_test.py and
tests/reliability/test_reliability_load.py."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.live_service import (
    LOOPBACK,
    count_rows,
    decision_ids,
)

EXPECTED = {"classify": 200, "save": 201, "reload": 200}


REQUEST_TIMEOUT_S = 300.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)


@dataclass
class Sample:
    kind: str
    status: int
    latency_ms: float
    at_s: float
    error: str | None = None


@dataclass
class LoadResult:
    clients: int
    seconds: float
    elapsed_s: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    saved_ids: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error is not None or s.status != EXPECTED[s.kind]]

    def summary(self) -> dict[str, Any]:
        kinds: dict[str, Any] = {}
        for kind in EXPECTED:
            mine = [s for s in self.samples if s.kind == kind]
            if not mine:
                continue
            ok = [s.latency_ms for s in mine if s.error is None and s.status == EXPECTED[kind]]
            kinds[kind] = {
                "requests": len(mine),
                "ok": len(ok),
                "per_s": round(len(mine) / self.elapsed_s, 2) if self.elapsed_s else 0.0,
                "p50_ms": percentile(ok, 0.50),
                "p95_ms": percentile(ok, 0.95),
                "p99_ms": percentile(ok, 0.99),
                "max_ms": round(max(ok), 1) if ok else 0.0,
            }
        every = [s.latency_ms for s in self.samples if s.error is None]
        errors = self.errors()
        return {
            "clients": self.clients,
            "seconds": self.seconds,
            "elapsed_s": round(self.elapsed_s, 2),
            "requests": len(self.samples),
            "requests_per_s": round(len(self.samples) / self.elapsed_s, 2) if self.elapsed_s else 0.0,
            "latency_all_ms": {
                "p50": percentile(every, 0.50),
                "p95": percentile(every, 0.95),
                "p99": percentile(every, 0.99),
            },
            "by_kind": kinds,
            "errors": len(errors),
            "error_kinds": dict(Counter(f"{s.kind}:{s.error or s.status}" for s in errors)),
            "saves_acknowledged": len(self.saved_ids),
            "events": self.events,
        }


@dataclass
class LoadPlan:
    base_url: str
    client_keys: list[str]
    companies: list[dict[str, str]]
    seconds: float
    admin_key: str | None = None
    reload_every_s: float = 0.0
    stop: threading.Event | None = None
    """Set it to end the load early (before `seconds`); in-flight flows still finish."""

    def running(self, deadline: float) -> bool:
        return time.monotonic() < deadline and not (self.stop is not None and self.stop.is_set())


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in (LOOPBACK, "localhost"):
        raise SystemExit(f"refusing to send load to {host!r}: this script only targets 127.0.0.1")


async def _client(
    idx: int, plan: LoadPlan, http: httpx.AsyncClient, result: LoadResult, t0: float, deadline: float
) -> None:
    headers = {"Authorization": f"Bearer {plan.client_keys[idx % len(plan.client_keys)]}"}
    n = idx
    while plan.running(deadline):
        company = plan.companies[n % len(plan.companies)]
        n += result.clients
        response = await _timed(http, "classify", "/v1/classify", company, headers, result, t0)
        if response is None or response.status_code != 200:
            continue
        body = response.json()
        recs = body["result"]["recommendations"]
        final = recs[0]["item_id"] if recs and body["result"]["decision"] != "not_applicable" else "NONE"
        decision = {
            "run_id": body["run_id"],
            "final_item_id": final,
            "comment": "부하 시험",
            **{k: company[k] for k in ("company_name", "business_number", "representative_name")},
        }
        saved = await _timed(http, "save", "/v1/decisions", decision, headers, result, t0)
        if saved is not None and saved.status_code == 201:
            result.saved_ids.append(int(saved.json()["id"]))


async def _timed(
    http: httpx.AsyncClient,
    kind: str,
    path: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
    result: LoadResult,
    t0: float,
) -> httpx.Response | None:
    began = time.monotonic()
    try:
        response = await http.post(path, json=body, headers=headers)
    except httpx.HTTPError as exc:
        result.samples.append(
            Sample(kind, 0, (time.monotonic() - began) * 1000, began - t0, f"{type(exc).__name__}")
        )
        return None
    result.samples.append(Sample(kind, response.status_code, (time.monotonic() - began) * 1000, began - t0))
    return response


async def _reloader(
    plan: LoadPlan, http: httpx.AsyncClient, result: LoadResult, t0: float, deadline: float
) -> None:
    assert plan.admin_key is not None
    headers = {"Authorization": f"Bearer {plan.admin_key}"}
    while True:
        await asyncio.sleep(min(plan.reload_every_s, max(0.0, deadline - time.monotonic())))
        if not plan.running(deadline):
            return
        response = await _timed(http, "reload", "/v1/admin/reload", None, headers, result, t0)
        if response is not None and response.status_code == 200:
            result.events.append(
                {
                    "at_s": round(time.monotonic() - t0, 2),
                    "event": "reloaded",
                    "build": response.json()["versions"].get("build"),
                }
            )


async def _run(plan: LoadPlan, clients: int) -> LoadResult:
    result = LoadResult(clients=clients, seconds=plan.seconds)
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=plan.base_url, timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
        t0 = time.monotonic()
        deadline = t0 + plan.seconds
        tasks = [_client(i, plan, http, result, t0, deadline) for i in range(clients)]
        if plan.reload_every_s > 0 and plan.admin_key:
            tasks.append(_reloader(plan, http, result, t0, deadline))
        await asyncio.gather(*tasks)
        result.elapsed_s = time.monotonic() - t0
    return result


def run_load(plan: LoadPlan, clients: int) -> LoadResult:
    """Run the load (blocking; safe to call from a thread of its own)."""
    _check_loopback(plan.base_url)
    return asyncio.run(_run(plan, clients))


def check_database(result: LoadResult, database_url: str, before_ids: set[int]) -> dict[str, Any]:
    """Every acknowledged save is a row; no row that was not acknowledged; one company per decision."""
    ids = decision_ids(database_url) - before_ids
    acknowledged = set(result.saved_ids)
    decisions = count_rows(database_url, "decisions")
    companies = count_rows(database_url, "companies")
    return {
        "decision_rows_new": len(ids),
        "lost_saves": len(acknowledged - ids),
        "unacknowledged_rows": len(ids - acknowledged),
        "duplicate_acknowledgements": len(result.saved_ids) - len(acknowledged),
        "companies_equal_decisions": companies == decisions,
    }


def database_ok(check: dict[str, Any]) -> bool:
    return (
        check["lost_saves"] == 0
        and check["unacknowledged_rows"] == 0
        and check["duplicate_acknowledgements"] == 0
        and bool(check["companies_equal_decisions"])
    )
