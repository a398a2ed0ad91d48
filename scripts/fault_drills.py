"""Fault drills against the real service (`innogrowth serve` in a child process on 127.0.0.1).

    .venv/bin/python scripts/fault_drills.py                       # every drill, full catalog
    .venv/bin/python scripts/fault_drills.py --drills llm,db --requests 5
    .venv/bin/python scripts/fault_drills.py --json var/drills.json

Drills (each prints one JSON object; `--json` writes them all):

- llm        the LLM server (tests/support/fake_llm_server.py) valid, down, slow past the timeout,
             invalid JSON, codes outside the candidates, HTTP 500, injected text: status codes,
             degraded count and reason, latency, items outside the candidates (must be 0).
- injection  tests/data/prompt_injections.jsonl through the API with an LLM that obeys the text:
             foreign codes recommended, system-prompt sentences shown, personal data sent (all 0).
- db         SQLite write-locked during a save: status, message, wait, rows before/after, retry.
- ready      /ready with the SQLite file deleted then restored, and with no index build at all.
- index      under load: a real `innogrowth index build` SIGKILLed mid-way, then a real rebuild
             (past judgments cut to `--rebuild-judgments` rows so that ranker training is short)
             switched in and reloaded: failed requests (must be 0), lost saves (must be 0).
- shutdown   SIGTERM with a slow request in flight: the request's status, the time to exit.

The index build used is a private copy of the current build under `--build-dir` (default
`var/builds`; run `make index` first), so the drills never touch the serving builds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.fault_drill_env import (
    CORPUS_PATH,
    DRILLS,
    LLM_MODES,
    PERSONAL,
    REASON,
    Env,
    classify,
    copy_build_root,
    decision_body,
    hostile,
    leaks,
    outside_candidates,
    started,
    system_sentences,
    table_counts,
)
from scripts.fault_drills_index import drill_index, drill_shutdown
from tests.support.fake_llm_server import FakeLlmServer
from tests.support.live_service import (
    REPO_ROOT,
    ServiceProcess,
    provision_keys,
    technical_companies,
    with_personal,
)
from tests.support.load_generation import percentile

# --- drills ----------------------------------------------------------------------------------------


def drill_llm(env: Env) -> dict[str, Any]:
    timeout_s = 2.0
    sentences = system_sentences()
    rows: list[dict[str, Any]] = []
    fake = FakeLlmServer().__enter__()
    port = fake.port
    config = env.config("llm", llm_base_url=fake.base_url, llm_timeout_s=timeout_s)
    with started(config, {"rev": "reviewer"}) as (service, keys):
        client = httpx.Client(base_url=service.base_url, headers={"X-API-Key": keys["rev"]}, timeout=300)
        n = 0
        for mode in LLM_MODES:
            if mode == "down":
                fake.__exit__()
            else:
                fake.mode, fake.delay_s = mode, timeout_s * 3
            statuses: Counter[int] = Counter()
            reasons: Counter[str] = Counter()
            latencies: list[float] = []
            degraded = outside = leaked = 0
            for _ in range(env.requests):
                body = env.companies[n % len(env.companies)]
                n += 1
                r, ms = classify(client, body)
                statuses[r.status_code] += 1
                latencies.append(ms)
                if r.status_code == 200:
                    payload = r.json()
                    degraded += bool(payload["degraded"])
                    if payload["degraded_reason"]:
                        match = REASON.search(payload["degraded_reason"])
                        reasons[match.group(1) if match else payload["degraded_reason"][:40]] += 1
                    outside += outside_candidates(payload["result"])
                    leaked += leaks(payload["result"], sentences)
            rows.append(
                {
                    "mode": mode,
                    "requests": env.requests,
                    "statuses": dict(statuses),
                    "degraded": degraded,
                    "reasons": dict(reasons),
                    "p50_ms": percentile(latencies, 0.5),
                    "max_ms": round(max(latencies), 1),
                    "outside_candidates": outside,
                    "system_prompt_shown": leaked,
                }
            )
            if mode == "down":
                fake = FakeLlmServer(port=port).__enter__()
        fake.mode = "valid"
        r, ms = classify(client, env.companies[0])
        recovered = r.status_code == 200 and not r.json()["degraded"]
        client.close()
    fake.__exit__()
    ok = recovered and all(
        row["statuses"] == {200: env.requests}
        and row["outside_candidates"] == 0
        and row["system_prompt_shown"] == 0
        for row in rows
    )
    ok = ok and all(
        row["degraded"] == env.requests for row in rows if row["mode"] not in ("valid", "injected")
    )
    return {"drill": "llm", "ok": ok, "llm_timeout_s": timeout_s, "modes": rows, "recovered_after": recovered}


def drill_injection(env: Env) -> dict[str, Any]:
    corpus = [json.loads(line) for line in CORPUS_PATH.read_text("utf-8").split("\n") if line.strip()]
    sentences = system_sentences()
    base = env.companies[0]
    with FakeLlmServer(mode="obedient") as fake:
        config = env.config("injection", llm_base_url=fake.base_url, llm_timeout_s=10.0)
        with started(config, {"rev": "reviewer"}) as (service, keys):
            client = httpx.Client(base_url=service.base_url, headers={"X-API-Key": keys["rev"]}, timeout=300)
            statuses: Counter[int] = Counter()
            sources: Counter[str] = Counter()
            latencies: list[float] = []
            outside = leaked = 0
            for entry in corpus:
                r, ms = classify(client, hostile(entry, base))
                statuses[r.status_code] += 1
                latencies.append(ms)
                if r.status_code == 200:
                    payload = r.json()
                    outside += outside_candidates(payload["result"])
                    leaked += leaks(payload["result"], sentences)
                    sources[
                        f"{payload['result']['rationale_source']}{'/degraded' if payload['degraded'] else ''}"
                    ] += 1
            client.close()
        sent = json.dumps(fake.requests, ensure_ascii=False)
        personal = sum(base[k] in sent for k in PERSONAL)
        llm_calls = len(fake.requests)
    ok = statuses == {200: len(corpus)} and outside == leaked == personal == 0
    return {
        "drill": "injection",
        "ok": ok,
        "records": len(corpus),
        "kinds": len({e["kind"] for e in corpus}),
        "statuses": dict(statuses),
        "outcomes": dict(sources),
        "llm_calls": llm_calls,
        "recommended_outside_candidates": outside,
        "system_prompt_shown": leaked,
        "personal_fields_sent_to_llm": personal,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
    }


def drill_db(env: Env) -> dict[str, Any]:
    config = env.config("db")
    with started(config, {"rev": "reviewer"}) as (service, keys):
        client = httpx.Client(base_url=service.base_url, headers={"X-API-Key": keys["rev"]}, timeout=300)
        company = env.companies[1]
        run_id = classify(client, company)[0].json()["run_id"]
        url = config.resolved_database_url
        before = table_counts(url)
        lock = sqlite3.connect(config.data_dir / "innogrowth.db", isolation_level=None, timeout=1)
        lock.execute("BEGIN IMMEDIATE")
        began = time.monotonic()
        locked = client.post("/v1/decisions", json=decision_body(run_id, company))
        waited = time.monotonic() - began
        lock.execute("ROLLBACK")
        lock.close()
        during = table_counts(url)
        retry = client.post("/v1/decisions", json=decision_body(run_id, company))
        after = table_counts(url)
        client.close()
    error = locked.json().get("error", {})
    ok = (
        locked.status_code == 503
        and error.get("code") == "db_unavailable"
        and during == before
        and retry.status_code == 201
        and after["decisions"] == before["decisions"] + 1
    )
    return {
        "drill": "db",
        "ok": ok,
        "locked_save": {
            "status": locked.status_code,
            "code": error.get("code"),
            "message": error.get("message"),
            "retry_after": locked.headers.get("retry-after"),
            "waited_s": round(waited, 2),
        },
        "rows_before": before,
        "rows_after_failed_save": during,
        "retry_status": retry.status_code,
        "rows_after_retry": after,
    }


def drill_ready(env: Env) -> dict[str, Any]:
    out: dict[str, Any] = {"drill": "ready"}
    config = env.config("ready")
    with started(config, {"rev": "reviewer"}) as (service, keys):
        client = httpx.Client(base_url=service.base_url, headers={"X-API-Key": keys["rev"]}, timeout=300)
        company = env.companies[2]
        run_id = classify(client, company)[0].json()["run_id"]
        db = config.data_dir / "innogrowth.db"
        backup = config.data_dir / "backup.db"
        with sqlite3.connect(db) as src, sqlite3.connect(backup) as dst:
            src.backup(dst)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        gone = client.get("/ready")
        save_gone = client.post("/v1/decisions", json=decision_body(run_id, company))
        shutil.copy(backup, db)
        back = client.get("/ready")
        save_back = client.post("/v1/decisions", json=decision_body(run_id, company))
        client.close()
    out["database_deleted"] = {
        "ready": gone.status_code,
        "components": [d["component"] for d in gone.json()["error"]["details"]]
        if gone.status_code != 200
        else [],
        "save": save_gone.status_code,
    }
    out["database_restored"] = {"ready": back.status_code, "save": save_back.status_code}
    empty = env.work / "no-builds"
    empty.mkdir(parents=True, exist_ok=True)
    no_index = env.config("no-index", build_dir=empty)
    keys = provision_keys(no_index.resolved_database_url, {"rev": "reviewer"})
    proc = ServiceProcess.start_unready(no_index)
    try:
        health = httpx.get(f"{proc.base_url}/health", timeout=30)
        ready = httpx.get(f"{proc.base_url}/ready", timeout=30)
        r = httpx.post(
            f"{proc.base_url}/v1/classify", json=company, headers={"X-API-Key": keys["rev"]}, timeout=60
        )
    finally:
        proc.stop()
    out["no_index"] = {
        "health": health.status_code,
        "ready": ready.status_code,
        "components": [d["component"] for d in ready.json()["error"]["details"]],
        "classify": r.status_code,
        "message": r.json()["error"]["message"],
    }
    out["ok"] = (
        out["database_deleted"] == {"ready": 503, "components": ["database"], "save": 503}
        and out["database_restored"] == {"ready": 200, "save": 201}
        and (health.status_code, ready.status_code, r.status_code) == (200, 503, 503)
    )
    return out


RUNNERS: dict[str, Callable[[Env], dict[str, Any]]] = {
    "llm": drill_llm,
    "injection": drill_injection,
    "db": drill_db,
    "ready": drill_ready,
    "index": drill_index,
    "shutdown": drill_shutdown,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--drills", default=",".join(DRILLS), help=f"comma-separated, from {','.join(DRILLS)}"
    )
    parser.add_argument("--build-dir", type=Path, default=None, help="builds to copy (default var/builds)")
    parser.add_argument("--catalog", type=Path, default=None, help="catalog JSON (default: packaged)")
    parser.add_argument("--judgments", type=Path, default=None, help="past judgments (default: packaged)")
    parser.add_argument("--requests", type=int, default=10, help="requests per LLM fault mode")
    parser.add_argument("--clients", type=int, default=4, help="concurrent reviewers in the index drill")
    parser.add_argument("--rebuild-judgments", type=int, default=150, help="past judgments in the rebuild")
    parser.add_argument("--json", type=Path, default=None, help="also write the reports here")
    args = parser.parse_args(argv)
    chosen = [d.strip() for d in args.drills.split(",") if d.strip()]
    unknown = set(chosen) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drills: {sorted(unknown)}")
    build_root = (
        args.build_dir or Path(os.environ.get("INNOGROWTH_BUILD_DIR") or REPO_ROOT / "var" / "builds")
    ).resolve()
    if not (build_root / "current").exists():
        raise SystemExit(f"no index build under {build_root}: run `make index` (or pass --build-dir)")
    work = Path(tempfile.mkdtemp(prefix="innogrowth-drills-"))
    try:
        private = copy_build_root(build_root, work / "builds")
        env = Env(
            build_root=private,
            catalog=args.catalog.resolve() if args.catalog else None,
            judgments=args.judgments.resolve() if args.judgments else None,
            work=work,
            requests=args.requests,
            clients=args.clients,
            rebuild_judgments=args.rebuild_judgments,
            companies=[with_personal(f, i, "훈련기업") for i, f in enumerate(technical_companies())],
        )
        reports = []
        for name in chosen:
            began = time.monotonic()
            report = RUNNERS[name](env)
            report["drill_seconds"] = round(time.monotonic() - began, 1)
            report["loadavg"] = [round(x, 2) for x in os.getloadavg()]
            print(json.dumps(report, ensure_ascii=False, indent=2), flush=True)
            reports.append(report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=2) + "\n", "utf-8")
    failed = [r["drill"] for r in reports if not r["ok"]]
    print(json.dumps({"drills": [r["drill"] for r in reports], "failed": failed}, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
