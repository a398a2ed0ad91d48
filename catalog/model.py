"""Typed catalog: Theme → Field → Item, keyed on stable provisional ids."""

from __future__ import annotations

from functools import cached_property

from pydantic import BaseModel, ConfigDict


class Line(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str
    text: str


class Coded(BaseModel):
    """A theme, field or item: a stable provisional id and, where known, the official code."""

    model_config = ConfigDict(frozen=True)
    id: str
    official_code: str | None = None

    @property
    def display_code(self) -> str:
        return self.official_code or f"{self.id}(임시)"

    @property
    def code(self) -> str:
        """The official code when known, else the provisional id (unmarked; see `is_provisional`)."""
        return self.official_code or self.id

    @property
    def is_provisional(self) -> bool:
        return not self.official_code


class Theme(Coded):
    name: str


class Field(Coded):
    theme_id: str
    name: str
    name_status: str = "confirmed"

    @property
    def display_name(self) -> str:
        return self.name if self.name_status == "confirmed" else f"{self.name}(가칭)"


class Item(Coded):
    theme_id: str
    field_id: str
    name: str
    definition: list[str] = []
    details: list[str] = []
    examples: list[str] = []
    notes: list[str] = []
    lines: list[Line] = []
    # the words applicants use for the item's products that its text does not contain (device
    # types, components, standards, acronyms: 비콘, BLE, UWB for RTLS); the product's own
    # addition to the customer's text, searched but never cited as catalog text (PROVENANCE.md)
    vocabulary: list[str] = []

    def described_lines(self) -> list[Line]:
        """The item's text lines in source order (falls back to the typed lists)."""
        if self.lines:
            return list(self.lines)
        out = [Line(kind="paragraph", text=t) for t in self.definition]
        out += [Line(kind="bullet", text=t) for t in self.details]
        out += [Line(kind="example", text=t) for t in self.examples]
        out += [Line(kind="note", text=t) for t in self.notes]
        return out


class Catalog(BaseModel):
    """A whole catalog revision. `version_id` combines the revision label and a content hash."""

    model_config = ConfigDict(frozen=True)
    catalog: str = "혁신성장 공동기준"
    revision: str
    version: str
    themes: list[Theme]
    fields: list[Field]
    items: list[Item]
    content_hash: str = ""

    @property
    def version_id(self) -> str:
        return f"{self.version}+{self.content_hash[:12]}"

    @cached_property
    def theme_by_id(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    @cached_property
    def field_by_id(self) -> dict[str, Field]:
        return {f.id: f for f in self.fields}

    @cached_property
    def item_by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    @cached_property
    def item_by_code(self) -> dict[str, Item]:
        """Items by provisional id and, where known, by official code."""
        out = {i.id: i for i in self.items}
        out.update({i.official_code: i for i in self.items if i.official_code})
        return out

    def resolve_item(self, code: str) -> Item | None:
        return self.item_by_code.get(code.strip())

    def path_of(self, item: Item) -> tuple[Theme, Field, Item]:
        return self.theme_by_id[item.theme_id], self.field_by_id[item.field_id], item
