"""What the classifier returns. Plain dataclasses, JSON-ready via `to_dict()`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rag.llm.types import LlmOutcome

Decision = Literal["recommended", "review", "not_applicable"]


def recorded_probability(p: float) -> float:
    """A probability as a result records it (`none_probability`, `confidence`): 4 places. The
    decision compares this value, so it never reads a digit the caller does not see."""
    return round(p, 4)


DECISION_LABELS: dict[str, str] = {
    "recommended": "추천",
    "review": "검토 필요",
    "not_applicable": "해당 없음",
}


@dataclass(frozen=True)
class Evidence:
    """A citable piece of support. ids: `IG012#L3` (catalog item line 3), `J:V7643` (judgment)."""

    id: str
    kind: Literal["catalog", "judgment"]
    item_id: str
    text: str
    line: int | None = None
    similarity: float | None = None


@dataclass(frozen=True)
class Keyword:
    """A word of the company's own text that supports an item; offsets are into `source_field`."""

    word: str
    source_field: str
    start: int
    end: int
    weight: float


@dataclass
class Recommendation:
    rank: int
    item_id: str
    item_code: str
    item_name: str
    field_id: str
    field_code: str
    field_name: str
    theme_id: str
    theme_code: str
    theme_name: str
    score: float
    confidence: float
    rationale: str
    evidence: list[Evidence] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def path_label(self) -> str:
        return f"{self.theme_name} > {self.field_name} > {self.item_name}"


@dataclass
class Candidate:
    item_id: str
    score: float
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class LlmRun:
    """What the LLM did for this result: `status` (`answered`, `refused`, `timeout`, `invalid`,
    `unavailable`; see `rag.llm.types.LlmStatus`), the reason when it was not answered, the model,
    attempts, latency, the tokens of the prompt and answer (None where not known), and how many
    items it picked (`picks`; the deterministic order fills the rest as 참고 후보) or whether it
    answered that no item applies."""

    status: str
    reason: str | None
    model: str
    prompt_version: str
    attempts: int
    latency_ms: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    measured_prompt_tokens: int | None = None
    counted_by: str | None = None
    prompt_token_budget: int | None = None
    candidates_in_prompt: int | None = None
    candidates_offered: int | None = None
    lines_in_prompt: int | None = None
    picks: int = 0
    none_applies: bool = False

    @classmethod
    def of(cls, outcome: LlmOutcome) -> LlmRun:
        u = outcome.usage
        return cls(
            status=outcome.status,
            reason=outcome.reason,
            model=outcome.model,
            prompt_version=outcome.prompt_version,
            attempts=outcome.attempts,
            latency_ms=round(outcome.latency_ms, 2),
            prompt_tokens=u.prompt_tokens if u else None,
            completion_tokens=u.completion_tokens if u else None,
            measured_prompt_tokens=u.measured_prompt_tokens if u else None,
            counted_by=u.counted_by if u else None,
            prompt_token_budget=u.budget if u else None,
            candidates_in_prompt=u.candidates if u else None,
            candidates_offered=u.candidates_offered if u else None,
            lines_in_prompt=u.lines if u else None,
            picks=len(outcome.picks),
            none_applies=outcome.none_applies,
        )


@dataclass
class ClassificationResult:
    decision: Decision
    decision_reason: str
    recommendations: list[Recommendation]
    candidates: list[Candidate]
    none_probability: float
    versions: dict[str, str]
    timings_ms: dict[str, float]
    rationale_source: Literal["extractive", "llm"] = "extractive"
    degraded: bool = False
    degraded_reason: str | None = None
    # the model that wrote the rationale (None: extractive), and the LLM's run when it was asked
    rationale_model: str | None = None
    llm: LlmRun | None = None

    @property
    def top_item_id(self) -> str | None:
        return self.recommendations[0].item_id if self.recommendations else None

    @property
    def predicted_label(self) -> str:
        """The single label used for evaluation: NONE when not applicable, else the top item."""
        if self.decision == "not_applicable" or not self.recommendations:
            return "NONE"
        return self.recommendations[0].item_id

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["decision_label"] = self.decision_label
        out["predicted_label"] = self.predicted_label
        return out
