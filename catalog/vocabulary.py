"""Carrying the item vocabulary (`Item.vocabulary`) into a catalog revision that has none.

The customer delivers a new revision as its own text; the vocabulary is the product's addition
(catalog/data/PROVENANCE.md), so a new revision file arrives without it. `carry_vocabulary` gives
each item of the revision that has no vocabulary the one of the same item in an earlier catalog:
matched by provisional id, else by exact name (an item renumbered but not renamed). Items that keep
a vocabulary of their own keep it; items with no match (new in the revision) are listed, so that a
maintainer can write theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.loader import dump_catalog, parse_catalog
from catalog.model import Catalog


@dataclass
class VocabularyCarry:
    catalog: Catalog
    carried: list[str] = field(default_factory=list)  # item ids given the earlier vocabulary
    kept: list[str] = field(default_factory=list)  # item ids that had a vocabulary of their own
    missing: list[str] = field(default_factory=list)  # item ids with no vocabulary after all


def carry_vocabulary(revision: Catalog, earlier: Catalog, *, revision_label: str) -> VocabularyCarry:
    by_id = {i.id: i.vocabulary for i in earlier.items if i.vocabulary}
    by_name = {i.name: i.vocabulary for i in earlier.items if i.vocabulary}
    raw = dump_catalog(revision)
    out = VocabularyCarry(revision)
    for item in raw["items"]:
        if item.get("vocabulary"):
            out.kept.append(item["id"])
            continue
        words = by_id.get(item["id"]) or by_name.get(item["name"])
        if words:
            item["vocabulary"] = list(words)
            out.carried.append(item["id"])
        else:
            out.missing.append(item["id"])
    if out.carried:
        raw["version"] = f"{revision.version}-{revision_label}"
        out.catalog = parse_catalog(raw, expect_counts=False)
    return out
