"""`innogrowth catalog carry-vocabulary`: a new revision without vocabulary gets the earlier one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from catalog.loader import load_catalog, packaged_catalog_path, parse_catalog
from catalog.model import Catalog
from catalog.vocabulary import carry_vocabulary
from innogrowth.cli import app
from tests.conftest import full_raw_catalog


def _revision_without_vocabulary() -> dict[str, Any]:
    raw = full_raw_catalog()
    for item in raw["items"]:
        item.pop("vocabulary", None)
    raw["items"][1]["id"] = "IG901"  # renumbered, same name: matched by name
    raw["items"][2]["id"], raw["items"][2]["name"] = "IG902", "새 품목"  # new: no match
    raw["items"][3]["vocabulary"] = ["자체 용어"]  # a vocabulary of its own: kept
    raw["version"] = "igcs-7-2026"
    return raw


def test_carry_by_id_then_by_name_keeps_own_and_lists_missing(full_catalog: Catalog) -> None:
    revision = parse_catalog(_revision_without_vocabulary())
    result = carry_vocabulary(revision, full_catalog, revision_label="vocab")
    items = result.catalog.item_by_id
    assert result.missing == ["IG902"] and result.kept == [full_catalog.items[3].id]
    assert len(result.carried) == 238 and "IG901" in result.carried
    assert items["IG901"].vocabulary == full_catalog.items[1].vocabulary
    assert items[full_catalog.items[0].id].vocabulary == full_catalog.items[0].vocabulary
    assert items[full_catalog.items[3].id].vocabulary == ["자체 용어"]
    assert items["IG902"].vocabulary == []
    assert result.catalog.version == "igcs-7-2026-vocab"
    assert result.catalog.version_id != revision.version_id


def test_nothing_to_carry_leaves_the_revision_as_it_is(full_catalog: Catalog) -> None:
    result = carry_vocabulary(full_catalog, full_catalog, revision_label="vocab")
    assert result.carried == [] and result.catalog.version_id == full_catalog.version_id


def test_command_writes_the_active_catalog(tmp_path: Path) -> None:
    new = tmp_path / "igcs_v7.json"
    new.write_text(json.dumps(_revision_without_vocabulary(), ensure_ascii=False), "utf-8")
    out = tmp_path / "data" / "catalog.json"
    run = CliRunner().invoke(
        app,
        ["catalog", "carry-vocabulary", str(new), "--from", str(packaged_catalog_path()), "--out", str(out)],
    )
    assert run.exit_code == 0, run.output
    assert "vocabulary carried to 238 items, kept on 1, none for 1 (IG902)" in " ".join(run.output.split())
    written = load_catalog(out)
    assert written.item_by_id["IG901"].vocabulary and not written.item_by_id["IG902"].vocabulary


def test_command_refuses_an_invalid_revision(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", "utf-8")
    run = CliRunner().invoke(
        app, ["catalog", "carry-vocabulary", str(bad), "--out", str(tmp_path / "c.json")]
    )
    assert run.exit_code == 1
    assert not (tmp_path / "c.json").exists()
