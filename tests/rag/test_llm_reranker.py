"""LlmReranker with a scripted fake ChatModel: validation, retry and fallback."""

from __future__ import annotations

import pytest

from innogrowth.settings import Settings
from innogrowth.wiring import reranker_from
from prompts import prompt_version_id
from rag.llm import (
    LlmCandidate,
    LlmReranker,
    LlmTransportError,
    OpenAIChatModel,
)
from rag.llm.prompt import PromptSet
from rag.llm.reranker import DEFAULT_PROMPT_VERSION
from tests.support.llm_server import CANDIDATES, COMPANY, ScriptedChatModel, answer_json, pick, timeout_error


def rerank(*replies: str | Exception) -> tuple[ScriptedChatModel, LlmReranker]:
    chat = ScriptedChatModel(*replies)
    return chat, LlmReranker(chat, timeout_s=7.5, max_tokens=321)


def test_valid_answer_is_accepted_with_versions_and_latency() -> None:
    rationale = "태양광 모듈을 직접 제조합니다."
    good = pick("IG012", ["IG012#L1", "J:V1001"], ["태양광 모듈", "PERC 셀"], rationale)
    chat, reranker = rerank(answer_json(good, pick("IG045", ["IG045#L2"], [], "물류 로봇과는 약하게 관련.")))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and out.reason is None and out.attempts == 1 and not out.none_applies
    assert [p.item_id for p in out.picks] == ["IG012", "IG045"]
    assert out.picks[0].evidence_ids == ["IG012#L1", "J:V1001"]
    assert out.picks[0].keywords == ["태양광 모듈", "PERC 셀"]
    assert out.picks[0].rationale == rationale
    assert out.model == "fake-llm"
    assert out.prompt_version == prompt_version_id(DEFAULT_PROMPT_VERSION) == reranker.prompt_version
    assert out.latency_ms >= 0.0
    assert (chat.calls[0].timeout_s, chat.calls[0].max_tokens) == (7.5, 321)


def test_schema_enum_holds_exactly_the_candidate_ids() -> None:
    chat, reranker = rerank(answer_json(pick("IG012")))
    reranker.rerank(COMPANY, CANDIDATES)
    props = chat.calls[0].schema["properties"]["picks"]["items"]["properties"]
    assert props["code"]["enum"] == ["IG012", "IG045", "IG101"]
    assert props["evidence_ids"]["items"]["enum"] == ["IG012#L1", "J:V1001", "IG045#L2", "IG101#L1"]


def test_code_outside_candidates_retries_once_then_falls_back() -> None:
    chat, reranker = rerank(answer_json(pick("I30003")))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.picks == [] and out.attempts == 2 and len(chat.calls) == 2
    assert out.reason == "code_not_in_candidates: I30003"
    assert "code_not_in_candidates" in chat.calls[1].messages[1]["content"]
    assert "code_not_in_candidates" not in chat.calls[0].messages[1]["content"]


def test_invalid_json_is_retried_and_the_retry_can_succeed() -> None:
    _, reranker = rerank("{not json", answer_json(pick("IG101", ["IG101#L1"])))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and out.attempts == 2 and [p.item_id for p in out.picks] == ["IG101"]


@pytest.mark.parametrize(
    ("evidence", "reason"),
    [
        (["IG999#L1"], "unknown_evidence: IG999#L1"),
        (["IG045#L2"], "evidence_not_for_candidate: IG045#L2 for IG012"),
    ],
)
def test_evidence_must_be_given_for_that_candidate(evidence: list[str], reason: str) -> None:
    _, reranker = rerank(answer_json(pick("IG012", evidence)))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.reason == reason and out.attempts == 2


def test_keywords_absent_from_company_text_are_dropped_not_fatal() -> None:
    keywords = ["태양광  모듈", "perc 셀", "반도체", "ksic", "28202", "태"]
    _, reranker = rerank(answer_json(pick("IG012", ["IG012#L1"], keywords)))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and out.attempts == 1
    assert out.picks[0].keywords == ["태양광 모듈", "perc 셀"]


def test_timeout_gives_reason_timeout_after_exactly_one_retry() -> None:
    chat, reranker = rerank(timeout_error())
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert (out.ok, out.reason, out.attempts, len(chat.calls)) == (False, "timeout", 2, 2)
    assert chat.calls[1].messages == chat.calls[0].messages  # a transport retry resends as is


def test_transport_error_then_valid_answer_is_ok() -> None:
    _, reranker = rerank(LlmTransportError("connection_error"), answer_json(pick("IG012")))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and out.attempts == 2


def test_unexpected_client_exception_falls_back_instead_of_raising() -> None:
    _, reranker = rerank(RuntimeError("boom"))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.reason == "unexpected_error: RuntimeError"


