"""FastAPI dependencies that authenticate, rate-limit and authorise a request.

JSON API: `Authorization: Bearer <key>` or `X-API-Key: <key>`; the pages' session cookie is
accepted for safe (GET) requests only, so a cross-site form cannot act with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from fastapi import Request

from api.auth.principal import (
    Principal,
    key_from_headers,
    principal_from_key,
    principal_from_session,
    session_of,
)
from api.auth.roles import Permission, allows
from api.errors import ApiError
from api.state import ServiceState, StateDep

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def identify(request: Request, state: ServiceState) -> Principal | None:
    plaintext = key_from_headers(request)
    if plaintext is not None:
        return principal_from_key(state, plaintext)
    if request.method in SAFE_METHODS:
        return principal_from_session(state, session_of(request, state))
    return None


def enforce_rate_limit(request: Request, state: ServiceState, principal: Principal) -> None:
    wait_s = state.limiter.take(principal.key_id)
    if wait_s > 0:
        retry = str(max(1, math.ceil(wait_s)))
        raise ApiError(
            429,
            "rate_limited",
            f"요청 한도(분당 {state.config.rate_limit_per_minute}회)를 넘었습니다. "
            f"{retry}초 후 다시 시도해 주세요.",
            headers={"Retry-After": retry},
        )


def charge_batch_rows(state: ServiceState, principal: Principal, rows: int) -> None:
    """A batch costs one token per row from the key's row budget (INNOGROWTH_BATCH_ROWS_PER_MINUTE):
    413 when it alone exceeds the budget, 429 with Retry-After while the budget is spent."""
    budget = state.config.batch_rows_per_minute
    if rows > budget:
        raise ApiError(
            413,
            "payload_too_large",
            f"한 번에 {budget:,}행까지 분류할 수 있습니다(키마다 분당 {budget:,}행). "
            "파일을 나누어 보내 주세요.",
        )
    wait_s = state.row_limiter.take(principal.key_id, float(rows))
    if wait_s > 0:
        retry = str(max(1, math.ceil(wait_s)))
        raise ApiError(
            429,
            "rate_limited",
            f"배치 행 한도(키마다 분당 {budget:,}행)를 넘었습니다. 이 배치({rows:,}행)는 "
            f"{retry}초 후 다시 보낼 수 있습니다.",
            headers={"Retry-After": retry},
        )


def require(permission: Permission) -> Callable[..., Principal]:
    """A dependency giving the caller's principal, or 401 / 403 / 429 in the error envelope."""

    def dependency(request: Request, state: StateDep) -> Principal:
        principal = identify(request, state)
        if principal is None:
            raise ApiError(
                401,
                "unauthorized",
                "인증이 필요합니다. 유효한 API 키를 Authorization: Bearer 헤더나 "
                "X-API-Key 헤더로 보내 주세요.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        request.scope.setdefault("state", {})["key_id"] = principal.key_id
        enforce_rate_limit(request, state, principal)
        if not allows(principal.role, permission):
            raise ApiError(403, "forbidden", f"'{principal.role}' 역할로는 이 작업을 할 수 없습니다.")
        return principal

    return dependency
