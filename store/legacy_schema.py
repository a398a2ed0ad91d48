"""Databases made before the migrations (tables from `create_all`, no `alembic_version`): which
revision their tables match, so that they are stamped there and upgraded, keeping every row.

Only the revisions before Alembic need this (0001, 0002): every database since records its
revision. A database the old start-time upgrade (`schema_upgrade.py`, removed) left half way has
some of 0002's columns; it counts as 0001, and 0002 adds only what is missing.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

_TECHNICAL = frozenset(
    {"ksic_code", "industry_name", "main_products", "product_use", "tech_business_name", "st_code"}
)
_VERSIONS = frozenset({"catalog_version", "build_id", "embedder", "prompt_version", "llm_model"})

FIRST_RELEASE: dict[str, frozenset[str]] = {
    "classification_runs": _TECHNICAL
    | _VERSIONS
    | {"id", "created_at", "created_by_key", "reference_date", "result_json", "decision"}
    | {"top_item_id", "degraded", "ranker", "timings_json"},
    "companies": _TECHNICAL | {"id", "created_at", "company_name", "business_number", "representative_name"},
    "decisions": _VERSIONS
    | {"id", "run_id", "company_id", "final_item_id", "action", "reviewer", "reviewer_key"}
    | {"comment", "created_at"},
    "api_keys": frozenset(
        {"id", "key_id", "name", "role", "salt", "secret_hash", "created_at", "revoked_at"}
    ),
    "service_secrets": frozenset({"name", "value"}),
}
"""Revision 0001: every table and its columns."""

ISSUE_14: dict[str, frozenset[str]] = {
    "classification_runs": frozenset({"created_by_name"}),
    "decisions": frozenset({"text_key", "withdrawn_at", "withdrawn_by", "withdraw_reason"}),
    "page_sessions": frozenset({"id_hash", "key_id", "created_at", "expires_at", "revoked_at"}),
}
"""Revision 0002: what it adds (columns, and the table page_sessions)."""

ISSUE_14_INDEXES: dict[str, frozenset[str]] = {
    "decisions": frozenset({"ix_decisions_text_key"}),
    "page_sessions": frozenset({"ix_page_sessions_key_id", "ix_page_sessions_expires_at"}),
}


class NotRecognised(ValueError):
    """Some of the store's tables exist, but not the first release's tables and columns."""


def _incomplete(conn: Connection, wanted: dict[str, frozenset[str]], tables: set[str]) -> list[str]:
    """The tables of `wanted` that are missing or lack some of its columns."""
    inspector = inspect(conn)
    return [
        table
        for table, columns in wanted.items()
        if table not in tables or not columns <= {str(c["name"]) for c in inspector.get_columns(table)}
    ]


STORE_TABLES = frozenset(FIRST_RELEASE) | frozenset(ISSUE_14)
"""Every table of revisions 0001 and 0002."""


def has_store_tables(conn: Connection) -> bool:
    return bool(STORE_TABLES & set(inspect(conn).get_table_names()))


def recognised_revision(conn: Connection) -> str | None:
    """The revision a database without `alembic_version` matches: None when it has none of the
    store's tables (empty), else "0001" or "0002"; NotRecognised otherwise."""
    tables = set(inspect(conn).get_table_names())
    if not tables & STORE_TABLES:
        return None
    if bad := _incomplete(conn, FIRST_RELEASE, tables):
        raise NotRecognised(f"missing or incomplete tables: {', '.join(bad)}")
    if _incomplete(conn, ISSUE_14, tables):
        return "0001"
    inspector = inspect(conn)
    for table, names in ISSUE_14_INDEXES.items():
        if not names <= {str(i["name"]) for i in inspector.get_indexes(table)}:
            return "0001"
    return "0002"
