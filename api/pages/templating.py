"""Jinja2 environment of the pages (autoescape on for every template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from api.auth.principal import Principal
from api.auth.roles import ROLE_LABELS
from api.pages.page_session import CSRF_FIELD, current_session, finish
from api.state import ServiceState

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.autoescape = True
templates.env.globals["role_labels"] = ROLE_LABELS
templates.env.globals["csrf_field"] = CSRF_FIELD


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
    classifier = state.classifiers.current
    full = {
        "principal": principal,
        "csrf_token": session.csrf,
        "versions": classifier.versions if classifier else {},
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    return finish(response, request, state)
