"""`--dataset` files: named by stem, ids unique across files, the optional `style` key read from
the raw rows with the loader's own default ids, saved-decision ids recognised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.judgments import Judgment
from eval.datasets import combine, is_saved_decision, make_dataset, read_styles


def J(rid: str, label: str = "NONE") -> Judgment:
    return Judgment(rid, "26211", "업종", f"제품 {rid}", "", "", "", label)


def file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", "utf-8")
    return path


def test_styles_are_read_with_the_loaders_default_ids(tmp_path: Path) -> None:
    path = tmp_path / "rich.jsonl"
    rows = [
        {"id": "R1", "main_products": "a", "item_id": "NONE", "style": "common"},
        {"main_products": "b", "item_id": "NONE", "style": " spec "},  # line 2 → L2
        {"id": "R3", "main_products": "c", "item_id": "NONE"},  # no style
        {"id": "R4", "main_products": "d", "item_id": "NONE", "style": ""},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\nnot json\n", "utf-8")
    assert read_styles(path) == {"R1": "common", "L2": "spec"}
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("id,main_products,item_id,style\n,a,NONE,named\nC2,b,NONE,\n", "utf-8")
    assert read_styles(csv_path) == {"L2": "named"}


def test_a_dataset_is_named_by_its_file_stem_and_keeps_styles_of_loaded_records(tmp_path: Path) -> None:
    path = tmp_path / "rich_dev.jsonl"
    path.write_text(
        json.dumps({"id": "A", "style": "s1"}) + "\n" + json.dumps({"id": "B", "style": "s2"}) + "\n", "utf-8"
    )
    d = make_dataset(path, [J("A")])  # B was a bad row
    assert d.name == "rich_dev" and d.styles == {"A": "s1"}


def test_union_keeps_each_records_dataset(tmp_path: Path) -> None:
    a = make_dataset(file(tmp_path / "dev.jsonl"), [J("V1"), J("V2", "IG001")])
    b = make_dataset(file(tmp_path / "rich_dev.jsonl"), [J("R1")])
    union = combine([a, b])
    assert [j.id for j in union.judgments] == ["V1", "V2", "R1"]
    assert union.dataset_of == {"V1": "dev", "V2": "dev", "R1": "rich_dev"}


def test_config_keeps_the_single_file_hash_and_lists_every_file(tmp_path: Path) -> None:
    one, two = tmp_path / "dev.jsonl", tmp_path / "rich_dev.jsonl"
    one.write_text("x\n", "utf-8")
    two.write_text("y\n", "utf-8")
    single = combine([make_dataset(one, [J("V1")])]).config()
    assert single["dataset"] == str(one) and single["dataset_sha256"] == make_dataset(one, []).sha256
    both = combine([make_dataset(one, [J("V1")]), make_dataset(two, [J("R1")])]).config()
    assert both["dataset_sha256"] not in (single["dataset_sha256"], make_dataset(two, []).sha256)
    assert [d["name"] for d in both["datasets"]] == ["dev", "rich_dev"]


def test_an_id_in_two_datasets_or_two_files_of_one_name_are_refused(tmp_path: Path) -> None:
    a = make_dataset(file(tmp_path / "dev.jsonl"), [J("L1")])
    b = make_dataset(file(tmp_path / "rich.jsonl"), [J("L1")])
    with pytest.raises(ValueError, match="'L1' is in both dev and rich"):
        combine([a, b])
    c = make_dataset(file(tmp_path / "other" / "dev.jsonl"), [J("X")])
    with pytest.raises(ValueError, match="named dev"):
        combine([a, c])


def test_saved_decision_ids() -> None:
    assert is_saved_decision("D1") and is_saved_decision("D20261")
    assert not is_saved_decision("D") and not is_saved_decision("DX1") and not is_saved_decision("V123")
