"""Fitting the prompt into a token budget: which candidates and which of their lines go in.

The system prompt, the instructions and the company's fields always go in; what is left of the
budget is filled with candidates in the ranker's order, greedily:

1. the first `MIN_CANDIDATES` candidates, each with its first evidence line (the one it keeps
   first: the catalog line closest to the company text);
2. up to `CORE_LINES` lines each for those;
3. further candidates in rank order, each with up to `CORE_LINES` lines, while they fit (a
   candidate that does not fit ends the list: the candidates shown are always a prefix of the
   ranking);
4. the remaining lines, one per candidate per round.

Within a candidate the lines are shown in source order (catalog lines as the catalog lists them,
then past judgments), whichever were chosen. The budget is measured with the `TokenCounter`
(the server's tokenizer when it has one): the whole prompt is counted; when it is over, the
per-line costs are scaled by what the count showed and the fill is redone, at most
`MAX_REFITS` times. A prompt that cannot hold even one candidate is refused
(`PromptOverBudget`), without calling the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.llm.prompt import PromptSet
from rag.llm.protocol import TokenCounter
from rag.llm.tokens import estimate_tokens
from rag.llm.types import LlmCandidate, LlmEvidence

MIN_CANDIDATES = 3
CORE_LINES = 3
MAX_REFITS = 3
# Line costs are estimated, then scaled by the measured ratio with this margin.
COST_MARGIN = 1.05


class PromptOverBudget(Exception):
    """Not even the fixed part and one candidate fit; `reason` starts with `prompt_over_budget`."""

    def __init__(self, tokens: int, budget: int) -> None:
        self.reason = f"prompt_over_budget: {tokens} tokens > budget {budget}"
        super().__init__(self.reason)


@dataclass(frozen=True)
class FittedPrompt:
    """The messages sent, the candidates as shown (evidence cut to what the prompt holds), the
    prompt's token count and where it came from (`server` or `estimate`)."""

    messages: list[dict[str, str]]
    candidates: list[LlmCandidate]
    tokens: int
    counted_by: str
    budget: int
    offered: int

    @property
    def lines(self) -> int:
        return sum(len(c.evidence) for c in self.candidates)


@dataclass
class _Plan:
    """Chosen evidence ids per shown candidate (by candidate index)."""

    chosen: dict[int, set[str]]

    def render(self, candidates: Sequence[LlmCandidate]) -> list[LlmCandidate]:
        out = []
        for i in sorted(self.chosen):
            c = candidates[i]
            kept = tuple(e for e in c.evidence if e.id in self.chosen[i])
            out.append(dataclasses.replace(c, evidence=kept))
        return out


def priority(c: LlmCandidate) -> list[LlmEvidence]:
    """The candidate's evidence in the order it keeps it: `keep_first`, then source order."""
    by_id = {e.id: e for e in c.evidence}
    first = [by_id[i] for i in dict.fromkeys(c.keep_first) if i in by_id]
    taken = {e.id for e in first}
    return first + [e for e in c.evidence if e.id not in taken]


def fit_prompt(
    prompts: PromptSet,
    company_fields: Mapping[str, str],
    candidates: Sequence[LlmCandidate],
    *,
    budget: int,
    counter: TokenCounter,
    none_probability: float | None = None,
    retry_reason: str | None = None,
) -> FittedPrompt:
    """The largest prompt (by the fill order of the module doc) whose count is within `budget`."""

    def messages(shown: Sequence[LlmCandidate]) -> list[dict[str, str]]:
        return prompts.messages(company_fields, shown, retry_reason, none_probability=none_probability)

    def done(shown: list[LlmCandidate], msgs: list[dict[str, str]], tokens: int) -> FittedPrompt:
        return FittedPrompt(msgs, shown, tokens, counter.source, budget, len(candidates))

    full = messages(candidates)
    full_tokens = counter.count(full)
    if full_tokens <= budget:
        return done(list(candidates), full, full_tokens)
    empty = messages([])
    fixed = counter.count(empty)
    if fixed >= budget:
        raise PromptOverBudget(fixed, budget)
    estimated_extra = max(1, _estimate(full) - _estimate(empty))
    ratio = max(0.05, (full_tokens - fixed) / estimated_extra) * COST_MARGIN
    available = budget - fixed
    best: tuple[list[LlmCandidate], list[dict[str, str]], int] | None = None
    for _ in range(MAX_REFITS + 1):
        plan = _fill(prompts, candidates, available, ratio)
        if not plan.chosen:
            break
        shown = plan.render(candidates)
        msgs = messages(shown)
        tokens = counter.count(msgs)
        if tokens <= budget:
            best = (shown, msgs, tokens)
            break
        # over: the fill spent at most `available` by its estimate, the count says more
        ratio *= (tokens - fixed) / available * 1.02
    if best is None:
        one = [dataclasses.replace(candidates[0], evidence=())] if candidates else []
        msgs = messages(one)
        tokens = counter.count(msgs)
        if not one or tokens > budget:
            raise PromptOverBudget(tokens, budget)
        best = (one, msgs, tokens)
    return done(*best)


def _estimate(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m["content"]) for m in messages)


def _fill(prompts: PromptSet, candidates: Sequence[LlmCandidate], available: float, ratio: float) -> _Plan:
    """Greedy fill of `available` tokens, each piece costing its estimate × `ratio`."""
    queues = [priority(c) for c in candidates]
    chosen: dict[int, set[str]] = {}
    left = available

    def cost(text: str) -> float:
        return (estimate_tokens(text) + 1) * ratio  # + the newline

    def take_line(i: int) -> bool:
        nonlocal left
        if not queues[i]:
            return False
        e = queues[i][0]
        c = cost(prompts.evidence_line(e))
        if c > left:
            return False
        queues[i].pop(0)
        chosen[i].add(e.id)
        left -= c
        return True

    def take_candidate(i: int, lines: int) -> bool:
        """The header and up to `lines` lines, all or nothing for the header and the first line."""
        nonlocal left
        head = cost(prompts.candidate_header(candidates[i]))
        first = cost(prompts.evidence_line(queues[i][0])) if queues[i] else 0.0
        if head + first > left:
            return False
        chosen[i] = set()
        left -= head
        for _ in range(lines):
            if not take_line(i):
                break
        return True

    core = min(MIN_CANDIDATES, len(candidates))
    for i in range(core):
        if not take_candidate(i, 1):
            break
    for _ in range(CORE_LINES - 1):
        for i in list(chosen):
            take_line(i)
    if len(chosen) == core:
        for i in range(core, len(candidates)):
            if not take_candidate(i, CORE_LINES):
                break
    progress = True
    while progress:
        progress = False
        for i in sorted(chosen):
            progress = take_line(i) or progress
    return _Plan(chosen)
