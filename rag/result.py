"""What the classifier returns. Plain dataclasses, JSON-ready via `to_dict()`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Decision = Literal["recommended", "review", "not_applicable"]
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
