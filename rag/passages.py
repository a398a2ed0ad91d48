"""Passage texts embedded for catalog items and past judgments."""

from __future__ import annotations

from catalog.judgments import Judgment
from catalog.model import Catalog, Item
from rag.company import CompanyRecord

# the line number of an item's vocabulary passage among its line passages: no catalog line has it,
# so it is never cited (`rag.rationale.supporting_lines` cites lines 1…n)
VOCABULARY_LINE = 0


def item_passage(catalog: Catalog, item: Item) -> str:
    theme, field, _ = catalog.path_of(item)
    body = " ".join(ln.text for ln in item.described_lines() if ln.kind != "note")
    vocabulary = f" {', '.join(item.vocabulary)}" if item.vocabulary else ""
    return f"{theme.name} > {field.name} > {item.name}. {body}{vocabulary}"


def item_line_passages(catalog: Catalog, item: Item) -> list[tuple[int, str]]:
    """Each definition, detail and example line as its own passage, with the item's name and field
    (reviewers read an item line by line; a company describing one function matches one line).
    Returns (line number in `described_lines`, 1-based, as cited `IG012#L3`; passage text)."""
    _, field, _ = catalog.path_of(item)
    return [
        (n, f"{item.name} ({field.name}): {ln.text}")
        for n, ln in enumerate(item.described_lines(), 1)
        if ln.kind != "note" and ln.text.strip()
    ]


def item_vocabulary_passage(catalog: Catalog, item: Item) -> str | None:
    """The item's vocabulary (`Item.vocabulary`) as one passage with its name and field: a company
    that names its product by device type, component or standard matches it. None without one."""
    if not item.vocabulary:
        return None
    _, field, _ = catalog.path_of(item)
    return f"{item.name} ({field.name}): {', '.join(item.vocabulary)}"


def item_name_passage(catalog: Catalog, item: Item) -> str:
    """The item name alone (with its field): matches short company texts best."""
    _, field, _ = catalog.path_of(item)
    return f"{item.name} ({field.name})"


def item_lexical_text(catalog: Catalog, item: Item) -> str:
    """Text for BM25: the item name counts twice so that name words weigh more; its vocabulary
    (the applicants' words its text lacks) is searched like its text."""
    _, field, _ = catalog.path_of(item)
    body = " ".join(ln.text for ln in item.described_lines())
    return f"{item.name} {item.name} {field.name} {body} {' '.join(item.vocabulary)}".rstrip()


def judgment_passage(j: Judgment) -> str:
    return CompanyRecord.from_judgment(j).full_text()
