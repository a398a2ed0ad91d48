"""Input rules of screen 1, shared by the JSON API, the pages, batch files and the CLI.

- 사업자등록번호: `NNN-NN-NNNNN` (10 digits, hyphens optional) with the official check digit.
- 업종코드: 5-digit KSIC-11 세세분류; a KSIC-10 code is mapped to KSIC-11 and the caller is told.
- 기술분류: 6-character 국가과학기술표준분류 code with a known major class.
- required fields non-blank ("공란 입력"), every text at most MAX_FIELD_CHARS characters.
- bounded cost: the four text fields together at most MAX_DISTINCT_WORDS distinct words and
  MAX_TEXT_CHARS characters (422 naming the field that adds the most).
- final item ids: one normalisation (NFKC, no spaces, upper case) for item ids, official codes
  and NONE.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Any

from api.fields import label
from catalog.company_fields import (
    ALL_INPUT_FIELDS,
    MAX_DISTINCT_WORDS,
    MAX_FIELD_CHARS,
    MAX_TEXT_CHARS,
    PERSONAL_FIELDS,
    TECHNICAL_FIELDS,
    TEXT_FIELDS,
)
from catalog.model import Catalog, Item
from catalog.reference import KsicLookup, StLookup
from rag.company import CompanyRecord
from store.records import PersonalFields

KST = timezone(timedelta(hours=9))
BUSINESS_NUMBER_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
BUSINESS_NUMBER_PATTERN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{5})$")
WORD_PATTERN = re.compile(r"[^\W_]+")


class Strictness(Enum):
    """SCREEN: every technical field required (screen 1, /v1/classify).
    BATCH: formats checked when given; at least one text field required (past-judgment files)."""

    SCREEN = "screen"
    BATCH = "batch"


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    code: str
    message: str

    def to_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class InputNote:
    """Something the service changed in the input and tells the caller (e.g. KSIC-10 → 11)."""

    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class InputInvalid(ValueError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ValidCompany:
    company_name: str
    business_number: str
    representative_name: str
    reference_date: str
    record: CompanyRecord
    notes: list[InputNote] = field(default_factory=list)

    def echo(self) -> dict[str, str]:
        """Every field as the service understood it (personal fields included: not for logs)."""
        return {
            "company_name": self.company_name,
            "business_number": self.business_number,
            "representative_name": self.representative_name,
            "reference_date": self.reference_date,
            **self.record.to_dict(),
        }


@dataclass(frozen=True)
class ReferenceLists:
    ksic: KsicLookup
    st: StLookup

    @classmethod
    def load(cls) -> ReferenceLists:
        return cls(KsicLookup.load(), StLookup.load())


def today_kst() -> date:
    return datetime.now(KST).date()


def blank_message(field_name: str) -> str:
    return f"공란 입력: '{label(field_name)}' 항목이 공란입니다. 내용을 입력해 주세요."


def business_number_check_digit(first_nine: str) -> int:
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, BUSINESS_NUMBER_WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def normalize_business_number(raw: str) -> str:
    """`NNN-NN-NNNNN`; raises InputInvalid on a bad format or check digit."""
    match = BUSINESS_NUMBER_PATTERN.match(raw.strip())
    if match is None:
        raise InputInvalid(
            [
                FieldProblem(
                    "business_number",
                    "format",
                    "사업자등록번호는 숫자 10자리(NNN-NN-NNNNN) 형식이어야 합니다.",
                )
            ]
        )
    digits = "".join(match.groups())
    if business_number_check_digit(digits[:9]) != int(digits[9]):
        raise InputInvalid(
            [
                FieldProblem(
                    "business_number",
                    "check_digit",
                    "사업자등록번호의 검증번호(마지막 자리)가 맞지 않습니다. 번호를 다시 확인해 주세요.",
                )
            ]
        )
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def normalize_item_code(raw: str) -> str:
    """An item id, official code or NONE as typed → its one form: ` ig 095 ` → `IG095`,
    `none` → `NONE`, full-width characters folded (NFKC); blank stays blank."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw.replace("\x00", ""))).upper()


