"""Rerank retrieved candidates with an LLM and have it write a cited rationale, validated."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence

from innogrowth.settings import Settings
from rag.llm.answer import AnswerError, read_answer
from rag.llm.grounding import EchoFilter
from rag.llm.openai_chat import OpenAIChatModel
from rag.llm.prompt import PromptSet
from rag.llm.protocol import ChatModel, LlmTransportError
from rag.llm.types import LlmCandidate, LlmEvidence, LlmOutcome, LlmPick

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
_SAFE_ID = re.compile(r"[^\s<>\"\[\]|]{1,64}")


class LlmReranker:
    """Asks the model to choose among the candidates only; one retry, then `ok=False` with a reason."""

    def __init__(
        self, chat: ChatModel, *, prompt_version: str = "v1", timeout_s: float = 20.0, max_tokens: int = 400
    ) -> None:
        self._chat = chat
        self._prompts = PromptSet.load(prompt_version)
        self._echo = EchoFilter(self._prompts.system)
        self._timeout_s = timeout_s
        self._max_tokens = max_tokens

    @property
    def prompt_version(self) -> str:
        return self._prompts.version_id

    @property
    def model(self) -> str:
        return self._chat.model

    def rerank(self, company_fields: dict[str, str], candidates: Sequence[LlmCandidate]) -> LlmOutcome:
        """Never raises for model or transport faults: those come back as `ok=False` and a reason."""
        start = time.perf_counter()
        usable = usable_candidates(candidates)
        if not usable:
            return self._outcome(start, None, attempts=0, reason="no_candidates")
        schema = self._prompts.schema(usable)
        retry_note: str | None = None
        reason = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            messages = self._prompts.messages(company_fields, usable, retry_note)
            try:
                raw = self._chat.complete_json(
                    messages, schema, timeout_s=self._timeout_s, max_tokens=self._max_tokens
                )
                answer = read_answer(raw, schema, usable, company_fields, self._echo)
            except LlmTransportError as exc:
                reason, retry_note = exc.reason, None
            except AnswerError as exc:
                reason = retry_note = exc.reason
            except Exception as exc:  # a broken client must not break classification
                log.exception("LLM rerank attempt %d failed unexpectedly", attempt)
                reason, retry_note = f"unexpected_error: {type(exc).__name__}", None
            else:
                return self._outcome(start, answer.picks, attempts=attempt, none_applies=answer.none_applies)
            log.warning("LLM rerank attempt %d/%d unusable: %s", attempt, MAX_ATTEMPTS, reason)
        return self._outcome(start, None, attempts=MAX_ATTEMPTS, reason=reason)

    def _outcome(
        self,
        start: float,
        picks: list[LlmPick] | None,
        *,
        attempts: int,
        reason: str | None = None,
        none_applies: bool = False,
    ) -> LlmOutcome:
        return LlmOutcome(
            ok=picks is not None,
            picks=picks or [],
            none_applies=none_applies if picks is not None else False,
            reason=reason,
            attempts=attempts,
            model=self._chat.model,
            prompt_version=self._prompts.version_id,
            latency_ms=(time.perf_counter() - start) * 1000.0,
        )


def usable_candidates(candidates: Sequence[LlmCandidate]) -> list[LlmCandidate]:
    """Candidates in order, first of each id, without ids or evidence ids unsafe to print in a prompt."""
    seen: dict[str, LlmCandidate] = {}
    for c in candidates:
        if c.item_id in seen or not _SAFE_ID.fullmatch(c.item_id):
            continue
        evidence: dict[str, LlmEvidence] = {}
        for e in c.evidence:
            if _SAFE_ID.fullmatch(e.id):
                evidence.setdefault(e.id, e)
        seen[c.item_id] = LlmCandidate(c.item_id, c.code, c.path_label, tuple(evidence.values()))
    return list(seen.values())


def build_reranker(settings: Settings) -> LlmReranker | None:
    """The reranker the settings describe, or None when no LLM server is configured."""
    if not settings.llm_base_url:
        return None
    chat = OpenAIChatModel(settings.llm_base_url, settings.llm_model, settings.llm_api_key)
    return LlmReranker(
        chat,
        prompt_version=settings.prompt_version,
        timeout_s=settings.llm_timeout_s,
        max_tokens=settings.llm_max_tokens,
    )
