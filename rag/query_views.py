"""The texts a company record is looked up by, and a bounded cache of their query vectors."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from catalog.reference import KsicLookup, StLookup
from rag.company import CompanyRecord
from rag.embedder import Embedder, Vectors
from rag.resources import RetrievalResources


@dataclass(frozen=True)
class QueryViews:
    """`text`: the company's own words + industry name; `ksic`: the KSIC explanatory note of its
    code (enriches short inputs); `st`: the S&T classification names of its code; `fields`: each
    own-words field alone (주요제품, 제품용도, 기술사업명), so that a paragraph describing one
    function is matched by that function, not diluted by the rest."""

    text: str
    ksic: str
    st: str
    ksic_code: str
    ksic_how: str
    fields: tuple[str, ...] = ()

    def texts(self) -> list[str]:
        """Every text to embed, in one batch: text, then ksic and st when present, then fields."""
        return [self.text or self.ksic or " ", *(t for t in (self.ksic, self.st) if t), *self.fields]


def query_views(record: CompanyRecord, res: RetrievalResources) -> QueryViews:
    code, how = res.ksic.normalize(record.ksic_code) if record.ksic_code else (None, "missing")
    ksic_text = res.ksic.note_text(code) if code else ""
    st_text = res.st.describe(record.st_code) if record.st_code else ""
    own = [record.main_products, record.product_use, record.tech_business_name]
    text = record.full_text()
    fields = tuple(dict.fromkeys(t for t in own if t and t != text))
    return QueryViews(text, ksic_text[:KSIC_NOTE_CHARS], st_text, code or record.ksic_code, how, fields)


KSIC_NOTE_CHARS = 600  # the part of a KSIC explanatory note that is embedded as its view


def reference_view_texts(ksic: KsicLookup, st: StLookup) -> list[str]:
    """Every KSIC-note and S&T-name view a record can have (one per code, as `query_views` writes
    them): an index build embeds them all once, so that no request embeds one (`QueryVectorCache.pin`)."""
    notes = (ksic.note_text(code)[:KSIC_NOTE_CHARS] for code in ksic.names)
    names = (st.describe(code) for code in {*st.majors, *st.names})  # a major alone is a view too
    return sorted({t for t in (*notes, *names) if t})


QueryEncoder = Callable[[list[str]], Vectors]


class QueryVectorCache:
    """LRU cache of query embeddings; the same text is embedded once per process. `encode`
    replaces the embedder's own query call, e.g. with one backed by a persistent cache (the
    index build keeps its judgments' query vectors so that a rebuild does not embed them again)."""

    def __init__(self, embedder: Embedder, capacity: int = 20000, encode: QueryEncoder | None = None) -> None:
        self._embedder = embedder
        self._encode: QueryEncoder = encode or (lambda texts: embedder.embed_queries(texts))
        self._capacity = capacity
        self._data: OrderedDict[str, Vectors] = OrderedDict()
        self._pinned: dict[str, Vectors] = {}
        self._lock = threading.Lock()

    def pin(self, texts: list[str], vectors: Vectors) -> None:
        """Vectors embedded beforehand (e.g. by the index build) that are never evicted."""
        with self._lock:
            self._pinned.update(zip(texts, vectors, strict=True))

    def emptied(self) -> QueryVectorCache:
        """A cache with the same encoder and pinned vectors and nothing else (cold again)."""
        fresh = QueryVectorCache(self._embedder, self._capacity, self._encode)
        fresh._pinned = dict(self._pinned)
        return fresh

    def get_many(self, texts: list[str]) -> Vectors:
        pinned = self._pinned
        if pinned and texts and all(t in pinned for t in texts):
            return np.vstack([pinned[t] for t in texts])
        with self._lock:
            unique = [t for t in dict.fromkeys(texts) if t not in self._data and t not in pinned]
        fresh: dict[str, Vectors] = {}
        if unique:
            fresh = dict(zip(unique, self._encode(unique), strict=True))
        out: list[Vectors] = []
        with self._lock:
            self._data.update(fresh)
            for t in texts:
                vec = pinned.get(t)
                if vec is not None:
                    out.append(vec)
                    continue
                vec = fresh.get(t)
                if vec is None:
                    vec = self._data.get(t)
                if vec is None:  # evicted meanwhile by another thread
                    vec = self._encode([t])[0]
                    self._data[t] = vec
                self._data.move_to_end(t)
                out.append(vec)
            while len(self._data) > self._capacity:
                self._data.popitem(last=False)
        if not out:
            return np.zeros((0, self._embedder.dim), np.float32)
        return np.vstack(out)

    def get(self, text: str) -> Vectors:
        vec: Vectors = self.get_many([text])[0]
        return vec
