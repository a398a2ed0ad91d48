"""Columns added after the first release, added at start to a database made by older code.

The project has no migrations yet: `create_all` creates missing tables but never alters one. So a
database created before these columns existed gets them here, once, explicitly: each entry of
`ADDED_COLUMNS` is `ALTER TABLE … ADD COLUMN` with its default when the column is missing (SQLite
and PostgreSQL), then the indexes the models declare on them are created if missing, then
`decisions.text_key` is filled in for the rows saved before it existed. Every step checks first,
so running it again (or from two workers at once) changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from store.agreement import text_key
from store.records import TechnicalFields

logger = logging.getLogger("innogrowth.store")


@dataclass(frozen=True)
class AddedColumn:
    table: str
    column: str
    default_sql: str | None  # None: nullable, no default


ADDED_COLUMNS: tuple[AddedColumn, ...] = (
    AddedColumn("classification_runs", "created_by_name", "''"),
    AddedColumn("decisions", "text_key", "''"),
    AddedColumn("decisions", "withdrawn_at", None),
    AddedColumn("decisions", "withdrawn_by", "''"),
    AddedColumn("decisions", "withdraw_reason", "''"),
)


def _existing_columns(conn: Connection, table: str) -> set[str]:
    return {str(c["name"]) for c in inspect(conn).get_columns(table)}


def _add_column(conn: Connection, added: AddedColumn) -> None:
    column = SQLModel.metadata.tables[added.table].c[added.column]
    ddl_type = column.type.compile(dialect=conn.dialect)
    sql = f"ALTER TABLE {added.table} ADD COLUMN {added.column} {ddl_type}"
    if added.default_sql is not None:
        sql += f" NOT NULL DEFAULT {added.default_sql}"
    conn.execute(text(sql))


def _backfill_text_keys(conn: Connection) -> int:
    rows = conn.execute(
        text(
            "SELECT d.id, c.ksic_code, c.industry_name, c.main_products, c.product_use, "
            "c.tech_business_name, c.st_code FROM decisions d JOIN companies c ON c.id = d.company_id "
            "WHERE d.text_key = ''"
        )
    ).all()
    for row in rows:
        key = text_key(TechnicalFields(*(str(v or "") for v in row[1:])))
        conn.execute(text("UPDATE decisions SET text_key = :k WHERE id = :i"), {"k": key, "i": row[0]})
    return len(rows)


def upgrade_schema(engine: Engine) -> list[str]:
    """Add what a database made by older code lacks; returns what was done (for the log)."""
    done: list[str] = []
    for added in ADDED_COLUMNS:
        with engine.connect() as conn:
            if added.column in _existing_columns(conn, added.table):
                continue
        try:
            with engine.begin() as conn:
                _add_column(conn, added)
        except DBAPIError:
            # another worker may have added it in the meantime: fine if it is there now
            with engine.connect() as conn:
                if added.column not in _existing_columns(conn, added.table):
                    raise
            continue
        done.append(f"added column {added.table}.{added.column}")
    with engine.begin() as conn:
        for added in ADDED_COLUMNS:
            for index in SQLModel.metadata.tables[added.table].indexes:
                if added.column in index.columns:
                    index.create(conn, checkfirst=True)
        filled = _backfill_text_keys(conn)
    if filled:
        done.append(f"filled decisions.text_key for {filled} rows")
    if done:
        logger.info("database schema upgraded", extra={"event": "schema_upgraded", "steps": done})
    return done
