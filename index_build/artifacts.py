"""Load a finished build, refusing one that does not match the running settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from catalog.judgments import Judgment, parse_row
from index_build import layout
from index_build.manifest import FORMAT_VERSION, Manifest
from rag.bm25 import Bm25Index
from rag.embedder import Vectors
from rag.llama_retrieval import LlamaVectorIndex
from rag.priors import Priors
from rag.vector_stores import DEFAULT_VECTOR_STORE


class BuildError(RuntimeError):
    """No usable build: missing, incomplete, or built for another embedder or catalog."""


@dataclass
class BuildArtifacts:
    path: Path
    manifest: Manifest
    item_ids: list[str]
    item_index: LlamaVectorIndex
    item_name_index: LlamaVectorIndex
    line_index: LlamaVectorIndex
    line_refs: list[tuple[str, int]]  # per row of line_index: (item id, line number)
    judgments: list[Judgment]
    judgment_index: LlamaVectorIndex
    lexical: Bm25Index
    priors: Priors
    ranker: dict[str, Any] = field(default_factory=dict)
    # the query vectors of every KSIC-note and S&T-name view, embedded by the build (texts, vectors)
    reference_views: tuple[list[str], Vectors] | None = None
    # the query vectors of the catalog's candidate keywords (`rag.keywords.catalog_words`)
    keyword_vectors: tuple[list[str], Vectors] | None = None


def read_pinned_queries(path: Path, name: str = layout.REFERENCE_VIEWS) -> tuple[list[str], Vectors] | None:
    """Query texts and their vectors as the build wrote them (`name`: one of its pinned files)."""
    file = path / name
    if not file.exists():
        return None
    data = np.load(file)
    return [str(t) for t in data["texts"]], np.asarray(data["vectors"], dtype=np.float32)


def read_vector_index(path: Path, vector_file: str, dim: int) -> LlamaVectorIndex:
    """One persisted llama-index store (`index_build.layout.llama_store_dir`): nodes, rows, vectors."""
    stores = path / layout.LLAMA_STORES
    kind = json.loads(stores.read_text("utf-8"))["vector_store"] if stores.exists() else DEFAULT_VECTOR_STORE
    return LlamaVectorIndex.load(
        layout.llama_store_dir(path, vector_file), path / vector_file, dim, kind=kind
    )


def check_compatible(manifest: Manifest, embedder_id: str, catalog_version: str) -> None:
    problems = []
    if manifest.format_version != FORMAT_VERSION:
        problems.append(
            f"its format is version {manifest.format_version}, this release reads {FORMAT_VERSION}"
        )
    if manifest.embedder_id != embedder_id:
        problems.append(f"it was embedded with {manifest.embedder_id!r} but the settings use {embedder_id!r}")
    if manifest.catalog_version != catalog_version:
        problems.append(
            f"it was built for catalog {manifest.catalog_version!r} but the active catalog is "
            f"{catalog_version!r}"
        )
    if problems:
        raise BuildError(
            f"index build {manifest.build_id} cannot be used: "
            + "; ".join(problems)
            + ". Run `innogrowth index build` to rebuild."
        )


def read_artifacts(path: Path, manifest: Manifest) -> BuildArtifacts:
    """Read the artefact files of a build directory (finished or being finished)."""
    meta = json.loads((path / layout.ITEMS_META).read_text("utf-8"))
    judgments = [
        parse_row(json.loads(line), n, None)
        for n, line in enumerate((path / layout.JUDGMENTS_META).read_text("utf-8").splitlines(), 1)
        if line.strip()
    ]
    ranker_path = path / layout.RANKER
    line_meta = json.loads((path / layout.LINES_META).read_text("utf-8"))
    dim = manifest.embedder_dim
    return BuildArtifacts(
        path=path,
        manifest=manifest,
        item_ids=list(meta["item_ids"]),
        item_index=read_vector_index(path, layout.ITEMS_INDEX, dim),
        item_name_index=read_vector_index(path, layout.ITEM_NAMES_INDEX, dim),
        line_index=read_vector_index(path, layout.LINES_INDEX, dim),
        line_refs=[(str(item_id), int(n)) for item_id, n in line_meta["lines"]],
        judgments=judgments,
        judgment_index=read_vector_index(path, layout.JUDGMENTS_INDEX, dim),
        lexical=Bm25Index.from_json(json.loads((path / layout.LEXICAL).read_text("utf-8"))),
        priors=Priors.from_json(json.loads((path / layout.PRIORS).read_text("utf-8"))),
        ranker=json.loads(ranker_path.read_text("utf-8")) if ranker_path.exists() else {},
        reference_views=read_pinned_queries(path),
        keyword_vectors=read_pinned_queries(path, layout.KEYWORD_VECTORS),
    )


def load_build(path: Path, *, embedder_id: str, catalog_version: str) -> BuildArtifacts:
    if not (path / "manifest.json").exists():
        raise BuildError(f"{path} is not a finished index build (no manifest.json)")
    manifest = Manifest.read(path)
    check_compatible(manifest, embedder_id, catalog_version)
    return read_artifacts(path, manifest)


def load_current(root: Path, *, embedder_id: str, catalog_version: str) -> BuildArtifacts:
    path = layout.current_build(root)
    if path is None:
        raise BuildError(f"no index build under {root}. Run `innogrowth index build` first.")
    return load_build(path, embedder_id=embedder_id, catalog_version=catalog_version)
