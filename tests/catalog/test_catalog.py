from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from catalog.diff import diff_catalogs
from catalog.loader import CatalogError, load_catalog, packaged_catalog_path, parse_catalog
from catalog.model import Catalog
from catalog.official_codes import import_official_codes
from tests.conftest import full_raw_catalog


def test_packaged_catalog_has_9_31_240(full_catalog: Catalog) -> None:
    assert (len(full_catalog.themes), len(full_catalog.fields), len(full_catalog.items)) == (9, 31, 240)
    assert full_catalog.version_id.startswith("igcs-6-2025+")
    adtech = full_catalog.resolve_item("I30003")
    assert adtech is not None and adtech.name == "애드테크" and adtech.id.startswith("IG")


def test_version_id_changes_with_content() -> None:
    raw = full_raw_catalog()
    a = parse_catalog(raw)
    raw["items"][0]["name"] = raw["items"][0]["name"] + " 개정"
    assert parse_catalog(raw).version_id != a.version_id


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda r: r["items"].pop(), "expected 240 items, found 239"),
        (lambda r: r["items"][5].update(id=r["items"][4]["id"]), "duplicate item id 'IG005'"),
        (lambda r: r["items"][7].update(field_id="F99"), "item IG008 is under unknown field 'F99'"),
        (lambda r: r["items"][9].update(name="  "), "item IG010 has an empty name"),
        (lambda r: r["fields"][0].update(theme_id="T42"), "field F01 is under unknown theme"),
        (lambda r: r["items"][3].update(theme_id="T9"), "item IG004 says theme 'T9'"),
        (lambda r: r["themes"][1].update(official_code="I"), "duplicate theme official code 'I'"),
    ],
)
def test_broken_catalog_names_the_problem(tmp_path: Path, breakage, message: str) -> None:  # type: ignore[no-untyped-def]
    raw = copy.deepcopy(full_raw_catalog())
    breakage(raw)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert message in str(err.value)


def test_unreadable_catalog_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(path)
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "missing.json")


def test_diff_lists_added_removed_renamed_redescribed() -> None:
    raw = full_raw_catalog()
    old = parse_catalog(raw)
    new_raw = copy.deepcopy(raw)
    removed = new_raw["items"].pop(10)
    new_raw["items"][0]["name"] = "새 이름"
    new_raw["items"][1]["lines"] = [*new_raw["items"][1]["lines"], {"kind": "note", "text": "추가"}]
    new_raw["items"].append({**removed, "id": "IG241", "name": "신규 품목"})
    d = diff_catalogs(old, parse_catalog(new_raw))
    assert [i.id for i in d.added] == ["IG241"]
    assert [i.id for i in d.removed] == [removed["id"]]
    assert [a.id for a, _ in d.renamed] == ["IG001"]
    assert [a.id for a, _ in d.redescribed] == ["IG002"]
    assert d.changed_item_ids == {"IG001", "IG002", removed["id"]}


def test_import_official_codes(tmp_path: Path, full_catalog: Catalog) -> None:
    table = tmp_path / "codes.csv"
    first = full_catalog.items[0]
    table.write_text(
        "key,theme_code,field_code,item_code\n"
        f"{first.id},A,A01,A01001\n"
        f"{full_catalog.items[1].name},,,A01002\n",
        "utf-8",
    )
    revised = import_official_codes(full_catalog, table, revision_label="codes1")
    assert revised.resolve_item("A01001") is not None
    assert revised.resolve_item("A01001").id == first.id  # type: ignore[union-attr]
    assert revised.theme_by_id[first.theme_id].official_code == "A"
    assert revised.version_id != full_catalog.version_id
    assert revised.version.endswith("-codes1")


def test_import_codes_rejects_unknown_keys(tmp_path: Path, full_catalog: Catalog) -> None:
    table = tmp_path / "codes.csv"
    table.write_text("key,item_code\n없는 품목,Z99001\n", "utf-8")
    with pytest.raises(CatalogError, match="line 2: no item with id or name '없는 품목'"):
        import_official_codes(full_catalog, table, revision_label="x")


def test_packaged_file_is_the_shipped_one() -> None:
    assert packaged_catalog_path().exists()
