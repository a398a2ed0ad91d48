"""What screen 2 shows, prepared from a classification result and the validated company.

One number per fact: every probability on the page (the decision reason, the table, the badges,
the rationale) is written by `rag.rationale.percent_label` from the same rounded value of the
result. Codes: the official code where known, else the provisional id marked once with `*` and
explained by one legend line; always theme > field > item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from api.fields import label
from api.pages.highlight import Segment, segments
from api.validation import ValidCompany
from catalog.company_fields import TECHNICAL_FIELDS
from catalog.judgments import NONE_LABEL
from catalog.model import Catalog
from rag.rationale import percent_label
from rag.result import DECISION_LABELS, ClassificationResult, Evidence, Keyword, Recommendation

DECISION_BADGES = {"recommended": "badge-ok", "review": "badge-warn", "not_applicable": "badge-none"}
STANDING_LABELS = {"recommended": "추천", "reference": "참고 후보"}
STANDING_BADGES = {"recommended": "badge-ok", "reference": "badge-ref"}
PROVISIONAL_MARK = "*"
PROVISIONAL_LEGEND = "코드 옆 * 표시는 공식 코드가 아직 없어 임시로 붙인 코드입니다."
AUTO_FILLED_NOTE = "업종코드에서 자동 입력"
FILLED_FROM_CODE = "filled_from_code"


@dataclass(frozen=True)
class MarkedField:
    name: str
    label: str
    segments: list[Segment]
    note: str = ""


@dataclass(frozen=True)
class CodeView:
    code: str
    provisional: bool

    @property
    def text(self) -> str:
        return f"{self.code}{PROVISIONAL_MARK}" if self.provisional else self.code


@dataclass(frozen=True)
class RecommendationView:
    rec: Recommendation
    confidence_label: str
    standing: str
    catalog_evidence: list[Evidence]
    judgment_evidence: list[Evidence]
    keywords: list[tuple[str, str]]
    marked_fields: list[MarkedField]
    codes: list[CodeView]

    @property
    def standing_label(self) -> str:
        return STANDING_LABELS[self.standing]

    @property
    def standing_badge(self) -> str:
        return STANDING_BADGES[self.standing]

    @property
    def item_code(self) -> CodeView:
        return self.codes[-1]


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
    none_label: str
    industry_auto: bool = False
    item_groups: list[tuple[str, list[ItemOption]]] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return "혁신성장 품목코드 추천" if self.result.decision == "recommended" else "참고 후보 품목"

    @property
    def top_label(self) -> str | None:
        return self.recommendations[0].confidence_label if self.recommendations else None

    @property
    def has_provisional(self) -> bool:
        return any(c.provisional for r in self.recommendations for c in r.codes)

    @property
    def legend(self) -> str:
        return PROVISIONAL_LEGEND

    @property
    def rationale_source_label(self) -> str:
        """Who wrote the rationale: the LLM (with its model), or the extractive writer (and why)."""
        r = self.result
        if r.rationale_source == "llm":
            model = r.rationale_model or r.versions.get("llm_model", "")
            picked = r.llm.picks if r.llm is not None else len(r.recommendations)
            rest = (
                " 언어모델이 고르지 않은 참고 후보는 추출형 근거입니다."
                if picked < len(r.recommendations)
                else ""
            )
            return f"언어모델 {model} (검색된 후보 안에서 순위를 정하고 근거를 작성).{rest}"
        if r.llm is not None and r.llm.status == "answered":
            said = f"언어모델 {r.llm.model}은 해당 품목이 없다고 답함"
            return f"추출형 ({said}; 근거는 카탈로그 문장과 과거 판정으로 작성)"
        if r.llm is not None:
            return f"추출형 (언어모델 {r.llm.model}의 답을 쓰지 못해 카탈로그 문장과 과거 판정으로 작성)"
        return "추출형 (언어모델 없이 카탈로그 문장과 과거 판정으로 작성)"


def _spans(keywords: list[Keyword]) -> dict[str, list[tuple[int, int]]]:
    by_field: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for k in keywords:
        by_field[k.source_field].append((k.start, k.end))
    return by_field


def _marked(
    company: ValidCompany, keywords: list[Keyword], only_hits: bool, industry_auto: bool
) -> list[MarkedField]:
    values = company.record.to_dict()
    spans = _spans(keywords)
    out = []
    for name in TECHNICAL_FIELDS:
        text = values[name]
        if only_hits and not spans.get(name):
            continue
        note = AUTO_FILLED_NOTE if name == "industry_name" and industry_auto and text else ""
        out.append(MarkedField(name, label(name), segments(text, spans.get(name, [])), note))
    return out


def codes_of(catalog: Catalog, rec: Recommendation) -> list[CodeView]:
    """Theme > field > item codes: official where known, else the provisional id (marked)."""
    theme = catalog.theme_by_id.get(rec.theme_id)
    fld = catalog.field_by_id.get(rec.field_id)
    item = catalog.item_by_id.get(rec.item_id)
    parts = [
        (theme, rec.theme_id),
        (fld, rec.field_id),
        (item, rec.item_id),
    ]
    return [CodeView(node.code, node.is_provisional) if node else CodeView(i, True) for node, i in parts]


def option_label(catalog: Catalog, item_id: str) -> str:
    item = catalog.item_by_id[item_id]
    return f"{item.name} ({CodeView(item.code, item.is_provisional).text})"


def page_item_label(catalog: Catalog | None, item_id: str | None) -> tuple[str, bool]:
    """`theme > field > item (code)` as the pages write it, and whether the code is provisional;
    `해당 없음` for NONE, the bare id for an item no longer in the catalog."""
    if not item_id:
        return "-", False
    if item_id == NONE_LABEL:
        return DECISION_LABELS["not_applicable"], False
    item = catalog.item_by_id.get(item_id) if catalog else None
    if catalog is None or item is None:
        return item_id, False
    theme, fld, _ = catalog.path_of(item)
    code = CodeView(item.code, item.is_provisional)
    return f"{theme.name} > {fld.display_name} > {item.name} ({code.text})", code.provisional


def item_groups(catalog: Catalog) -> list[tuple[str, list[ItemOption]]]:
    groups = []
    for f in catalog.fields:
        theme = catalog.theme_by_id[f.theme_id]
        options = [ItemOption(i.id, option_label(catalog, i.id)) for i in catalog.items if i.field_id == f.id]
        if options:
            groups.append((f"{theme.name} > {f.display_name}", options))
    return groups


def industry_filled_from_code(company: ValidCompany) -> bool:
    return any(n.code == FILLED_FROM_CODE for n in company.notes)


def result_view(result: ClassificationResult, company: ValidCompany, catalog: Catalog) -> ResultView:
    industry_auto = industry_filled_from_code(company)
    recs = [
        RecommendationView(
            rec=r,
            confidence_label=percent_label(r.confidence),
            standing="recommended" if result.decision == "recommended" and r.rank == 1 else "reference",
            catalog_evidence=[e for e in r.evidence if e.kind == "catalog"],
            judgment_evidence=[e for e in r.evidence if e.kind == "judgment"],
            keywords=[(k.word, label(k.source_field)) for k in r.keywords],
            marked_fields=_marked(company, r.keywords, only_hits=True, industry_auto=industry_auto),
            codes=codes_of(catalog, r),
        )
        for r in result.recommendations
    ]
    all_keywords = [k for r in result.recommendations for k in r.keywords]
    return ResultView(
        result=result,
        badge_class=DECISION_BADGES.get(result.decision, "badge-warn"),
        recommendations=recs,
        company_fields=_marked(company, all_keywords, only_hits=False, industry_auto=industry_auto),
        none_label=percent_label(result.none_probability),
        industry_auto=industry_auto,
        item_groups=item_groups(catalog),
    )
