"""Saved decisions must help, never hurt: add the rich development records one by one as saved
decisions to a classifier that holds the sparse training folds, and measure the sparse held-out
fold after each step.

    .venv/bin/python scripts/bench_saved_decisions.py [--fold 0] [--every 1] [--weight 0.5]

Uses the current index build (its catalog and vectors). The starting classifier is the build
restricted to the sparse judgments outside the held-out fold, with its ranker retrained on them
(as `eval` does); the rich records are then added like saved decisions (`Classifier.add_judgment`,
no retraining), with the weight a single reviewer's save gets. Prints one JSON line per point and
a summary with the largest drop of each measure.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from catalog.judgments import load_judgments, packaged_judgments_dir, packaged_judgments_path
from eval.learning_curve import largest_drop, learning_curve
from index_build.embedding_cache import EmbeddingCache
from index_build.ranker_training import fold_of
from innogrowth.settings import Settings
from innogrowth.wiring import load_classifier


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fold", type=int, default=0, help="held-out sparse fold (of 5)")
    parser.add_argument("--every", type=int, default=1, help="measure after every N additions")
    parser.add_argument("--weight", type=float, default=0.5, help="weight of each saved decision")
    parser.add_argument("--limit", type=int, default=0, help="add only the first N rich records")
    args = parser.parse_args()
    t0 = time.perf_counter()
    settings = Settings()
    full = load_classifier(settings)
    # query vectors through the build's embedding cache (filled by its ranker training)
    vectors = EmbeddingCache(settings.resolved_build_dir(), full.embedder.id, full.embedder.dim)
    full.cache = vectors.query_cache(full.embedder)
    sparse = load_judgments(packaged_judgments_path(), full.catalog).judgments
    rich = load_judgments(packaged_judgments_dir() / "rich_dev.jsonl", full.catalog).judgments
    train = [j.id for j in sparse if fold_of(j.id, 5) != args.fold]
    test = [j for j in sparse if fold_of(j.id, 5) == args.fold]
    clf = full.restricted_to(train)
    saves = [dataclasses.replace(j, id=f"S{j.id}", weight=args.weight) for j in rich][: args.limit or None]
    points = learning_curve(
        clf,
        test,
        saves,
        every=args.every,
        progress=lambda p: print(json.dumps(dataclasses.asdict(p)), flush=True),
    )
    summary = {
        "test_records": len(test),
        "added": len(saves),
        "weight": args.weight,
        "start": dataclasses.asdict(points[0]),
        "end": dataclasses.asdict(points[-1]),
        "largest_drop": largest_drop(points),
        "elapsed_s": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
