"""Contributing keywords: words of the company's own text that support an item.

Attribution per word w of the input and item i:
  lexical part  = BM25 term score of w in item i's catalog text (normalised by the best word)
  semantic part = how much more w's vector resembles item i than the average item (z-score)
Only words that occur in the input are ever returned, with their offsets in the source field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.company import CompanyRecord
from rag.query_views import QueryVectorCache
from rag.resources import RetrievalResources
from rag.result import Keyword

MAX_WORDS = 24
MAX_KEYWORDS = 5
FIELD_WEIGHT = {"main_products": 1.0, "product_use": 1.0, "tech_business_name": 1.0, "industry_name": 0.5}


@dataclass(frozen=True)
class WordOccurrence:
    word: str
    source_field: str
    start: int
    end: int


MAX_WORD_CHARS = 30  # bounds the cost: each candidate keyword is embedded once


def input_words(record: CompanyRecord, res: RetrievalResources) -> list[WordOccurrence]:
    """Distinct content words of the input (first occurrence), capped at MAX_WORDS."""
    seen: dict[str, WordOccurrence] = {}
    for fname, text in record.own_fields().items():
        for tok in res.tokenizer.tokens(text):
            too_long = tok.end - tok.start > MAX_WORD_CHARS  # a run without spaces is no keyword
            if tok.form not in seen and text[tok.start : tok.end].strip() and not too_long:
                seen[tok.form] = WordOccurrence(text[tok.start : tok.end], fname, tok.start, tok.end)
    return list(seen.values())[:MAX_WORDS]


def contributing_keywords(
    words: list[WordOccurrence], item_positions: list[int], res: RetrievalResources, cache: QueryVectorCache
) -> list[list[Keyword]]:
    """For each item position, up to MAX_KEYWORDS input words ordered by contribution."""
    if not words:
        return [[] for _ in item_positions]
    vecs = cache.get_many([w.word for w in words])
    sims = vecs @ res.item_vectors.T  # words × items
    z = (sims - sims.mean(axis=1, keepdims=True)) / (sims.std(axis=1, keepdims=True) + 1e-6)
    terms = [res.tokenizer.terms(w.word) or [w.word] for w in words]
    out: list[list[Keyword]] = []
    for pos in item_positions:
        lexical = np.array([max(res.lexical.term_score(t, pos) for t in ts) for ts in terms])
        lex_norm = lexical / lexical.max() if lexical.max() > 0 else lexical
        weight = [
            FIELD_WEIGHT.get(w.source_field, 1.0) * (lex_norm[i] + max(0.0, float(z[i, pos]) - 1.0) / 2)
            for i, w in enumerate(words)
        ]
        ranked = sorted(range(len(words)), key=lambda i: -weight[i])
        out.append(
            [
                Keyword(
                    words[i].word,
                    words[i].source_field,
                    words[i].start,
                    words[i].end,
                    round(float(weight[i]), 4),
                )
                for i in ranked[:MAX_KEYWORDS]
                if weight[i] > 0.05
            ]
        )
    return out
