"""OpenAIChatModel against a loopback OpenAI-compatible stub: wire contract, fallbacks, faults."""

from __future__ import annotations

import socket

import pytest

from rag.llm import LlmReranker, LlmTransportError, OpenAIChatModel
from rag.llm.prompt import PromptSet
from rag.llm.reranker import DEFAULT_PROMPT_VERSION
from tests.support.fake_llm_server import FakeLlmServer, StubReply
from tests.support.llm_server import CANDIDATES, COMPANY, answer_json, pick

MESSAGES = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
SCHEMA = PromptSet.load(DEFAULT_PROMPT_VERSION).schema(CANDIDATES)
GOOD = answer_json(pick("IG012", ["IG012#L1"], ["태양광 모듈"]))


def call(chat: OpenAIChatModel, timeout_s: float = 5.0) -> str:
    return chat.complete_json(MESSAGES, SCHEMA, timeout_s=timeout_s, max_tokens=123)


def test_request_and_response_contract() -> None:
    with FakeLlmServer(script=[StubReply(GOOD)]) as stub:
        chat = OpenAIChatModel(stub.base_url, "kanana-test", "secret")
        assert call(chat) == GOOD
    [body] = stub.requests
    assert body["model"] == "kanana-test" and body["messages"] == MESSAGES
    assert body["temperature"] == 0 and body["max_tokens"] == 123
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "innogrowth_rerank_answer", "schema": SCHEMA, "strict": True},
    }
    assert chat.model == "kanana-test" and chat.uses_json_schema


def test_json_schema_rejection_falls_back_to_json_object_once_and_remembers() -> None:
    with FakeLlmServer(script=[StubReply(GOOD, reject_json_schema=True)]) as stub:
        chat = OpenAIChatModel(stub.base_url, "m")
        assert call(chat) == GOOD and call(chat) == GOOD
    kinds = [r["response_format"]["type"] for r in stub.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert not chat.uses_json_schema


def test_json_object_failure_after_rejection_keeps_trying_json_schema_later() -> None:
    replies = [StubReply(status=400, body="{}"), StubReply(status=400, body="{}"), StubReply(GOOD)]
    with FakeLlmServer(script=replies) as stub:
        chat = OpenAIChatModel(stub.base_url, "m")
        with pytest.raises(LlmTransportError) as err:
            call(chat)
        assert err.value.reason == "http_error 400" and chat.uses_json_schema
        assert call(chat) == GOOD
    kinds = [r["response_format"]["type"] for r in stub.requests]
    assert kinds == ["json_schema", "json_object", "json_schema"]


def test_server_error_is_a_transport_error_without_client_retries() -> None:
    failing = StubReply(status=500, body='{"error": {"message": "boom"}}')
    with FakeLlmServer(script=[failing]) as stub, pytest.raises(LlmTransportError) as err:
        call(OpenAIChatModel(stub.base_url, "m"))
    assert err.value.reason == "http_error 500" and len(stub.requests) == 1


def test_slow_server_times_out() -> None:
    with (
        FakeLlmServer(script=[StubReply(GOOD, delay_s=2.0)]) as stub,
        pytest.raises(LlmTransportError) as err,
    ):
        call(OpenAIChatModel(stub.base_url, "m"), timeout_s=0.2)
    assert err.value.reason == "timeout"


def test_closed_port_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LlmTransportError) as err:
        call(OpenAIChatModel(f"http://127.0.0.1:{port}/v1", "m"))
    assert err.value.reason == "connection_error"


def test_missing_content_reads_as_an_empty_reply() -> None:
    body = '{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []}'
    with FakeLlmServer(script=[StubReply(body=body)]) as stub:
        assert call(OpenAIChatModel(stub.base_url, "m")) == ""


@pytest.mark.parametrize(
    ("replies", "ok", "reason", "attempts"),
    [
        ([StubReply("garbage <html>"), StubReply(GOOD)], True, None, 2),
        ([StubReply(answer_json(pick("I30003")))], False, "code_not_in_candidates: I30003", 2),
        ([StubReply('{"picks": [')], False, "invalid_json: reply cut off (max_tokens too small?)", 2),
        ([StubReply(GOOD, delay_s=1.0)], False, "timeout", 2),
        ([StubReply(status=503, body="{}"), StubReply(GOOD)], True, None, 2),
    ],
)
def test_reranker_over_http(replies: list[StubReply], ok: bool, reason: str | None, attempts: int) -> None:
    with FakeLlmServer(script=replies) as stub:
        reranker = LlmReranker(OpenAIChatModel(stub.base_url, "stub"), timeout_s=0.3)
        out = reranker.rerank(COMPANY, CANDIDATES)
    assert (out.ok, out.reason, out.attempts) == (ok, reason, attempts)
    assert len(stub.requests) == attempts
    if ok:
        assert [p.item_id for p in out.picks] == ["IG012"] and out.picks[0].keywords == ["태양광 모듈"]
