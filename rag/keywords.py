"""Contributing keywords: words of the company's own text that support an item.

Candidates are what a reviewer would underline: whole Kiwi compounds (자율주행차, 리튬이온, 3차원,
2차전지 — the nouns of one word with no space or punctuation between them, a number leading them
included) and noun phrases of two such words written one after the other (3차원 인식, 무인 운반),
never a fragment of a compound (no 자율 or 주행 out of 자율주행차). Generic words (개발, 기반, 제조 …,
`rag.korean_tokens.STOPWORDS`) neither start nor end a candidate.

Attribution per candidate w of the input and item i:
  lexical part  = BM25 term score of w's terms in item i's catalog text (normalised by the best word)
  semantic part = how much more w's vector resembles item i than the average item (z-score)
Only words that occur in the input are ever returned, with their offsets in the source field
(`Keyword.source_field`), and no returned keyword is a substring of another one: a phrase that
contains a better-ranked word takes that word's place.

업종명 counts as the company's words only when it is not the KSIC name of its own 업종코드: the
name that screen 1, the API and batch files fill in from the code (`filled_from_code`) is the
classification's wording, not the company's, so it never yields a keyword.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.company import CompanyRecord
from rag.korean_tokens import STOPWORDS
from rag.query_views import QueryVectorCache
from rag.resources import RetrievalResources
from rag.result import Keyword

MAX_WORDS = 24  # bounds the cost: each candidate keyword is embedded once
MAX_KEYWORDS = 5
MIN_WEIGHT = 0.05
FIELD_WEIGHT = {"main_products": 1.0, "product_use": 1.0, "tech_business_name": 1.0, "industry_name": 0.5}
INDUSTRY_FIELD = "industry_name"

# words too general to stand as evidence for any item (산업 of 산업용, 기업 of 기업용); they still
# count inside a compound or phrase and for retrieval
GENERIC_WORDS = frozenset({"산업", "기업", "업체", "회사", "국내", "해외", "전문", "일반"})
NOUN_TAGS = frozenset({"NNG", "NNP", "SL", "SH", "XR"})
COMPOUND_TAGS = NOUN_TAGS | {"SN", "XPN", "NNB"}  # 3차원, 친환경, 2차전지
PHRASE_GAP = 2  # at most this many spaces between the two words of a noun phrase
PHRASE_RATIO = 0.9  # a phrase replaces a word it contains when at least this strong


@dataclass(frozen=True)
class WordOccurrence:
    word: str
    source_field: str
    start: int
    end: int
    parts: tuple[str, ...] = ()  # a noun phrase: the normalised forms of its two words


MAX_WORD_CHARS = 30  # bounds the cost: each candidate keyword is embedded once


@dataclass(frozen=True)
class _Morph:
    form: str
    tag: str
    start: int
    end: int


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def industry_name_is_own(record: CompanyRecord, res: RetrievalResources) -> bool:
    """False when 업종명 is the KSIC name of the record's 업종코드 (what auto-fill writes)."""
    if not record.industry_name.strip():
        return False
    ksic_name = res.ksic.name(record.ksic_code) if record.ksic_code else None
    return not ksic_name or _norm(ksic_name) != _norm(record.industry_name)


def keyword_fields(record: CompanyRecord, res: RetrievalResources) -> dict[str, str]:
    """The fields a keyword may come from: the own-words fields, 업종명 only when typed."""
    fields = record.own_fields()
    if INDUSTRY_FIELD in fields and not industry_name_is_own(record, res):
        del fields[INDUSTRY_FIELD]
    return fields


def _morphs(res: RetrievalResources, text: str) -> list[_Morph]:
    kiwi: Any = res.tokenizer._model()  # the tokenizer's shared Kiwi instance
    return [_Morph(t.form, t.tag, t.start, t.start + t.len) for t in kiwi.tokenize(text)]


def _trimmed(run: list[_Morph], text: str) -> list[_Morph]:
    """A compound without generic words at its edges and without a dangling number or prefix
    (a prefix that ends a written word is the word's last syllable: 양극재 개발 → 양극재)."""
    while run and (run[0].form in STOPWORDS or run[0].tag == "NNB"):
        run = run[1:]
    while run and (run[-1].form in STOPWORDS or run[-1].tag == "SN"):
        run = run[:-1]
    while run and run[-1].tag == "XPN" and run[-1].end < len(text) and not text[run[-1].end].isspace():
        run = run[:-1]
    if not any(m.tag in NOUN_TAGS for m in run):
        return []
    return run


