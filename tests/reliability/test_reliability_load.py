"""Load on the real service (child process, 127.0.0.1): short forms of scripts/load_test.py.

1. The script itself, 4 reviewers x 5 s with a maintainer reloading every 2 s: zero errors,
   every acknowledged save is a database row and nothing else was written.
2. Under load (2 reviewers): a real `innogrowth index build` is killed with SIGKILL mid-way (the
   old build keeps serving, a reload keeps it), then a rebuild completes, is switched in
   atomically and reloaded: zero failed requests, no lost saves.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from index_build import layout
from index_build.builder import BuildInputs, BuildResult, build_index
from rag.classifier import Classifier
from rag.embedder import Embedder
from tests.support.api_fixtures import api_build, module_classifier, small_catalog_file
from tests.support.live_service import (
    REPO_ROOT,
    ServiceConfig,
    ServiceProcess,
    innogrowth_command,
    provision_keys,
    technical_companies,
    with_personal,
)
from tests.support.load_generation import LoadPlan, LoadResult, check_database, database_ok, run_load
from tests.support.reliability_support import copy_build

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

CLIENTS = 4
REBUILD_CLIENTS = 2


def test_load_script_short_form(tmp_path: Path, small_catalog_file: Path, api_build: BuildResult) -> None:
    report_path = tmp_path / "load.json"
    cmd = [
        sys.executable,
        str(REPO_ROOT / "scripts" / "load_test.py"),
        "--build-dir", str(api_build.path.parent),
        "--catalog", str(small_catalog_file),
        "--clients", str(CLIENTS),
        "--seconds", "5",
        "--reload-every", "2",
        "--companies", "60",
        "--json", str(report_path),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNOGROWTH_")}
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(report_path.read_text("utf-8"))
    load, database = report["load"], report["database"]
    assert report["ok"] is True and load["errors"] == 0, load["error_kinds"]
    assert load["by_kind"]["classify"]["ok"] >= CLIENTS and load["saves_acknowledged"] >= 1
    assert (
        load["by_kind"]["reload"]["ok"] >= 1
        and load["by_kind"]["reload"]["requests"] == load["by_kind"]["reload"]["ok"]
    )
    assert database["decision_rows_new"] == load["saves_acknowledged"]
    assert (
        database["lost_saves"] == database["unacknowledged_rows"] == 0
        and database["companies_equal_decisions"]
    )
    for kind in ("classify", "save"):
        stats = load["by_kind"][kind]
        assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"] <= stats["max_ms"]


def ready_build(base_url: str) -> str:
    build: str = httpx.get(f"{base_url}/ready", timeout=60).json()["index"]["versions"]["build"]
    return build


def reload(base_url: str, admin_key: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/v1/admin/reload", headers={"Authorization": f"Bearer {admin_key}"}, timeout=600
    )


def wait_for(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.timeout(900)
def test_build_killed_then_rebuilt_and_reloaded_under_load(
    tmp_path: Path,
    small_catalog_file: Path,
    small_judgments_path: Path,
    small_inputs: BuildInputs,
    api_build: BuildResult,
    embedder: Embedder,
    module_classifier: Classifier,
) -> None:
    root = copy_build(api_build, tmp_path / "builds")
    config = ServiceConfig(
        data_dir=tmp_path / "service",
        build_dir=root,
        catalog_path=small_catalog_file,
        judgments_path=small_judgments_path,
    )
    wanted = {f"client-{i}": "reviewer" for i in range(REBUILD_CLIENTS)} | {"admin": "maintainer"}
    keys = provision_keys(config.resolved_database_url, wanted)
    service = ServiceProcess.start(config)
    try:
        old = ready_build(service.base_url)
        assert old == api_build.manifest.build_id
        companies = [with_personal(f, i) for i, f in enumerate(technical_companies(60))]
        stop = threading.Event()
        plan = LoadPlan(
            service.base_url, [keys[f"client-{i}"] for i in range(REBUILD_CLIENTS)], companies, 900, stop=stop
        )
        results: list[LoadResult] = []
        load = threading.Thread(target=lambda: results.append(run_load(plan, REBUILD_CLIENTS)))
        load.start()

        # 1. A rebuild for a revised catalog (the packaged full one), killed mid-way.
        env = {
            **config.env(),
            "INNOGROWTH_CATALOG_PATH": str(REPO_ROOT / "catalog" / "data" / "igcs_v6.json"),
        }
        build = subprocess.Popen(
            [*innogrowth_command(), "index", "build", "--quiet"],
            cwd=config.data_dir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = wait_for(lambda: any(root.glob(f"{layout.TMP_PREFIX}2*")), 300)
        assert started, "the build never started writing"
        time.sleep(1.0)
        assert build.poll() is None, "the build finished before it could be killed"
        build.send_signal(signal.SIGKILL)
        assert build.wait(timeout=60) == -signal.SIGKILL
        assert any(root.glob(f"{layout.TMP_PREFIX}2*"))  # its half-written build is left behind
        assert layout.current_build(root) == (root / old).resolve()
        assert ready_build(service.base_url) == old
        kept = reload(service.base_url, keys["admin"])
        assert kept.status_code == 200 and kept.json()["versions"]["build"] == old

        # 2. A rebuild that completes (cached vectors, no ranker training), switched in and reloaded.
        tokenizer = module_classifier.resources.tokenizer
        new = build_index(small_inputs, embedder, root, tokenizer=tokenizer, show_progress=False)
        assert not any(root.glob(f"{layout.TMP_PREFIX}2*"))  # the killed build's leftovers are gone
        swapped = reload(service.base_url, keys["admin"])
        assert swapped.status_code == 200, swapped.text
        assert swapped.json()["versions"]["build"] == new.manifest.build_id != old
        assert ready_build(service.base_url) == new.manifest.build_id
        time.sleep(2.0)
        stop.set()
        load.join(timeout=600)
        result = results[0]
        summary = result.summary()
        assert result.errors() == [], summary["error_kinds"]
        assert summary["by_kind"]["classify"]["ok"] >= REBUILD_CLIENTS and result.saved_ids
        check = check_database(result, config.resolved_database_url, set())
        assert database_ok(check) and check["decision_rows_new"] == len(result.saved_ids), check
    finally:
        service.stop()
