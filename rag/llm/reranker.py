"""Rerank retrieved candidates with an LLM and have it write a cited rationale, validated."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Sequence

from rag.llm.answer import AnswerError, read_answer
from rag.llm.budget import FittedPrompt, PromptOverBudget, fit_prompt
from rag.llm.grounding import EchoFilter
from rag.llm.prompt import PromptSet
from rag.llm.protocol import ChatModel, ChatReply, LlmTransportError, TokenCounter
from rag.llm.tokens import EstimatedCounter
from rag.llm.types import LlmCandidate, LlmEvidence, LlmOutcome, LlmPick, LlmUsage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
DEFAULT_PROMPT_VERSION = "v2"
# 4,096 tokens of context = this prompt budget + the answer's max tokens (400) + a margin
DEFAULT_PROMPT_TOKEN_BUDGET = 3600
_SAFE_ID = re.compile(r"[^\s<>\"\[\]|]{1,64}")


class LlmReranker:
    """Asks the model to choose among the candidates only; one retry, then `ok=False` with a reason.

    The prompt is fitted into `prompt_token_budget` tokens as `counter` counts them (see
    `rag.llm.budget`); the estimate when no counter is given."""

    def __init__(
        self,
        chat: ChatModel,
        *,
        prompt_version: str = DEFAULT_PROMPT_VERSION,
        timeout_s: float = 20.0,
        max_tokens: int = 400,
        prompt_token_budget: int = DEFAULT_PROMPT_TOKEN_BUDGET,
        counter: TokenCounter | None = None,
    ) -> None:
        self._chat = chat
        self._prompts = PromptSet.load(prompt_version)
        self._echo = EchoFilter(self._prompts.system)
        self._timeout_s = timeout_s
        self._max_tokens = max_tokens
        self._budget = prompt_token_budget
        self._counter: TokenCounter = counter or EstimatedCounter()

    @property
    def prompt_version(self) -> str:
        return self._prompts.version_id

    @property
    def model(self) -> str:
        return self._chat.model

    @property
    def prompt_token_budget(self) -> int:
        return self._budget

    def fit(
        self,
        company_fields: dict[str, str],
        candidates: Sequence[LlmCandidate],
        *,
        none_probability: float | None = None,
        retry_reason: str | None = None,
    ) -> FittedPrompt:
        """The prompt an attempt would send (raises `PromptOverBudget`)."""
        return fit_prompt(
            self._prompts,
            company_fields,
            usable_candidates(candidates),
            budget=self._budget,
            counter=self._counter,
            none_probability=none_probability,
            retry_reason=retry_reason,
        )

    def rerank(
        self,
        company_fields: dict[str, str],
        candidates: Sequence[LlmCandidate],
        *,
        none_probability: float | None = None,
    ) -> LlmOutcome:
        """Never raises for model or transport faults: those come back as `ok=False` and a reason."""
        start = time.perf_counter()
        usage = _Usage(self._budget, len(candidates))
        usable = usable_candidates(candidates)
        if not usable:
            return self._outcome(start, None, usage, attempts=0, reason="no_candidates")
        retry_note: str | None = None
        reason = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                fitted = self.fit(
                    company_fields, usable, none_probability=none_probability, retry_reason=retry_note
                )
            except PromptOverBudget as exc:
                if usage.fitted is None:
                    return self._outcome(start, None, usage, attempts=attempt - 1, reason=exc.reason)
                # a retry whose correction note takes even one candidate over the budget: resend
                # the earlier prompt, which fitted, rather than refuse what the first attempt met
                fitted = usage.fitted
            usage.fitted = fitted
            schema = self._prompts.schema(fitted.candidates)
            try:
                raw = self._chat.complete_json(
                    fitted.messages, schema, timeout_s=self._timeout_s, max_tokens=self._max_tokens
                )
                usage.add(raw)
                answer = read_answer(raw, schema, fitted.candidates, company_fields, self._echo)
            except LlmTransportError as exc:
                reason, retry_note = exc.reason, None
            except AnswerError as exc:
                reason = retry_note = exc.reason
            except Exception as exc:  # a broken client must not break classification
                log.exception("LLM rerank attempt %d failed unexpectedly", attempt)
                reason, retry_note = f"unexpected_error: {type(exc).__name__}", None
            else:
                return self._outcome(
                    start, answer.picks, usage, attempts=attempt, none_applies=answer.none_applies
                )
            log.warning("LLM rerank attempt %d/%d unusable: %s", attempt, MAX_ATTEMPTS, reason)
        return self._outcome(start, None, usage, attempts=MAX_ATTEMPTS, reason=reason)

    def _outcome(
        self,
        start: float,
        picks: list[LlmPick] | None,
        usage: _Usage,
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
            usage=usage.result(),
        )


class _Usage:
    """Token usage summed over the attempts of one rerank."""

    def __init__(self, budget: int, offered: int) -> None:
        self.budget, self.offered = budget, offered
        self.fitted: FittedPrompt | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None

    def add(self, raw: str) -> None:
        if isinstance(raw, ChatReply):
            if raw.prompt_tokens is not None:
                self.prompt_tokens = (self.prompt_tokens or 0) + raw.prompt_tokens
            if raw.completion_tokens is not None:
                self.completion_tokens = (self.completion_tokens or 0) + raw.completion_tokens

    def result(self) -> LlmUsage | None:
        f = self.fitted
        if f is None:
            return None
        return LlmUsage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            measured_prompt_tokens=f.tokens,
            counted_by=f.counted_by,
            budget=self.budget,
            candidates=len(f.candidates),
            candidates_offered=self.offered,
            lines=f.lines,
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
        seen[c.item_id] = dataclasses.replace(c, evidence=tuple(evidence.values()))
    return list(seen.values())
