"""Store records and catalog entries as API bodies; personal data always masked here."""

from __future__ import annotations

from datetime import UTC, datetime

from api.company_schema import MaskedCompanyOut
from api.decisions.masking import mask_business_number, mask_company_name, mask_person_name
from api.result_schema import VersionsOut
from api.schemas import (
    CatalogFieldOut,
    CatalogItemOut,
    CatalogItemSummary,
    CatalogLineOut,
    CatalogOut,
    CatalogThemeOut,
    DecisionOut,
)
from api.validation import KST
from catalog.judgments import NONE_LABEL
from catalog.model import Catalog, Item
from rag.rationale import line_evidence_id
from store.agreement import Weighting
from store.records import DecisionRecord

NONE_DISPLAY = "해당 없음"


def korean_time(moment: datetime) -> str:
    """ISO 8601 in Korean time (Asia/Seoul, +09:00): what the pages show and the API returns.
    A time read back without a zone (SQLite) was stored in UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(KST).isoformat(timespec="seconds")


def item_label(catalog: Catalog | None, item_id: str) -> str:
    """`theme > field > item (code)`, `해당 없음`, or the bare id for an item no longer listed."""
    if item_id == NONE_LABEL:
        return NONE_DISPLAY
    item = catalog.item_by_id.get(item_id) if catalog else None
    if catalog is None or item is None:
        return item_id
    theme, field, _ = catalog.path_of(item)
    return f"{theme.name} > {field.display_name} > {item.name} ({item.display_code})"


def decision_out(
    record: DecisionRecord, catalog: Catalog | None, weighting: Weighting | None = None
) -> DecisionOut:
    """The decision as shown: 기업명, 사업자등록번호 and 대표자명 masked; its agreement weight."""
    p, c, v = record.personal, record.company, record.versions
    weighting = weighting or Weighting(0.0, 0)
    return DecisionOut(
        id=record.id,
        run_id=record.run_id,
        created_at=korean_time(record.created_at),
        reference_date=record.reference_date,
        final_item_id=record.final_item_id,
        final_item_label=item_label(catalog, record.final_item_id),
        action=record.action,
        reviewer=record.reviewer,
        comment=record.comment,
        run_decision=record.run_decision,
        run_top_item_id=record.run_top_item_id,
        company=MaskedCompanyOut(
            company_name=mask_company_name(p.company_name),
            business_number=mask_business_number(p.business_number),
            representative_name=mask_person_name(p.representative_name),
            **c.to_dict(),
        ),
        versions=VersionsOut(
            catalog=v.catalog_version,
            build=v.build_id,
            embedder=v.embedder,
            ranker=v.ranker,
            prompt=v.prompt_version,
            llm_model=v.llm_model,
        ),
        weight=weighting.weight,
        agreeing_reviewers=weighting.agreeing_reviewers,
        withdrawn=record.withdrawn,
        withdrawn_at=korean_time(record.withdrawn_at) if record.withdrawn_at else None,
        withdrawn_by=record.withdrawn_by or None if record.withdrawn else None,
        withdraw_reason=record.withdraw_reason or None if record.withdrawn else None,
    )


def _summary(id_: str, code: str, official: str | None, name: str) -> CatalogItemSummary:
    return CatalogItemSummary(id=id_, code=code, official_code=official, name=name)


def catalog_out(catalog: Catalog) -> CatalogOut:
    themes = []
    for theme in catalog.themes:
        fields = []
        for field in (f for f in catalog.fields if f.theme_id == theme.id):
            items = [
                _summary(i.id, i.display_code, i.official_code, i.name)
                for i in catalog.items
                if i.field_id == field.id
            ]
            fields.append(
                CatalogFieldOut(id=field.id, code=field.display_code, name=field.display_name, items=items)
            )
        themes.append(CatalogThemeOut(id=theme.id, code=theme.display_code, name=theme.name, fields=fields))
    return CatalogOut(
        catalog=catalog.catalog,
        revision=catalog.revision,
        version=catalog.version_id,
        counts={"themes": len(catalog.themes), "fields": len(catalog.fields), "items": len(catalog.items)},
        themes=themes,
    )


def item_out(catalog: Catalog, item: Item) -> CatalogItemOut:
    theme, field, _ = catalog.path_of(item)
    return CatalogItemOut(
        id=item.id,
        code=item.display_code,
        official_code=item.official_code,
        name=item.name,
        theme=_summary(theme.id, theme.display_code, theme.official_code, theme.name),
        field=_summary(field.id, field.display_code, field.official_code, field.display_name),
        lines=[
            CatalogLineOut(number=n, evidence_id=line_evidence_id(item.id, n), kind=line.kind, text=line.text)
            for n, line in enumerate(item.described_lines(), start=1)
        ],
        catalog_version=catalog.version_id,
    )
