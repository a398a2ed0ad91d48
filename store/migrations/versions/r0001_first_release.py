"""The first release's schema: what `create_all` made before issue 14 (up to commit 4f7cb92).
Its datetimes are SQLModel's, time-zone aware: TIMESTAMP WITH TIME ZONE on PostgreSQL, DATETIME
(UTC) on SQLite.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _versions() -> list[sa.Column[str]]:
    """The version columns a run and a decision both record."""
    return [
        sa.Column("catalog_version", sa.String(length=128), nullable=False),
        sa.Column("build_id", sa.String(length=128), nullable=False),
        sa.Column("embedder", sa.String(length=256), nullable=False),
    ]


def _technical() -> list[sa.Column[str]]:
    """The six technical fields of a run and of a company."""
    return [
        sa.Column("ksic_code", sa.String(length=5), nullable=False),
        sa.Column("industry_name", sa.String(), nullable=False),
        sa.Column("main_products", sa.String(), nullable=False),
        sa.Column("product_use", sa.String(), nullable=False),
        sa.Column("tech_business_name", sa.String(), nullable=False),
        sa.Column("st_code", sa.String(length=6), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "classification_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_key", sa.String(length=32), nullable=False),
        sa.Column("reference_date", sa.String(length=10), nullable=False),
        *_technical(),
        sa.Column("result_json", sa.String(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("top_item_id", sa.String(length=16), nullable=True),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        *_versions(),
        sa.Column("ranker", sa.String(length=128), nullable=False),
        sa.Column("prompt_version", sa.String(length=64), nullable=False),
        sa.Column("llm_model", sa.String(length=256), nullable=False),
        sa.Column("timings_json", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_classification_runs_created_at", "classification_runs", ["created_at"])
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("company_name", sa.String(), nullable=False),
        sa.Column("business_number", sa.String(length=12), nullable=False),
        sa.Column("representative_name", sa.String(), nullable=False),
        *_technical(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_companies_company_name", "companies", ["company_name"])
    op.create_index("ix_companies_business_number", "companies", ["business_number"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_keys_key_id", "api_keys", ["key_id"], unique=True)
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("final_item_id", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("reviewer_key", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_versions(),
        sa.Column("prompt_version", sa.String(length=64), nullable=False),
        sa.Column("llm_model", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["classification_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id"),
    )
    for column in ("company_id", "final_item_id", "action", "reviewer", "created_at"):
        op.create_index(f"ix_decisions_{column}", "decisions", [column])


def downgrade() -> None:
    for table in ("decisions", "service_secrets", "api_keys", "companies", "classification_runs"):
        op.drop_table(table)
