"""After a catalog revision: which saved decisions point at items that changed."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.diff import CatalogDiff
from store.records import DecisionRecord


@dataclass(frozen=True)
class RecheckFinding:
    decision_id: int
    item_id: str
    change: str  # removed / renamed / redescribed / moved / recoded
    reviewer: str
    created_at: str


def _changes(diff: CatalogDiff) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in diff.removed:
        out.setdefault(item.id, []).append("removed")
    for kind, pairs in (
        ("renamed", diff.renamed),
        ("redescribed", diff.redescribed),
        ("moved", diff.moved),
        ("recoded", diff.recoded),
    ):
        for old, _ in pairs:
            out.setdefault(old.id, []).append(kind)
    return out


def decisions_to_recheck(decisions: list[DecisionRecord], diff: CatalogDiff) -> list[RecheckFinding]:
    """Decisions whose final item was removed, renamed, re-described, moved or re-coded."""
    changes = _changes(diff)
    return [
        RecheckFinding(
            d.id,
            d.final_item_id,
            ", ".join(changes[d.final_item_id]),
            d.reviewer,
            d.created_at.isoformat(timespec="seconds"),
        )
        for d in decisions
        if d.final_item_id in changes
    ]
