"""Bounded load test of the real service on 127.0.0.1: N reviewers classify and save for T seconds.

    .venv/bin/python scripts/load_test.py --clients 20 --seconds 60            # starts the service
    .venv/bin/python scripts/load_test.py --clients 4 --seconds 5 --reload-every 2
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:8000 --key ig_... [--database-url ...]

Without `--url` it starts `innogrowth serve` on a free loopback port with a fresh data directory
(SQLite) over the current index build (`--build-dir`, default `var/builds`; run `make index`
first), gives every client its own reviewer key, and stops the service with SIGTERM at the end.
Each client loops: POST /v1/classify, then POST /v1/decisions saving the top recommendation (or
NONE). `--reload-every S` has a maintainer POST /v1/admin/reload every S seconds during the load;
`--rebuild-at S` runs a real `innogrowth index build` S seconds in and reloads when it finishes.

With `--url`, every client uses the one `--key`, so the service's per-key rate limit
(`INNOGROWTH_RATE_LIMIT_PER_MINUTE`, default 120) applies to the whole load; services started by
this script set it out of the way.

Reports throughput, p50/p95/p99 latency per request kind, every non-expected status or transport
error, and checks the database afterwards: every acknowledged save is a row, nothing else was
written (no lost, phantom or half-written decisions). Exit status 1 when any check fails.
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.live_service import (
    LOOPBACK,
    REPO_ROOT,
    ServiceConfig,
    ServiceProcess,
    count_rows,
    decision_ids,
    innogrowth_command,
    provision_keys,
    technical_companies,
    with_personal,
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


def _ready_build(base_url: str) -> str | None:
    body = httpx.get(f"{base_url}/ready", timeout=30).json()
    build: str | None = body.get("index", {}).get("versions", {}).get("build")
    return build


def _rebuild_then_reload(
    config: ServiceConfig, base_url: str, admin_key: str, at_s: float, t0: float, events: list[dict[str, Any]]
) -> None:
    time.sleep(max(0.0, at_s - (time.monotonic() - t0)))
    began = time.monotonic()
    done = subprocess.run(
        [*innogrowth_command(), "index", "build", "--quiet"],
        cwd=config.data_dir,
        env=config.env(),
        capture_output=True,
        text=True,
    )
    events.append(
        {
            "at_s": round(time.monotonic() - t0, 2),
            "event": "index_build_finished",
            "exit": done.returncode,
            "build_s": round(time.monotonic() - began, 1),
            "stderr_tail": done.stderr[-300:],
        }
    )
    r = httpx.post(
        f"{base_url}/v1/admin/reload", headers={"Authorization": f"Bearer {admin_key}"}, timeout=600
    )
    events.append(
        {"at_s": round(time.monotonic() - t0, 2), "event": "reload_after_rebuild", "status": r.status_code}
    )


def default_build_dir() -> Path:
    from_env = os.environ.get("INNOGROWTH_BUILD_DIR")
    return Path(from_env) if from_env else REPO_ROOT / "var" / "builds"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", help="target a running service on 127.0.0.1 instead of starting one")
    parser.add_argument("--key", help="with --url: a reviewer or maintainer key for every client")
    parser.add_argument("--admin-key", help="with --url: a maintainer key for --reload-every")
    parser.add_argument("--database-url", help="with --url: the service's database, to check the saves")
    parser.add_argument("--build-dir", type=Path, default=None, help="index builds (default var/builds)")
    parser.add_argument("--catalog", type=Path, default=None, help="catalog JSON (default: packaged)")
    parser.add_argument("--judgments", type=Path, default=None, help="past judgments for --rebuild-at")
    parser.add_argument("--data-dir", type=Path, default=None, help="service data dir (default: temporary)")
    parser.add_argument("--reload-every", type=float, default=0.0, help="POST /v1/admin/reload every S s")
    parser.add_argument("--rebuild-at", type=float, default=0.0, help="run `innogrowth index build` at S s")
    parser.add_argument("--companies", type=int, default=0, help="distinct companies to cycle (0: all)")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)

    fields = technical_companies(args.companies)
    companies = [with_personal(f, i) for i, f in enumerate(fields)]
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()}}
    if args.url:
        _check_loopback(args.url)
        if not args.key:
            parser.error("--url needs --key")
        plan = LoadPlan(args.url, [args.key], companies, args.seconds, args.admin_key, args.reload_every)
        before = decision_ids(args.database_url) if args.database_url else set()
        result = run_load(plan, args.clients)
        report["load"] = result.summary()
        ok = not result.errors()
        if args.database_url:
            report["database"] = check_database(result, args.database_url, before)
            ok = ok and database_ok(report["database"])
    else:
        ok, report = _self_started(args, companies, report)
    report["machine"]["loadavg_after"] = os.getloadavg()
    report["ok"] = ok
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
    return 0 if ok else 1


def _self_started(
    args: argparse.Namespace, companies: list[dict[str, str]], report: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    build_dir = (args.build_dir or default_build_dir()).resolve()
    if not (build_dir / "current").exists():
        raise SystemExit(f"no index build under {build_dir}: run `make index` (or pass --build-dir)")
    own_dir = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="innogrowth-load-")) if own_dir else args.data_dir.resolve()
    config = ServiceConfig(
        data_dir=data_dir,
        build_dir=build_dir,
        catalog_path=args.catalog.resolve() if args.catalog else None,
        judgments_path=args.judgments.resolve() if args.judgments else None,
    )
    wanted = {f"load-client-{i}": "reviewer" for i in range(args.clients)} | {"load-admin": "maintainer"}
    keys = provision_keys(config.resolved_database_url, wanted)
    began = time.monotonic()
    service = ServiceProcess.start(config)
    report["service"] = {
        "url": service.base_url,
        "start_s": round(time.monotonic() - began, 1),
        "build_before": _ready_build(service.base_url),
    }
    try:
        plan = LoadPlan(
            service.base_url,
            [keys[f"load-client-{i}"] for i in range(args.clients)],
            companies,
            args.seconds,
            keys["load-admin"],
            args.reload_every,
        )
        events: list[dict[str, Any]] = []
        rebuild: threading.Thread | None = None
        if args.rebuild_at > 0:
            rebuild = threading.Thread(
                target=_rebuild_then_reload,
                args=(
                    config,
                    service.base_url,
                    keys["load-admin"],
                    args.rebuild_at,
                    time.monotonic(),
                    events,
                ),
            )
            rebuild.start()
        result = run_load(plan, args.clients)
        if rebuild is not None:
            rebuild.join()
            result.events.extend(events)
        report["load"] = result.summary()
        report["service"]["build_after"] = _ready_build(service.base_url)
        report["database"] = check_database(result, config.resolved_database_url, set())
        ok = not result.errors() and database_ok(report["database"])
        if args.rebuild_at > 0:
            ok = (
                ok
                and all(e.get("exit", 0) == 0 and e.get("status", 200) == 200 for e in events)
                and bool(events)
            )
    finally:
        report.setdefault("service", {})["exit_code_after_sigterm"] = service.stop()
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    return ok, report


if __name__ == "__main__":
    raise SystemExit(main())
