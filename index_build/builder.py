"""`innogrowth index build`: catalog + judgments → a new build directory → switch `current`."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from catalog.judgments import Judgment, judgments_sha256, load_judgments
from catalog.loader import load_catalog
from catalog.model import Catalog
from index_build import layout
from index_build.embedding_cache import QUERY_KEY_PREFIX, EmbeddingCache
from index_build.manifest import Manifest
from rag.bm25 import Bm25Index
from rag.embedder import Embedder, Vectors
from rag.korean_tokens import KoreanTokenizer
from rag.llama_nodes import item_name_passages, item_passages, judgment_passages, line_passages
from rag.llama_retrieval import LlamaVectorIndex
from rag.passages import item_lexical_text
from rag.priors import Priors
from rag.vector_stores import DEFAULT_VECTOR_STORE

RankerTrainer = Callable[["BuildInputs", Path, Embedder, Progress], dict[str, object]]


@dataclass
class BuildInputs:
    catalog: Catalog
    catalog_path: Path
    judgments: list[Judgment]
    judgments_path: Path
    bad_rows: int


@dataclass
class BuildResult:
    path: Path
    manifest: Manifest


def read_inputs(
    catalog_path: Path, judgments_path: Path | None, extra_judgments: Sequence[Judgment] = ()
) -> BuildInputs:
    catalog = load_catalog(catalog_path)
    judgments: list[Judgment] = []
    bad = 0
    if judgments_path is not None and judgments_path.exists():
        loaded = load_judgments(judgments_path, catalog)
        judgments, bad = loaded.judgments, len(loaded.bad_rows)
    seen = {j.id for j in judgments}
    judgments += [j for j in extra_judgments if j.id not in seen]
    return BuildInputs(catalog, catalog_path, judgments, judgments_path or Path(""), bad)


def _embed(
    cache: EmbeddingCache, embedder: Embedder, texts: list[str], progress: Progress, label: str
) -> Vectors:
    task = progress.add_task(label, total=len(texts))
    return cache.embed(texts, embedder.embed_passages, lambda n: progress.advance(task, n))


def _embed_queries(
    cache: EmbeddingCache, embedder: Embedder, texts: list[str], progress: Progress, label: str, file: Path
) -> None:
    """Query vectors of `texts` (through the cache) written to `file`, for loading to pin them."""
    task = progress.add_task(label, total=len(texts))
    vecs = cache.embed(
        [QUERY_KEY_PREFIX + t for t in texts],
        lambda keyed: embedder.embed_queries([k[len(QUERY_KEY_PREFIX) :] for k in keyed]),
        lambda n: progress.advance(task, n),
    )
    np.savez_compressed(file, texts=np.array(texts), vectors=vecs)


def _save(index: LlamaVectorIndex, build: Path, vector_file: str) -> None:
    index.persist(layout.llama_store_dir(build, vector_file), build / vector_file)


def _new_build_id(inputs: BuildInputs, embedder_id: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    digest = hashlib.sha256(
        f"{inputs.catalog.version_id}|{len(inputs.judgments)}|{embedder_id}|{stamp}".encode()
    ).hexdigest()[:6]
    return f"{stamp}-{digest}"


def build_index(
    inputs: BuildInputs,
    embedder: Embedder,
    root: Path,
    *,
    tokenizer: KoreanTokenizer | None = None,
    train_ranker: RankerTrainer | None = None,
    show_progress: bool = True,
    keep: int = 3,
    reference_views: list[str] | None = None,
    keyword_words: list[str] | None = None,
    store: str = DEFAULT_VECTOR_STORE,
) -> BuildResult:
    """Write every artifact into `<root>/.tmp-<id>`, rename it to `<root>/<id>`, switch current.

    `reference_views`: query texts every request may need whatever the company (the KSIC-note and
    S&T-name views, `rag.query_views.reference_view_texts`), embedded here once so that no request
    embeds them. `keyword_words`: the catalog's candidate keywords (`rag.keywords.catalog_words`),
    likewise embedded once so that a request embeds only the keywords the catalog lacks. `store`:
    the llama-index vector store kind (`rag.vector_stores`) that holds the vectors. Any failure
    before the switch leaves the previous build serving.
    """
    root.mkdir(parents=True, exist_ok=True)
    tokenizer = tokenizer or KoreanTokenizer()
    build_id = _new_build_id(inputs, embedder.id)
    tmp = root / f"{layout.TMP_PREFIX}{build_id}"
    tmp.mkdir()
    timings: dict[str, float] = {}
    cache = EmbeddingCache(root, embedder.id, embedder.dim)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, disable=not show_progress) as progress:
            t0 = time.perf_counter()
            cat = inputs.catalog
            items = item_passages(cat)
            item_vecs = _embed(cache, embedder, [p.text for p in items], progress, "embed catalog items")
            _save(LlamaVectorIndex.build(items, item_vecs, embedder.dim, kind=store), tmp, layout.ITEMS_INDEX)
            (tmp / layout.ITEMS_META).write_text(json.dumps({"item_ids": [i.id for i in cat.items]}), "utf-8")
            names = item_name_passages(cat)
            name_vecs = _embed(cache, embedder, [p.text for p in names], progress, "embed item names")
            _save(
                LlamaVectorIndex.build(names, name_vecs, embedder.dim, kind=store),
                tmp,
                layout.ITEM_NAMES_INDEX,
            )
            lines = line_passages(cat)
            line_vecs = _embed(cache, embedder, [p.text for p in lines], progress, "embed catalog lines")
            _save(LlamaVectorIndex.build(lines, line_vecs, embedder.dim, kind=store), tmp, layout.LINES_INDEX)
            (tmp / layout.LINES_META).write_text(
                json.dumps({"lines": [[p.metadata["item_id"], p.metadata["line"]] for p in lines]}), "utf-8"
            )
            timings["embed_items"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            judged = judgment_passages(inputs.judgments, cat)
            j_vecs = _embed(cache, embedder, [p.text for p in judged], progress, "embed past judgments")
            _save(
                LlamaVectorIndex.build(judged, j_vecs, embedder.dim, kind=store), tmp, layout.JUDGMENTS_INDEX
            )
            (tmp / layout.LLAMA_STORES).write_text(json.dumps({"vector_store": store}), "utf-8")
            with (tmp / layout.JUDGMENTS_META).open("w", encoding="utf-8") as fh:
                for j in inputs.judgments:
                    fh.write(json.dumps(j.to_dict(), ensure_ascii=False) + "\n")
            timings["embed_judgments"] = time.perf_counter() - t0
            pinned = (
                (reference_views, layout.REFERENCE_VIEWS, "embed KSIC and S&T views", "reference_views"),
                (keyword_words, layout.KEYWORD_VECTORS, "embed catalog keywords", "keyword_vectors"),
            )
            for texts, file, label, step in pinned:
                if texts:
                    t0 = time.perf_counter()
                    _embed_queries(cache, embedder, texts, progress, label, tmp / file)
                    timings[f"embed_{step}"] = time.perf_counter() - t0
            cache.save()

            t0 = time.perf_counter()
            task = progress.add_task("lexical index (Kiwi)", total=len(cat.items))
            docs = []
            for item in cat.items:
                docs.append(tokenizer.terms(item_lexical_text(cat, item)))
                progress.advance(task)
            (tmp / layout.LEXICAL).write_text(
                json.dumps(Bm25Index(docs).to_json(), ensure_ascii=False), "utf-8"
            )
            priors = Priors(n_classes=len(cat.items) + 1)
            for j in inputs.judgments:
                priors.add(j.ksic_code, j.st_code, j.item_id, j.weight)
            (tmp / layout.PRIORS).write_text(json.dumps(priors.to_json(), ensure_ascii=False), "utf-8")
            timings["lexical_and_priors"] = time.perf_counter() - t0

            ranker_info: dict[str, object] = {}
            if train_ranker is not None:
                t0 = time.perf_counter()
                ranker_info = train_ranker(inputs, tmp, embedder, progress)
                timings["ranker"] = time.perf_counter() - t0

        vectors = 2 * len(cat.items) + len(lines) + len(inputs.judgments)
        embed_s = timings["embed_items"] + timings["embed_judgments"]
        manifest = Manifest(
            build_id=build_id,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            catalog_version=inputs.catalog.version_id,
            catalog_path=str(inputs.catalog_path),
            judgments_sha256=judgments_sha256(inputs.judgments_path) if inputs.judgments_path.name else "",
            judgments_path=str(inputs.judgments_path),
            embedder_id=embedder.id,
            embedder_dim=embedder.dim,
            counts={
                "themes": len(cat.themes),
                "fields": len(cat.fields),
                "items": len(cat.items),
                "judgments": len(inputs.judgments),
                "judgments_bad_rows": inputs.bad_rows,
                "vectors": vectors,
            },
            timings_s={
                **{k: round(v, 3) for k, v in timings.items()},
                "vectors_per_s": round(vectors / embed_s, 1) if embed_s else 0.0,
            },
            ranker=ranker_info,
        )
        manifest.write(tmp)
        final = root / build_id
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    layout.switch_current(root, final)
    layout.clean_stale(root, keep=keep)
    return BuildResult(final, manifest)
