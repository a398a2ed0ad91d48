"""Explicit mentions: the company's own text names an item (its name or an alias such as
라이다 / LIDAR in `라이다(LIDAR)`), one of the example products the catalog lists for it, or words
of its vocabulary (`catalog.model.Item.vocabulary`: 비콘, UWB for RTLS).

Hangul names match as substrings after spaces and middle dots are removed (`자율 주행차` names
`자율주행차`); Latin aliases match as whole words, case-insensitively (`LiDAR` names `LIDAR`, but
`ESS` is not found inside `ACCESS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from catalog.model import Catalog, Item

FloatArray = npt.NDArray[np.float64]
MIN_HANGUL_CHARS = 2
MIN_LATIN_CHARS = 2
MIN_EXAMPLE_CHARS = 3
EXAMPLE_CAP = 3
_SPLIT_ALIASES = re.compile(r"[()\[\]/;:,]|\s[-–]\s")
_SPLIT_EXAMPLES = re.compile(r"[,、·ㆍ()\[\]/;]|\s및\s|\s또는\s")
_DROP_SPACES = re.compile(r"[\s·ㆍ\-_]+")
_LATIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .&+\-]*$")
_TRAILING = re.compile(r"(\s*등\s*$|\s*등의.*$|\s*기술$)")
_PHRASE_ENDING = re.compile(r"(음|함|됨|로|는|을|를|서|며|고|의|에|적|인|있|이|가|과|와|등)$")
MAX_EXAMPLE_CHARS = 15
MAX_LABEL_CHARS = 12


def squash(text: str) -> str:
    """Lower case without spaces, middle dots, hyphens or underscores."""
    return _DROP_SPACES.sub("", text.lower())


def item_aliases(name: str) -> list[str]:
    """The name and each part of it: `라이다(LIDAR)` → 라이다(LIDAR), 라이다, LIDAR."""
    parts = [name, *(p.strip() for p in _SPLIT_ALIASES.split(name))]
    return list(dict.fromkeys(p for p in parts if _long_enough(p, MIN_HANGUL_CHARS)))


def _long_enough(term: str, hangul_min: int) -> bool:
    squashed = squash(term)
    if _LATIN.match(term.strip()):
        return len(squashed) >= MIN_LATIN_CHARS
    return len(squashed) >= hangul_min


def example_terms(item: Item) -> list[str]:
    """Example products named by the catalog: the item's example lines and the lists after a
    colon in its detail lines (`수송: 수소차, 수소택시` → 수소차, 수소택시)."""
    lines = item.described_lines()
    texts = [ln.text for ln in lines if ln.kind == "example"]
    texts += [
        ln.text.split(":", 1)[1]
        for ln in lines
        if ln.kind == "bullet" and 0 < ln.text.find(":") <= MAX_LABEL_CHARS
    ]
    terms: list[str] = []
    for text in texts:
        for raw in _SPLIT_EXAMPLES.split(text):
            term = _TRAILING.sub("", raw.strip()).strip()
            if (
                len(term) <= MAX_EXAMPLE_CHARS
                and not _PHRASE_ENDING.search(term)
                and _long_enough(term, MIN_EXAMPLE_CHARS)
            ):
                terms.append(term)
    return list(dict.fromkeys(terms))


@dataclass(frozen=True)
class _Pattern:
    latin: re.Pattern[str] | None
    squashed: str

    @classmethod
    def of(cls, term: str) -> _Pattern:
        if _LATIN.match(term.strip()):
            words = r"\s*".join(re.escape(w) for w in term.split())
            pattern = re.compile(rf"(?<![A-Za-z0-9]){words}(?![A-Za-z0-9])", re.IGNORECASE)
            return cls(pattern, squash(term))
        return cls(None, squash(term))


class _PatternSet:
    """Every pattern of every item in one flat list, so a text is tested with one pass of
    substring checks: a whole-word Latin match squashes to a part of the squashed text, so that
    test rules out nearly every Latin term before its regex runs (a record's text meets the
    4,388 vocabulary words in about a millisecond)."""

    def __init__(self, per_item: list[list[_Pattern]]) -> None:
        self._n = len(per_item)
        flat = [(i, p) for i, pats in enumerate(per_item) for p in pats]
        self._items = np.array([i for i, _ in flat], dtype=np.int64)
        self._squashed = [p.squashed for _, p in flat]
        self._latin = [p.latin for _, p in flat]

    def counts(self, text: str, squashed_text: str) -> FloatArray:
        """Per item, how many of its patterns the text contains."""
        found = [
            k
            for k, sq in enumerate(self._squashed)
            if sq in squashed_text and ((latin := self._latin[k]) is None or latin.search(text))
        ]
        out: FloatArray = np.bincount(self._items[found], minlength=self._n).astype(np.float64)
        return out


class MentionIndex:
    """Per-item name/alias, example-product and vocabulary patterns, built once from the catalog."""

    def __init__(self, catalog: Catalog, item_ids: list[str]) -> None:
        items = [catalog.item_by_id[i] for i in item_ids]
        self._names = _PatternSet([[_Pattern.of(a) for a in item_aliases(it.name)] for it in items])
        self._examples = _PatternSet([[_Pattern.of(t) for t in example_terms(it)] for it in items])
        self._vocabulary = _PatternSet(
            [[_Pattern.of(t) for t in it.vocabulary if _long_enough(t, MIN_HANGUL_CHARS)] for it in items]
        )

    def scores(self, text: str) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(1 where the text names the item or an alias; example products named, capped at 3;
        words of the item's vocabulary (`Item.vocabulary`) named, capped at 3)."""
        squashed = squash(text)
        names = np.minimum(1.0, self._names.counts(text, squashed))
        examples = np.minimum(EXAMPLE_CAP, self._examples.counts(text, squashed))
        return names, examples, np.minimum(EXAMPLE_CAP, self._vocabulary.counts(text, squashed))
