"""The service's start with the migrations: upgrade to head by default; with
INNOGROWTH_DB_AUTO_UPGRADE=false a database that is behind is refused (/ready: database not
ready, the log names `innogrowth db upgrade`) until it is upgraded; a revision from newer code is
always refused and left unchanged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from index_build.artifacts import BuildError
from innogrowth.cli import app as cli_app
from innogrowth.service import create_app
from innogrowth.settings import Settings
from rag.classifier import Classifier
from store.engine import make_engine
from store.factory import open_store
from store.migrate import head_revision, schema_status


def no_build() -> Classifier:
    raise BuildError("no index build in these tests")


def settings(data_dir: Path, **extra: Any) -> Settings:
    return Settings(data_dir=data_dir, database_url=None, bootstrap_admin_key=None, **extra)


def not_ready(client: TestClient) -> list[str]:
    return [d["component"] for d in not_ready_details(client)]


def not_ready_details(client: TestClient) -> list[dict[str, str]]:
    ready = client.get("/ready")
    assert ready.status_code == 503, ready.text
    details: list[dict[str, str]] = ready.json()["error"]["details"]
    return details


def schema_events(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == "db_schema_not_current"]


def test_with_upgrading_off_a_database_behind_is_not_ready_until_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("INNOGROWTH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INNOGROWTH_DATABASE_URL", raising=False)
    url = settings(tmp_path).resolved_database_url()
    app = create_app(settings(tmp_path, db_auto_upgrade=False), classifier_loader=no_build)
    with caplog.at_level(logging.ERROR, logger="innogrowth.api"), TestClient(app) as client:
        assert not_ready(client) == ["index", "database"]
        (database,) = [d for d in not_ready_details(client) if d["component"] == "database"]
        assert "스키마" in database["message"] and "innogrowth db upgrade" in database["message"]
        (event,) = schema_events(caplog)
        assert "innogrowth db upgrade" in str(event.__dict__["hint"])
        assert head_revision() in str(event.__dict__["reason"])
        engine = make_engine(url)
        assert inspect(engine).get_table_names() == []  # nothing was created
        engine.dispose()

        upgraded = CliRunner().invoke(cli_app, ["db", "upgrade"], catch_exceptions=False)
        assert upgraded.exit_code == 0, upgraded.output
        assert not_ready(client) == ["index"]  # the database is ready now


def test_by_default_the_service_upgrades_an_older_database_at_start(tmp_path: Path) -> None:
    url = settings(tmp_path).resolved_database_url()
    store = open_store(url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("DROP TABLE page_sessions"))
    store.engine.dispose()
    assert schema_status(make_engine(url)).recognised == "0001"
    with TestClient(create_app(settings(tmp_path), classifier_loader=no_build)) as client:
        assert not_ready(client) == ["index"]
        engine = make_engine(url)
        assert schema_status(engine).current == head_revision()
        assert "page_sessions" in inspect(engine).get_table_names()
        engine.dispose()


@pytest.mark.parametrize("auto_upgrade", [True, False])
def test_a_database_from_newer_code_is_refused_at_start_and_left_unchanged(
    tmp_path: Path, auto_upgrade: bool, caplog: pytest.LogCaptureFixture
) -> None:
    url = settings(tmp_path).resolved_database_url()
    store = open_store(url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_newer'"))
    store.engine.dispose()
    app = create_app(settings(tmp_path, db_auto_upgrade=auto_upgrade), classifier_loader=no_build)
    with caplog.at_level(logging.ERROR, logger="innogrowth.api"), TestClient(app) as client:
        assert not_ready(client) == ["index", "database"]
        (event,) = schema_events(caplog)
        assert "0099_newer" in str(event.__dict__["reason"])
        assert "더 새로운 버전의 코드" in str(event.__dict__["hint"])
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0099_newer"]
    engine.dispose()


def test_with_upgrading_off_the_commands_refuse_a_database_behind_and_name_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INNOGROWTH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INNOGROWTH_DATABASE_URL", raising=False)
    monkeypatch.setenv("INNOGROWTH_DB_AUTO_UPGRADE", "false")
    url = settings(tmp_path).resolved_database_url()
    store = open_store(url)
    with store.engine.begin() as conn:  # a first-release database: 0001, behind head
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("DROP TABLE page_sessions"))
    store.engine.dispose()
    refused = CliRunner().invoke(cli_app, ["keys", "list"], catch_exceptions=False)
    assert refused.exit_code == 1
    assert "innogrowth db upgrade" in " ".join(refused.output.split())
    assert "page_sessions" not in inspect(make_engine(url)).get_table_names()  # nothing changed
    monkeypatch.setenv("INNOGROWTH_DB_AUTO_UPGRADE", "true")
    assert CliRunner().invoke(cli_app, ["keys", "list"], catch_exceptions=False).exit_code == 0
