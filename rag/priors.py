"""Priors P(item | KSIC prefix) and P(item | S&T prefix) from past judgments.

Counts are kept per prefix (KSIC 5/4/3/2 digits, S&T 6/4/2 characters). A probability backs off
from the most specific prefix to the global item distribution with m-estimate smoothing:
p(item | c) = (n(item, c) + m · p(item | parent(c))) / (n(c) + m). `NONE` is a class like any item.
"""

from __future__ import annotations

import threading
from typing import Any

Counts = dict[str, float]  # label → summed judgment weights
KSIC_LEVELS = (5, 4, 3, 2)
ST_LEVELS = (6, 4, 2)


def _bump(counts: Counts, label: str, weight: float) -> None:
    value = counts.get(label, 0.0) + weight
    if abs(value) < 1e-9:
        counts.pop(label, None)
    else:
        counts[label] = value


class Priors:
    def __init__(self, n_classes: int, m: float = 2.0) -> None:
        self.n_classes = n_classes
        self.m = m
        self.global_counts: Counts = {}
        self.ksic: dict[str, Counts] = {}
        self.st: dict[str, Counts] = {}
        self._lock = threading.Lock()

    def add(self, ksic_code: str, st_code: str, label: str, weight: float = 1.0) -> None:
        """Count one judgment (a saved decision may count for less than one: its weight)."""
        with self._lock:
            _bump(self.global_counts, label, weight)
            for n in KSIC_LEVELS:
                if len(ksic_code) >= n:
                    _bump(self.ksic.setdefault(ksic_code[:n], {}), label, weight)
            for n in ST_LEVELS:
                if len(st_code) >= n:
                    _bump(self.st.setdefault(st_code[:n], {}), label, weight)

    def remove(self, ksic_code: str, st_code: str, label: str, weight: float = 1.0) -> None:
        """Undo one `add` (a withdrawn decision, or a record held out by cross-validation)."""
        self.add(ksic_code, st_code, label, -weight)

    def _global(self, label: str) -> float:
        total = sum(self.global_counts.values())
        return (self.global_counts.get(label, 0) + 1.0) / (total + self.n_classes)

    def _backoff(self, table: dict[str, Counts], code: str, levels: tuple[int, ...], label: str) -> float:
        p = self._global(label)
        for n in reversed(levels):
            if len(code) < n:
                continue
            counts = table.get(code[:n])
            if not counts:
                continue
            total = sum(counts.values())
            p = (counts.get(label, 0) + self.m * p) / (total + self.m)
        return p

    def p_ksic(self, ksic_code: str, label: str) -> float:
        return self._backoff(self.ksic, ksic_code, KSIC_LEVELS, label)

    def p_st(self, st_code: str, label: str) -> float:
        return self._backoff(self.st, st_code, ST_LEVELS, label)

    def support(self, ksic_code: str) -> float:
        """How many past judgments (by weight) share the most specific known KSIC prefix."""
        for n in KSIC_LEVELS:
            if len(ksic_code) >= n and self.ksic.get(ksic_code[:n]):
                return sum(self.ksic[ksic_code[:n]].values())
        return 0.0

    def top_ksic(self, ksic_code: str, k: int) -> list[tuple[str, float]]:
        """Labels seen under the code's prefixes, by backed-off probability."""
        labels: set[str] = set()
        for n in KSIC_LEVELS:
            if len(ksic_code) >= n:
                labels |= set(self.ksic.get(ksic_code[:n], {}))
        scored = [(lab, self.p_ksic(ksic_code, lab)) for lab in labels]
        return sorted(scored, key=lambda x: -x[1])[:k]

    def to_json(self) -> dict[str, Any]:
        return {
            "n_classes": self.n_classes,
            "m": self.m,
            "global": dict(self.global_counts),
            "ksic": {k: dict(v) for k, v in self.ksic.items()},
            "st": {k: dict(v) for k, v in self.st.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Priors:
        p = cls(data["n_classes"], data["m"])
        p.global_counts = {k: float(v) for k, v in data["global"].items()}
        p.ksic = {k: {lab: float(n) for lab, n in v.items()} for k, v in data["ksic"].items()}
        p.st = {k: {lab: float(n) for lab, n in v.items()} for k, v in data["st"].items()}
        return p
