"""The company fields of the JSON API's bodies, generated from `catalog/company_fields.py`.

Each model below lists the declared fields in the declared order, so a field added to the
declaration appears in the request, the responses and /docs with its description and example.
(Type checkers see each generated base as a plain BaseModel; the fields exist at run time.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.fields import MAX_COMMENT_CHARS, MAX_ID
from catalog.company_fields import (
    COMPANY_FIELDS,
    CompanyField,
    FieldKind,
    personal_fields,
    technical_fields,
)

API_MAY_OMIT = " (api 역할은 생략 가능)"
MASKED_DESCRIPTIONS: dict[str, str] = {
    "company_name": "마스킹됨: 이****스(주) (법인 형태 표기는 그대로)",
    "business_number": "마스킹됨: 123-45-*****",
    "representative_name": "마스킹됨: 홍*동",
}
"""How each personal field looks in a response (every personal field must have one)."""

Model = TypeVar("Model", bound=BaseModel)
Spec = tuple[Any, Any]


def with_fields(name: str, base: type[Model], fields: Iterable[tuple[str, Spec]]) -> type[Model]:
    """`base` with these fields appended, in order."""
    definitions: dict[str, Any] = dict(fields)
    return create_model(name, __base__=base, **definitions)


def text_input(description: str, example: str | None, max_chars: int) -> Any:
    return Field(None, max_length=max_chars, description=description, examples=[example] if example else None)


def _screen_input(f: CompanyField) -> Spec:
    note = API_MAY_OMIT if f.kind is FieldKind.PERSONAL else ""
    return str | None, text_input(f.description + note, f.example, f.max_chars)


def _personal_input(f: CompanyField) -> Spec:
    return str | None, text_input(f.description, None, f.max_chars)


def _technical_out(f: CompanyField) -> Spec:
    return str, Field(description=f.label)


def _masked_out(f: CompanyField) -> Spec:
    return str, Field(description=MASKED_DESCRIPTIONS[f.name])


class DecisionChoice(BaseModel):
    run_id: int = Field(ge=1, le=MAX_ID, description="POST /v1/classify가 돌려준 run_id")
    final_item_id: str = Field(
        max_length=32, description="최종 품목: 품목 id(IG001)·공식 코드, 또는 NONE(해당 없음)"
    )
    comment: str = Field("", max_length=MAX_COMMENT_CHARS, description="심사역 의견")


if TYPE_CHECKING:
    _CompanyInputFields = BaseModel
    _DecisionInputFields = DecisionChoice
    _CompanyOutFields = BaseModel
    _MaskedCompanyFields = BaseModel
else:
    _CompanyInputFields = with_fields(
        "CompanyInputFields", BaseModel, ((f.name, _screen_input(f)) for f in COMPANY_FIELDS)
    )
    _DecisionInputFields = with_fields(
        "DecisionInputFields", DecisionChoice, ((f.name, _personal_input(f)) for f in personal_fields())
    )
    _CompanyOutFields = with_fields(
        "CompanyOutFields", BaseModel, ((f.name, _technical_out(f)) for f in technical_fields())
    )
    _MaskedCompanyFields = with_fields(
        "MaskedCompanyFields",
        BaseModel,
        [
            *((f.name, _masked_out(f)) for f in personal_fields()),
            *((f.name, _technical_out(f)) for f in technical_fields()),
        ],
    )


class CompanyInput(_CompanyInputFields):
    """The ten fields of screen 1. Only the six technical fields are used to classify."""

    model_config = ConfigDict(extra="forbid")

    use_llm: bool = Field(True, description="LLM 재순위·근거 작성 사용 (서버에 LLM이 설정된 경우)")


class DecisionInput(_DecisionInputFields):
    model_config = ConfigDict(extra="forbid")


class CompanyOut(_CompanyOutFields):
    """The six technical fields as the classifier used them (normalised)."""

    model_config = ConfigDict(extra="forbid")


class MaskedCompanyOut(_MaskedCompanyFields):
    model_config = ConfigDict(extra="forbid")
