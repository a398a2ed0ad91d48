"""The prompt token budget: which candidates and lines go in, counted by the server or estimated."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rag.llm import LlmCandidate, LlmEvidence, LlmReranker
from rag.llm.budget import MIN_CANDIDATES, PromptOverBudget, fit_prompt, priority
from rag.llm.prompt import PromptSet
from rag.llm.reranker import DEFAULT_PROMPT_TOKEN_BUDGET, DEFAULT_PROMPT_VERSION
from rag.llm.tokens import EstimatedCounter, ServerTokenCounter, estimate_messages
from tests.support.llm_server import COMPANY, ScriptedChatModel, answer_json, pick

LINE = (
    "실시간 데이터 수집 및 분석을 통해 물류현장 생산성을 높이고 비용을 절감하는 자율이동 로봇과 관제 시스템"
)


def candidate(n: int, lines: int = 6) -> LlmCandidate:
    item = f"IG{n:03d}"
    evidence = [LlmEvidence(f"{item}#L{k}", f"{k}번째 설명 {LINE}") for k in range(1, lines + 1)]
    evidence += [LlmEvidence(f"J:V{n}{k}", f"과거 기업 {k}의 자율주행 물류로봇") for k in (1, 2)]
    # the closest line is the fourth: kept first, shown in source order
    return LlmCandidate(
        item,
        "",
        f"테마 {n} > 분야 {n} > 품목 {n}",
        tuple(evidence),
        confidence=round(0.5 / n, 4),
        keep_first=(f"{item}#L4", f"J:V{n}1"),
    )


def candidates(n: int) -> list[LlmCandidate]:
    return [candidate(i) for i in range(1, n + 1)]


class ScaledCounter:
    """A server tokenizer that needs `factor` times the estimate (1.7: SmolLM2's English-centric
    vocabulary, about 0.85 tokens per byte of Korean)."""

    source = "server"

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.calls = 0

    def count(self, messages: list[dict[str, str]]) -> int:
        self.calls += 1
        return int(estimate_messages(messages) * self.factor)


@pytest.fixture(scope="module")
def prompts() -> PromptSet:
    return PromptSet.load(DEFAULT_PROMPT_VERSION)


def assert_well_formed(shown: list[LlmCandidate], offered: list[LlmCandidate]) -> None:
    assert [c.item_id for c in shown] == [c.item_id for c in offered[: len(shown)]]  # a rank prefix
    for c, o in zip(shown, offered, strict=False):
        order = [e.id for e in o.evidence]
        kept = [e.id for e in c.evidence]
        assert kept == sorted(kept, key=order.index)  # source order
        assert kept[:1] == [] or priority(o)[0].id in kept  # the line it keeps first is in


@pytest.mark.parametrize("n", [3, 8, 20])
@pytest.mark.parametrize("factor", [None, 1.0, 1.7])
def test_the_prompt_fits_the_budget(prompts: PromptSet, n: int, factor: float | None) -> None:
    offered = candidates(n)
    counter = EstimatedCounter() if factor is None else ScaledCounter(factor)
    fitted = fit_prompt(
        prompts, COMPANY, offered, budget=DEFAULT_PROMPT_TOKEN_BUDGET, counter=counter, none_probability=0.2
    )
    assert fitted.tokens <= DEFAULT_PROMPT_TOKEN_BUDGET
    assert fitted.tokens == counter.count(fitted.messages)  # the count is of what is sent
    assert fitted.counted_by == ("estimate" if factor is None else "server") and fitted.offered == n
    assert len(fitted.candidates) >= min(MIN_CANDIDATES, n)
    assert_well_formed(fitted.candidates, offered)
    everything = estimate_messages(prompts.messages(COMPANY, offered, none_probability=0.2)) * (factor or 1)
    if everything <= DEFAULT_PROMPT_TOKEN_BUDGET:
        assert fitted.candidates == offered
    else:  # the greedy fill leaves little unused
        assert fitted.tokens >= 0.85 * DEFAULT_PROMPT_TOKEN_BUDGET, fitted.tokens
        assert fitted.lines < sum(len(c.evidence) for c in offered)
    content = fitted.messages[1]["content"]
    assert f"후보 품목 {len(fitted.candidates)}개" in content and "해당 품목이 없을 가능성 20%" in content


def test_three_candidates_fit_whole_eight_and_twenty_are_cut(prompts: PromptSet) -> None:
    def shown(n: int, lines: int) -> list[LlmCandidate]:
        offered = [candidate(i, lines) for i in range(1, n + 1)]
        return fit_prompt(prompts, COMPANY, offered, budget=3600, counter=EstimatedCounter()).candidates

    assert shown(3, 4) == [candidate(i, 4) for i in (1, 2, 3)]
    eight, twenty = shown(8, 6), shown(20, 6)
    assert 3 <= len(eight) <= 8 and 3 <= len(twenty) < 20
    # the first three keep at least as many lines as any later one
    assert min(len(c.evidence) for c in twenty[:3]) >= max(len(c.evidence) for c in twenty[3:])


def test_a_tokenizer_needing_more_tokens_gets_fewer_candidates(prompts: PromptSet) -> None:
    estimated = fit_prompt(prompts, COMPANY, candidates(20), budget=3600, counter=EstimatedCounter())
    heavy = fit_prompt(prompts, COMPANY, candidates(20), budget=3600, counter=ScaledCounter(1.7))
    assert heavy.lines < estimated.lines and heavy.tokens <= 3600


def test_a_budget_without_room_for_one_candidate_is_refused_without_calling_the_model(
    prompts: PromptSet,
) -> None:
    fixed = estimate_messages(prompts.messages(COMPANY, []))
    with pytest.raises(PromptOverBudget) as err:
        fit_prompt(prompts, COMPANY, candidates(3), budget=fixed, counter=EstimatedCounter())
    assert err.value.reason.startswith("prompt_over_budget")
    chat = ScriptedChatModel(answer_json(pick("IG001")))
    out = LlmReranker(chat, prompt_token_budget=fixed).rerank(COMPANY, candidates(3))
    assert (out.ok, out.status, chat.calls, out.attempts) == (False, "refused", [], 0)


def test_the_reranker_sends_the_fitted_prompt_and_reports_its_tokens() -> None:
    chat = ScriptedChatModel(answer_json(pick("IG001", ["IG001#L4"])))
    counter = ScaledCounter(1.7)
    out = LlmReranker(chat, counter=counter).rerank(COMPANY, candidates(20), none_probability=0.1)
    assert out.ok and out.status == "answered" and out.usage is not None
    [call] = chat.calls
    shown = {c for c in call.schema["properties"]["picks"]["items"]["properties"]["code"]["enum"]}
    assert len(shown) == out.usage.candidates < out.usage.candidates_offered == 20
    assert out.usage.measured_prompt_tokens == counter.count(call.messages) <= DEFAULT_PROMPT_TOKEN_BUDGET
    assert out.usage.counted_by == "server" and out.usage.budget == DEFAULT_PROMPT_TOKEN_BUDGET
    # the schema's evidence enum holds exactly the ids shown
    enum = call.schema["properties"]["picks"]["items"]["properties"]["evidence_ids"]["items"]["enum"]
    assert len(enum) == out.usage.lines and all(f"[{e}]" in call.messages[1]["content"] for e in enum)


# --- the server's tokenizer endpoints (vLLM and llama.cpp), on a loopback stub ---------------------


@contextmanager
def tokenizer_server(dialect: str) -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            paths.append(self.path)
            reply: dict[str, Any] | None = None
            if dialect == "vllm" and self.path == "/tokenize" and "messages" in body:
                text = "".join(m["content"] for m in body["messages"])
                reply = {"count": len(text) + 7, "max_model_len": 8192, "tokens": []}
            elif dialect == "llama.cpp" and self.path == "/apply-template":
                reply = {"prompt": "<s>" + "|".join(m["content"] for m in body["messages"])}
            elif dialect == "llama.cpp" and self.path == "/tokenize":
                reply = {"tokens": list(range(len(body.get("content", ""))))}
            data = json.dumps(reply or {"error": "not found"}).encode()
            self.send_response(200 if reply is not None else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", paths
    finally:
        httpd.shutdown()
        httpd.server_close()


MESSAGES = [{"role": "system", "content": "시스템"}, {"role": "user", "content": "abc"}]


def test_vllm_tokenize_counts_the_chat_prompt() -> None:
    with tokenizer_server("vllm") as (url, paths):
        counter = ServerTokenCounter(url, "m")
        assert counter.count(MESSAGES) == len("시스템abc") + 7 and counter.source == "server"
        assert counter.count(MESSAGES) == 13
    assert counter.dialect == "vllm" and paths == ["/tokenize", "/tokenize"]


def test_llama_cpp_applies_the_template_then_tokenizes() -> None:
    with tokenizer_server("llama.cpp") as (url, paths):
        counter = ServerTokenCounter(url, "m")
        assert counter.count(MESSAGES) == len("<s>시스템|abc") and counter.source == "server"
        counter.count(MESSAGES)
    assert counter.dialect == "llama.cpp"
    # asked vLLM's way once, then llama.cpp's way only
    assert paths == ["/tokenize", "/apply-template", "/tokenize", "/apply-template", "/tokenize"]


def test_a_server_without_a_tokenizer_is_estimated_and_not_asked_again() -> None:
    with tokenizer_server("none") as (url, paths):
        counter = ServerTokenCounter(url, "m")
        assert counter.count(MESSAGES) == estimate_messages(MESSAGES) and counter.source == "estimate"
        counter.count(MESSAGES)
    assert counter.dialect == "none" and paths == ["/tokenize", "/apply-template"]


def test_an_unreachable_tokenizer_is_estimated_for_that_count() -> None:
    counter = ServerTokenCounter("http://127.0.0.1:9/v1", "m")
    assert counter.count(MESSAGES) == estimate_messages(MESSAGES) and counter.source == "estimate"
    assert counter.dialect is None  # asked again next time


def test_a_retry_whose_note_does_not_fit_is_sent_as_the_first_attempt_was(prompts: PromptSet) -> None:
    """Seen with SmolLM2: the first prompt fitted (2,348 of 2,400 tokens), the model's answer was
    unusable, and the retry's correction note took even one candidate over the budget, so the
    record was refused instead of asked again."""
    offered = [dataclasses.replace(candidate(1), evidence=(), keep_first=())]  # nothing left to cut
    first = fit_prompt(prompts, COMPANY, offered, budget=10_000, counter=EstimatedCounter())
    budget = first.tokens + 2  # room for the first prompt, none for a correction note
    bad = answer_json(pick("IG999"))  # a code outside the candidates: retried with a note
    chat = ScriptedChatModel(bad, answer_json(pick("IG001")))
    out = LlmReranker(chat, prompt_token_budget=budget).rerank(COMPANY, offered)
    assert (out.ok, out.status, out.attempts, len(chat.calls)) == (True, "answered", 2, 2)
    assert chat.calls[1].messages == chat.calls[0].messages
