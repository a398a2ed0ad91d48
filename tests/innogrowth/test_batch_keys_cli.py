"""`innogrowth keys create|list|revoke` against the configured database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.auth.keys import verify_key
from innogrowth.cli import app
from store.factory import open_store


def test_create_list_revoke(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INNOGROWTH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INNOGROWTH_DATABASE_URL", raising=False)
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--role", "maintainer", "--name", "admin"])
    assert created.exit_code == 0, created.output
    plaintext = created.output.strip().splitlines()[-1]
    store = open_store(f"sqlite:///{tmp_path / 'innogrowth.db'}")
    record = verify_key(store, plaintext)
    assert record is not None and record.role == "maintainer"
    listed = runner.invoke(app, ["keys", "list"])
    assert record.key_id in listed.output and plaintext not in listed.output
    assert runner.invoke(app, ["keys", "revoke", record.key_id]).exit_code == 0
    assert verify_key(store, plaintext) is None
    assert runner.invoke(app, ["keys", "revoke", record.key_id]).exit_code == 1
    assert runner.invoke(app, ["keys", "create", "--role", "root", "--name", "x"]).exit_code == 2
