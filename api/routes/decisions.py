"""Reviewer decisions: save (transactional, teaches the live classifier), list, read, withdraw."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.auth.roles import Permission
from api.classifying.request import live_classifier
from api.company_schema import DecisionInput
from api.decisions.saving import save_decision, withdraw_decision
from api.errors import ApiError
from api.fields import MAX_ID
from api.presenters import decision_out
from api.schemas import DecisionListOut, DecisionOut, WithdrawInput
from api.state import ServiceState, StateDep
from api.validation import lookup_item, normalize_item_code, validate_personal
from catalog.judgments import NONE_LABEL
from catalog.model import Catalog
from store.decision_judgments import agreement_weights
from store.records import DecisionFilter, DecisionRecord

router = APIRouter(prefix="/v1", tags=["decisions"])
Saving = Annotated[Principal, Depends(require(Permission.SAVE_DECISION))]
Reading = Annotated[Principal, Depends(require(Permission.READ_DECISIONS))]
Withdrawing = Annotated[Principal, Depends(require(Permission.WITHDRAW_DECISION))]


def current_catalog(state: ServiceState) -> Catalog | None:
    classifier = state.classifiers.current
    return classifier.catalog if classifier else None


def item_filter(item: str | None, catalog: Catalog | None) -> str | None:
    """The item id a filter names (id or official code, any case or spacing), or NONE."""
    wanted = normalize_item_code(item or "")
    if not wanted:
        return None
    if wanted == NONE_LABEL:
        return NONE_LABEL
    resolved = lookup_item(catalog, wanted) if catalog else None
    return resolved.id if resolved else wanted


def decisions_out(
    state: ServiceState, records: list[DecisionRecord], catalog: Catalog | None
) -> list[DecisionOut]:
    """The records as shown, each with its current agreement weight."""
    weights = agreement_weights(state.store, records, state.config.decision_weight)
    return [decision_out(r, catalog, weights[r.id]) for r in records]


@router.post(
    "/decisions",
    response_model=DecisionOut,
    status_code=201,
    summary="심사역 최종 판정 저장: 추천 채택, 다른 품목, 또는 NONE(해당 없음) + 의견",
)
def create_decision(body: DecisionInput, state: StateDep, principal: Saving) -> DecisionOut:
    personal = validate_personal(body.model_dump())
    catalog = live_classifier(state).catalog
    record = save_decision(
        state,
        catalog,
        run_id=body.run_id,
        personal=personal,
        final_code=body.final_item_id,
        comment=body.comment,
        principal=principal,
    )
    return decisions_out(state, [record], catalog)[0]


@router.get(
    "/decisions",
    response_model=DecisionListOut,
    summary="저장된 판정 목록 (기업명·사업자등록번호·대표자명은 마스킹; 가중치·철회 여부 포함)",
)
def list_decisions(
    state: StateDep,
    _: Reading,
    item: Annotated[str | None, Query(max_length=32, description="최종 품목 id/코드 또는 NONE")] = None,
    decision: Annotated[Literal["accepted", "changed", "none"] | None, Query(description="판정 구분")] = None,
    reviewer: Annotated[str | None, Query(max_length=128)] = None,
    date_from: Annotated[date | None, Query(description="저장일 이후 (YYYY-MM-DD)")] = None,
    date_to: Annotated[date | None, Query(description="저장일 이전 (YYYY-MM-DD)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="기업명·제품·기술·의견 검색")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DecisionListOut:
    catalog = current_catalog(state)
    item_id = item_filter(item, catalog)
    flt = DecisionFilter(
        item_id=item_id, action=decision, reviewer=reviewer, date_from=date_from, date_to=date_to, text=q
    )
    found = state.store.list_decisions(flt, page, per_page)
    return DecisionListOut(
        items=decisions_out(state, found.items, catalog),
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.get("/decisions/{decision_id}", response_model=DecisionOut, summary="판정 하나 (마스킹)")
def get_decision(
    decision_id: Annotated[int, Path(ge=1, le=MAX_ID)], state: StateDep, _: Reading
) -> DecisionOut:
    record = state.store.get_decision(decision_id)
    if record is None:
        raise ApiError(404, "not_found", f"판정 {decision_id}번을 찾을 수 없습니다.")
    return decisions_out(state, [record], current_catalog(state))[0]


@router.post(
    "/decisions/{decision_id}/withdraw",
    response_model=DecisionOut,
    summary="판정 철회 (관리자): 기록은 남기고 실시간 분류기와 다음 색인 빌드에서 뺌 (이미 철회: 409)",
)
def withdraw(
    decision_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    state: StateDep,
    principal: Withdrawing,
    body: WithdrawInput | None = None,
) -> DecisionOut:
    reason = body.reason if body else ""
    record = withdraw_decision(state, decision_id, by=principal.name, reason=reason)
    return decisions_out(state, [record], current_catalog(state))[0]
