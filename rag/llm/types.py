"""Plain data handed to and returned by the LLM reranker."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LlmEvidence:
    """A citable text: `IG012#L3` (catalog item line) or `J:V7643` (past judgment)."""

    id: str
    text: str


@dataclass(frozen=True)
class LlmCandidate:
    """One retrieved item the model may choose; `path_label` reads "theme > field > item"."""

    item_id: str
    code: str
    path_label: str
    evidence: tuple[LlmEvidence, ...] = ()


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
    `http_error`, `invalid_json`, `schema_mismatch`, `code_not_in_candidates`, `duplicate_code`,
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
