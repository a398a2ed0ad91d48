"""Split a text into plain and marked segments from character offsets (keywords' start/end)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool


def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Clip to [0, length], drop empty spans, merge overlapping or touching ones."""
    clipped = sorted((max(0, s), min(length, e)) for s, e in spans if min(length, e) > max(0, s))
    merged: list[tuple[int, int]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def segments(text: str, spans: Iterable[tuple[int, int]]) -> list[Segment]:
    """The whole text, in order, as segments; the template escapes each and wraps marked ones."""
    out: list[Segment] = []
    at = 0
    for start, end in merge_spans(spans, len(text)):
        if start > at:
            out.append(Segment(text[at:start], False))
        out.append(Segment(text[start:end], True))
        at = end
    if at < len(text):
        out.append(Segment(text[at:], False))
    return out
