"""Extractive rationale (offline, deterministic): cited catalog lines, nearest past judgments,
contributing keywords, rendered with the versioned templates in `prompts/<version>/`.

The wording follows the item's standing: only the item answered 추천 (rank 1 of a 추천 result)
"부합합니다"; every other item is a 참고 후보 whose sentence says how likely it is and why it is not
recommended (`standing_of`). Probabilities are written by `percent_label` everywhere — the
decision reason, the rationale and the pages — so one fact has one number.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from catalog.judgments import Judgment
from catalog.model import Catalog, Item
from prompts import load_prompt
from rag.result import Evidence, Keyword

MAX_LINES = 2
MAX_JUDGMENTS = 2
MAX_LINE_CHARS = 120
MAX_CITED_KEYWORDS = 3
INDUSTRY_FIELD = "industry_name"

Standing = Literal["recommended", "low", "below_threshold", "not_first", "decision"]
"""recommended: the 추천 item; the others are 참고 후보 — low: below the abstain threshold;
below_threshold: below the 추천 threshold; not_first: a later rank of a 추천 result;
decision: likely enough, but the result is 해당 없음 or 검토 필요 for another reason."""
CLOSING_TEMPLATES: dict[Standing, str] = {
    "low": "extractive_closing_low.txt",
    "below_threshold": "extractive_closing_below_threshold.txt",
    "not_first": "extractive_closing_not_first.txt",
    "decision": "extractive_closing_decision.txt",
}


def percent(p: float) -> int:
    """A probability as a whole percentage, halves rounded up (0.125 → 13), the one rounding used
    wherever a probability is shown."""
    return math.floor(p * 100 + 0.5 + 1e-9)


def percent_label(p: float) -> str:
    """A probability as shown: `NN%`, or `1% 미만` / `99% 초과` where rounding would print 0 % or
    100 % (a model's probability is neither, even where 4 decimal places round it to 0)."""
    n = percent(p)
    if n == 0:
        return "1% 미만"
    if n == 100:
        return "99% 초과"
    return f"{n}%"


def threshold_label(t: float) -> str:
    """A configured threshold as shown (`36%`), with the same rounding as `percent_label`."""
    return f"{percent(t)}%"


def standing_of(
    decision: str, rank: int, confidence: float, *, recommend_threshold: float, abstain_threshold: float
) -> Standing:
    """How an item of a result is worded (see `Standing`)."""
    if decision == "recommended" and rank == 1:
        return "recommended"
    if confidence < abstain_threshold:
        return "low"
    if confidence < recommend_threshold:
        return "below_threshold"
    return "not_first" if decision == "recommended" else "decision"


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


def _quoted(keywords: list[Keyword]) -> str:
    return ", ".join(f"'{k.word}'" for k in keywords)


def keyword_sentence(keywords: list[Keyword], prompt_version: str, *, recommended: bool) -> str:
    """Whose words they are: the company's own fields, or 업종명 (never called the company's)."""
    cited = keywords[:MAX_CITED_KEYWORDS]
    own = [k for k in cited if k.source_field != INDUSTRY_FIELD]
    industry = [k for k in cited if k.source_field == INDUSTRY_FIELD]
    if own and industry:
        text = load_prompt(prompt_version, "extractive_both_keywords.txt")
        return text.strip("\n").format(keywords=_quoted(own), industry_keywords=_quoted(industry))
    if own or industry:
        name = "extractive_keywords.txt" if own else "extractive_industry_keywords.txt"
        return load_prompt(prompt_version, name).strip("\n").format(keywords=_quoted(own or industry))
    name = "extractive_no_keywords.txt" if recommended else "extractive_reference_no_keywords.txt"
    return load_prompt(prompt_version, name).strip("\n")


def render_rationale(
    catalog: Catalog,
    item: Item,
    keywords: list[Keyword],
    lines: list[Evidence],
    judgments: list[Evidence],
    prompt_version: str,
    *,
    standing: Standing = "recommended",
    confidence: float = 0.0,
    recommend_threshold: float = 0.0,
    decision_label: str = "",
) -> str:
    theme, field, _ = catalog.path_of(item)
    recommended = standing == "recommended"
    line = lines[0] if lines else None
    line_values = {"line_text": _clip(line.text), "line_id": line.id} if line else {}
    keyword_part = keyword_sentence(keywords, prompt_version, recommended=recommended)
    if not recommended and not keywords:
        # the no-keyword sentence of a 참고 후보 cites the closest line itself
        keyword_part = keyword_part.format(**line_values) if line else ""
        line_sentence = ""
    elif line:
        name = "extractive_line.txt" if recommended else "extractive_reference_line.txt"
        line_sentence = load_prompt(prompt_version, name).strip().format(**line_values)
    else:
        line_sentence = ""
    judgment_sentence = ""
    if judgments:
        name = "extractive_judgments.txt" if recommended else "extractive_reference_judgments.txt"
        judgment_sentence = (
            load_prompt(prompt_version, name)
            .rstrip("\n")
            .format(judgment_ids=", ".join(j.id for j in judgments))
        )
    values = {
        "item_name": item.name,
        "theme_name": theme.name,
        "field_name": field.display_name,
        "keyword_sentence": keyword_part,
        "line_sentence": line_sentence,
        "judgment_sentence": judgment_sentence,
    }
    if recommended:
        return load_prompt(prompt_version, "extractive_rationale.txt").strip().format(**values)
    closing = (
        load_prompt(prompt_version, CLOSING_TEMPLATES[standing])
        .strip()
        .format(
            confidence=percent_label(confidence),
            recommend_threshold=threshold_label(recommend_threshold),
            decision_label=decision_label,
        )
    )
    text = load_prompt(prompt_version, "extractive_reference.txt").strip()
    return re.sub(r" {2,}", " ", text.format(**values, closing_sentence=closing))
