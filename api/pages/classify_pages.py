"""Screen 1 (기업정보 입력), screen 2 (분류검색 결과), 재분류 and 저장."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth.principal import Principal
from api.auth.roles import Permission
from api.classifying.request import classify_and_record, live_classifier
from api.decisions.saving import save_decision
from api.fields import MAX_ID
from api.pages.forms import company_values, form_fields
from api.pages.page_session import CSRF_FIELD, check_csrf, page_principal
from api.pages.result_view import result_view
from api.pages.templating import render
from api.state import ServiceState, StateDep
from api.validation import (
    FieldProblem,
    InputInvalid,
    normalize_item_code,
    today_kst,
    validate_company,
    validate_personal,
)

router = APIRouter(include_in_schema=False)


AUTO_FIELD = "industry_name_auto"


def _ksic_name(values: dict[str, str], state: ServiceState) -> str:
    code, how = state.refs.ksic.normalize(values.get("ksic_code", "").strip())
    return (state.refs.ksic.name(code) or "") if code and how in {"ksic11", "ksic10"} else ""


def _fill_industry(values: dict[str, str], state: ServiceState) -> dict[str, str]:
    """Server-side fill of 업종명 from a known 업종코드 (the page's script does it as you type);
    `industry_name_auto` remembers that the name is the code's, not the reviewer's words."""
    if not values.get("industry_name", "").strip() and values.get("ksic_code", "").strip():
        values["industry_name"] = _ksic_name(values, state)
        values[AUTO_FIELD] = "1" if values["industry_name"] else ""
    return values


def _with_auto_flag(values: dict[str, str], form: dict[str, str]) -> dict[str, str]:
    return {**values, AUTO_FIELD: "1" if form.get(AUTO_FIELD) == "1" else ""}


def _unfill_industry(values: dict[str, str], state: ServiceState) -> dict[str, str]:
    """업종명 that screen 1 filled in from 업종코드 (and the reviewer left as it was) goes to
    validation blank, as through the API: it is filled from the code again and the result notes
    `filled_from_code`, so the name is never taken for the company's own words."""
    filled = values.get(AUTO_FIELD) == "1" and values.get("industry_name", "").strip()
    if filled and "".join(values["industry_name"].split()) == "".join(_ksic_name(values, state).split()):
        return {**values, "industry_name": ""}
    return values


def screen1(
    request: Request,
    state: ServiceState,
    principal: Principal,
    values: dict[str, str],
    problems: list[FieldProblem] | None = None,
    status_code: int = 200,
) -> Response:
    values = {**values, "reference_date": today_kst().isoformat()}
    problems = problems or []
    blank = [p for p in problems if p.code == "blank"]
    context = {
        "values": _fill_industry(values, state),
        "problems": problems,
        "blank_problems": blank,
        "field_errors": {p.field: p.message for p in problems if p.field},
    }
    return render(request, state, "screen1.html", context, principal=principal, status_code=status_code)


@router.get("/")
def input_page(request: Request, state: StateDep) -> Response:
    principal = page_principal(request, state, Permission.CLASSIFY)
    return screen1(request, state, principal, {})


@router.post("/edit")
async def edit_again(request: Request, state: StateDep) -> Response:
    """재분류: back to screen 1 with the inputs kept (posted, so personal data stays out of URLs)."""
    principal = page_principal(request, state, Permission.CLASSIFY)
    form = await form_fields(request)
    check_csrf(request, state, form.get(CSRF_FIELD))
    return screen1(request, state, principal, _with_auto_flag(company_values(form), form))


@router.post("/classify")
async def classify_page(request: Request, state: StateDep) -> Response:
    principal = page_principal(request, state, Permission.CLASSIFY)
    form = await form_fields(request)
    check_csrf(request, state, form.get(CSRF_FIELD))
    values = _with_auto_flag(company_values(form), form)
    try:
        company = validate_company(_unfill_industry(values, state), state.refs, require_personal=True)
    except InputInvalid as exc:
        return screen1(request, state, principal, values, exc.problems, status_code=422)
    classifier = live_classifier(state)
    recorded = await run_in_threadpool(classify_and_record, state, company, use_llm=True, owner=principal)
    context = {
        "run_id": recorded.run_id,
        "company": company,
        "view": result_view(recorded.result, company, classifier.catalog),
    }
    return render(request, state, "screen2.html", context, principal=principal)


@router.post("/decisions")
async def save_page(request: Request, state: StateDep) -> Response:
    principal = page_principal(request, state, Permission.SAVE_DECISION)
    form = await form_fields(request)
    check_csrf(request, state, form.get(CSRF_FIELD))
    personal = validate_personal(form)
    choice = form.get("choice", "")
    final_code = form.get("other_item", "") if choice == "other" else choice
    if not normalize_item_code(final_code):
        raise InputInvalid(
            [FieldProblem("final_item_id", "blank", "공란 입력: 저장할 최종 품목을 선택해 주세요.")]
        )
    raw_run_id = form.get("run_id", "")
    plain = raw_run_id.isascii() and raw_run_id.isdigit() and len(raw_run_id) <= 10
    run_id = int(raw_run_id) if plain else 0
    run_id = run_id if run_id <= MAX_ID else 0
    record = await run_in_threadpool(
        lambda: save_decision(
            state,
            live_classifier(state).catalog,
            run_id=run_id,
            personal=personal,
            final_code=final_code,
            comment=form.get("comment", "")[:2000],
            principal=principal,
        )
    )
    return RedirectResponse(f"/decisions/{record.id}?saved=1", status_code=303)
