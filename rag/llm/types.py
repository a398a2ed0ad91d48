"""Plain data handed to and returned by the LLM reranker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class LlmEvidence:
    """A citable text: `IG012#L3` (catalog item line) or `J:V7643` (past judgment)."""

    id: str
    text: str


@dataclass(frozen=True)
class LlmCandidate:
    """One retrieved item the model may choose; `path_label` reads "theme > field > item".

    `code`: the item's official code, "" (or the item id itself) when it has none, and then no
    code is shown. `evidence`: catalog lines (`<item>#L<n>`) in source order, then past
    judgments (`J:<id>`). `keep_first`: evidence ids in the order to keep when the prompt budget
    cannot hold them all (the others follow in source order). `confidence`: the ranker's
    calibrated probability, given to the model as a hint.
    """

    item_id: str
    code: str
    path_label: str
    evidence: tuple[LlmEvidence, ...] = ()
    confidence: float | None = None
    keep_first: tuple[str, ...] = ()

    @property
    def official_code(self) -> str | None:
        code = self.code.strip()
        return code if code and code != self.item_id else None


@dataclass
class LlmPick:
    """A validated choice: the item, a capped rationale, cited evidence, grounded keywords."""

    item_id: str
    rationale: str
    evidence_ids: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


@dataclass
class LlmOutcome:
    """What one rerank produced.

    `ok` is True only for a validated answer; then `picks` holds 1..3 items (0..3 when
    `none_applies`). `reason` starts with a stable token (`timeout`, `connection_error`,
    `http_error`, `invalid_json`, `schema_mismatch`, `code_not_in_candidates`,
    `unknown_evidence`, `evidence_not_for_candidate`, `empty_rationale`, `no_picks`,
    `no_candidates`, `unexpected_error`), optionally followed by `: detail`.
    """

    ok: bool
    picks: list[LlmPick]
    none_applies: bool
    reason: str | None
    attempts: int
    model: str
    prompt_version: str
    latency_ms: float
    usage: LlmUsage | None = None

    @property
    def status(self) -> LlmStatus:
        return llm_status(self.ok, self.reason)


LlmStatus = Literal["answered", "refused", "timeout", "invalid", "unavailable"]
# What became of one rerank: `answered` (a validated answer was used); `refused` (the prompt did
# not fit the budget, or the server refused the request: HTTP 400/413/422); `timeout`; `invalid`
# (replies came but none was usable); `unavailable` (no connection, other HTTP errors, no
# candidates, an unexpected client error). Every status but `answered` degrades the result.
LLM_STATUSES: tuple[LlmStatus, ...] = ("answered", "refused", "timeout", "invalid", "unavailable")
_REFUSED = ("prompt_over_budget", "http_error 400", "http_error 413", "http_error 422")
_INVALID = (
    "invalid_json", "schema_mismatch", "code_not_in_candidates", "unknown_evidence",
    "evidence_not_for_candidate", "empty_rationale", "no_picks",
)  # fmt: skip


def llm_status(ok: bool, reason: str | None) -> LlmStatus:
    if ok:
        return "answered"
    text = reason or ""
    if text.startswith(_REFUSED):
        return "refused"
    if text.startswith("timeout"):
        return "timeout"
    if text.startswith(_INVALID):
        return "invalid"
    return "unavailable"


@dataclass
class LlmUsage:
    """Tokens of one rerank: `prompt_tokens` / `completion_tokens` as the server reported them,
    summed over the attempts (None when it reported none); `measured_prompt_tokens`: the last
    prompt as the budget counted it, `counted_by` `server` (its /tokenize) or `estimate`;
    `budget`: the prompt token budget; `candidates` / `lines`: how many candidates and evidence
    lines the prompt held (of `candidates_offered`)."""

    prompt_tokens: int | None
    completion_tokens: int | None
    measured_prompt_tokens: int
    counted_by: str
    budget: int
    candidates: int
    candidates_offered: int
    lines: int
