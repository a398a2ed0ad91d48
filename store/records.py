"""Plain records the store hands out and takes in (no ORM objects leave the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from catalog.company_fields import TECHNICAL_FIELDS

DecisionAction = Literal["accepted", "changed", "none"]
Role = Literal["reviewer", "maintainer", "api"]


@dataclass(frozen=True)
class TechnicalFields:
    """A company's six technical fields (`catalog.company_fields.TECHNICAL_FIELDS`, in that order)."""

    ksic_code: str
    industry_name: str
    main_products: str
    product_use: str
    tech_business_name: str
    st_code: str

    @classmethod
    def of(cls, source: Any) -> TechnicalFields:
        """The fields read by name from anything that has them (a CompanyRecord, a table row)."""
        return cls(**{name: getattr(source, name) for name in TECHNICAL_FIELDS})

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in TECHNICAL_FIELDS)

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TECHNICAL_FIELDS}


@dataclass(frozen=True)
class PersonalFields:
    company_name: str
    business_number: str
    representative_name: str


@dataclass(frozen=True)
class RunVersions:
    catalog_version: str = ""
    build_id: str = ""
    embedder: str = ""
    ranker: str = ""
    prompt_version: str = ""
    llm_model: str = ""

    @classmethod
    def from_mapping(cls, versions: dict[str, str]) -> RunVersions:
        return cls(
            catalog_version=versions.get("catalog", ""),
            build_id=versions.get("build", ""),
            embedder=versions.get("embedder", ""),
            ranker=versions.get("ranker", ""),
            prompt_version=versions.get("prompt", ""),
            llm_model=versions.get("llm_model", ""),
        )


@dataclass(frozen=True)
class NewRun:
    reference_date: str
    company: TechnicalFields
    result_json: str
    decision: str
    top_item_id: str | None
    degraded: bool
    versions: RunVersions
    timings_json: str
    created_by_key: str = ""
    created_by_name: str = ""


@dataclass(frozen=True)
class RunRecord:
    id: int
    created_at: datetime
    reference_date: str
    company: TechnicalFields
    result_json: str
    decision: str
    top_item_id: str | None
    degraded: bool
    versions: RunVersions
    created_by_key: str = ""
    created_by_name: str = ""


@dataclass(frozen=True)
class NewDecision:
    run_id: int
    personal: PersonalFields
    final_item_id: str
    action: DecisionAction
    reviewer: str
    reviewer_key: str
    comment: str


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    run_id: int
    created_at: datetime
    final_item_id: str
    action: str
    reviewer: str
    comment: str
    personal: PersonalFields
    company: TechnicalFields
    reference_date: str
    run_decision: str
    run_top_item_id: str | None
    versions: RunVersions
    reviewer_key: str = ""
    text_key: str = ""
    withdrawn_at: datetime | None = None
    withdrawn_by: str = ""
    withdraw_reason: str = ""

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


@dataclass(frozen=True)
class DecisionFilter:
    item_id: str | None = None
    action: str | None = None
    reviewer: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None


@dataclass(frozen=True)
class DecisionPage:
    items: list[DecisionRecord]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    name: str
    role: Role
    salt: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    name: str
    role: Role
    salt: str
    secret_hash: str
