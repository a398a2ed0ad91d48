"""Session cookie and CSRF handling for the pages, and the page-side authentication."""

from __future__ import annotations

import hmac
from urllib.parse import quote

from fastapi import Request, Response

from api.auth.dependencies import enforce_rate_limit
from api.auth.principal import Principal, principal_from_session
from api.auth.roles import Permission, allows
from api.auth.session_cookie import COOKIE_NAME, SESSION_TTL_S, SessionCodec, SessionData
from api.errors import ApiError
from api.state import ServiceState

CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """The page needs a logged-in reviewer; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def current_session(request: Request, state: ServiceState) -> SessionData:
    """The request's valid session, or a fresh anonymous one (its cookie is set on the response)."""
    cached: SessionData | None = getattr(request.state, "page_session", None)
    if cached is not None:
        return cached
    session = SessionCodec(state.session_secret()).loads(request.cookies.get(COOKIE_NAME))
    if session is None:
        session = SessionData.fresh()
        request.state.new_session = True
    request.state.page_session = session
    return session


def store_session(response: Response, request: Request, state: ServiceState, session: SessionData) -> None:
    response.set_cookie(
        COOKIE_NAME,
        SessionCodec(state.session_secret()).dumps(session),
        max_age=SESSION_TTL_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def finish(response: Response, request: Request, state: ServiceState) -> Response:
    """Set the cookie of a session created during this request."""
    if getattr(request.state, "new_session", False):
        store_session(response, request, state, current_session(request, state))
    return response


def check_csrf(request: Request, state: ServiceState, token: str | None) -> SessionData:
    session = current_session(request, state)
    fresh = getattr(request.state, "new_session", False)
    if fresh or not token or not hmac.compare_digest(token, session.csrf):
        raise ApiError(
            403,
            "csrf_failed",
            "보안 토큰이 맞지 않거나 세션이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
        )
    return session


def page_principal(request: Request, state: ServiceState, permission: Permission) -> Principal:
    principal = principal_from_session(state, current_session(request, state))
    if principal is None:
        raise LoginRequired(request.url.path)
    request.scope.setdefault("state", {})["key_id"] = principal.key_id
    enforce_rate_limit(request, state, principal)
    if not allows(principal.role, permission):
        raise ApiError(403, "forbidden", f"'{principal.role}' 역할로는 이 화면을 쓸 수 없습니다.")
    return principal


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path if safe_next(next_path) else "/", safe="/")


def safe_next(path: str) -> bool:
    """Only local absolute paths (no scheme, no host, no backslashes)."""
    return path.startswith("/") and not path.startswith("//") and "\\" not in path
