"""Pieces of answer validation: JSON parsing, the schema subset, keyword grounding, echo filter."""

from __future__ import annotations

import pytest

from rag.llm.answer import AnswerError, parse_json
from rag.llm.grounding import EchoFilter, grounded_keywords, normalise
from rag.llm.schema_check import schema_errors, unsupported_keywords

SCHEMA = {
    "type": "object",
    "properties": {
        "picks": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {"code": {"type": "string", "enum": ["A"], "maxLength": 3}},
                "required": ["code"],
                "additionalProperties": False,
            },
        },
        "flag": {"type": "boolean"},
        "n": {"type": "integer"},
    },
    "required": ["picks", "flag"],
    "additionalProperties": False,
}


def test_parse_json_tolerates_fences_and_surrounding_text() -> None:
    assert parse_json('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json('Sure! {"a": 1} hope this helps') == {"a": 1}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "invalid_json: empty reply"),
        ('{"picks": [{"code": "IG0', "invalid_json: reply cut off (max_tokens too small?)"),
        ("nonsense here", "invalid_json: Expecting value at 0"),
    ],
)
def test_parse_json_failures_have_reasons(raw: str, reason: str) -> None:
    with pytest.raises(AnswerError) as err:
        parse_json(raw)
    assert err.value.reason == reason


def test_schema_errors_cover_the_subset() -> None:
    assert schema_errors({"picks": [{"code": "A"}], "flag": True}, SCHEMA) == []
    errors = schema_errors({"picks": [{"code": "B", "x": 1}], "flag": 1, "n": True, "y": 0}, SCHEMA)
    assert errors == [
        "$: unexpected 'y'",
        "$.picks[0]: unexpected 'x'",
        "$.picks[0].code: 'B' is not one of the allowed values",
        "$.flag: expected boolean, got int",
        "$.n: expected integer, got bool",
    ]
    assert schema_errors({"picks": []}, SCHEMA) == ["$: missing 'flag'"]
    assert schema_errors([], SCHEMA) == ["$: expected object, got list"]


def test_schema_caps_and_enums_can_be_left_to_the_caller() -> None:
    value = {"picks": [{"code": "AAAA"}] * 3, "flag": False}
    assert len(schema_errors(value, SCHEMA)) == 7
    assert schema_errors(value, SCHEMA, caps=False, enums=False) == []


def test_unsupported_keywords_are_reported() -> None:
    assert unsupported_keywords({"type": "object", "properties": {"a": {"pattern": "x"}}}) == [
        "$.properties.a.pattern"
    ]


def test_keywords_are_grounded_case_and_space_insensitively() -> None:
    own = ["고효율 태양광\n모듈 (PERC Cell)", "배터리 관리 시스템"]
    words = ["태양광 모듈", "perc  cell", "관리", "리튬", "모", "태양광 모듈", "BMS"]
    assert grounded_keywords(words, own, limit=5) == ["태양광 모듈", "perc cell", "관리"]
    assert grounded_keywords(words, own, limit=1) == ["태양광 모듈"]
    assert normalise("  Ａ  B\tc ") == "a b c"


def test_echo_filter_drops_copied_sentences_only() -> None:
    system = "당신은 혁신성장 공동기준에 따라 판단하는 심사역입니다. 후보에 없는 코드를 만들지 마십시오."
    echo = EchoFilter(system)
    assert echo.remove_echoes("배터리 관리 시스템을 개발합니다.") == "배터리 관리 시스템을 개발합니다."
    leaked = "배터리를 만듭니다. 당신은 혁신성장 공동기준에 따라 판단하는 심사역입니다."
    assert echo.remove_echoes(leaked) == "배터리를 만듭니다."
    assert echo.remove_echoes("당신은  혁신성장 공동기준에 따라\n판단하는 심사역입니다") == ""
    assert echo.remove_echoes("혁신성장 공동기준의 태양광 품목에 해당합니다.") != ""
