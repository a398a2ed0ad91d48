"""Saved decisions (list with search, detail) and catalog item pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth.roles import Permission, allows
from api.decisions.saving import withdraw_decision
from api.errors import ApiError
from api.fields import MAX_ID
from api.pages.forms import form_fields
from api.pages.page_session import CSRF_FIELD, check_csrf, page_principal
from api.pages.result_view import PROVISIONAL_LEGEND, CodeView, page_item_label
from api.pages.templating import render
from api.presenters import item_out
from api.routes.decisions import current_catalog, decisions_out, item_filter
from api.state import StateDep
from api.validation import lookup_item
from rag.result import DECISION_LABELS
from store.records import DecisionFilter

router = APIRouter(include_in_schema=False)
PER_PAGE = 20
ACTION_LABELS = {"accepted": "제시 후보 채택", "changed": "다른 품목", "none": "해당 없음"}


@router.get("/decisions")
def decisions_page(
    request: Request,
    state: StateDep,
    q: Annotated[str, Query(max_length=200)] = "",
    item: Annotated[str, Query(max_length=32)] = "",
    decision: Annotated[Literal["", "accepted", "changed", "none"], Query()] = "",
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    principal = page_principal(request, state, Permission.READ_DECISIONS)
    catalog = current_catalog(state)
    flt = DecisionFilter(
        item_id=item_filter(item, catalog),
        action=decision or None,
        date_from=date_from,
        date_to=date_to,
        text=q.strip() or None,
    )
    found = state.store.list_decisions(flt, page, PER_PAGE)
    labels = {d.id: page_item_label(catalog, d.final_item_id) for d in found.items}
    context = {
        "rows": decisions_out(state, found.items, catalog),
        "item_labels": {k: text for k, (text, _) in labels.items()},
        "has_provisional": any(provisional for _, provisional in labels.values()),
        "legend": PROVISIONAL_LEGEND,
        "total": found.total,
        "page": page,
        "pages": max(1, -(-found.total // PER_PAGE)),
        "filters": {"q": q, "item": item, "decision": decision, "date_from": date_from, "date_to": date_to},
        "action_labels": ACTION_LABELS,
    }
    return render(request, state, "decisions.html", context, principal=principal)


@router.get("/decisions/{decision_id}")
def decision_page(
    request: Request,
    state: StateDep,
    decision_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    saved: Annotated[int, Query()] = 0,
    withdrawn: Annotated[int, Query()] = 0,
) -> Response:
    principal = page_principal(request, state, Permission.READ_DECISIONS)
    record = state.store.get_decision(decision_id)
    if record is None:
        raise ApiError(404, "not_found", f"판정 {decision_id}번을 찾을 수 없습니다.")
    catalog = current_catalog(state)
    final, final_provisional = page_item_label(catalog, record.final_item_id)
    top, top_provisional = page_item_label(catalog, record.run_top_item_id)
    context = {
        "d": decisions_out(state, [record], catalog)[0],
        "item_labels": {record.id: final},
        "run_decision_label": DECISION_LABELS.get(record.run_decision, record.run_decision),
        "run_top_label": top,
        "has_provisional": final_provisional or top_provisional,
        "legend": PROVISIONAL_LEGEND,
        "saved": bool(saved),
        "withdrawn_now": bool(withdrawn),
        "may_withdraw": allows(principal.role, Permission.WITHDRAW_DECISION),
        "action_labels": ACTION_LABELS,
    }
    return render(request, state, "decision_detail.html", context, principal=principal)


@router.post("/decisions/{decision_id}/withdraw")
async def withdraw_page(
    request: Request, state: StateDep, decision_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    principal = page_principal(request, state, Permission.WITHDRAW_DECISION)
    form = await form_fields(request)
    check_csrf(request, state, form.get(CSRF_FIELD))
    reason = form.get("reason", "")[:2000]
    await run_in_threadpool(withdraw_decision, state, decision_id, by=principal.name, reason=reason)
    return RedirectResponse(f"/decisions/{decision_id}?withdrawn=1", status_code=303)


@router.get("/items/{code}")
def item_page(request: Request, state: StateDep, code: str) -> Response:
    principal = page_principal(request, state, Permission.READ_CATALOG)
    catalog = current_catalog(state)
    item = lookup_item(catalog, code) if catalog else None
    if catalog is None or item is None:
        raise ApiError(404, "not_found", f"품목 '{code}'를 찾을 수 없습니다.")
    theme, fld, _ = catalog.path_of(item)
    codes = [CodeView(node.code, node.is_provisional) for node in (theme, fld, item)]
    context = {
        "item": item_out(catalog, item),
        "codes": codes,
        "has_provisional": any(c.provisional for c in codes),
        "legend": PROVISIONAL_LEGEND,
    }
    return render(request, state, "item.html", context, principal=principal)
