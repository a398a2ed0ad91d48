"""Rows of the store's tables as the records the rest of the code reads (and the Korean day bounds
of the decision-list date filter)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import cast

from store.models import (
    ApiKeyRow,
    ClassificationRun,
    Company,
    Decision,
)
from store.records import (
    ApiKeyRecord,
    DecisionRecord,
    PersonalFields,
    Role,
    RunRecord,
    RunVersions,
    TechnicalFields,
)

KOREAN_TIME = timezone(timedelta(hours=9), "KST")  # Asia/Seoul (no daylight saving)


def run_record(row: ClassificationRun) -> RunRecord:
    assert row.id is not None
    return RunRecord(
        id=row.id,
        created_at=row.created_at,
        reference_date=row.reference_date,
        company=TechnicalFields.of(row),
        result_json=row.result_json,
        decision=row.decision,
        top_item_id=row.top_item_id,
        degraded=row.degraded,
        versions=RunVersions(
            catalog_version=row.catalog_version,
            build_id=row.build_id,
            embedder=row.embedder,
            ranker=row.ranker,
            prompt_version=row.prompt_version,
            llm_model=row.llm_model,
        ),
        created_by_key=row.created_by_key,
        created_by_name=row.created_by_name,
    )


def decision_record(d: Decision, c: Company, r: ClassificationRun) -> DecisionRecord:
    assert d.id is not None
    return DecisionRecord(
        id=d.id,
        run_id=d.run_id,
        created_at=d.created_at,
        final_item_id=d.final_item_id,
        action=d.action,
        reviewer=d.reviewer,
        comment=d.comment,
        personal=PersonalFields(c.company_name, c.business_number, c.representative_name),
        company=TechnicalFields.of(c),
        reference_date=r.reference_date,
        run_decision=r.decision,
        run_top_item_id=r.top_item_id,
        versions=RunVersions(
            catalog_version=d.catalog_version,
            build_id=d.build_id,
            embedder=d.embedder,
            ranker=r.ranker,
            prompt_version=d.prompt_version,
            llm_model=d.llm_model,
        ),
        reviewer_key=d.reviewer_key,
        text_key=d.text_key,
        withdrawn_at=d.withdrawn_at,
        withdrawn_by=d.withdrawn_by,
        withdraw_reason=d.withdraw_reason,
    )


def key_record(row: ApiKeyRow) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=row.key_id,
        name=row.name,
        role=cast(Role, row.role),
        salt=row.salt,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def korean_day_start_utc(day: date, days_after: int) -> datetime | None:
    """Midnight, Korean time, `days_after` days after `day`, in UTC; None where that lies beyond
    what a datetime holds (a filter from 0001-01-01 or to 9999-12-31 is then no bound at all)."""
    try:
        return datetime.combine(day + timedelta(days=days_after), time.min, tzinfo=KOREAN_TIME).astimezone(
            UTC
        )
    except OverflowError:
        return None
