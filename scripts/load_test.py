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
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.live_service import (
    REPO_ROOT,
    ServiceConfig,
    ServiceProcess,
    decision_ids,
    innogrowth_command,
    provision_keys,
    technical_companies,
    with_personal,
)
from tests.support.load_generation import LoadPlan, _check_loopback, check_database, database_ok, run_load


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
    parser.add_argument(
        "--embedder-workers",
        type=int,
        default=None,
        help="embedding model threads of the service started here (default: its own default)",
    )
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
        extra={"INNOGROWTH_EMBEDDER_WORKERS": str(args.embedder_workers)} if args.embedder_workers else {},
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
