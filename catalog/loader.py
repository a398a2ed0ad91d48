"""Load a catalog file, validate its structure, and compute its version id."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from catalog.model import Catalog

EXPECTED_COUNTS = {"themes": 9, "fields": 31, "items": 240}


class CatalogError(ValueError):
    """The catalog file is unreadable or structurally invalid; the message names every problem."""


def packaged_catalog_path() -> Path:
    return Path(__file__).parent / "data" / "igcs_v6.json"


def content_hash(raw: dict[str, Any]) -> str:
    payload = {k: raw.get(k) for k in ("themes", "fields", "items")}
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def validate_raw(raw: dict[str, Any], *, expect_counts: bool = True) -> list[str]:
    """Every structural problem of a raw catalog dict, as precise messages (empty when valid)."""
    problems: list[str] = []
    themes = raw.get("themes") or []
    fields = raw.get("fields") or []
    items = raw.get("items") or []
    for kind, rows in (("theme", themes), ("field", fields), ("item", items)):
        ids = Counter(str(r.get("id", "")) for r in rows)
        problems += [f"duplicate {kind} id {i!r} ({n} times)" for i, n in ids.items() if n > 1]
        codes = Counter(r["official_code"] for r in rows if r.get("official_code"))
        problems += [f"duplicate {kind} official code {c!r}" for c, n in codes.items() if n > 1]
        for pos, r in enumerate(rows):
            if not str(r.get("id", "")).strip():
                problems.append(f"{kind} #{pos + 1} has no id")
            if not str(r.get("name", "")).strip():
                problems.append(f"{kind} {r.get('id', '#' + str(pos + 1))} has an empty name")
    theme_ids = {t.get("id") for t in themes}
    field_theme = {f.get("id"): f.get("theme_id") for f in fields}
    for f in fields:
        if f.get("theme_id") not in theme_ids:
            problems.append(f"field {f.get('id')} is under unknown theme {f.get('theme_id')!r}")
    for it in items:
        fid, tid = it.get("field_id"), it.get("theme_id")
        if fid not in field_theme:
            problems.append(f"item {it.get('id')} is under unknown field {fid!r}")
        elif field_theme[fid] != tid:
            problems.append(
                f"item {it.get('id')} says theme {tid!r} but its field {fid} is in theme {field_theme[fid]!r}"
            )
    per_field = Counter(it.get("field_id") for it in items)
    for f in fields:
        if per_field.get(f.get("id"), 0) == 0:
            problems.append(f"field {f.get('id')} ({f.get('name')}) has no items")
    per_theme = Counter(f.get("theme_id") for f in fields)
    for t in themes:
        if per_theme.get(t.get("id"), 0) == 0:
            problems.append(f"theme {t.get('id')} ({t.get('name')}) has no fields")
    declared = raw.get("counts") or {}
    actual = {"themes": len(themes), "fields": len(fields), "items": len(items)}
    for key, n in actual.items():
        if key in declared and declared[key] != n:
            problems.append(f"counts.{key} says {declared[key]} but the file has {n} {key}")
        if expect_counts and n != EXPECTED_COUNTS[key]:
            problems.append(f"expected {EXPECTED_COUNTS[key]} {key}, found {n}")
    return problems


def parse_catalog(raw: dict[str, Any], *, expect_counts: bool = True, source: str = "") -> Catalog:
    problems = validate_raw(raw, expect_counts=expect_counts)
    if problems:
        head = f"catalog {source} is invalid" if source else "catalog is invalid"
        raise CatalogError(head + ":\n  - " + "\n  - ".join(problems))
    try:
        return Catalog.model_validate({**raw, "content_hash": content_hash(raw)})
    except ValidationError as exc:
        raise CatalogError(f"catalog {source} has a malformed entry: {exc}") from exc


def load_catalog(path: Path, *, expect_counts: bool = True) -> Catalog:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"catalog file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(f"catalog file {path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"catalog file {path} must hold a JSON object")
    return parse_catalog(raw, expect_counts=expect_counts, source=str(path))


def dump_catalog(catalog: Catalog) -> dict[str, Any]:
    raw = catalog.model_dump(mode="json", exclude={"content_hash"})
    raw["counts"] = {k: len(raw[k]) for k in ("themes", "fields", "items")}
    return raw
