"""One error envelope for every error the service returns:

    {"error": {"code": "...", "message": "<Korean>", "field": "...|null", "details": [...],
               "request_id": "..."}}

Page requests (a browser asking for HTML outside the JSON paths) get the same content as a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.fields import label
from api.validation import InputInvalid
from store.repository import StoreUnavailable

logger = logging.getLogger("innogrowth.api")

JSON_PREFIXES = ("/v1", "/health", "/ready", "/docs", "/redoc", "/openapi.json", "/static")

DB_UNAVAILABLE_MESSAGE = (
    "데이터베이스를 사용할 수 없습니다(연결 실패 또는 잠김). 저장된 내용은 없습니다. "
    "잠시 후 다시 시도해 주세요."
)
STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "요청을 처리할 수 없습니다."),
    401: ("unauthorized", "인증이 필요합니다. API 키를 보내 주세요."),
    403: ("forbidden", "이 작업을 할 권한이 없습니다."),
    404: ("not_found", "요청한 주소나 항목을 찾을 수 없습니다."),
    405: ("method_not_allowed", "허용되지 않는 요청 방식입니다."),
    409: ("conflict", "요청이 현재 상태와 충돌합니다."),
    413: ("payload_too_large", "요청 본문이 너무 큽니다."),
    415: ("unsupported_media_type", "지원하지 않는 형식입니다."),
    422: ("validation_error", "입력값이 올바르지 않습니다."),
    429: ("rate_limited", "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."),
    500: ("internal_error", "서버 내부 오류가 발생했습니다."),
    502: ("llm_failed", "언어모델 서버가 올바른 응답을 주지 않았습니다."),
    503: ("not_ready", "서비스가 아직 준비되지 않았습니다."),
    504: ("llm_timeout", "언어모델 서버의 응답 시간이 초과되었습니다."),
}


class ApiError(Exception):
    """An error with its HTTP status, machine code, Korean message and the field it concerns."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details or []
        self.headers = headers or {}


HtmlErrorRenderer = Callable[[Request, ApiError], Response]


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def envelope(error: ApiError, request_id: str) -> dict[str, Any]:
    return {
        "error": {
            "code": error.code,
            "message": error.message,
            "field": error.field,
            "details": error.details,
            "request_id": request_id,
        }
    }


def wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(JSON_PREFIXES) and "text/html" in request.headers.get("accept", "")


def error_response(request: Request, error: ApiError) -> Response:
    renderer: HtmlErrorRenderer | None = getattr(request.app.state, "html_error_renderer", None)
    if renderer is not None and wants_html(request):
        response = renderer(request, error)
    else:
        response = JSONResponse(envelope(error, request_id_of(request)), status_code=error.status)
    response.headers.update(error.headers)
    return response


def http_error(status: int, message: str | None = None, **kwargs: Any) -> ApiError:
    code, default = STATUS_CODES.get(status, ("error", "오류가 발생했습니다."))
    return ApiError(status, kwargs.pop("code", code), message or default, **kwargs)


def input_invalid_error(exc: InputInvalid) -> ApiError:
    first = exc.problems[0]
    return ApiError(
        422,
        "validation_error",
        first.message,
        field=first.field,
        details=[p.to_dict() for p in exc.problems],
    )


def _pydantic_message(err: dict[str, Any], name: str) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"'{label(name)}' 항목이 없습니다."
    if kind == "string_too_long":
        return f"'{label(name)}' 항목은 {int(ctx.get('max_length', 0)):,}자 이하여야 합니다."
    if kind == "json_invalid":
        return "요청 본문이 올바른 JSON이 아닙니다."
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "요청 본문은 JSON 객체여야 합니다."
    if kind == "extra_forbidden":
        return f"알 수 없는 항목 '{name}'이(가) 있습니다."
    if kind in {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}:
        return f"'{label(name)}' 값이 허용 범위를 벗어났습니다."
    return f"'{label(name)}' 항목의 형식이 올바르지 않습니다."


def validation_error_from_pydantic(errors: Sequence[Any]) -> ApiError:
    details = []
    for err in errors:
        loc = [str(x) for x in err.get("loc", ()) if x not in {"body", "query", "path"}]
        name = loc[-1] if loc else ""
        message = _pydantic_message(err, name)
        details.append({"field": ".".join(loc) or None, "code": str(err.get("type")), "message": message})
    first = details[0] if details else {"field": None, "message": "입력값이 올바르지 않습니다."}
    return ApiError(422, "validation_error", str(first["message"]), field=first["field"], details=details)


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(request, exc)

    async def on_input_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InputInvalid)
        return error_response(request, input_invalid_error(exc))

    async def on_request_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, validation_error_from_pydantic(exc.errors()))

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        error = http_error(exc.status_code)
        error.headers.update(exc.headers or {})
        return error_response(request, error)

    async def on_store_unavailable(request: Request, exc: Exception) -> Response:
        logger.warning("database unavailable", extra={"event": "db_unavailable", "reason": str(exc)})
        return error_response(
            request, ApiError(503, "db_unavailable", DB_UNAVAILABLE_MESSAGE, headers={"Retry-After": "2"})
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(InputInvalid, on_input_invalid)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(StoreUnavailable, on_store_unavailable)
