"""Import the customer's official code table as a new catalog revision.

CSV columns (UTF-8, header required): `key` (a provisional id T1…/F01…/IG001… or the exact
item name), `theme_code`, `field_code`, `item_code`. Rows keyed on an item fill that item's code
and, when given, its field's and theme's codes. Rows keyed on T*/F* ids set only that level.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from catalog.loader import CatalogError, dump_catalog, parse_catalog
from catalog.model import Catalog

REQUIRED_COLUMNS = {"key"}
CODE_COLUMNS = ("theme_code", "field_code", "item_code")


def _set_code(rows: list[dict[str, Any]], row_id: str, code: str, errors: list[str], line: int) -> None:
    for r in rows:
        if r["id"] == row_id:
            current = r.get("official_code")
            if current and current != code:
                errors.append(f"line {line}: {row_id} already has code {current}, file says {code}")
            r["official_code"] = code
            return


def import_official_codes(catalog: Catalog, csv_path: Path, *, revision_label: str) -> Catalog:
    raw = dump_catalog(catalog)
    by_name = {it["name"]: it for it in raw["items"]}
    by_id = {it["id"]: it for it in raw["items"]}
    errors: list[str] = []
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = set(reader.fieldnames or [])
        if not columns >= REQUIRED_COLUMNS or not columns & set(CODE_COLUMNS):
            raise CatalogError(
                f"{csv_path}: header must have `key` and at least one of {', '.join(CODE_COLUMNS)}"
            )
        for line, row in enumerate(reader, start=2):
            key = (row.get("key") or "").strip()
            codes = {c: (row.get(c) or "").strip() for c in CODE_COLUMNS}
            if key.startswith("T") and key[1:].isdigit():
                if codes["theme_code"]:
                    _set_code(raw["themes"], key, codes["theme_code"], errors, line)
                continue
            if key.startswith("F") and key[1:].isdigit():
                if codes["field_code"]:
                    _set_code(raw["fields"], key, codes["field_code"], errors, line)
                continue
            item = by_id.get(key) or by_name.get(key)
            if item is None:
                errors.append(f"line {line}: no item with id or name {key!r}")
                continue
            if codes["item_code"]:
                _set_code(raw["items"], item["id"], codes["item_code"], errors, line)
            if codes["field_code"]:
                _set_code(raw["fields"], item["field_id"], codes["field_code"], errors, line)
            if codes["theme_code"]:
                _set_code(raw["themes"], item["theme_id"], codes["theme_code"], errors, line)
    if errors:
        raise CatalogError(f"{csv_path}: code table rejected:\n  - " + "\n  - ".join(errors))
    raw["version"] = f"{catalog.version}-{revision_label}"
    return parse_catalog(raw, expect_counts=False, source=str(csv_path))
