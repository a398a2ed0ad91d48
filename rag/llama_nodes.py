"""Catalog items, lines and past judgments as cited passages, and those as llama-index nodes.

A passage's id is the citation id the product shows: `IG012` (an item), `IG012#L3` (line 3 of
`IG012`, `rag.rationale.line_evidence_id`), `J:V7643` (a past judgment, as in its evidence).
Its metadata (item, field, theme, line kind, line number or judgment weight, source) travel with
the node but are left out of the text that is embedded. llama-index is imported only by
`text_nodes`, never by importing this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from catalog.judgments import Judgment
from catalog.model import Catalog
from rag.embedder import Vectors
from rag.passages import (
    VOCABULARY_LINE,
    item_line_passages,
    item_name_passage,
    item_passage,
    item_vocabulary_passage,
    judgment_passage,
)
from rag.rationale import line_evidence_id

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

MetaValue = str | int | float


@dataclass(frozen=True)
class CitedPassage:
    """An embedded text under its citation id, with what it is about (`metadata`)."""

    id: str
    text: str
    metadata: dict[str, MetaValue] = field(default_factory=dict)


def judgment_citation_id(judgment_id: str) -> str:
    return f"J:{judgment_id}"


def _item_meta(catalog: Catalog, item_id: str) -> dict[str, MetaValue]:
    item = catalog.item_by_id.get(item_id)
    if item is None:  # NONE, or an item this catalog no longer holds
        return {"item_id": item_id, "field_id": "", "theme_id": ""}
    return {"item_id": item.id, "field_id": item.field_id, "theme_id": item.theme_id}


def item_passages(catalog: Catalog) -> list[CitedPassage]:
    """One passage per item (`rag.passages.item_passage`), in catalog order."""
    return [
        CitedPassage(
            i.id, item_passage(catalog, i), {**_item_meta(catalog, i.id), "kind": "item", "source": "catalog"}
        )
        for i in catalog.items
    ]


def item_name_passages(catalog: Catalog) -> list[CitedPassage]:
    """The item name with its field, one per item, in catalog order (cited as the item)."""
    return [
        CitedPassage(
            i.id,
            item_name_passage(catalog, i),
            {**_item_meta(catalog, i.id), "kind": "name", "source": "catalog"},
        )
        for i in catalog.items
    ]


def line_passages(catalog: Catalog) -> list[CitedPassage]:
    """Each definition, detail and example line of each item (`rag.passages.item_line_passages`),
    cited `IG012#L3`, with its line kind and number; then the item's vocabulary passage
    (`rag.passages.item_vocabulary_passage`) as line 0, `IG012#V`: it scores the item like a
    line, but no rationale cites it, since it is not the customer's catalog text."""
    out = []
    for item in catalog.items:
        lines = item.described_lines()
        for n, text in item_line_passages(catalog, item):
            meta: dict[str, MetaValue] = {
                **_item_meta(catalog, item.id),
                "kind": lines[n - 1].kind,
                "line": n,
            }
            out.append(CitedPassage(line_evidence_id(item.id, n), text, {**meta, "source": "catalog"}))
        vocabulary = item_vocabulary_passage(catalog, item)
        if vocabulary is not None:
            meta = {**_item_meta(catalog, item.id), "kind": "vocabulary", "line": VOCABULARY_LINE}
            out.append(CitedPassage(f"{item.id}#V", vocabulary, {**meta, "source": "vocabulary"}))
    return out


def judgment_passages(judgments: Sequence[Judgment], catalog: Catalog) -> list[CitedPassage]:
    """One passage per past judgment (`rag.passages.judgment_passage`), cited `J:<id>`."""
    return [
        CitedPassage(
            judgment_citation_id(j.id),
            judgment_passage(j),
            {
                **_item_meta(catalog, j.item_id),
                "kind": "judgment",
                "weight": float(j.weight),
                "source": "judgment",
                "origin": j.source,
            },
        )
        for j in judgments
    ]


def text_nodes(passages: Sequence[CitedPassage], vectors: Vectors) -> list[TextNode]:
    """llama-index nodes: id = citation id, the passage's vector, metadata kept out of embedding
    and LLM text (only the passage text was embedded)."""
    from llama_index.core.schema import TextNode

    if len(passages) != len(vectors):
        raise ValueError(f"{len(passages)} passages but {len(vectors)} vectors")
    nodes = []
    for p, v in zip(passages, vectors, strict=True):
        keys = list(p.metadata)
        nodes.append(
            TextNode(
                id_=p.id,
                text=p.text,
                metadata=dict(p.metadata),
                excluded_embed_metadata_keys=keys,
                excluded_llm_metadata_keys=keys,
                embedding=[float(x) for x in v],
            )
        )
    return nodes
