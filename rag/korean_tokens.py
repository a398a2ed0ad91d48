"""Korean lexical units: Kiwi nouns (plus Latin words and numbers-with-units), with offsets."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from typing import Any

CONTENT_TAGS = {"NNG", "NNP", "SL", "SH", "XR"}
STOPWORDS = {
    "및",
    "등",
    "기타",
    "관련",
    "제조",
    "제조업",
    "업",
    "제품",
    "것",
    "수",
    "용",
    "기반",
    "분야",
    "서비스",
    "시스템",
    "기술",
    "개발",
    "생산",
    "판매",
    "사업",
    "외",
    "그",
    "이",
    "위",
    "부문",
}


@dataclass(frozen=True)
class Token:
    form: str
    start: int
    end: int


class KoreanTokenizer:
    """Thread-safe lazy wrapper around Kiwi; returns content tokens with character offsets."""

    def __init__(self) -> None:
        self._kiwi: Any = None
        self._lock = threading.Lock()

    def _model(self) -> Any:
        if self._kiwi is None:
            with self._lock:
                if self._kiwi is None:
                    from kiwipiepy import Kiwi

                    self._kiwi = Kiwi()
        return self._kiwi

    def tokens(self, text: str) -> list[Token]:
        if not text.strip():
            return []
        out: list[Token] = []
        for t in self._model().tokenize(text):
            if t.tag not in CONTENT_TAGS:
                continue
            form = t.form.lower() if t.tag == "SL" else t.form
            if form in STOPWORDS or (len(form) < 2 and t.tag != "SH"):
                continue
            out.append(Token(form, t.start, t.start + t.len))
        out += self._compounds(text, out)
        return out

    @staticmethod
    def _compounds(text: str, tokens: list[Token]) -> list[Token]:
        """Adjacent noun pairs written without a space (e.g. 검사장비) as one extra unit."""
        extra = []
        for a, b in itertools.pairwise(tokens):
            if a.end == b.start and re.fullmatch(r"[가-힣]+", a.form + b.form):
                extra.append(Token(a.form + b.form, a.start, b.end))
        return extra

    def terms(self, text: str) -> list[str]:
        return [t.form for t in self.tokens(text)]
