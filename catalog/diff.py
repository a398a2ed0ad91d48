"""Differences between two catalog revisions, keyed on the stable provisional ids."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.model import Catalog, Item


@dataclass
class CatalogDiff:
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    renamed: list[tuple[Item, Item]] = field(default_factory=list)
    redescribed: list[tuple[Item, Item]] = field(default_factory=list)
    moved: list[tuple[Item, Item]] = field(default_factory=list)
    recoded: list[tuple[Item, Item]] = field(default_factory=list)

    @property
    def changed_item_ids(self) -> set[str]:
        pairs = self.renamed + self.redescribed + self.moved + self.recoded
        return {i.id for i in self.removed} | {old.id for old, _ in pairs}

    @property
    def is_empty(self) -> bool:
        return not (
            self.added or self.removed or self.renamed or self.redescribed or self.moved or self.recoded
        )


def _text(item: Item) -> list[str]:
    return [f"{ln.kind}:{ln.text}" for ln in item.described_lines()] + [
        f"vocabulary:{w}" for w in item.vocabulary
    ]


def diff_catalogs(old: Catalog, new: Catalog) -> CatalogDiff:
    out = CatalogDiff()
    old_items, new_items = old.item_by_id, new.item_by_id
    out.added = [new_items[i] for i in new_items if i not in old_items]
    out.removed = [old_items[i] for i in old_items if i not in new_items]
    for item_id, before in old_items.items():
        after = new_items.get(item_id)
        if after is None:
            continue
        if before.name != after.name:
            out.renamed.append((before, after))
        if _text(before) != _text(after):
            out.redescribed.append((before, after))
        if (before.field_id, before.theme_id) != (after.field_id, after.theme_id):
            out.moved.append((before, after))
        if before.official_code != after.official_code:
            out.recoded.append((before, after))
    return out
