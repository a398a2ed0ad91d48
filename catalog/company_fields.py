"""The company fields of screen 1, declared once, in their one order.

Every layer reads its field lists from `COMPANY_FIELDS`: the classifier's record
(`rag/company.py`), past judgments (`catalog/judgments.py`), the store's records
(`store/records.py`), the API's request and response bodies (`api/schemas.py`), the pages' forms,
batch file headers and input validation (`api/`). Adding a field is one entry here (and a column
in the store's migrations).

Kinds:
- `personal`: 기업명, 사업자등록번호, 대표자명. Never classified, never logged unmasked.
- `reference_date`: 분류기준일.
- `technical_code`: 업종코드 (KSIC-11), 기술분류 (국가과학기술표준분류).
- `technical_text`: 업종명, 주요제품, 제품용도, 기술사업명: the free text that is embedded, searched
  and cited.

The classifier reads the four text fields in its own documented order (`rag/company.py`,
`TEXT_ASSEMBLY_ORDER`); everything else uses the order declared here. The order of the technical
fields is part of stored data: a saved decision's agreement key (`store/agreement.py`,
`text_key`) hashes them in this order, so reordering them splits agreeing decisions apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

MAX_FIELD_CHARS = 2000
"""Every field, in characters."""

# What one classification may cost: the embedder reads every character of the four text fields
# (so does the keyword attribution, for up to 24 of their distinct words) and the lexical stage and
# the rationale go over every distinct word. Both are bounded over the four fields together.
MAX_TEXT_CHARS = 3000
"""The four text fields (업종명, 주요제품, 제품용도, 기술사업명) together, in characters."""
MAX_DISTINCT_WORDS = 300
"""Distinct words over the four text fields (a word: letters and digits between spaces or
punctuation, case ignored)."""


class FieldKind(StrEnum):
    PERSONAL = "personal"
    REFERENCE_DATE = "reference_date"
    TECHNICAL_CODE = "technical_code"
    TECHNICAL_TEXT = "technical_text"


@dataclass(frozen=True)
class CompanyField:
    """One field: its API name, Korean label (screen 1, messages, batch headers), kind, the API
    docs' description and example, and other batch-file headers that mean it."""

    name: str
    label: str
    kind: FieldKind
    description: str
    example: str | None = None
    header_aliases: tuple[str, ...] = ()
    max_chars: int = MAX_FIELD_CHARS

    @property
    def is_technical(self) -> bool:
        return self.kind in (FieldKind.TECHNICAL_CODE, FieldKind.TECHNICAL_TEXT)


_P, _D = FieldKind.PERSONAL, FieldKind.REFERENCE_DATE
_C, _T = FieldKind.TECHNICAL_CODE, FieldKind.TECHNICAL_TEXT

COMPANY_FIELDS: tuple[CompanyField, ...] = (
    CompanyField("company_name", "기업명", _P, "기업명", "이노기술(주)"),
    CompanyField("business_number", "사업자등록번호", _P, "사업자등록번호 NNN-NN-NNNNN"),
    CompanyField("representative_name", "대표자명", _P, "대표자명"),
    CompanyField("reference_date", "분류기준일", _D, "분류기준일 YYYY-MM-DD; 생략하면 오늘"),
    CompanyField(
        "ksic_code",
        "업종코드",
        _C,
        "업종코드: KSIC-11 세세분류 5자리 (10차 코드는 11차로 변환)",
        "26299",
        header_aliases=("업종코드(KSIC)",),
    ),
    CompanyField("industry_name", "업종명", _T, "업종명; 생략하면 업종코드의 이름"),
    CompanyField("main_products", "주요제품", _T, "주요제품", "산업용 자율주행 로봇"),
    CompanyField(
        "product_use",
        "제품용도",
        _T,
        "제품의 용도 및 특성",
        "물류창고 무인 운반, 라이다 기반 경로 계획",
        header_aliases=("제품의 용도 및 특성", "제품용도 및 특성"),
    ),
    CompanyField("tech_business_name", "기술사업명", _T, "기술사업명", "자율주행 물류로봇 개발"),
    CompanyField(
        "st_code",
        "기술분류",
        _C,
        "기술분류: 국가과학기술표준분류 6자리",
        "EE0101",
        header_aliases=("기술분류코드",),
    ),
)

FIELD_BY_NAME: dict[str, CompanyField] = {f.name: f for f in COMPANY_FIELDS}
ALL_INPUT_FIELDS: tuple[str, ...] = tuple(f.name for f in COMPANY_FIELDS)
PERSONAL_FIELDS: tuple[str, ...] = tuple(f.name for f in COMPANY_FIELDS if f.kind is _P)
TECHNICAL_FIELDS: tuple[str, ...] = tuple(f.name for f in COMPANY_FIELDS if f.is_technical)
"""The six fields the classifier sees (the store's `TechnicalFields`, a judgment's company)."""
TEXT_FIELDS: tuple[str, ...] = tuple(f.name for f in COMPANY_FIELDS if f.kind is _T)
"""업종명, 주요제품, 제품용도, 기술사업명 in the declared order (validation's cost limits, judgments)."""
FIELD_LABELS: dict[str, str] = {f.name: f.label for f in COMPANY_FIELDS}


def technical_fields() -> tuple[CompanyField, ...]:
    return tuple(f for f in COMPANY_FIELDS if f.is_technical)


def personal_fields() -> tuple[CompanyField, ...]:
    return tuple(f for f in COMPANY_FIELDS if f.kind is _P)


def header_aliases() -> dict[str, str]:
    """Batch-file headers that name a field: its Korean label and its other spellings."""
    out: dict[str, str] = {}
    for f in COMPANY_FIELDS:
        out[f.label] = f.name
        out.update(dict.fromkeys(f.header_aliases, f.name))
    return out


def reordered(names: Sequence[str], declared: Sequence[str]) -> tuple[str, ...]:
    """`names` as a tuple, checked to be exactly the `declared` fields in another order (a
    consumer's own order, e.g. the classifier's text assembly, derived by name)."""
    if sorted(names) != sorted(declared) or len(set(names)) != len(names):
        raise ValueError(f"{tuple(names)} is not an order of the declared fields {tuple(declared)}")
    return tuple(names)
