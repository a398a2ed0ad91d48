"""Parse and validate one raw model reply against the candidates it was given.

Fails (raises `AnswerError`) on unparsable JSON, a structural schema mismatch, a code outside the
candidates, an evidence id that was not given for *that* candidate, an empty rationale, or no pick
without `none_applies`. Softer faults are repaired: a reply cut off by `max_tokens` keeps the picks
it completed (codes come first, so those are whole; `none_applies` is then false); a repeated code
keeps its first pick; keywords not found in the company's own text are dropped; picks, evidence
ids, keywords and rationales are cut to the schema's caps; sentences echoing the system prompt
are removed from rationales.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rag.company import TEXT_FIELDS
from rag.llm.grounding import EchoFilter, grounded_keywords
from rag.llm.prompt import pick_properties
from rag.llm.schema_check import schema_errors
from rag.llm.types import LlmCandidate, LlmPick

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_DETAIL_CAP = 60
_PICKS = re.compile(r'^\s*\{\s*"picks"\s*:\s*\[')
CUT_OFF = "invalid_json: reply cut off"


class AnswerError(ValueError):
    """A reply that cannot be used; `reason` starts with a stable token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    picks: list[LlmPick]
    none_applies: bool


def parse_json(raw: str) -> Any:
    """The JSON value of `raw`, tolerating a code fence or text around one object."""
    text = _FENCE.sub("", raw.strip())
    if not text:
        raise AnswerError("invalid_json: empty reply")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                pass
        if exc.msg.startswith("Unterminated string") or exc.pos >= len(text) - 1:
            raise AnswerError(f"{CUT_OFF} (max_tokens too small?)") from None
        raise AnswerError(f"invalid_json: {exc.msg} at {exc.pos}") from None


def read_answer(
    raw: str,
    schema: dict[str, Any],
    candidates: Sequence[LlmCandidate],
    company_fields: Mapping[str, str],
    echo: EchoFilter,
) -> Answer:
    """The validated answer in `raw` (see the module docstring for what fails and what is repaired)."""
    try:
        data = parse_json(raw)
    except AnswerError as exc:
        data = _complete_picks(raw) if exc.reason.startswith(CUT_OFF) else None
        if data is None:
            raise
    if errors := schema_errors(data, schema, caps=False, enums=False):
        raise AnswerError(f"schema_mismatch: {errors[0]}")
    by_id = {c.item_id: c for c in candidates}
    given = {e.id for c in candidates for e in c.evidence}
    props = pick_properties(schema)
    own_texts = [v for k, v in company_fields.items() if k in TEXT_FIELDS and v]
    picks: list[LlmPick] = []
    for entry in data["picks"]:
        code = entry["code"]
        if code not in by_id:
            raise AnswerError(f"code_not_in_candidates: {_short(code)}")
        if any(p.item_id == code for p in picks):
            continue  # a repeat adds nothing: the first pick of the code stands
        own = {e.id for e in by_id[code].evidence}
        for eid in entry["evidence_ids"]:
            if eid not in given:
                raise AnswerError(f"unknown_evidence: {_short(eid)}")
            if eid not in own:
                raise AnswerError(f"evidence_not_for_candidate: {_short(eid)} for {code}")
        rationale = echo.remove_echoes(entry["rationale"]).strip()[: _cap(props["rationale"], "maxLength")]
        if not rationale:
            raise AnswerError(f"empty_rationale: {code}")
        evidence_ids = list(dict.fromkeys(entry["evidence_ids"]))[: _cap(props["evidence_ids"], "maxItems")]
        keywords = grounded_keywords(entry["keywords"], own_texts, limit=_cap(props["keywords"], "maxItems"))
        picks.append(LlmPick(code, rationale, evidence_ids, keywords))
    none_applies = bool(data["none_applies"])
    if not picks and not none_applies:
        raise AnswerError("no_picks: no item chosen and none_applies is false")
    return Answer(picks[: _cap(schema["properties"]["picks"], "maxItems")], none_applies)


def _complete_picks(raw: str) -> dict[str, Any] | None:
    """The picks a cut-off reply completed, as an answer without `none_applies` (None: no whole pick)."""
    text = _FENCE.sub("", raw.strip())
    start = _PICKS.search(text)
    if start is None:
        return None
    decoder, pos, picks = json.JSONDecoder(), start.end(), []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] != "{":
            break
        try:
            pick, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        picks.append(pick)
    return {"picks": picks, "none_applies": False} if picks else None


def _cap(schema: Mapping[str, Any], key: str) -> int:
    return int(schema.get(key, 1_000_000))


def _short(value: str) -> str:
    return value if len(value) <= _DETAIL_CAP else value[:_DETAIL_CAP] + "…"
