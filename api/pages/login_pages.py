"""Login (API key → signed session cookie, session recorded in the store) and logout (ends it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.auth.principal import principal_from_key
from api.auth.session_cookie import COOKIE_NAME, SessionData, session_id_hash
from api.pages.forms import form_fields
from api.pages.page_session import CSRF_FIELD, check_csrf, safe_next, store_session
from api.pages.templating import render
from api.state import StateDep

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(
    request: Request, state: StateDep, next: Annotated[str, Query(max_length=500)] = "/"
) -> Response:
    return render(request, state, "login.html", {"next": next if safe_next(next) else "/", "error": None})


@router.post("/login")
async def login(request: Request, state: StateDep) -> Response:
    form = await form_fields(request)
    check_csrf(request, state, form.get(CSRF_FIELD))
    next_path = form.get("next", "/")
    next_path = next_path if safe_next(next_path) else "/"
    client = request.client.host if request.client else "unknown"
    if state.login_limiter.take(f"login:{client}") > 0:
        error = "로그인 시도가 너무 많습니다. 1분 뒤 다시 시도해 주세요."
        return render(request, state, "login.html", {"next": next_path, "error": error}, status_code=429)
    principal = principal_from_key(state, form.get("api_key", ""))
    if principal is None:
        error = "API 키가 올바르지 않거나 폐기되었습니다."
        return render(request, state, "login.html", {"next": next_path, "error": error}, status_code=401)
    if principal.role == "api":
        error = "API 연동(api) 역할의 키로는 화면에 로그인할 수 없습니다. 심사역 키를 사용해 주세요."
        return render(request, state, "login.html", {"next": next_path, "error": error}, status_code=403)
    session = SessionData.fresh(principal.key_id)
    assert session.session_id is not None
    expires = datetime.fromtimestamp(session.expires_at, UTC)
    state.store.open_session(session_id_hash(session.session_id), principal.key_id, expires)
    response = RedirectResponse(next_path, status_code=303)
    store_session(response, request, state, session)
    return response


@router.post("/logout")
async def logout(request: Request, state: StateDep) -> Response:
    form = await form_fields(request)
    session = check_csrf(request, state, form.get(CSRF_FIELD))
    if session.session_id:
        # server-side: a copy of this cookie (another tab, a stolen one) stops working too
        state.store.end_session(session_id_hash(session.session_id))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
