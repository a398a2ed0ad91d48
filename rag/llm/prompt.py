"""The versioned LLM prompt files, rendered into chat messages and a per-request answer schema."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from string import Template
from typing import Any

from prompts import PromptNotFoundError, load_prompt, prompt_version_id
from rag.company import FIELD_LABELS
from rag.llm.quoting import neutralise, quote_data
from rag.llm.schema_check import unsupported_keywords
from rag.llm.types import LlmCandidate, LlmEvidence
from rag.rationale import percent_label

SYSTEM_FILE = "llm_system.txt"
USER_FILE = "llm_user.txt"
RETRY_FILE = "llm_retry.txt"
SCHEMA_FILE = "llm_answer_schema.json"
LINES_FILE = "llm_lines.json"
# v1 has no LINES_FILE: its candidate lines were written by code, in this shape (no hints)
V1_LINES = {
    "header": "- $item_id | $code | $path",
    "official_code": "",
    "confidence": "",
    "catalog_line": "  [$id] $text",
    "judgment_line": "  [$id] $text",
    "none_hint": "",
}

FIELD_CAP = 1500
LABEL_CAP = 200
EVIDENCE_CAP = 240
REASON_CAP = 200
PICK_FIELDS = ("code", "evidence_ids", "keywords", "rationale")


class PromptError(ValueError):
    """A prompt version whose LLM files are missing or malformed."""


@dataclass(frozen=True)
class PromptSet:
    """The LLM prompt files of one version: system text, user and retry templates, answer schema."""

    version: str
    version_id: str
    system: str
    user: Template
    retry: Template
    schema_template: Mapping[str, Any]
    lines: Mapping[str, Template]

    @classmethod
    def load(cls, version: str) -> PromptSet:
        schema = json.loads(load_prompt(version, SCHEMA_FILE))
        pick_properties(schema)
        if bad := unsupported_keywords(schema):
            raise PromptError(f"{version}/{SCHEMA_FILE} uses keywords the validator lacks: {bad}")
        return cls(
            version=version,
            version_id=prompt_version_id(version),
            system=load_prompt(version, SYSTEM_FILE).strip(),
            user=Template(load_prompt(version, USER_FILE)),
            retry=Template(load_prompt(version, RETRY_FILE)),
            schema_template=schema,
            lines=_line_templates(version),
        )

    def messages(
        self,
        company_fields: Mapping[str, str],
        candidates: Sequence[LlmCandidate],
        retry_reason: str | None = None,
        *,
        none_probability: float | None = None,
    ) -> list[dict[str, str]]:
        """System and user messages; company and evidence text appear only as quoted data."""
        hints = ""
        if none_probability is not None:
            hints = self.lines["none_hint"].substitute(percent=percent_label(round(none_probability, 4)))
        user = self.user.substitute(
            company_block=company_block(company_fields),
            candidate_block=self.candidate_block(candidates),
            candidate_count=len(candidates),
            hints_block=hints or "\n",
        )
        if retry_reason is not None:
            user += self.retry.substitute(reason=neutralise(retry_reason, REASON_CAP))
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    def candidate_header(self, c: LlmCandidate) -> str:
        """`- id | official code (only when there is one) | theme > field > item | confidence`."""
        path = " > ".join(neutralise(part, LABEL_CAP) for part in c.path_label.split(" > "))
        official = c.official_code
        return self.lines["header"].substitute(
            item_id=c.item_id,
            code=neutralise(c.code, 40),
            official_code=self.lines["official_code"].substitute(code=neutralise(official, 40))
            if official
            else "",
            path=path,
            confidence=(
                self.lines["confidence"].substitute(percent=percent_label(round(c.confidence, 4)))
                if c.confidence is not None
                else ""
            ),
        )

    def evidence_line(self, e: LlmEvidence) -> str:
        """A catalog line, or a past judgment introduced as one (`J:` ids)."""
        kind = "judgment_line" if e.id.startswith("J:") else "catalog_line"
        return self.lines[kind].substitute(id=e.id, text=quote_data(e.text, EVIDENCE_CAP))

    def candidate_block(self, candidates: Sequence[LlmCandidate]) -> str:
        """Each candidate's header, then its evidence lines in the order given (source order)."""
        lines: list[str] = []
        for c in candidates:
            lines.append(self.candidate_header(c))
            lines += [self.evidence_line(e) for e in c.evidence]
        return "\n".join(lines)

    def schema(self, candidates: Sequence[LlmCandidate]) -> dict[str, Any]:
        """The answer schema with `code` restricted to the candidate ids and evidence to the ids given."""
        schema = copy.deepcopy(dict(self.schema_template))
        props = pick_properties(schema)
        props["code"]["enum"] = [c.item_id for c in candidates]
        evidence_ids = list(dict.fromkeys(e.id for c in candidates for e in c.evidence))
        if evidence_ids:
            props["evidence_ids"]["items"]["enum"] = evidence_ids
        else:
            props["evidence_ids"] = {"type": "array", "maxItems": 0, "items": {"type": "string"}}
        return schema


def pick_properties(schema: dict[str, Any]) -> dict[str, Any]:
    """The `properties` of one pick in the answer schema (raises `PromptError` if the shape is wrong)."""
    try:
        props: dict[str, Any] = schema["properties"]["picks"]["items"]["properties"]
        evidence_items = props["evidence_ids"]["items"]
    except (KeyError, TypeError) as exc:
        raise PromptError(f"answer schema has no picks.items.properties.evidence_ids.items ({exc})") from exc
    missing = [name for name in PICK_FIELDS if name not in props]
    if missing or not isinstance(evidence_items, dict):
        raise PromptError(f"answer schema pick lacks {missing or 'evidence_ids.items'}")
    return props


def company_block(company_fields: Mapping[str, str]) -> str:
    """One `label: "quoted value"` line per non-empty field, in the input screen's order."""
    order = [k for k in FIELD_LABELS if k in company_fields]
    order += sorted(k for k in company_fields if k not in FIELD_LABELS)
    lines = [
        f"{FIELD_LABELS.get(key, neutralise(key, 40))}: {quote_data(company_fields[key], FIELD_CAP)}"
        for key in order
        if str(company_fields[key] or "").strip()
    ]
    return "\n".join(lines) or '(없음): ""'


def _line_templates(version: str) -> dict[str, Template]:
    try:
        raw: dict[str, Any] = json.loads(load_prompt(version, LINES_FILE))
    except PromptNotFoundError:
        raw = dict(V1_LINES) if version == "v1" else {}
    missing = [k for k in V1_LINES if not isinstance(raw.get(k), str)]
    if missing:
        raise PromptError(f"{version}/{LINES_FILE} lacks {missing}")
    return {k: Template(str(raw[k])) for k in V1_LINES}
