"""The company fields of screen 1, their API names and Korean labels."""

from __future__ import annotations

PERSONAL_FIELDS = ("company_name", "business_number", "representative_name")
TECHNICAL_FIELDS = (
    "ksic_code",
    "industry_name",
    "main_products",
    "product_use",
    "tech_business_name",
    "st_code",
)
TEXT_FIELDS = ("industry_name", "main_products", "product_use", "tech_business_name")
ALL_INPUT_FIELDS = (*PERSONAL_FIELDS, "reference_date", *TECHNICAL_FIELDS)

FIELD_LABELS: dict[str, str] = {
    "company_name": "기업명",
    "business_number": "사업자등록번호",
    "representative_name": "대표자명",
    "reference_date": "분류기준일",
    "ksic_code": "업종코드",
    "industry_name": "업종명",
    "main_products": "주요제품",
    "product_use": "제품용도",
    "tech_business_name": "기술사업명",
    "st_code": "기술분류",
    "final_item_id": "최종 품목",
    "comment": "의견",
    "run_id": "분류 실행 번호",
}

KOREAN_HEADER_ALIASES: dict[str, str] = {
    **{label: name for name, label in FIELD_LABELS.items()},
    "제품의 용도 및 특성": "product_use",
    "제품용도 및 특성": "product_use",
    "업종코드(KSIC)": "ksic_code",
    "기술분류코드": "st_code",
}

MAX_FIELD_CHARS = 2000
MAX_COMMENT_CHARS = 2000

# What one classification may cost: the embedder reads every character of the four text fields
# (so does the keyword attribution, for up to 24 of their distinct words) and the lexical stage and
# the rationale go over every distinct word. Both are bounded over the four fields together.
MAX_TEXT_CHARS = 3000
"""The four text fields (업종명, 주요제품, 제품용도, 기술사업명) together, in characters."""
MAX_DISTINCT_WORDS = 300
"""Distinct words over the four text fields (a word: letters and digits between spaces or
punctuation, case ignored)."""


def label(field: str) -> str:
    return FIELD_LABELS.get(field, field)
