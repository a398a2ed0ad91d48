"""Saved reviewer decisions as past judgments (ids `D<decision id>`), for the live classifier and
for `innogrowth index build`, which folds them into a rebuild."""

from __future__ import annotations

from api.store.factory import open_settings_store, sqlite_file_missing
from api.store.records import DecisionRecord
from api.store.repository import DecisionRepository
from catalog.judgments import NONE_LABEL, Judgment
from catalog.loader import load_catalog
from catalog.model import Catalog
from innogrowth.settings import Settings

DECISION_SOURCE = "reviewer_decision"


def judgment_id(decision_id: int) -> str:
    return f"D{decision_id}"


def decision_as_judgment(record: DecisionRecord) -> Judgment:
    c = record.company
    return Judgment(
        id=judgment_id(record.id),
        ksic_code=c.ksic_code,
        industry_name=c.industry_name,
        main_products=c.main_products,
        product_use=c.product_use,
        tech_business_name=c.tech_business_name,
        st_code=c.st_code,
        item_id=record.final_item_id,
        date=record.created_at.date().isoformat(),
        agreement=record.action,
        source=DECISION_SOURCE,
    )


def judgments_from(repository: DecisionRepository, catalog: Catalog) -> list[Judgment]:
    """Every saved decision whose final item still exists in `catalog` (or is NONE)."""
    out = []
    for record in repository.all_decisions():
        if record.final_item_id == NONE_LABEL or record.final_item_id in catalog.item_by_id:
            out.append(decision_as_judgment(record))
    return out


def decisions_as_judgments(settings: Settings) -> list[Judgment]:
    url = settings.resolved_database_url()
    if sqlite_file_missing(url):
        return []
    catalog = load_catalog(settings.resolved_catalog_path(), expect_counts=False)
    store = open_settings_store(settings)
    try:
        return judgments_from(store, catalog)
    finally:
        store.engine.dispose()