def test_a_repeated_code_keeps_its_first_pick() -> None:
    first = pick("IG012", ["IG012#L1"], rationale="첫 번째 판단입니다.")
    _, reranker = rerank(answer_json(first, pick("IG012"), pick("IG045")))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and [p.item_id for p in out.picks] == ["IG012", "IG045"]
    assert out.picks[0].rationale == "첫 번째 판단입니다."


def test_a_cut_off_reply_keeps_the_picks_it_completed() -> None:
    whole = answer_json(pick("IG012", ["IG012#L1"]), pick("IG045", ["IG045#L2"], rationale="물류 로봇 " * 40))
    cut = whole[: whole.index("물류 로봇") + 20]
    _, reranker = rerank(cut)
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and out.attempts == 1 and [p.item_id for p in out.picks] == ["IG012"]
    assert not out.none_applies
    # nothing whole: still invalid, retried, then given up
    chat, reranker = rerank(whole[:30])
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.status == "invalid" and len(chat.calls) == 2
    assert out.reason is not None and out.reason.startswith("invalid_json: reply cut off")


def test_none_applies_without_picks_is_a_valid_answer() -> None:
    _, reranker = rerank(answer_json(none_applies=True))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and out.none_applies and out.picks == []


def test_no_picks_without_none_applies_fails() -> None:
    _, reranker = rerank(answer_json())
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.reason is not None and out.reason.startswith("no_picks")


def test_rationale_echoing_the_system_prompt_is_stripped() -> None:
    system = PromptSet.load(DEFAULT_PROMPT_VERSION).system
    leaked = system.splitlines()[3]
    rationale = f"태양광 모듈을 제조합니다. {leaked}"
    _, reranker = rerank(answer_json(pick("IG012", rationale=rationale)))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert out.ok and out.picks[0].rationale == "태양광 모듈을 제조합니다."


def test_rationale_that_only_echoes_the_system_prompt_fails() -> None:
    leaked = PromptSet.load(DEFAULT_PROMPT_VERSION).system.splitlines()[0]
    _, reranker = rerank(answer_json(pick("IG012", rationale=leaked)))
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.reason == "empty_rationale: IG012"


def test_caps_truncate_instead_of_failing() -> None:
    picks = [pick(c.item_id, rationale="가" * 500) for c in CANDIDATES]
    extra = {**pick("IG012"), "code": "IG012"}
    _, reranker = rerank(answer_json(*picks))
    out = reranker.rerank(COMPANY, CANDIDATES)
    cap = PromptSet.load(DEFAULT_PROMPT_VERSION).schema_template["properties"]["picks"]["items"]
    assert out.ok and len(out.picks[0].rationale) == cap["properties"]["rationale"]["maxLength"] == 150
    _, reranker = rerank(answer_json(*picks, extra))
    assert [p.item_id for p in reranker.rerank(COMPANY, CANDIDATES).picks] == ["IG012", "IG045", "IG101"]


def test_more_than_three_picks_keep_the_first_three() -> None:
    many = (*CANDIDATES, LlmCandidate("IG200", "H1", "a > b > c"))
    _, reranker = rerank(answer_json(*(pick(c.item_id) for c in many)))
    out = reranker.rerank(COMPANY, many)
    assert out.ok and [p.item_id for p in out.picks] == ["IG012", "IG045", "IG101"]


def test_schema_mismatch_fails() -> None:
    _, reranker = rerank('{"picks": [{"code": "IG012"}], "none_applies": false}')
    out = reranker.rerank(COMPANY, CANDIDATES)
    assert not out.ok and out.reason is not None and out.reason.startswith("schema_mismatch")


def test_no_candidates_skips_the_model() -> None:
    chat, reranker = rerank(answer_json(pick("IG012")))
    out = reranker.rerank(COMPANY, [])
    assert (out.ok, out.reason, out.attempts, chat.calls) == (False, "no_candidates", 0, [])


def test_duplicate_and_unsafe_candidates_are_not_offered() -> None:
    odd = LlmCandidate("IG012>>>", "x", "x > y > z")
    chat, reranker = rerank(answer_json(pick("IG012")))
    reranker.rerank(COMPANY, [*CANDIDATES, CANDIDATES[0], odd])
    props = chat.calls[0].schema["properties"]["picks"]["items"]["properties"]
    assert props["code"]["enum"] == ["IG012", "IG045", "IG101"]


def test_reranker_from_needs_a_base_url() -> None:
    assert reranker_from(Settings(_env_file=None)) is None
    settings = Settings(
        _env_file=None, llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_timeout_s=3.0
    )
    reranker = reranker_from(settings)
    assert reranker is not None and reranker.model == "m"
    assert reranker.prompt_version == prompt_version_id(DEFAULT_PROMPT_VERSION)
    assert isinstance(reranker._chat, OpenAIChatModel)
