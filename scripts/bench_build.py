"""Benchmark `index build`: wall time per step and vectors/second on this machine.

    .venv/bin/python scripts/bench_build.py [--cold]

--cold ignores the embedding cache (embeds every passage); the default also reports a warm
rebuild (cache hit), which is what a catalog maintainer sees after a small revision.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from index_build.builder import build_index, read_inputs
from index_build.ranker_training import train_ranker_for_build
from innogrowth.settings import Settings
from innogrowth.wiring import configured_embedder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", action="store_true", help="only the cold build")
    args = parser.parse_args()
    settings = Settings()
    inputs = read_inputs(settings.resolved_catalog_path(), settings.resolved_judgments_path())
    embedder = configured_embedder(settings)
    report = {
        "cpus": os.cpu_count(),
        "items": len(inputs.catalog.items),
        "judgments": len(inputs.judgments),
        "embedder": embedder.id,
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for label in ("cold", "warm") if not args.cold else ("cold",):
            t0 = time.perf_counter()
            result = build_index(
                inputs, embedder, root, train_ranker=train_ranker_for_build, show_progress=False
            )
            wall = time.perf_counter() - t0
            t = result.manifest.timings_s
            embed_s = t["embed_items"] + t["embed_judgments"]
            vectors = result.manifest.counts["vectors"]
            report[label] = {
                "wall_s": round(wall, 2),
                "steps_s": t,
                "embed_vectors_per_s": round(vectors / embed_s, 1) if embed_s else None,
            }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
