"""What every fault drill of scripts/fault_drills.py shares: the drill environment, the service it
starts, and the checks of an answer (candidates, leaks, table counts)."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.live_service import (
    REPO_ROOT,
    ServiceConfig,
    ServiceProcess,
    count_rows,
    provision_keys,
)

DRILLS = ("llm", "injection", "db", "ready", "index", "shutdown")


LLM_MODES = ("valid", "down", "slow", "invalid_json", "foreign_code", "http_500", "injected")


REASON = re.compile(r"실패\(([^):]+)")


CORPUS_PATH = REPO_ROOT / "tests" / "data" / "prompt_injections.jsonl"


PERSONAL = ("company_name", "business_number", "representative_name")


def system_sentences(min_chars: int = 30) -> list[str]:
    from prompts import load_prompt

    text = load_prompt("v1", "llm_system.txt")
    parts = re.split(r"(?<=[.!?。])\s+|\n+", text)
    return [p.strip() for p in parts if len(re.sub(r"\s", "", p)) >= min_chars]


def compact(text: str) -> str:
    return re.sub(r"\s", "", text).casefold()


def outside_candidates(result: dict[str, Any]) -> int:
    candidates = {c["item_id"] for c in result["candidates"]}
    return sum(r["item_id"] not in candidates for r in result["recommendations"])


def leaks(result: dict[str, Any], sentences: list[str]) -> int:
    haystack = compact(json.dumps(result, ensure_ascii=False))
    return sum(compact(s) in haystack for s in sentences)


@dataclass
class Env:
    build_root: Path
    catalog: Path | None
    judgments: Path | None
    work: Path
    requests: int
    clients: int
    rebuild_judgments: int
    companies: list[dict[str, str]]

    def config(self, name: str, **extra: Any) -> ServiceConfig:
        return ServiceConfig(
            data_dir=self.work / name,
            build_dir=extra.pop("build_dir", self.build_root),
            catalog_path=self.catalog,
            judgments_path=self.judgments,
            **extra,
        )


@contextmanager
def started(config: ServiceConfig, roles: dict[str, str]) -> Iterator[tuple[ServiceProcess, dict[str, str]]]:
    keys = provision_keys(config.resolved_database_url, roles)
    service = ServiceProcess.start(config)
    try:
        yield service, keys
    finally:
        service.stop()


def classify(client: httpx.Client, body: dict[str, str]) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    r = client.post("/v1/classify", json=body)
    return r, (time.monotonic() - began) * 1000


def hostile(entry: dict[str, str], base: dict[str, str]) -> dict[str, str]:
    body = dict(base)
    field, text = entry["field"], entry["text"]
    body[field] = text if entry["mode"] == "replace" else f"{body[field]} {text}"
    return body


def decision_body(run_id: int, company: dict[str, str]) -> dict[str, Any]:
    return {"run_id": run_id, "final_item_id": "NONE", **{k: company[k] for k in PERSONAL}}


def table_counts(url: str) -> dict[str, int]:
    return {t: count_rows(url, t) for t in ("classification_runs", "companies", "decisions")}


def copy_build_root(source_root: Path, dest: Path) -> Path:
    current = (source_root / "current").resolve()
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(current, dest / current.name)
    for cache in source_root.glob(".embed-cache-*.npz"):
        shutil.copy2(cache, dest / cache.name)
    (dest / "current").symlink_to(current.name)
    return dest


def ready_build(base_url: str) -> str | None:
    body = httpx.get(f"{base_url}/ready", timeout=60).json()
    build: str | None = body.get("index", {}).get("versions", {}).get("build")
    return build


def wait_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
