"""Passage texts embedded for catalog items and past judgments."""

from __future__ import annotations

from catalog.judgments import Judgment
from catalog.model import Catalog, Item
from rag.company import CompanyRecord


def item_passage(catalog: Catalog, item: Item) -> str:
    theme, field, _ = catalog.path_of(item)
    body = " ".join(ln.text for ln in item.described_lines() if ln.kind != "note")
    return f"{theme.name} > {field.name} > {item.name}. {body}"


def item_name_passage(catalog: Catalog, item: Item) -> str:
    """The item name alone (with its field): matches short company texts best."""
    _, field, _ = catalog.path_of(item)
    return f"{item.name} ({field.name})"


def item_lexical_text(catalog: Catalog, item: Item) -> str:
    """Text for BM25: the item name counts twice so that name words weigh more."""
    _, field, _ = catalog.path_of(item)
    body = " ".join(ln.text for ln in item.described_lines())
    return f"{item.name} {item.name} {field.name} {body}"


def judgment_passage(j: Judgment) -> str:
    return CompanyRecord.from_judgment(j).full_text()
