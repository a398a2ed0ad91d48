"""The store's schema: the Alembic revisions in `store/migrations`, run to head.

`upgrade_to_head` runs in one transaction under a lock, so two workers starting together never
both migrate: PostgreSQL takes a transaction-level advisory lock first, SQLite its write lock
(`BEGIN IMMEDIATE`; both DDL and data are transactional there). Under the lock it reads the
database's revision; a database made before the migrations (tables, no `alembic_version`) is
recognised (`store/legacy_schema.py`) and stamped with the revision its tables match. Then it runs
what is missing; a worker that waited for the lock finds head and does nothing. A revision this
code does not know (newer code wrote it) is refused, never altered. A known revision recorded
over none of the store's tables (all dropped) starts again from the first revision, as
`create_all` used to recreate missing tables.

No alembic.ini: the configuration is built here and the caller's connection is handed to
`migrations/env.py`; the URL comes from the caller's engine.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from store.legacy_schema import NotRecognised, has_store_tables, recognised_revision
from store.repository import SchemaBehind, SchemaUnknown

logger = logging.getLogger("innogrowth.store")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
ADVISORY_LOCK_KEY = 0x1E0_6A0E_5C4E  # PostgreSQL advisory lock id of the store's migrations
LOCK_WAIT_S = 60
"""How long a worker waits for another one's migration (or for the tables it alters)."""
_IN_PROCESS = threading.Lock()
"""Alembic's `op` and `context` are process globals: one migration at a time per process, whatever
the database (the database's own lock keeps other processes out)."""


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    """The revision recorded in the database (`alembic_version`); None where there is none."""
    recognised: str | None
    """A database from before the migrations: the revision its tables match (not yet stamped)."""
    head: str
    stale: str | None = None
    """A known revision recorded over none of the store's tables (they were dropped): nothing to
    keep, so the database counts as empty and is migrated from the start."""

    @property
    def revision(self) -> str | None:
        return self.current or self.recognised

    @property
    def at_head(self) -> bool:
        return self.revision == self.head


@dataclass(frozen=True)
class UpgradeReport:
    before: SchemaStatus
    after: str

    @property
    def changed(self) -> bool:
        return self.before.current != self.after


@cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "store/migrations/versions has no revision"
    return head


def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in script_directory().walk_revisions())


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = conn
    return config


def read_status(conn: Connection) -> SchemaStatus:
    """The database's revision; SchemaUnknown where this code cannot tell or does not know it."""
    head = head_revision()
    heads = MigrationContext.configure(conn).get_current_heads()
    if len(heads) > 1 or (heads and heads[0] not in known_revisions()):
        shown = ", ".join(heads)
        raise SchemaUnknown(
            f"데이터베이스의 스키마 revision({shown})은 이 코드가 모르는 revision입니다: 더 새로운 "
            f"코드가 만든 데이터베이스입니다 (이 코드의 head: {head}). 데이터베이스는 바꾸지 않았습니다.",
            current=shown,
            head=head,
        )
    if heads:
        if not has_store_tables(conn):
            return SchemaStatus(None, None, head, stale=heads[0])
        return SchemaStatus(heads[0], None, head)
    try:
        return SchemaStatus(None, recognised_revision(conn), head)
    except NotRecognised as exc:
        raise SchemaUnknown(
            f"데이터베이스의 표가 이 코드의 어느 revision과도 맞지 않습니다 ({exc}). "
            "데이터베이스는 바꾸지 않았습니다.",
            current=None,
            head=head,
        ) from exc


def schema_status(engine: Engine) -> SchemaStatus:
    """Read only: the database's revision and this code's head."""
    with engine.connect() as conn:
        return read_status(conn)


def require_head(engine: Engine) -> SchemaStatus:
    """Change nothing; SchemaBehind unless the database is at head (SchemaUnknown, see above)."""
    status = schema_status(engine)
    if not status.at_head:
        shown = status.revision or "없음(빈 데이터베이스)"
        raise SchemaBehind(
            f"데이터베이스 스키마가 최신이 아닙니다: revision {shown}, 이 코드에 필요한 revision "
            f"{status.head}.",
            current=status.revision,
            head=status.head,
        )
    return status


@contextmanager
def _sqlite_write_lock(conn: Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE: the write lock before anything is read; pysqlite would otherwise run the
    DDL outside any transaction. Waits up to LOCK_WAIT_S for another writer."""
    raw = conn.connection.driver_connection
    assert raw is not None
    saved_level = raw.isolation_level
    saved_timeout = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
    conn.rollback()
    raw.isolation_level = None  # pysqlite begins no transaction itself: BEGIN below is ours
    try:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {LOCK_WAIT_S * 1000}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {saved_timeout}")
        conn.commit()
        raw.isolation_level = saved_level


@contextmanager
def _locked_transaction(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction, committed at the end, held by one worker at a time."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            with _sqlite_write_lock(conn):
                yield conn
            return
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT_S}s'")
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        yield conn
        conn.commit()


def upgrade_to_head(engine: Engine) -> UpgradeReport:
    """Stamp a database from before the migrations, then run the revisions it lacks (none at
    head); SchemaUnknown for one this code does not know. Keeps every row."""
    with _IN_PROCESS, _locked_transaction(engine) as conn:
        before = read_status(conn)
        if before.recognised is not None or before.stale is not None:
            MigrationContext.configure(conn).stamp(script_directory(), before.recognised or "base")
        if not before.at_head:
            command.upgrade(_config(conn), "head")
    report = UpgradeReport(before, before.head)
    if report.changed:
        logger.info(
            "database schema upgraded",
            extra={
                "event": "schema_upgraded",
                "from_revision": before.current,
                "recognised_as": before.recognised,
                "stale_revision": before.stale,
                "to_revision": report.after,
            },
        )
    return report
