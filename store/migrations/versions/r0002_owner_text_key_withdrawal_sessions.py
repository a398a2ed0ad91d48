"""Issue 14: a run's owner name, a decision's agreement key (`text_key`, filled in for decisions
saved before it) and withdrawal, and page sessions.

Before the migrations, `store/schema_upgrade.py` added these at start, one column at a time; a
database it left half way is recognised as 0001 (`store/legacy_schema.py`), so every step here
adds only what is missing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from store.agreement import text_key
from store.records import TechnicalFields

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# (table, column, type, server default): NOT NULL with that default, or nullable where None
ADDED_COLUMNS: tuple[tuple[str, str, sa.types.TypeEngine[Any], str | None], ...] = (
    ("classification_runs", "created_by_name", sa.String(length=128), ""),
    ("decisions", "text_key", sa.String(length=64), ""),
    ("decisions", "withdrawn_at", sa.DateTime(timezone=True), None),
    ("decisions", "withdrawn_by", sa.String(length=128), ""),
    ("decisions", "withdraw_reason", sa.String(), ""),
)


def _columns(table: str) -> set[str]:
    return {str(c["name"]) for c in sa.inspect(op.get_bind()).get_columns(table)}


def _indexes(table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}


def _backfill_text_keys() -> None:
    """`text_key` of the decisions saved before it existed, from their company's technical text."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT d.id, c.ksic_code, c.industry_name, c.main_products, c.product_use, "
            "c.tech_business_name, c.st_code FROM decisions d JOIN companies c ON c.id = d.company_id "
            "WHERE d.text_key = ''"
        )
    ).all()
    for row in rows:
        key = text_key(TechnicalFields(*(str(v or "") for v in row[1:])))
        bind.execute(sa.text("UPDATE decisions SET text_key = :k WHERE id = :i"), {"k": key, "i": row[0]})


def upgrade() -> None:
    for table, column, type_, default in ADDED_COLUMNS:
        if column not in _columns(table):
            op.add_column(table, sa.Column(column, type_, nullable=default is None, server_default=default))
    if "ix_decisions_text_key" not in _indexes("decisions"):
        op.create_index("ix_decisions_text_key", "decisions", ["text_key"])
    if not sa.inspect(op.get_bind()).has_table("page_sessions"):
        op.create_table(
            "page_sessions",
            sa.Column("id_hash", sa.String(length=64), nullable=False),
            sa.Column("key_id", sa.String(length=32), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id_hash"),
        )
    present = _indexes("page_sessions")
    for column in ("key_id", "expires_at"):
        if f"ix_page_sessions_{column}" not in present:
            op.create_index(f"ix_page_sessions_{column}", "page_sessions", [column])
    _backfill_text_keys()


def downgrade() -> None:
    op.drop_table("page_sessions")
    op.drop_index("ix_decisions_text_key", table_name="decisions")
    for table, column, _type, _default in reversed(ADDED_COLUMNS):
        op.drop_column(table, column)
