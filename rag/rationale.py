"""Extractive rationale (offline, deterministic): cited catalog lines, nearest past judgments,
contributing keywords, rendered with the versioned templates in `prompts/<version>/`."""

from __future__ import annotations

from catalog.judgments import Judgment
from catalog.model import Catalog, Item
from prompts import load_prompt
from rag.result import Evidence, Keyword

MAX_LINES = 2
MAX_JUDGMENTS = 2
MAX_LINE_CHARS = 120


def line_evidence_id(item_id: str, line_no: int) -> str:
    return f"{item_id}#L{line_no}"


def supporting_lines(
    item: Item, wanted: set[str], line_terms: list[set[str]], closest_line: int | None = None
) -> list[Evidence]:
    """The catalog line closest in meaning to the company text (`closest_line`, from the line
    vectors), then the lines sharing the most input words (examples break ties); the first
    definition line when there is neither. `line_terms[n-1]` are the terms of line n."""
    scored = []
    for n, (line, terms) in enumerate(zip(item.described_lines(), line_terms, strict=True), 1):
        overlap = len(terms & wanted)
        scored.append((overlap + (0.1 if line.kind == "example" else 0.0), n, line.text))
    ranked = sorted((s for s in scored if s[0] >= 1), key=lambda s: (-s[0], s[1]))
    if closest_line is not None and 1 <= closest_line <= len(scored):
        closest = scored[closest_line - 1]
        ranked = [closest, *(s for s in ranked if s[1] != closest_line)]
    hits = ranked[:MAX_LINES]
    if not hits and scored:
        hits = [scored[0]]
    return [
        Evidence(line_evidence_id(item.id, n), "catalog", item.id, text, line=n, similarity=round(score, 3))
        for score, n, text in hits
    ]


def supporting_judgments(item_id: str, neighbours: list[tuple[Judgment, float]]) -> list[Evidence]:
    out = []
    for j, sim in neighbours:
        if j.item_id == item_id or item_id in j.alternates:
            text = " / ".join(x for x in (j.main_products, j.industry_name) if x)
            out.append(Evidence(f"J:{j.id}", "judgment", item_id, text, similarity=round(sim, 3)))
        if len(out) >= MAX_JUDGMENTS:
            break
    return out


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 1] + "…"


def render_rationale(
    catalog: Catalog,
    item: Item,
    keywords: list[Keyword],
    lines: list[Evidence],
    judgments: list[Evidence],
    prompt_version: str,
) -> str:
    theme, field, _ = catalog.path_of(item)
    if keywords:
        kw = ", ".join(f"'{k.word}'" for k in keywords[:3])
        keyword_sentence = load_prompt(prompt_version, "extractive_keywords.txt").strip("\n")
        keyword_sentence = keyword_sentence.format(keywords=kw)
    else:
        keyword_sentence = load_prompt(prompt_version, "extractive_no_keywords.txt").strip("\n")
    line_sentence = ""
    if lines:
        line_sentence = (
            load_prompt(prompt_version, "extractive_line.txt")
            .strip()
            .format(line_text=_clip(lines[0].text), line_id=lines[0].id)
        )
    judgment_sentence = ""
    if judgments:
        judgment_sentence = (
            load_prompt(prompt_version, "extractive_judgments.txt")
            .rstrip("\n")
            .format(judgment_ids=", ".join(j.id for j in judgments))
        )
    return (
        load_prompt(prompt_version, "extractive_rationale.txt")
        .strip()
        .format(
            item_name=item.name,
            item_code=item.display_code,
            theme_name=theme.name,
            field_name=field.display_name,
            keyword_sentence=keyword_sentence,
            line_sentence=line_sentence,
            judgment_sentence=judgment_sentence,
        )
    )
