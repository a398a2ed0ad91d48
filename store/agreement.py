"""How much a saved decision counts when it joins the classifier: reviewer agreement.

Decisions agree when they give the same final item for the same technical text: the six
technical fields, each normalised (NFKC, case folded, runs of white space collapsed), hashed into
`text_key`. Reviewers are told apart by their name (case and spaces ignored), so one person with
two keys is still one reviewer.

For a group of agreeing decisions with `n` independent reviewers, the group weighs
`min(1, base * n)` per reviewer, and a reviewer who saved the same answer several times shares
that reviewer's part between those decisions: repeating a save adds nothing. With the default
base 0.5 one reviewer's save counts half of a curated past judgment; two agreeing reviewers give
the item full weight each. Withdrawn decisions count for nothing and are not in any group.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from store.records import TechnicalFields

DEFAULT_BASE_WEIGHT = 0.5
_SPACE = re.compile(r"\s+")


def normalize_text(value: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", value).casefold()).strip()


def text_key(company: TechnicalFields) -> str:
    """The key under which decisions on the same technical text agree (64 hex characters)."""
    joined = "\x1f".join(normalize_text(p) for p in company.as_tuple())
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def reviewer_identity(name: str, key_id: str) -> str:
    """One reviewer: the key's name (case and spaces ignored), else the key id."""
    normalized = normalize_text(name)
    return f"name:{normalized}" if normalized else f"key:{key_id}"


@dataclass(frozen=True)
class Vote:
    """What the weighting needs to know of one saved decision."""

    decision_id: int
    text_key: str
    final_item_id: str
    reviewer: str
    reviewer_key: str
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class Weighting:
    weight: float
    agreeing_reviewers: int


def weigh(votes: Iterable[Vote], base: float = DEFAULT_BASE_WEIGHT) -> dict[int, Weighting]:
    """The weight of every decision in `votes` (withdrawn ones: 0 and no reviewers)."""
    votes = list(votes)
    groups: dict[tuple[str, str], list[Vote]] = defaultdict(list)
    out: dict[int, Weighting] = {}
    for vote in votes:
        if vote.withdrawn_at is not None:
            out[vote.decision_id] = Weighting(0.0, 0)
        else:
            key = vote.text_key or f"decision:{vote.decision_id}"  # not keyed yet: alone
            groups[(key, vote.final_item_id)].append(vote)
    for members in groups.values():
        per_reviewer = Counter(reviewer_identity(v.reviewer, v.reviewer_key) for v in members)
        n = len(per_reviewer)
        share = min(1.0, base * n)
        for v in members:
            copies = per_reviewer[reviewer_identity(v.reviewer, v.reviewer_key)]
            out[v.decision_id] = Weighting(round(share / copies, 6), n)
    return out
