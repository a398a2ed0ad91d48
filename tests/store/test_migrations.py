"""The store's schema migrations (store/migrate.py, store/migrations) on SQLite and, marked
`postgres`, on a real PostgreSQL server (a database of its own per test)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel
from typer.testing import CliRunner, Result

from innogrowth.cli import app as cli_app
from store.agreement import text_key
from store.engine import make_engine
from store.factory import open_store
from store.migrate import head_revision, schema_status, upgrade_to_head
from store.records import NewApiKey
from store.repository import SchemaBehind, SchemaUnknown
from store.sql_store import SqlStore
from tests.support.store_rows import TECH, decision, new_run
from tests.support.system_services import postgres_url

__all__ = ["postgres_url"]

TABLES = ("classification_runs", "companies", "decisions", "api_keys", "page_sessions", "service_secrets")
REPO_ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
ISSUE_14_COLUMNS = (
    ("classification_runs", "created_by_name"),
    ("decisions", "text_key"),
    ("decisions", "withdrawn_at"),
    ("decisions", "withdrawn_by"),
    ("decisions", "withdraw_reason"),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server: str = request.getfixturevalue("postgres_url")
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def schema_diffs(engine: Engine) -> list[Any]:
    """What alembic's autogenerate would change to make the database match the models: tables,
    columns, types, nullability, indexes, unique and foreign keys."""
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), SQLModel.metadata))


def server_defaults(engine: Engine) -> set[tuple[str, str]]:
    """Columns with a default in the database (PostgreSQL's SERIAL sequences left out)."""
    inspector = inspect(engine)
    return {
        (table, str(c["name"]))
        for table in TABLES
        for c in inspector.get_columns(table)
        if c.get("default") and not str(c["default"]).startswith("nextval(")
    }


MODEL_SERVER_DEFAULTS = {
    (t.name, c.name) for t in SQLModel.metadata.tables.values() for c in t.columns if c.server_default
}


def recorded_revision(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(text("SELECT version_num FROM alembic_version"))]


def row_counts(engine: Engine, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}


def fill_every_table(store: SqlStore) -> None:
    run_id = store.save_run(new_run())
    store.save_run(new_run(item=None))
    store.save_decision(decision(run_id, comment="맞음"))
    store.add_key(NewApiKey("abcdef012345", "김심사", "reviewer", "00" * 16, "11" * 32))
    store.open_session("h" * 64, "abcdef012345", datetime.now(UTC) + timedelta(hours=1))
    store.get_or_create_secret("session_signing_key", lambda: "ab" * 32)


def assert_at_head_like_the_models(engine: Engine) -> None:
    assert recorded_revision(engine) == [head_revision()]
    assert schema_diffs(engine) == []
    assert server_defaults(engine) == MODEL_SERVER_DEFAULTS


def test_a_fresh_database_gets_every_revision_and_then_equals_the_models(any_url: str) -> None:
    store = open_store(any_url)
    try:
        assert_at_head_like_the_models(store.engine)
        assert set(ISSUE_14_COLUMNS) - {("decisions", "withdrawn_at")} == MODEL_SERVER_DEFAULTS
        assert not upgrade_to_head(store.engine).changed  # starting again changes nothing
        store.check_schema()
        fill_every_table(store)
        assert 0 not in row_counts(store.engine).values()
    finally:
        store.engine.dispose()


def test_a_database_made_by_create_all_without_alembic_is_stamped_and_keeps_every_row(
    any_url: str,
) -> None:
    """Today's schema from the code before the migrations: recognised as head, only stamped."""
    engine = make_engine(any_url)
    SQLModel.metadata.create_all(engine)
    old = SqlStore(engine)
    fill_every_table(old)
    before = row_counts(engine)
    assert 0 not in before.values()
    status = schema_status(engine)
    assert (status.current, status.recognised, status.at_head) == (None, head_revision(), True)
    old.check_schema()  # at head already: a service with upgrading off serves it unchanged

    report = upgrade_to_head(engine)
    assert report.changed and report.before.recognised == head_revision()
    assert recorded_revision(engine) == [head_revision()] and schema_diffs(engine) == []
    assert row_counts(engine) == before
    again = open_store(any_url)
    try:
        record = again.get_decision(1)
        assert record is not None and record.comment == "맞음" and record.text_key == text_key(TECH)
        assert again.session_key("h" * 64) == "abcdef012345" and again.find_key("abcdef012345")
    finally:
        again.engine.dispose()
        engine.dispose()


def drop_issue_14(engine: Engine, columns: tuple[tuple[str, str], ...], *, sessions: bool) -> None:
    """As if made (or half upgraded) by the code before issue 14: no alembic_version, and without
    the given columns of issue 14 (and page_sessions, if `sessions`)."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("DROP INDEX IF EXISTS ix_decisions_text_key"))
        if sessions:
            conn.execute(text("DROP TABLE page_sessions"))
        for table, column in columns:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))


@pytest.mark.parametrize(
    ("columns", "sessions"),
    [
        pytest.param(ISSUE_14_COLUMNS, True, id="first-release"),
        pytest.param(ISSUE_14_COLUMNS[1:3], False, id="half-upgraded-by-the-old-start"),
    ],
)
def test_a_database_from_before_issue_14_gains_its_columns_and_text_keys(
    any_url: str, columns: tuple[tuple[str, str], ...], sessions: bool
) -> None:
    store = open_store(any_url)
    fill_every_table(store)
    drop_issue_14(store.engine, columns, sessions=sessions)
    kept = tuple(t for t in TABLES if t != "page_sessions" or not sessions)
    before = row_counts(store.engine, kept)
    store.engine.dispose()
    assert schema_status(make_engine(any_url)).recognised == "0001"

    again = open_store(any_url)
    try:
        assert_at_head_like_the_models(again.engine)
        assert row_counts(again.engine, kept) == before
        record = again.get_decision(1)
        assert record is not None and record.text_key == text_key(TECH) and not record.withdrawn
        assert record.comment == "맞음" and again.get_run(2) is not None
        again.open_session("s" * 64, "abcdef012345", datetime.now(UTC) + timedelta(hours=1))
        assert again.session_key("s" * 64) == "abcdef012345"
        assert again.withdraw_decision(1, "admin", "test").withdrawn
    finally:
        again.engine.dispose()


def test_a_revision_this_code_does_not_know_is_refused_and_left_unchanged(any_url: str) -> None:
    store = open_store(any_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_newer'"))
        conn.execute(text("ALTER TABLE decisions ADD COLUMN from_newer_code VARCHAR"))
    store.engine.dispose()
    for attempt in ("create_schema", "check_schema"):
        newer = SqlStore(make_engine(any_url))
        with pytest.raises(SchemaUnknown, match="0099_newer") as raised:
            getattr(newer, attempt)()
        assert raised.value.current == "0099_newer" and raised.value.head == head_revision()
        assert recorded_revision(newer.engine) == ["0099_newer"]
        assert "from_newer_code" in {c["name"] for c in inspect(newer.engine).get_columns("decisions")}
        newer.engine.dispose()


def test_tables_that_match_no_revision_are_refused_and_left_unchanged(any_url: str) -> None:
    engine = make_engine(any_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE decisions (id INTEGER PRIMARY KEY, item VARCHAR)"))
    with pytest.raises(SchemaUnknown, match="decisions"):
        SqlStore(engine).create_schema()
    assert inspect(engine).get_table_names() == ["decisions"]
    engine.dispose()


def test_with_upgrading_off_a_database_behind_is_refused_and_nothing_is_created(any_url: str) -> None:
    engine = make_engine(any_url)
    with pytest.raises(SchemaBehind) as empty:
        SqlStore(engine).check_schema()
    assert (empty.value.current, empty.value.head) == (None, head_revision())
    assert inspect(engine).get_table_names() == []

    SqlStore(engine).create_schema()
    drop_issue_14(engine, ISSUE_14_COLUMNS, sessions=True)
    with pytest.raises(SchemaBehind, match="0001") as behind:
        SqlStore(engine).check_schema()
    assert behind.value.current == "0001" and "alembic_version" not in inspect(engine).get_table_names()
    SqlStore(engine).create_schema()
    SqlStore(engine).check_schema()
    engine.dispose()


def test_tables_dropped_under_a_recorded_revision_are_made_again(any_url: str) -> None:
    """As `create_all` recreated missing tables: a known revision over none of the tables."""
    store = open_store(any_url)
    SQLModel.metadata.drop_all(store.engine)
    assert schema_status(store.engine).stale == head_revision()
    store.create_schema()
    assert_at_head_like_the_models(store.engine)
    store.engine.dispose()


WORKER = """
import json, pathlib, sys, time
from store.engine import make_engine
from store.migrate import upgrade_to_head
url, ready, go = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.005)
print(json.dumps({"changed": upgrade_to_head(make_engine(url)).changed}))
"""


@pytest.mark.parametrize("start", ["empty", "first-release"])
def test_workers_starting_together_migrate_once_and_none_fails(
    any_url: str, start: str, tmp_path: Path
) -> None:
    """Service workers are processes: each starts with its own migration, released together."""
    if start == "first-release":
        store = open_store(any_url)
        fill_every_table(store)
        drop_issue_14(store.engine, ISSUE_14_COLUMNS, sessions=True)
        store.engine.dispose()
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, any_url, str(tmp_path / f"ready{i}"), str(go)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WORKERS)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready*"))) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0] * WORKERS, [err[-2000:] for _out, err in outputs]
    assert sorted(json.loads(out)["changed"] for out, _err in outputs) == [False] * (WORKERS - 1) + [True]
    engine = make_engine(any_url)
    assert_at_head_like_the_models(engine)
    if start == "first-release":
        assert row_counts(engine, ("decisions", "companies")) == {"decisions": 1, "companies": 1}
    engine.dispose()


def run_db(*args: str) -> Result:
    return CliRunner().invoke(cli_app, ["db", *args], catch_exceptions=False)


def test_the_db_commands_show_and_upgrade_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INNOGROWTH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("INNOGROWTH_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'innogrowth.db'}"
    missing = run_db("current")
    assert missing.exit_code == 0 and "파일이 아직 없습니다" in missing.output
    assert f"head: {head_revision()}" in missing.output
    assert not (tmp_path / "innogrowth.db").exists()  # looking creates nothing

    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    legacy = run_db("current")
    assert legacy.exit_code == 0 and "마이그레이션 이전" in legacy.output, legacy.output

    upgraded = run_db("upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"revision {head_revision()}로 인식" in upgraded.output and "(head)" in upgraded.output
    again = run_db("upgrade")
    assert again.exit_code == 0 and "이미 최신입니다" in again.output
    current = run_db("current")
    assert current.exit_code == 0 and f"revision {head_revision()}" in current.output
    assert "at head" in current.output

    with make_engine(url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_newer'"))
    for command in ("current", "upgrade"):
        refused = run_db(command)
        assert refused.exit_code == 1 and "0099_newer" in refused.output
        assert "모르는 revision" in refused.output


def test_the_db_upgrade_command_fails_clearly_when_the_database_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INNOGROWTH_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    for command in ("upgrade", "current"):
        result = run_db(command)
        assert result.exit_code == 1 and "연결할 수 없" in result.output, result.output
        assert "secret" not in result.output and "***" in result.output
