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

Cost: every embedded candidate is a short query of its own (≈ 7 tokens, ≈ 7 ms single-threaded on
CPU). So the words of the catalog's own text (`catalog_words`) are embedded once by the index build
and pinned in the query cache, and a noun phrase is embedded only when both of its words support
one of the items asked about (otherwise no vector of it can matter): the keywords come out the
same as when every candidate is embedded, at a fraction of the embedding.

업종명 counts as the company's words only when it is not the KSIC name of its own 업종코드: the
name that screen 1, the API and batch files fill in from the code (`filled_from_code`) is the
classification's wording, not the company's, so it never yields a keyword.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from catalog.model import Catalog
from rag.company import CompanyRecord
from rag.korean_tokens import STOPWORDS, KoreanTokenizer
from rag.query_views import QueryVectorCache
from rag.resources import RetrievalResources
from rag.result import Keyword

MAX_WORDS = 24  # bounds the cost: each candidate keyword is embedded at most once
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


MAX_WORD_CHARS = 30  # bounds the cost: each candidate keyword is embedded at most once
# catalog words longer than this are left out of the build's vocabulary: a long compound seldom
# recurs verbatim in a company's text (on both development sets the vocabulary covers as many
# input words without them), and each word is one vector in the build and the packaged seed
VOCABULARY_WORD_CHARS = 6


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


def _morphs(tokenizer: KoreanTokenizer, text: str) -> list[_Morph]:
    kiwi: Any = tokenizer._model()  # the tokenizer's shared Kiwi instance
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


def compounds(tokenizer: KoreanTokenizer, text: str) -> list[tuple[int, int]]:
    """Spans of the input's compounds: maximal runs of noun morphemes with nothing between them."""
    runs: list[list[_Morph]] = []
    current: list[_Morph] = []
    for m in _morphs(tokenizer, text):
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


def candidate_spans(tokenizer: KoreanTokenizer, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Compounds and two-word noun phrases (with their two words), in text order, a phrase right
    after its second word.

    A phrase joins two compounds that are whole words, separated only by white space: the first
    starts its word and ends it, the second starts the next word (무인 운반하는 → 무인 운반)."""
    spans: list[tuple[int, int, tuple[str, ...]]] = []
    found = compounds(tokenizer, text)
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
        for start, end, parts in candidate_spans(res.tokenizer, text):
            word = text[start:end]
            key = _norm(word)
            if key and key not in seen and end - start <= MAX_WORD_CHARS and word not in GENERIC_WORDS:
                seen[key] = WordOccurrence(word, fname, start, end, parts)
    return list(seen.values())[:MAX_WORDS]


def catalog_words(catalog: Catalog, tokenizer: KoreanTokenizer) -> list[str]:
    """The candidate words (single compounds, not phrases, up to VOCABULARY_WORD_CHARS) of the
    catalog's own text: theme, field and item names and every item line. An index build embeds
    them once (`index_build.layout.KEYWORD_VECTORS`), pinned in the query cache, so that a request
    embeds only the candidates the catalog does not use."""
    texts = [t.name for t in catalog.themes] + [f.name for f in catalog.fields]
    for item in catalog.items:
        texts += [item.name, *(ln.text for ln in item.described_lines())]
    words: set[str] = set()
    for text in texts:
        for start, end, parts in candidate_spans(tokenizer, text):
            word = text[start:end]
            if not parts and end - start <= VOCABULARY_WORD_CHARS and word not in GENERIC_WORDS:
                words.add(word)
    return sorted(words)


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


def _z_rows(
    words: list[WordOccurrence], rows: list[int], res: RetrievalResources, cache: QueryVectorCache
) -> npt.NDArray[np.float32]:
    """len(rows) × items: how much more the vector of each word at `rows` resembles an item than
    the average item (each row on its own, so rows can be filled in as their vectors are needed)."""
    sims = cache.get_many([words[i].word for i in rows]) @ res.item_vectors.T
    z: npt.NDArray[np.float32] = (sims - sims.mean(axis=1, keepdims=True)) / (
        sims.std(axis=1, keepdims=True) + 1e-6
    )
    return z


def _weights(
    words: list[WordOccurrence], lex_norm: npt.NDArray[np.float64], z: npt.NDArray[np.float32]
) -> list[float]:
    """Each word's contribution to one item (`z`: the words' z-scores for that item)."""
    return [
        FIELD_WEIGHT.get(w.source_field, 1.0) * (lex_norm[i] + max(0.0, float(z[i]) - 1.0) / 2)
        for i, w in enumerate(words)
    ]


def _phrases_needed(words: list[WordOccurrence], weights: list[list[float]]) -> list[int]:
    """The noun phrases whose vector can matter: those whose two words both pass MIN_WEIGHT for
    one of the items (`weights`: per item, from the single words' vectors), and any phrase that is
    itself the word of such a phrase. Every other phrase is left out for every item whatever its
    vector, so it is never embedded."""
    at = {_norm(w.word): i for i, w in enumerate(words)}

    def passes(part: str, item_weights: list[float]) -> bool:
        j = at.get(part)
        if j is None:
            return False
        return bool(words[j].parts) or item_weights[j] > MIN_WEIGHT  # a phrase's weight is not known yet

    needed = {
        i
        for i, w in enumerate(words)
        if w.parts and any(all(passes(p, ws) for p in w.parts) for ws in weights)
    }
    needed |= {at[p] for i in needed for p in words[i].parts if p in at and words[at[p]].parts}
    return sorted(needed)


def contributing_keywords(
    words: list[WordOccurrence], item_positions: list[int], res: RetrievalResources, cache: QueryVectorCache
) -> list[list[Keyword]]:
    """For each item position, up to MAX_KEYWORDS input words ordered by contribution. The single
    words' vectors are looked up first; then only the phrases that can be chosen (`_phrases_needed`)."""
    if not words:
        return [[] for _ in item_positions]
    terms = [res.tokenizer.terms(w.word) or [w.word] for w in words]
    lex_norm = []
    for pos in item_positions:
        lexical = np.array([max(res.lexical.term_score(t, pos) for t in ts) for ts in terms])
        lex_norm.append(lexical / lexical.max() if lexical.max() > 0 else lexical)
    # words × items; a word whose vector is not looked up keeps 0 (no semantic part)
    z = np.zeros((len(words), len(res.item_vectors)), np.float32)
    single = [i for i, w in enumerate(words) if not w.parts]
    if single:
        z[single] = _z_rows(words, single, res, cache)
    weights = [_weights(words, lex_norm[n], z[:, pos]) for n, pos in enumerate(item_positions)]
    phrases = _phrases_needed(words, weights)
    if phrases:  # only these rows change: the single words' weights stay as computed
        z[phrases] = _z_rows(words, phrases, res, cache)
        weights = [_weights(words, lex_norm[n], z[:, pos]) for n, pos in enumerate(item_positions)]
    out: list[list[Keyword]] = []
    for weight in weights:
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
