from __future__ import annotations

from pathlib import Path

from catalog.judgments import load_judgments, packaged_judgments_path
from catalog.model import Catalog


def test_dev_set_loads_clean(full_catalog: Catalog) -> None:
    loaded = load_judgments(packaged_judgments_path(), full_catalog)
    assert len(loaded.judgments) == 786 and not loaded.bad_rows
    assert sum(j.is_none for j in loaded.judgments) == 422


def test_bad_jsonl_rows_reported_by_line_good_rows_kept(tmp_path: Path, full_catalog: Catalog) -> None:
    good = '{"id": "a", "ksic_code": "26211", "main_products": "LCD 모듈", "item_id": "IG001"}'
    lines = [
        good,
        "{broken json",
        '{"id": "b", "ksic_code": "26211", "main_products": "", "item_id": "IG001"}',
        '{"id": "c", "ksic_code": "2621X", "main_products": "x", "item_id": "IG001"}',
        '{"id": "d", "main_products": "y", "item_id": "IG999"}',
        '{"id": "a", "main_products": "z", "item_id": "NONE"}',
        '{"id": "e", "main_products": "z", "item_id": "NONE", "date": "2026-13-01"}',
        '{"id": "f", "main_products": "z", "item_id": "I30003", "st_code": "EE0101"}',
    ]
    path = tmp_path / "j.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    loaded = load_judgments(path, full_catalog)
    assert [j.id for j in loaded.judgments] == ["a", "f"]
    assert loaded.judgments[1].item_id == full_catalog.resolve_item("I30003").id  # type: ignore[union-attr]
    bad = {b.line: b.message for b in loaded.bad_rows}
    assert set(bad) == {2, 3, 4, 5, 6, 7}
    assert "not valid JSON" in bad[2]
    assert "all text fields are blank" in bad[3]
    assert "2621X" in bad[4]
    assert "IG999" in bad[5]
    assert "duplicate id 'a' (first on line 1)" in bad[6]
    assert "YYYY-MM-DD" in bad[7]


def test_csv_format_with_alternates(tmp_path: Path, full_catalog: Catalog) -> None:
    path = tmp_path / "j.csv"
    path.write_text(
        "id,ksic_code,industry_name,main_products,product_use,tech_business_name,st_code,"
        "item_id,alternates\n"
        "r1,26211,액정 표시장치 제조업,OLED 패널,,,EE0101,IG001,IG002;IG003\n"
        "r2,26211,,,,,,IG001,\n",
        "utf-8",
    )
    loaded = load_judgments(path, full_catalog)
    assert [j.alternates for j in loaded.judgments] == [("IG002", "IG003")]
    assert loaded.bad_rows[0].line == 3
