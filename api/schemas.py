"""Request and response bodies of the JSON API (what /docs shows).

The company fields' models are generated in `api/company_schema.py`, the result's in
`api/result_schema.py`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.company_schema import CompanyOut, MaskedCompanyOut
from api.fields import MAX_COMMENT_CHARS
from api.result_schema import IndexOut, InputNoteOut, ResultOut, VersionsOut


class ClassifyResponse(BaseModel):
    run_id: int = Field(description="저장(POST /v1/decisions)에 쓰는 분류 실행 번호")
    reference_date: str
    company: CompanyOut = Field(description="분류에 쓴 기술 정보(정규화된 값)")
    notes: list[InputNoteOut] = Field(description="입력에 대해 서비스가 바꾼 점 (예: KSIC 10차→11차)")
    degraded: bool
    degraded_reason: str | None
    result: ResultOut = Field(description="ClassificationResult: 추천 3개, 근거, 신뢰도, 버전")


class DecisionOut(BaseModel):
    id: int
    run_id: int
    created_at: str
    reference_date: str
    final_item_id: str
    final_item_label: str
    action: str = Field(description="accepted(추천 채택) / changed(다른 품목) / none(해당 없음)")
    reviewer: str
    comment: str
    run_decision: str
    run_top_item_id: str | None
    company: MaskedCompanyOut
    versions: VersionsOut
    weight: float = Field(
        description="분류기에 반영되는 가중치: 같은 기술 정보에 같은 품목을 고른 심사역 수 n에 대해 "
        "min(1, INNOGROWTH_DECISION_WEIGHT × n) (같은 심사역의 중복 저장은 나눠 가짐); 철회되면 0"
    )
    agreeing_reviewers: int = Field(description="같은 기술 정보에 같은 품목을 고른 서로 다른 심사역 수")
    withdrawn: bool = Field(description="관리자가 철회함: 분류기와 다음 색인 빌드에서 빠짐 (기록은 남음)")
    withdrawn_at: str | None
    withdrawn_by: str | None
    withdraw_reason: str | None


class WithdrawInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=MAX_COMMENT_CHARS, description="철회 사유")


class DecisionListOut(BaseModel):
    items: list[DecisionOut]
    total: int
    page: int
    per_page: int


class CatalogItemSummary(BaseModel):
    id: str
    code: str
    official_code: str | None
    name: str


class CatalogFieldOut(BaseModel):
    id: str
    code: str
    name: str
    items: list[CatalogItemSummary]


class CatalogThemeOut(BaseModel):
    id: str
    code: str
    name: str
    fields: list[CatalogFieldOut]


class CatalogOut(BaseModel):
    catalog: str
    revision: str
    version: str
    counts: dict[str, int]
    themes: list[CatalogThemeOut]


class CatalogLineOut(BaseModel):
    number: int
    evidence_id: str
    kind: str
    text: str


class CatalogItemOut(BaseModel):
    id: str
    code: str
    official_code: str | None
    name: str
    theme: CatalogItemSummary
    field: CatalogItemSummary
    lines: list[CatalogLineOut]
    catalog_version: str


class KsicLookupOut(BaseModel):
    input: str
    code: str | None
    name: str | None
    how: str = Field(description="ksic11 / ksic10 (11차로 변환) / unknown")
    message: str | None


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    index: IndexOut
    database: str


class ReloadOut(BaseModel):
    status: str
    versions: VersionsOut
