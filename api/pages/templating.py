"""Jinja2 environment of the pages (autoescape on for every template)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from api.auth.principal import Principal
from api.auth.roles import ROLE_LABELS
from api.pages.page_session import CSRF_FIELD, current_session, finish
from api.state import ServiceState
from api.validation import KST

VERSION_LABELS = {
    "catalog": "분류체계",
    "build": "색인 빌드",
    "embedder": "임베딩 모델",
    "ranker": "순위 모델",
    "prompt": "프롬프트",
    "llm_model": "언어모델",
}
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.autoescape = True
templates.env.globals["role_labels"] = ROLE_LABELS
templates.env.globals["csrf_field"] = CSRF_FIELD
templates.env.globals["version_labels"] = VERSION_LABELS


def _korean(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(KST)


def korean_date(value: str | datetime) -> str:
    """The Korean (Asia/Seoul) calendar day of a stored time: `2026-12-02`."""
    return _korean(value).strftime("%Y-%m-%d")


def korean_datetime(value: str | datetime) -> str:
    """`2026-12-02 10:19 (한국 시간)`."""
    return _korean(value).strftime("%Y-%m-%d %H:%M") + " (한국 시간)"


templates.env.filters["korean_date"] = korean_date
templates.env.filters["korean_datetime"] = korean_datetime


def render(
    request: Request,
    state: ServiceState,
    name: str,
    context: dict[str, Any],
    *,
    principal: Principal | None = None,
    status_code: int = 200,
) -> Response:
    session = current_session(request, state)
    full = {"principal": principal, "csrf_token": session.csrf, **context}
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    return finish(response, request, state)