def lookup_item(catalog: Catalog, code: str) -> Item | None:
    """An item by id or official code, in any case and with any spaces (` ig095 ` → IG095)."""
    wanted = normalize_item_code(code)
    item = catalog.resolve_item(wanted)
    if item is not None or not wanted:
        return item
    return next((i for k, i in catalog.item_by_code.items() if normalize_item_code(k) == wanted), None)


def words_of(text: str) -> list[str]:
    """The words of a text as the cost limits count them: runs of letters and digits, case folded."""
    return [w.casefold() for w in WORD_PATTERN.findall(text)]


def cost_problems(values: Mapping[str, str]) -> list[FieldProblem]:
    """The text fields together within MAX_DISTINCT_WORDS distinct words and MAX_TEXT_CHARS
    characters; each problem names the field to shorten (the one adding the most)."""
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    new_words: dict[str, int] = {}
    for name in TEXT_FIELDS:
        words = set(words_of(values.get(name, "")))
        new_words[name] = len(words - seen)
        seen |= words
    if len(seen) > MAX_DISTINCT_WORDS:
        most = max(TEXT_FIELDS, key=lambda n: new_words[n])
        message = (
            f"업종명·주요제품·제품용도·기술사업명에 서로 다른 낱말이 모두 {len(seen):,}개로, "
            f"분류에 쓸 수 있는 {MAX_DISTINCT_WORDS:,}개를 넘습니다. 낱말이 가장 많은 '{label(most)}' 항목"
            f"({new_words[most]:,}개)을 핵심 내용으로 줄여 주세요."
        )
        problems.append(FieldProblem(most, "too_many_words", message))
    chars = {name: len(values.get(name, "")) for name in TEXT_FIELDS}
    if sum(chars.values()) > MAX_TEXT_CHARS:
        longest_field = max(TEXT_FIELDS, key=lambda n: chars[n])
        message = (
            f"업종명·주요제품·제품용도·기술사업명은 합쳐서 {MAX_TEXT_CHARS:,}자 이하여야 합니다"
            f"(지금 {sum(chars.values()):,}자). 가장 긴 '{label(longest_field)}' 항목"
            f"({chars[longest_field]:,}자)을 줄여 주세요."
        )
        problems.append(FieldProblem(longest_field, "text_too_long", message))
    return problems


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    # NUL has no meaning in a text and PostgreSQL cannot store it (it would fail as a 503).
    return "" if value is None else str(value).replace("\x00", "").strip()


def _check_ksic(code: str, refs: ReferenceLists) -> tuple[str, InputNote | None]:
    if not re.fullmatch(r"\d{5}", code):
        raise InputInvalid(
            [FieldProblem("ksic_code", "format", "업종코드는 숫자 5자리(KSIC 세세분류)여야 합니다.")]
        )
    normalized, how = refs.ksic.normalize(code)
    if normalized is None or how not in {"ksic11", "ksic10"}:
        raise InputInvalid(
            [
                FieldProblem(
                    "ksic_code",
                    "unknown",
                    f"업종코드 '{code}'는 한국표준산업분류(11차) 세세분류에 없는 코드입니다.",
                )
            ]
        )
    if how == "ksic10":
        name = refs.ksic.name(normalized) or ""
        note = InputNote(
            "ksic_code",
            "ksic10_mapped",
            f"KSIC 10차 코드 {code}를 11차 코드 {normalized}({name})로 변환해 분류했습니다.",
        )
        return normalized, note
    return normalized, None


def _check_date(raw: str) -> str:
    if not raw:
        return today_kst().isoformat()
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError as exc:
        raise InputInvalid(
            [FieldProblem("reference_date", "format", "분류기준일은 YYYY-MM-DD 형식이어야 합니다.")]
        ) from exc


