"""Saved reviewer decisions as past judgments (ids `D<decision id>`), for the live classifier and
for `innogrowth index build`, which folds them into a rebuild.

Each counts with its agreement weight (`store/agreement.py`, base `INNOGROWTH_DECISION_WEIGHT`);
withdrawn decisions are left out of both.
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.judgments import NONE_LABEL, Judgment
from catalog.model import Catalog
from store.agreement import DEFAULT_BASE_WEIGHT, Vote, Weighting, weigh
from store.factory import open_store, sqlite_file_missing
from store.records import DecisionRecord
from store.repository import DecisionRepository

DECISION_SOURCE = "reviewer_decision"


def judgment_id(decision_id: int) -> str:
    return f"D{decision_id}"


def vote_of(record: DecisionRecord) -> Vote:
    return Vote(
        decision_id=record.id,
        text_key=record.text_key,
        final_item_id=record.final_item_id,
        reviewer=record.reviewer,
        reviewer_key=record.reviewer_key,
        withdrawn_at=record.withdrawn_at,
    )


def weights_of(records: Iterable[DecisionRecord], base: float = DEFAULT_BASE_WEIGHT) -> dict[int, Weighting]:
    """The agreement weight of each record; `records` must hold every decision sharing their texts."""
    return weigh((vote_of(r) for r in records), base)


def agreement_weights(
    repository: DecisionRepository, records: list[DecisionRecord], base: float = DEFAULT_BASE_WEIGHT
) -> dict[int, Weighting]:
    """The agreement weight of each of `records` (e.g. one page of a list), from every decision
    on the same technical texts."""
    group = repository.decisions_sharing_text({r.text_key for r in records})
    weights = weights_of([*group, *(r for r in records if not r.text_key)], base)
    return {r.id: weights.get(r.id, Weighting(0.0, 0)) for r in records}


def decision_as_judgment(record: DecisionRecord, weight: float = 1.0) -> Judgment:
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
        weight=weight,
    )


def _listed(catalog: Catalog, item_id: str) -> bool:
    return item_id == NONE_LABEL or item_id in catalog.item_by_id


def weighted_judgments(
    records: list[DecisionRecord], base: float = DEFAULT_BASE_WEIGHT, catalog: Catalog | None = None
) -> list[Judgment]:
    """The records that count (not withdrawn; item still in `catalog`, or NONE) as judgments with
    their agreement weights."""
    weights = weights_of(records, base)
    out = []
    for record in records:
        if record.withdrawn:
            continue
        if catalog is not None and not _listed(catalog, record.final_item_id):
            continue
        out.append(decision_as_judgment(record, weights[record.id].weight))
    return out


def judgments_from(
    repository: DecisionRepository, catalog: Catalog, base: float = DEFAULT_BASE_WEIGHT
) -> list[Judgment]:
    """Every saved decision that counts for `catalog`, weighted by reviewer agreement."""
    return weighted_judgments(repository.all_decisions(), base, catalog)


def decisions_as_judgments(
    database_url: str, catalog: Catalog, base: float = DEFAULT_BASE_WEIGHT, *, upgrade: bool = True
) -> list[Judgment]:
    """The decisions of the database at `database_url` as judgments (none when a SQLite file
    does not exist yet: nothing has ever been saved)."""
    if sqlite_file_missing(database_url):
        return []
    store = open_store(database_url, upgrade=upgrade)
    try:
        return judgments_from(store, catalog, base)
    finally:
        store.engine.dispose()
