"""Checks that tie the model's prose to its inputs: grounded keywords, no echo of the system prompt."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

MIN_KEYWORD_CHARS = 2
ECHO_WINDOW = 24
ECHO_RUN = 30
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed to single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def grounded_keywords(keywords: Iterable[str], own_texts: Sequence[str], *, limit: int) -> list[str]:
    """The keywords that occur verbatim (case-insensitive, whitespace-normalised) in `own_texts`.

    Others, duplicates and keywords shorter than `MIN_KEYWORD_CHARS` are dropped; at most `limit`.
    """
    haystacks = [normalise(t) for t in own_texts if t]
    kept: dict[str, str] = {}
    for keyword in keywords:
        needle = normalise(keyword)
        if len(needle) >= MIN_KEYWORD_CHARS and needle not in kept and any(needle in h for h in haystacks):
            kept[needle] = _SPACE.sub(" ", keyword).strip()
    return list(kept.values())[:limit]


class EchoFilter:
    """Removes sentences mostly made of text copied from the system prompt.

    A character is "copied" when it lies in a run of `ECHO_WINDOW` consecutive characters (spaces
    and case ignored) that also occurs in the system prompt; a sentence at least half copied goes,
    and so does one holding `ECHO_RUN` consecutive copied characters (a rule hidden in padding).
    """

    def __init__(self, system_prompt: str, window: int = ECHO_WINDOW) -> None:
        compact = _compact(system_prompt)
        self._window = window
        self._shingles = {compact[i : i + window] for i in range(max(0, len(compact) - window + 1))}

    def remove_echoes(self, text: str) -> str:
        sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
        owner = [i for i, s in enumerate(sentences) for _ in _compact(s)]
        compact = "".join(_compact(s) for s in sentences)
        copied = [0] * len(sentences)
        longest = [0] * len(sentences)
        covered_until = 0
        run = 0
        for start in range(len(compact) - self._window + 1):
            if compact[start : start + self._window] in self._shingles:
                for pos in range(max(start, covered_until), start + self._window):
                    copied[owner[pos]] += 1
                    run = run + 1 if pos == covered_until and pos and owner[pos] == owner[pos - 1] else 1
                    longest[owner[pos]] = max(longest[owner[pos]], run)
                    covered_until = pos + 1
        return " ".join(
            s
            for i, s in enumerate(sentences)
            if copied[i] * 2 < max(1, len(_compact(s))) and longest[i] < ECHO_RUN
        )


def _compact(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())