def validate_company(
    raw: Mapping[str, Any],
    refs: ReferenceLists,
    *,
    require_personal: bool,
    strictness: Strictness = Strictness.SCREEN,
) -> ValidCompany:
    """Check every field; raises InputInvalid listing every problem (blank fields first)."""
    values = {name: _text(raw, name) for name in ALL_INPUT_FIELDS}
    problems: list[FieldProblem] = []
    required: list[str] = list(PERSONAL_FIELDS) if require_personal else []
    if strictness is Strictness.SCREEN:
        required += [n for n in TECHNICAL_FIELDS if n != "industry_name"]
    problems += [FieldProblem(n, "blank", blank_message(n)) for n in required if not values[n]]
    if strictness is Strictness.BATCH and not any(values[n] for n in TEXT_FIELDS):
        problems.append(
            FieldProblem(
                "main_products",
                "blank",
                "공란 입력: 업종명·주요제품·제품용도·기술사업명 중 하나 이상을 입력해 주세요.",
            )
        )
    for name, value in values.items():
        if len(value) > MAX_FIELD_CHARS:
            message = f"'{label(name)}' 항목은 {MAX_FIELD_CHARS:,}자 이하여야 합니다."
            problems.append(FieldProblem(name, "too_long", message))
    if not any(p.code == "too_long" for p in problems):
        problems += cost_problems(values)
    skip = {p.field for p in problems}
    notes: list[InputNote] = []
    checked: dict[str, str] = {}
    for name in ("business_number", "reference_date", "st_code", "ksic_code"):
        if name in skip or (not values[name] and name != "reference_date"):
            continue
        try:
            if name == "business_number":
                checked[name] = normalize_business_number(values[name])
            elif name == "reference_date":
                checked[name] = _check_date(values[name])
            elif name == "st_code":
                checked[name] = _check_st(values[name], refs)
            else:
                checked[name], note = _check_ksic(values[name], refs)
                notes += [note] if note else []
        except InputInvalid as exc:
            problems += exc.problems
    if problems:
        raise InputInvalid(problems)
    values.update(checked)
    if not values["industry_name"] and values["ksic_code"]:
        values["industry_name"] = refs.ksic.name(values["ksic_code"]) or ""
        if values["industry_name"]:
            notes.append(InputNote("industry_name", "filled_from_code", "업종명을 업종코드에서 채웠습니다."))
    record = CompanyRecord.from_mapping(values)
    return ValidCompany(
        company_name=values["company_name"],
        business_number=values["business_number"],
        representative_name=values["representative_name"],
        reference_date=values["reference_date"],
        record=record,
        notes=notes,
    )


def _check_st(value: str, refs: ReferenceLists) -> str:
    message = refs.st.check(value)
    if message is not None:
        code = "format" if "형식" in message else "unknown"
        raise InputInvalid([FieldProblem("st_code", code, message)])
    return value.strip().upper()


def validate_personal(raw: Mapping[str, Any]) -> PersonalFields:
    """기업명, 사업자등록번호 (check digit), 대표자명: all required."""
    values = {name: _text(raw, name) for name in PERSONAL_FIELDS}
    problems = [FieldProblem(n, "blank", blank_message(n)) for n, v in values.items() if not v]
    for name, value in values.items():
        if len(value) > MAX_FIELD_CHARS:
            message = f"'{label(name)}' 항목은 {MAX_FIELD_CHARS:,}자 이하여야 합니다."
            problems.append(FieldProblem(name, "too_long", message))
    if values["business_number"] and not problems:
        try:
            values["business_number"] = normalize_business_number(values["business_number"])
        except InputInvalid as exc:
            problems += exc.problems
    if problems:
        raise InputInvalid(problems)
    return PersonalFields(values["company_name"], values["business_number"], values["representative_name"])
