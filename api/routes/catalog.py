"""The catalog (themes > fields > items) and the KSIC lookup used by screen 1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.auth.roles import Permission
from api.classifying.request import live_classifier
from api.errors import ApiError
from api.presenters import catalog_out, item_out
from api.schemas import CatalogItemOut, CatalogOut, KsicLookupOut
from api.state import ServiceState, StateDep
from api.validation import lookup_item

router = APIRouter(prefix="/v1", tags=["catalog"])
CatalogReader = Annotated[Principal, Depends(require(Permission.READ_CATALOG))]


@router.get("/catalog", response_model=CatalogOut, summary="9 테마 / 31 분야 / 240 품목과 분류체계 버전")
def get_catalog(state: StateDep, _: CatalogReader) -> CatalogOut:
    return catalog_out(live_classifier(state).catalog)


@router.get(
    "/catalog/items/{code}",
    response_model=CatalogItemOut,
    summary="품목 하나 (임시 id IG001 또는 공식 코드); 줄 번호는 근거 id(IG001#L3)와 같음",
)
def get_item(code: str, state: StateDep, _: CatalogReader) -> CatalogItemOut:
    catalog = live_classifier(state).catalog
    item = lookup_item(catalog, code)
    if item is None:
        raise ApiError(404, "not_found", f"품목 '{code}'를 찾을 수 없습니다.")
    return item_out(catalog, item)


def ksic_lookup(state: ServiceState, code: str) -> KsicLookupOut:
    code = code.strip()
    normalized, how = state.refs.ksic.normalize(code)
    if normalized is None or how not in {"ksic11", "ksic10"} or len(code) != 5:
        return KsicLookupOut(
            input=code, code=None, name=None, how="unknown", message="KSIC-11 세세분류에 없는 코드입니다."
        )
    name = state.refs.ksic.name(normalized)
    message = f"KSIC 10차 코드를 11차 코드 {normalized}로 변환했습니다." if how == "ksic10" else None
    return KsicLookupOut(input=code, code=normalized, name=name, how=how, message=message)


@router.get("/lookup/ksic/{code}", response_model=KsicLookupOut, summary="업종코드 → 업종명 (10차는 11차로)")
def lookup_ksic(code: str, state: StateDep, _: CatalogReader) -> KsicLookupOut:
    return ksic_lookup(state, code)
