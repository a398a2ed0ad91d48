"""Request and response bodies of the JSON API (what /docs shows)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.fields import MAX_COMMENT_CHARS, MAX_FIELD_CHARS

MAX_ID = 2_147_483_647
"""Largest row id (PostgreSQL INTEGER); larger ids are refused before they reach the database."""


def _text(label: str, example: str | None = None) -> Any:
    return Field(None, max_length=MAX_FIELD_CHARS, description=label, examples=[example] if example else None)


class CompanyInput(BaseModel):
    """The ten fields of screen 1. Only the six technical fields are used to classify."""

    model_config = ConfigDict(extra="forbid")

    company_name: str | None = _text("기업명 (api 역할은 생략 가능)", "이노기술(주)")
    business_number: str | None = _text("사업자등록번호 NNN-NN-NNNNN (api 역할은 생략 가능)")
    representative_name: str | None = _text("대표자명 (api 역할은 생략 가능)")
    reference_date: str | None = _text("분류기준일 YYYY-MM-DD; 생략하면 오늘")
    ksic_code: str | None = _text("업종코드: KSIC-11 세세분류 5자리 (10차 코드는 11차로 변환)", "26299")
    industry_name: str | None = _text("업종명; 생략하면 업종코드의 이름")
    main_products: str | None = _text("주요제품", "산업용 자율주행 로봇")
    product_use: str | None = _text("제품의 용도 및 특성", "물류창고 무인 운반, 라이다 기반 경로 계획")
    tech_business_name: str | None = _text("기술사업명", "자율주행 물류로봇 개발")
    st_code: str | None = _text("기술분류: 국가과학기술표준분류 6자리", "EE0101")
    use_llm: bool = Field(True, description="LLM 재순위·근거 작성 사용 (서버에 LLM이 설정된 경우)")


class InputNoteOut(BaseModel):
    field: str
    code: str
    message: str


class ClassifyResponse(BaseModel):
    run_id: int = Field(description="저장(POST /v1/decisions)에 쓰는 분류 실행 번호")
    reference_date: str
    company: dict[str, str] = Field(description="분류에 쓴 기술 정보(정규화된 값)")
    notes: list[InputNoteOut] = Field(description="입력에 대해 서비스가 바꾼 점 (예: KSIC 10차→11차)")
    degraded: bool
    degraded_reason: str | None
    result: dict[str, Any] = Field(description="ClassificationResult: 추천 3개, 근거, 신뢰도, 버전")


class DecisionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: int = Field(ge=1, le=MAX_ID, description="POST /v1/classify가 돌려준 run_id")
    final_item_id: str = Field(
        max_length=32, description="최종 품목: 품목 id(IG001)·공식 코드, 또는 NONE(해당 없음)"
    )
    comment: str = Field("", max_length=MAX_COMMENT_CHARS, description="심사역 의견")
    company_name: str | None = _text("기업명")
    business_number: str | None = _text("사업자등록번호 NNN-NN-NNNNN")
    representative_name: str | None = _text("대표자명")


class MaskedCompanyOut(BaseModel):
    company_name: str = Field(description="마스킹됨: 이****스(주) (법인 형태 표기는 그대로)")
    business_number: str = Field(description="마스킹됨: 123-45-*****")
    representative_name: str = Field(description="마스킹됨: 홍*동")
    ksic_code: str
    industry_name: str
    main_products: str
    product_use: str
    tech_business_name: str
    st_code: str


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
    versions: dict[str, str]
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
    index: dict[str, Any]
    database: str


class ReloadOut(BaseModel):
    status: str
    versions: dict[str, str]
