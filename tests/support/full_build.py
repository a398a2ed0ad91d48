"""The full packaged catalog and both packaged development sets, built once per session (slow).

INNOGROWTH_TEST_FULL_BUILD_CACHE=<dir> keeps the build between local runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from catalog.judgments import packaged_judgments_dir
from catalog.loader import load_catalog, packaged_catalog_path
from catalog.reference import KsicLookup, StLookup
from index_build import layout
from index_build.artifacts import load_current
from index_build.build_resources import resources_from_build
from index_build.builder import build_index, read_inputs
from index_build.embedding_cache import EmbeddingCache
from index_build.manifest import FORMAT_VERSION, Manifest
from index_build.ranker_training import fit_ranker, train_ranker_for_build
from rag.classifier import Classifier
from rag.embedder import Embedder
from rag.korean_tokens import KoreanTokenizer
from rag.ranker import Ranker


def _usable(root: Path, catalog_version: str, embedder_id: str) -> bool:
    current = layout.current_build(root)
    if current is None:
        return False
    m = Manifest.read(current)
    return (m.format_version, m.catalog_version, m.embedder_id) == (
        FORMAT_VERSION,
        catalog_version,
        embedder_id,
    )


@pytest.fixture(scope="session")
def full_build_root(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    cache = os.environ.get("INNOGROWTH_TEST_FULL_BUILD_CACHE")
    root = Path(cache) if cache else tmp_path_factory.mktemp("full-build")
    inputs = read_inputs(packaged_catalog_path(), packaged_judgments_dir())
    if not _usable(root, inputs.catalog.version_id, embedder.id):
        build_index(inputs, embedder, root, show_progress=False, train_ranker=train_ranker_for_build)
    return root


def load_full_classifier(root: Path, embedder: Embedder) -> Classifier:
    """A fresh classifier over the full build (tests that add judgments get their own)."""
    catalog = load_catalog(packaged_catalog_path())
    arts = load_current(root, embedder_id=embedder.id, catalog_version=catalog.version_id)
    res = resources_from_build(catalog, arts, embedder, KsicLookup.load(), StLookup.load(), KoreanTokenizer())
    # query vectors through the build root's embedding cache, which the build's ranker training
    # filled with every judgment's views: retraining on a subset embeds nothing again
    vectors = EmbeddingCache(root, embedder.id, embedder.dim)
    return Classifier(
        res, Ranker.from_json(arts.ranker), cache=vectors.query_cache(embedder), trainer=fit_ranker
    )
