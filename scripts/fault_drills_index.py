"""Fault drills around the index build: a rebuild and reload under load, and a shutdown with
requests in flight (scripts/fault_drills.py runs them)."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from scripts.fault_drill_env import (
    Env,
    copy_build_root,
    ready_build,
    started,
    wait_until,
)
from tests.support.fake_llm_server import FakeLlmServer
from tests.support.live_service import (
    REPO_ROOT,
    ServiceProcess,
    innogrowth_command,
    provision_keys,
)
from tests.support.load_generation import LoadPlan, LoadResult, check_database, database_ok, run_load


def drill_index(env: Env) -> dict[str, Any]:
    root = copy_build_root(env.build_root, env.work / "index-builds")
    subset = env.work / "rebuild-judgments.jsonl"
    source = env.judgments or REPO_ROOT / "catalog" / "data" / "judgments" / "dev.jsonl"
    lines = [line for line in source.read_text("utf-8").splitlines() if line.strip()]
    subset.write_text("\n".join(lines[: env.rebuild_judgments]) + "\n", "utf-8")
    config = env.config("index", build_dir=root)
    roles = {f"client-{i}": "reviewer" for i in range(env.clients)} | {"admin": "maintainer"}
    events: list[dict[str, Any]] = []
    with started(config, roles) as (service, keys):
        t0 = time.monotonic()

        def note(event: str, **data: Any) -> None:
            events.append({"at_s": round(time.monotonic() - t0, 1), "event": event, **data})

        old = ready_build(service.base_url)
        stop = threading.Event()
        plan = LoadPlan(
            service.base_url,
            [keys[f"client-{i}"] for i in range(env.clients)],
            env.companies,
            24 * 3600,
            stop=stop,
        )
        results: list[LoadResult] = []
        load = threading.Thread(target=lambda: results.append(run_load(plan, env.clients)))
        load.start()
        time.sleep(3)
        cmd = [*innogrowth_command(), "index", "build", "--quiet"]
        killed = subprocess.Popen(
            cmd, cwd=config.data_dir, env=config.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        note("build_started", pid=killed.pid)

        def tmp_dirs() -> list[Path]:
            return [p for p in root.glob(".tmp-2*") if p.is_dir()]

        wait_until(lambda: bool(tmp_dirs()), 1800)
        wait_until(
            lambda: any((p / "items.faiss").exists() for p in tmp_dirs()) or killed.poll() is not None, 1800
        )
        time.sleep(1.0)
        still_running = killed.poll() is None
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        note("build_killed", was_running=still_running, left_behind=[p.name for p in tmp_dirs()])
        after_kill = ready_build(service.base_url)
        headers = {"Authorization": f"Bearer {keys['admin']}"}
        began = time.monotonic()
        kept = httpx.post(f"{service.base_url}/v1/admin/reload", headers=headers, timeout=1800)
        note(
            "reload_after_kill",
            status=kept.status_code,
            seconds=round(time.monotonic() - began, 1),
            build=kept.json().get("versions", {}).get("build"),
        )
        began = time.monotonic()
        rebuilt = subprocess.run(
            cmd,
            cwd=config.data_dir,
            env={**config.env(), "INNOGROWTH_JUDGMENTS_PATH": str(subset)},
            capture_output=True,
            text=True,
        )
        new = (root / "current").resolve().name
        note(
            "rebuild_finished",
            exit=rebuilt.returncode,
            seconds=round(time.monotonic() - began, 1),
            build=new,
            left_behind=[p.name for p in tmp_dirs()],
        )
        began = time.monotonic()
        swapped = httpx.post(f"{service.base_url}/v1/admin/reload", headers=headers, timeout=1800)
        note(
            "reload_after_rebuild",
            status=swapped.status_code,
            seconds=round(time.monotonic() - began, 1),
            build=swapped.json().get("versions", {}).get("build"),
        )
        time.sleep(5)
        stop.set()
        load.join()
        result = results[0]
        after = ready_build(service.base_url)
        database = check_database(result, config.resolved_database_url, set())
    summary = result.summary()
    ok = (
        not result.errors()
        and database_ok(database)
        and after_kill == old
        and kept.status_code == 200
        and rebuilt.returncode == 0
        and swapped.status_code == 200
        and after == new != old
    )
    return {
        "drill": "index",
        "ok": ok,
        "builds": {"before": old, "after_kill": after_kill, "after_rebuild_and_reload": after},
        "events": events,
        "load": {
            k: summary[k]
            for k in (
                "clients",
                "elapsed_s",
                "requests",
                "requests_per_s",
                "errors",
                "error_kinds",
                "saves_acknowledged",
                "by_kind",
            )
        },
        "database": database,
    }


def drill_shutdown(env: Env) -> dict[str, Any]:
    delay_s = 3.0
    with FakeLlmServer(mode="slow", delay_s=delay_s) as fake:
        config = env.config("shutdown", llm_base_url=fake.base_url, llm_timeout_s=60.0)
        keys = provision_keys(config.resolved_database_url, {"rev": "reviewer"})
        service = ServiceProcess.start(config)
        outcome: dict[str, Any] = {}

        def slow() -> None:
            began = time.monotonic()
            r = httpx.post(
                f"{service.base_url}/v1/classify",
                json=env.companies[3],
                headers={"X-API-Key": keys["rev"]},
                timeout=300,
            )
            outcome.update(
                status=r.status_code,
                seconds=round(time.monotonic() - began, 2),
                rationale=r.json()["result"]["rationale_source"] if r.status_code == 200 else None,
            )

        worker = threading.Thread(target=slow)
        worker.start()
        wait_until(lambda: bool(fake.requests), 300)
        sent = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:
            httpx.get(f"{service.base_url}/health", timeout=5)
            refused = False
        except httpx.HTTPError:
            refused = True
        worker.join()
        code = service.stop(timeout_s=120)
        exit_s = round(time.monotonic() - sent, 2)
    ok = outcome.get("status") == 200 and refused and code in (0, -signal.SIGTERM)
    return {
        "drill": "shutdown",
        "ok": ok,
        "in_flight_request": outcome,
        "new_connections_refused": refused,
        "exit_code": code,
        "sigterm_to_exit_s": exit_s,
        "llm_delay_s": delay_s,
    }
