"""Helpers for the reliability, security and fuzz tests (imported by those modules only)."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.json_logging import JsonFormatter
from index_build import layout
from index_build.builder import BuildResult
from innogrowth.settings import Settings
from innogrowth.wiring import reranker_from
from prompts import load_prompt
from rag.classifier import Classifier
from rag.llm.reranker import DEFAULT_PROMPT_VERSION

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
HTML = {"Accept": "text/html"}
_SPACE = re.compile(r"\s+")


def llm_settings(data_dir: Path, catalog_file: Path, build: BuildResult, **extra: Any) -> Settings:
    """Settings as the service reads them; INNOGROWTH_LLM_BASE_URL comes from the environment."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "catalog_path": catalog_file,
        "build_dir": build.path.parent,
        "rate_limit_per_minute": 100_000,
        "bootstrap_admin_key": None,
        "llm_timeout_s": 2.0,
        **extra,
    }
    return Settings(_env_file=None, **values)


def with_settings_reranker(base: Classifier, settings: Settings) -> Classifier:
    """`base`'s retrieval with the LLM reranker the settings describe (the production builder)."""
    reranker = reranker_from(settings)
    assert reranker is not None, "INNOGROWTH_LLM_BASE_URL is not set"
    return Classifier(base.resources, base.ranker, options=base.options, reranker=reranker, cache=base.cache)


def assert_only_candidates(result: dict[str, Any]) -> None:
    """Every recommended item was proposed by retrieval (result.candidates)."""
    candidates = {c["item_id"] for c in result["candidates"]}
    recommended = [r["item_id"] for r in result["recommendations"]]
    assert set(recommended) <= candidates, (recommended, sorted(candidates))
    for rec in result["recommendations"]:
        assert {e["item_id"] for e in rec["evidence"]} <= {rec["item_id"]}, rec["evidence"]


def compact(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


LEAK_MIN_CHARS = 30
"""A system-prompt sentence this long (without spaces) is recognisable; none may be shown."""


def system_prompt_sentences(version: str = DEFAULT_PROMPT_VERSION) -> list[str]:
    """Sentences (and lines) of the LLM system prompt long enough to be recognisable."""
    text = load_prompt(version, "llm_system.txt")
    parts = re.split(r"(?<=[.!?。])\s+|\n+", text)
    return [p.strip() for p in parts if len(compact(p)) >= LEAK_MIN_CHARS]


def leaked_sentences(value: Any, sentences: list[str]) -> list[str]:
    """The system-prompt sentences found (spaces and case ignored) anywhere in `value`."""
    haystack = compact(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return [s for s in sentences if compact(s) in haystack]


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF field on the page"
    return match.group(1)


def page_login(client: TestClient, key: str) -> str:
    """Log the client in on the pages with `key`; returns the session's CSRF token."""
    page = client.get("/login").text
    r = client.post(
        "/login", data={"api_key": key, "csrf_token": csrf_of(page), "next": "/"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/").text)


def copy_build(build: BuildResult, root: Path) -> Path:
    """A private build root holding a copy of `build` as `current` (and its embedding cache)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(build.path, root / build.path.name)
    for cache in build.path.parent.glob(".embed-cache-*"):
        shutil.copy2(cache, root / cache.name)
    layout.switch_current(root, root / build.path.name)
    return root


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the service logs while the block runs, formatted as the service formats it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("innogrowth", "uvicorn", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield buffer
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