def compounds(res: RetrievalResources, text: str) -> list[tuple[int, int]]:
    """Spans of the input's compounds: maximal runs of noun morphemes with nothing between them."""
    runs: list[list[_Morph]] = []
    current: list[_Morph] = []
    for m in _morphs(res, text):
        joins = bool(current) and m.start == current[-1].end
        nb_ok = m.tag != "NNB" or (bool(current) and current[-1].tag == "SN")  # 2차 but not a lone 차
        if m.tag in COMPOUND_TAGS and nb_ok and (joins or not current):
            current.append(m)
            continue
        if current:
            runs.append(current)
        current = [m] if m.tag in COMPOUND_TAGS and m.tag != "NNB" else []
    if current:
        runs.append(current)
    spans = []
    for run in runs:
        kept = _trimmed(run, text)
        if kept and kept[-1].end - kept[0].start >= 2:
            spans.append((kept[0].start, kept[-1].end))
    return spans


def _starts_word(text: str, at: int) -> bool:
    return at == 0 or not text[at - 1].isalnum()


def candidate_spans(res: RetrievalResources, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Compounds and two-word noun phrases (with their two words), in text order, a phrase right
    after its second word.

    A phrase joins two compounds that are whole words, separated only by white space: the first
    starts its word and ends it, the second starts the next word (무인 운반하는 → 무인 운반)."""
    spans: list[tuple[int, int, tuple[str, ...]]] = []
    found = compounds(res, text)
    for n, (start, end) in enumerate(found):
        spans.append((start, end, ()))
        if n == 0:
            continue
        p_start, p_end = found[n - 1]
        gap = text[p_end:start]
        if gap and not gap.strip() and len(gap) <= PHRASE_GAP and _starts_word(text, p_start):
            spans.append((p_start, end, (_norm(text[p_start:p_end]), _norm(text[start:end]))))
    return spans


def input_words(record: CompanyRecord, res: RetrievalResources) -> list[WordOccurrence]:
    """Distinct candidate keywords of the input (first occurrence), capped at MAX_WORDS."""
    seen: dict[str, WordOccurrence] = {}
    for fname, text in keyword_fields(record, res).items():
        for start, end, parts in candidate_spans(res, text):
            word = text[start:end]
            key = _norm(word)
            if key and key not in seen and end - start <= MAX_WORD_CHARS and word not in GENERIC_WORDS:
                seen[key] = WordOccurrence(word, fname, start, end, parts)
    return list(seen.values())[:MAX_WORDS]


def _contains(outer: str, inner: str) -> bool:
    return _norm(inner) in _norm(outer)


def _overlaps(a: WordOccurrence, b: WordOccurrence) -> bool:
    return a.source_field == b.source_field and a.start < b.end and b.start < a.end


def _without_substrings(ranked: list[tuple[WordOccurrence, float]]) -> list[tuple[WordOccurrence, float]]:
    """Best first, up to MAX_KEYWORDS, none a substring of another: a candidate that contains kept
    words replaces them (at the best one's place, with the best weight); one contained in a kept
    word, or sharing part of its text with one (리튬이온 배터리 / 배터리 양극재), is left out, and so
    is a phrase clearly weaker than the word it contains (below PHRASE_RATIO of its weight)."""
    kept: list[tuple[WordOccurrence, float]] = []
    for word, weight in ranked:
        if any(_contains(k.word, word.word) for k, _ in kept):
            continue
        if any(_overlaps(k, word) and not _contains(word.word, k.word) for k, _ in kept):
            continue
        inside = [i for i, (k, _) in enumerate(kept) if _contains(word.word, k.word)]
        if inside:
            best = max(weight, *(kept[i][1] for i in inside))
            if weight < PHRASE_RATIO * best:  # 자율주행차 주변 says less than 자율주행차 alone
                continue
            slot = inside[0]
            kept[slot] = (word, best)
            kept = [k for i, k in enumerate(kept) if i == slot or i not in inside]
        elif len(kept) < MAX_KEYWORDS:
            kept.append((word, weight))
    return kept


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
        by_form = {_norm(w.word): weight[i] for i, w in enumerate(words)}
        # a noun phrase only where both of its words support the item (3차원 인식 for 3D 머신비전,
        # not 인식 자율주행차); otherwise its supporting word stands alone
        usable = [
            i
            for i, w in enumerate(words)
            if weight[i] > MIN_WEIGHT and all(by_form.get(p, 0.0) > MIN_WEIGHT for p in w.parts)
        ]
        ranked = sorted(usable, key=lambda i: -weight[i])
        chosen = _without_substrings([(words[i], float(weight[i])) for i in ranked])
        out.append([Keyword(w.word, w.source_field, w.start, w.end, round(wt, 4)) for w, wt in chosen])
    return out
