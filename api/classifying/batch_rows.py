"""Rows of a batch file (CSV with a header row, JSONL, or a JSON list), each with its line number.

Column names are the API names (`ksic_code`, `main_products`, …) or the Korean labels of screen 1
(`업종코드`, `주요제품`, …). A row's `id` is its `id` column, else `L<line>`. A row that cannot be
read is kept as an error so the caller can report it and go on with the rest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from api.fields import KOREAN_HEADER_ALIASES

BatchFormat = Literal["csv", "jsonl", "json"]
MAX_BATCH_ROWS = 10_000


@dataclass(frozen=True)
class BatchRow:
    line: int
    id: str
    data: dict[str, Any] | None
    error: str | None = None


def canonical_keys(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key or "").strip()
        out[KOREAN_HEADER_ALIASES.get(name, name)] = value
    return out


def _row(line: int, raw: Any) -> BatchRow:
    if not isinstance(raw, dict):
        return BatchRow(line, f"L{line}", None, "행이 JSON 객체가 아닙니다.")
    data = canonical_keys(raw)
    row_id = str(data.get("id") or "").strip() or f"L{line}"
    return BatchRow(line, row_id, data)


def rows_from_csv(text: str) -> Iterator[BatchRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    for raw in reader:
        line = reader.line_num
        if None in raw:
            yield BatchRow(line, f"L{line}", None, "열 개수가 머리글보다 많습니다.")
            continue
        yield _row(line, raw)


def rows_from_jsonl(text: str) -> Iterator[BatchRow]:
    for line, chunk in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not chunk.strip():
            continue
        try:
            raw = json.loads(chunk)
        except json.JSONDecodeError as exc:
            yield BatchRow(line, f"L{line}", None, f"올바른 JSON이 아닙니다: {exc.msg}")
            continue
        yield _row(line, raw)


def rows_from_list(items: Iterable[Any]) -> Iterator[BatchRow]:
    for n, raw in enumerate(items, start=1):
        yield _row(n, raw)


def detect_format(filename: str, content_type: str) -> BatchFormat:
    name, kind = filename.lower(), content_type.lower()
    if name.endswith(".csv") or "csv" in kind:
        return "csv"
    if name.endswith((".jsonl", ".ndjson")) or "ndjson" in kind or "jsonl" in kind:
        return "jsonl"
    return "json"


def read_rows(text: str, fmt: BatchFormat) -> list[BatchRow]:
    """Every row; a JSON document must be a list of objects or {"items": [...]}."""
    if fmt == "csv":
        return list(rows_from_csv(text))
    if fmt == "jsonl":
        return list(rows_from_jsonl(text))
    parsed = json.loads(text)
    if isinstance(parsed, dict) and isinstance(parsed.get("items"), list):
        parsed = parsed["items"]
    if not isinstance(parsed, list):
        raise ValueError('JSON 본문은 기업 객체의 목록이거나 {"items": [...]} 형태여야 합니다.')
    return list(rows_from_list(parsed))
