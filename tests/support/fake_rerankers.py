"""Fake LLM rerankers (the `Reranker` protocol of rag.classifier) that tests share."""

from __future__ import annotations

from collections.abc import Sequence

from rag.llm.types import LlmCandidate, LlmOutcome, LlmPick


class ReversingReranker:
    """Picks the deterministic order's third, second and first items (a valid answer)."""

    model = "fake-reversing-llm"

    def rerank(
        self,
        company_fields: dict[str, str],
        candidates: Sequence[LlmCandidate],
        *,
        none_probability: float | None = None,
    ) -> LlmOutcome:
        picks = [LlmPick(c.item_id, f"{c.path_label} 관련.", []) for c in list(candidates[:3])[::-1]]
        return LlmOutcome(True, picks, False, None, 1, self.model, "v1", 1.0)


class OnePickReranker:
    """Picks only the deterministic order's second item; or, with `none`, no item at all."""

    model = "fake-one-pick-llm"

    def __init__(self, none: bool = False) -> None:
        self.none = none

    def rerank(
        self,
        company_fields: dict[str, str],
        candidates: Sequence[LlmCandidate],
        *,
        none_probability: float | None = None,
    ) -> LlmOutcome:
        picks = [] if self.none else [LlmPick(candidates[1].item_id, "두 번째 후보가 맞습니다.", [])]
        return LlmOutcome(True, picks, self.none, None, 1, self.model, "v2", 1.0)


class FailingReranker:
    """Answers like the real reranker does when the server timed out on both attempts."""

    model = "fake-llm"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def rerank(
        self,
        company_fields: dict[str, str],
        candidates: Sequence[LlmCandidate],
        *,
        none_probability: float | None = None,
    ) -> LlmOutcome:
        if self.error is not None:
            raise self.error
        return LlmOutcome(
            ok=False,
            picks=[],
            none_applies=False,
            reason="timeout: no reply in 20 s",
            attempts=2,
            model=self.model,
            prompt_version="v1",
            latency_ms=1.0,
        )
