"""Database tables. Personal data (기업명, 사업자등록번호, 대표자명) lives only in `companies`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel

ADDED_LATER = {"server_default": ""}
"""Columns added to tables that already had rows (revision 0002) carry their default in the
database too, as the migration had to add them."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class ClassificationRun(SQLModel, table=True):
    """One classification: the six technical inputs, the full result and the versions used."""

    __tablename__ = "classification_runs"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utc_now, index=True)
    created_by_key: str = Field(default="", max_length=32)
    created_by_name: str = Field(default="", max_length=128, sa_column_kwargs=ADDED_LATER)
    reference_date: str = Field(max_length=10)
    ksic_code: str = Field(max_length=5)
    industry_name: str
    main_products: str
    product_use: str
    tech_business_name: str
    st_code: str = Field(max_length=6)
    result_json: str
    decision: str = Field(max_length=32)
    top_item_id: str | None = Field(default=None, max_length=16)
    degraded: bool = False
    catalog_version: str = Field(default="", max_length=128)
    build_id: str = Field(default="", max_length=128)
    embedder: str = Field(default="", max_length=256)
    ranker: str = Field(default="", max_length=128)
    prompt_version: str = Field(default="", max_length=64)
    llm_model: str = Field(default="", max_length=256)
    timings_json: str = "{}"


class Company(SQLModel, table=True):
    """The company as entered by the reviewer when a decision is saved."""

    __tablename__ = "companies"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utc_now)
    company_name: str = Field(index=True)
    business_number: str = Field(max_length=12, index=True)
    representative_name: str
    ksic_code: str = Field(max_length=5)
    industry_name: str
    main_products: str
    product_use: str
    tech_business_name: str
    st_code: str = Field(max_length=6)


class Decision(SQLModel, table=True):
    """The reviewer's final choice for one run: an item id or NONE (해당 없음)."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="classification_runs.id", unique=True)
    company_id: int = Field(foreign_key="companies.id", index=True)
    final_item_id: str = Field(max_length=16, index=True)
    action: str = Field(max_length=16, index=True)
    reviewer: str = Field(max_length=128, index=True)
    reviewer_key: str = Field(default="", max_length=32)
    comment: str = ""
    created_at: datetime = Field(default_factory=utc_now, index=True)
    catalog_version: str = Field(default="", max_length=128)
    build_id: str = Field(default="", max_length=128)
    embedder: str = Field(default="", max_length=256)
    prompt_version: str = Field(default="", max_length=64)
    llm_model: str = Field(default="", max_length=256)
    text_key: str = Field(default="", max_length=64, index=True, sa_column_kwargs=ADDED_LATER)
    withdrawn_at: datetime | None = None
    withdrawn_by: str = Field(default="", max_length=128, sa_column_kwargs=ADDED_LATER)
    withdraw_reason: str = Field(default="", sa_column_kwargs=ADDED_LATER)


class ApiKeyRow(SQLModel, table=True):
    """An API key: only a salted HMAC of its secret is kept."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    key_id: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=128)
    role: str = Field(max_length=16)
    salt: str = Field(max_length=64)
    secret_hash: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utc_now)
    revoked_at: datetime | None = None


class PageSession(SQLModel, table=True):
    """A logged-in page session; the cookie names it by a random id, stored here only hashed.
    Logout (or the key's revocation) ends it for good, whatever the cookie still says."""

    __tablename__ = "page_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    key_id: str = Field(max_length=32, index=True)
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime = Field(index=True)
    revoked_at: datetime | None = None


class ServiceSecret(SQLModel, table=True):
    """Secrets the service generates for itself (e.g. the session-cookie signing key)."""

    __tablename__ = "service_secrets"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)
