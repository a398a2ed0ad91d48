"""POST /v1/classify (one company) and POST /v1/classify/batch (many, streamed as JSONL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from api.auth.dependencies import charge_batch_rows, require
from api.auth.principal import Principal
from api.auth.roles import Permission
from api.classifying.batch import classify_rows
from api.classifying.batch_rows import MAX_BATCH_ROWS, BatchFormat, BatchRow, detect_format, read_rows
from api.classifying.request import classify_and_record, live_classifier
from api.company_schema import CompanyInput, CompanyOut
from api.errors import ApiError
from api.result_schema import InputNoteOut, ResultOut
from api.schemas import ClassifyResponse
from api.state import StateDep
from api.validation import ReferenceLists, validate_company
from rag.classifier import Classifier

router = APIRouter(prefix="/v1", tags=["classify"])
Classifying = Annotated[Principal, Depends(require(Permission.CLASSIFY))]
BATCH_MEDIA_TYPE = "application/x-ndjson"
BATCH_LINES = "행마다 JSON 한 줄(BatchLineOut): 분류 결과(ok=true), 행의 오류(ok=false), 마지막 줄은 요약"


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    summary="기업 하나 분류: 추천 품목 3개, 근거, 신뢰도 (LLM 실패 시 degraded=true로 200)",
)
def classify(body: CompanyInput, state: StateDep, principal: Classifying) -> ClassifyResponse:
    company = validate_company(
        body.model_dump(exclude={"use_llm"}), state.refs, require_personal=principal.role != "api"
    )
    recorded = classify_and_record(state, company, use_llm=body.use_llm, owner=principal)
    result = recorded.result
    return ClassifyResponse(
        run_id=recorded.run_id,
        reference_date=company.reference_date,
        company=CompanyOut.model_validate(company.record.to_dict()),
        notes=[InputNoteOut.model_validate(n.to_dict()) for n in company.notes],
        degraded=result.degraded,
        degraded_reason=result.degraded_reason,
        result=ResultOut.model_validate(result.to_dict()),
    )


async def _batch_text(request: Request) -> tuple[str, BatchFormat]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "validation_error", "업로드 파일('file' 항목)이 없습니다.", field="file")
        raw = await upload.read()
        fmt = detect_format(upload.filename or "", upload.content_type or "")
    else:
        raw = await request.body()
        fmt = detect_format("", content_type)
    try:
        return raw.decode("utf-8-sig"), fmt
    except UnicodeDecodeError as exc:
        raise ApiError(422, "validation_error", "파일은 UTF-8 인코딩이어야 합니다.", field="file") from exc


def _rows(text: str, fmt: BatchFormat) -> list[BatchRow]:
    try:
        rows = read_rows(text, fmt)
    except ValueError as exc:
        raise ApiError(422, "validation_error", f"배치 본문을 읽을 수 없습니다: {exc}") from exc
    if len(rows) > MAX_BATCH_ROWS:
        raise ApiError(413, "payload_too_large", f"한 번에 {MAX_BATCH_ROWS:,}행까지 분류할 수 있습니다.")
    return rows


def _stream(
    rows: list[BatchRow], classifier: Classifier, refs: ReferenceLists, use_llm: bool
) -> Iterator[str]:
    ok = 0
    for out in classify_rows(rows, classifier, refs, use_llm=use_llm):
        ok += bool(out["ok"])
        yield json.dumps(out, ensure_ascii=False) + "\n"
    yield json.dumps({"summary": {"rows": len(rows), "ok": ok, "failed": len(rows) - ok}}) + "\n"


@router.post(
    "/classify/batch",
    summary="여러 기업 분류: JSON 목록, CSV/JSONL 본문 또는 업로드(file); 결과를 행마다 JSONL로 스트리밍",
    description=(
        "본문 최대 10 MB, 10,000행, 그리고 키마다 분당 INNOGROWTH_BATCH_ROWS_PER_MINUTE행(기본 1,000; "
        "넘으면 429와 Retry-After). 잘못된 행은 `ok=false`와 행 번호·사유로 보고하고 나머지는 계속 "
        "분류합니다. 마지막 줄은 요약(`summary`)입니다. 개인정보 항목은 선택입니다."
    ),
    response_class=StreamingResponse,
    responses={200: {"description": BATCH_LINES, "content": {BATCH_MEDIA_TYPE: {}}}},
)
async def classify_batch(
    request: Request,
    state: StateDep,
    principal: Classifying,
    use_llm: Annotated[bool, Query(description="LLM 사용")] = True,
) -> StreamingResponse:
    classifier = live_classifier(state)
    text, fmt = await _batch_text(request)
    rows = _rows(text, fmt)
    charge_batch_rows(state, principal, len(rows))
    return StreamingResponse(_stream(rows, classifier, state.refs, use_llm), media_type=BATCH_MEDIA_TYPE)
