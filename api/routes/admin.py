"""Maintainer operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.auth.roles import Permission
from api.classifying.slot import ReloadInProgress
from api.errors import ApiError
from api.result_schema import VersionsOut
from api.schemas import ReloadOut
from api.state import StateDep
from index_build.artifacts import BuildError

router = APIRouter(prefix="/v1/admin", tags=["admin"])
RELOAD_BUSY = "다른 재적재가 이미 진행 중입니다. 끝난 뒤 다시 시도해 주세요."
RELOAD_FAILED = "새 색인 빌드를 적재할 수 없어 기존 분류기를 계속 사용합니다."


@router.post(
    "/reload",
    response_model=ReloadOut,
    summary="현재 색인 빌드를 무중단으로 다시 적재 (새 분류기를 옆에서 만든 뒤 교체)",
)
def reload_index(state: StateDep, _: Annotated[Principal, Depends(require(Permission.ADMIN))]) -> ReloadOut:
    try:
        classifier = state.classifiers.reload()
    except ReloadInProgress as exc:
        raise ApiError(409, "conflict", RELOAD_BUSY) from exc
    except BuildError as exc:
        raise ApiError(503, "not_ready", RELOAD_FAILED, details=[{"reason": str(exc)}]) from exc
    return ReloadOut(status="reloaded", versions=VersionsOut.model_validate(classifier.versions))
