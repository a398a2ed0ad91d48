"""What screen 2 shows, prepared from a classification result and the validated company."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from api.fields import TECHNICAL_FIELDS, label
from api.pages.highlight import Segment, segments
from api.validation import ValidCompany
from catalog.model import Catalog
from rag.result import ClassificationResult, Evidence, Keyword, Recommendation

DECISION_BADGES = {"recommended": "badge-ok", "review": "badge-warn", "not_applicable": "badge-none"}


@dataclass(frozen=True)
class MarkedField:
    name: str
    label: str
    segments: list[Segment]


@dataclass(frozen=True)
class RecommendationView:
    rec: Recommendation
    confidence_pct: int
    catalog_evidence: list[Evidence]
    judgment_evidence: list[Evidence]
    keywords: list[tuple[str, str]]
    marked_fields: list[MarkedField]


@dataclass(frozen=True)
class ItemOption:
    id: str
    label: str


@dataclass
class ResultView:
    result: ClassificationResult
    badge_class: str
    recommendations: list[RecommendationView]
    company_fields: list[MarkedField]
    item_groups: list[tuple[str, list[ItemOption]]] = field(default_factory=list)


def _spans(keywords: list[Keyword]) -> dict[str, list[tuple[int, int]]]:
    by_field: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for k in keywords:
        by_field[k.source_field].append((k.start, k.end))
    return by_field


def _marked(company: ValidCompany, keywords: list[Keyword], only_hits: bool) -> list[MarkedField]:
    values = company.record.to_dict()
    spans = _spans(keywords)
    out = []
    for name in TECHNICAL_FIELDS:
        text = values[name]
        if only_hits and not spans.get(name):
            continue
        out.append(MarkedField(name, label(name), segments(text, spans.get(name, []))))
    return out


def item_groups(catalog: Catalog) -> list[tuple[str, list[ItemOption]]]:
    groups = []
    for f in catalog.fields:
        theme = catalog.theme_by_id[f.theme_id]
        options = [
            ItemOption(i.id, f"{i.name} ({i.display_code})") for i in catalog.items if i.field_id == f.id
        ]
        if options:
            groups.append((f"{theme.name} > {f.display_name}", options))
    return groups


def result_view(result: ClassificationResult, company: ValidCompany, catalog: Catalog) -> ResultView:
    recs = [
        RecommendationView(
            rec=r,
            confidence_pct=round(r.confidence * 100),
            catalog_evidence=[e for e in r.evidence if e.kind == "catalog"],
            judgment_evidence=[e for e in r.evidence if e.kind == "judgment"],
            keywords=[(k.word, label(k.source_field)) for k in r.keywords],
            marked_fields=_marked(company, r.keywords, only_hits=True),
        )
        for r in result.recommendations
    ]
    all_keywords = [k for r in result.recommendations for k in r.keywords]
    return ResultView(
        result=result,
        badge_class=DECISION_BADGES.get(result.decision, "badge-warn"),
        recommendations=recs,
        company_fields=_marked(company, all_keywords, only_hits=False),
        item_groups=item_groups(catalog),
    )
