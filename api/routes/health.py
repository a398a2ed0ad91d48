"""Liveness and readiness (public)."""

from __future__ import annotations

from fastapi import APIRouter

from api.errors import ApiError
from api.result_schema import IndexOut, VersionsOut
from api.schemas import HealthOut, ReadyOut
from api.state import StateDep
from store.repository import SchemaNotCurrent, StoreUnavailable

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, summary="Liveness: the process answers")
def health() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/ready",
    response_model=ReadyOut,
    summary="Readiness: an index build is loaded and the database answers (503 otherwise)",
)
def ready(state: StateDep) -> ReadyOut:
    classifier = state.classifiers.current
    database_problem: str | None = None
    try:
        state.ensure_schema()
        database = "ok"
    except SchemaNotCurrent as exc:
        database = "schema_not_current"
        database_problem = f"데이터베이스 스키마가 이 버전의 코드와 맞지 않습니다: {exc.hint}"
    except StoreUnavailable:
        database = "unavailable"
        database_problem = "데이터베이스에 연결할 수 없습니다."
    if classifier is None or database_problem is not None:
        problems = []
        if classifier is None:
            problems.append({"component": "index", "message": "분류 색인이 적재되지 않았습니다."})
        if database_problem is not None:
            problems.append({"component": "database", "message": database_problem})
        raise ApiError(503, "not_ready", "서비스가 아직 준비되지 않았습니다.", details=problems)
    index = IndexOut(loaded=True, versions=VersionsOut.model_validate(classifier.versions))
    return ReadyOut(status="ready", index=index, database=database)
