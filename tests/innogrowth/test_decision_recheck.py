"""`innogrowth decisions recheck`: saved decisions touched by a catalog revision."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from innogrowth.cli import app
from store.factory import open_store
from tests.conftest import full_raw_catalog
from tests.support.store_rows import PERSON, decision, new_run


def test_recheck_lists_decisions_whose_item_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = open_store(url)
    store.create_schema()
    kept = store.save_decision(decision(store.save_run(new_run("IG002")), final="IG002"))
    touched = store.save_decision(decision(store.save_run(new_run("IG001")), final="IG001"))
    store.engine.dispose()
    raw = full_raw_catalog()
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    revised = copy.deepcopy(raw)
    revised["items"][0]["name"] = "3차원 건설정보 모델링(BIM) 개정"
    new.write_text(json.dumps(revised, ensure_ascii=False), "utf-8")
    monkeypatch.setenv("INNOGROWTH_DATABASE_URL", url)
    out = CliRunner().invoke(app, ["decisions", "recheck", str(old), str(new)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "1 of 2 saved decisions to re-check" in out.output
    lines = [ln for ln in out.output.splitlines() if "IG00" in ln]
    assert any(str(touched.id) in ln and "renamed" in ln for ln in lines)
    assert not any("IG002" in ln for ln in lines), kept
    assert PERSON.representative_name not in out.output
