"""A build persists each vector index as a llama-index store and loads it back with its nodes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from catalog.judgments import Judgment
from catalog.reference import KsicLookup, StLookup
from index_build import layout
from index_build.artifacts import BuildArtifacts, load_current
from index_build.build_resources import resources_from_build
from index_build.builder import BuildInputs, build_index
from rag.korean_tokens import KoreanTokenizer
from rag.llama_retrieval import LlamaVectorIndex
from rag.vector_index import FaissVectorIndex
from tests.support.fakes import HashingEmbedder

VECTOR_FILES = (layout.ITEMS_INDEX, layout.ITEM_NAMES_INDEX, layout.LINES_INDEX, layout.JUDGMENTS_INDEX)


@pytest.fixture(scope="module")
def fake() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, small_inputs: BuildInputs, fake: HashingEmbedder) -> Path:
    return build_index(small_inputs, fake, tmp_path_factory.mktemp("llama-builds"), show_progress=False).path


def _load(build: Path, small_inputs: BuildInputs, fake: HashingEmbedder) -> BuildArtifacts:
    return load_current(build.parent, embedder_id=fake.id, catalog_version=small_inputs.catalog.version_id)


def test_build_writes_docstore_index_store_and_vectors(built: Path) -> None:
    for name in VECTOR_FILES:
        store = layout.llama_store_dir(built, name)
        assert (built / name).is_file()
        assert (store / "docstore.json").is_file() and (store / "index_store.json").is_file()
    assert json.loads((built / layout.LLAMA_STORES).read_text("utf-8")) == {"vector_store": "faiss"}


def test_round_trip_keeps_citation_ids_metadata_and_numbers(
    built: Path, small_inputs: BuildInputs, fake: HashingEmbedder
) -> None:
    arts = _load(built, small_inputs, fake)
    cat = small_inputs.catalog
    assert isinstance(arts.line_index, LlamaVectorIndex)
    assert arts.item_index.node_ids == [i.id for i in cat.items] == arts.item_ids
    # catalog lines are cited `IG012#L3`; an item's vocabulary passage is line 0, `IG012#V`
    assert arts.line_index.node_ids == [f"{i}#L{n}" if n else f"{i}#V" for i, n in arts.line_refs]
    assert sum(1 for _, n in arts.line_refs if n == 0) == sum(1 for i in cat.items if i.vocabulary)
    assert arts.judgment_index.node_ids == [f"J:{j.id}" for j in small_inputs.judgments]
    for row in (2, 3):  # the first item's third line, then its vocabulary passage
        item_id, n = arts.line_refs[row]
        meta = arts.line_index.node(row).metadata
        assert (meta["item_id"], meta["line"], meta["source"]) == (
            item_id,
            n,
            "catalog" if n else "vocabulary",
        )
    assert [n for _, n in arts.line_refs[:4]] == [1, 2, 3, 0]
    assert arts.judgment_index.node(0).metadata["weight"] == small_inputs.judgments[0].weight
    queries = fake.embed_queries(["전력 반도체", "의료 영상 진단 소프트웨어"])
    for name, index in ((layout.ITEMS_INDEX, arts.item_index), (layout.JUDGMENTS_INDEX, arts.judgment_index)):
        plain = FaissVectorIndex.load(built / name)
        for k in (1, 5, index.size):
            want, got = plain.search(queries, k), index.search(queries, k)
            assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])


def test_saved_decision_joins_and_leaves_the_llama_judgment_index(
    built: Path, small_inputs: BuildInputs, fake: HashingEmbedder
) -> None:
    arts = _load(built, small_inputs, fake)
    res = resources_from_build(
        small_inputs.catalog, arts, fake, KsicLookup.load(), StLookup.load(), KoreanTokenizer()
    )
    item = small_inputs.catalog.items[2]
    j = Judgment("SAVED1", "", "", "초전도 선재 케이블", "", "", "", item.id, weight=2.0)
    vec = fake.embed_passages(["초전도 선재 케이블"])[0]
    before = res.judgment_index.size
    res.add_judgment(j, vec)
    index = res.judgment_index
    assert isinstance(index, LlamaVectorIndex)
    assert index.size == before + 1 and index.node_ids[-1] == "J:SAVED1"
    assert index.node(before).metadata["weight"] == 2.0
    assert res.search_judgments(vec, 1)[0][0].id == "SAVED1"
    fold = res.restricted_to([j.id for j in res.judgments[:5]] + ["SAVED1"])
    assert isinstance(fold.judgment_index, LlamaVectorIndex)
    assert fold.judgment_index.node_ids == [f"J:{x.id}" for x in fold.judgments]
    assert res.withdraw_judgment("SAVED1")
    assert isinstance(res.judgment_index, LlamaVectorIndex)
    assert res.judgment_index.size == before and "J:SAVED1" not in res.judgment_index.node_ids
    assert all(x.id != "SAVED1" for x, _ in res.search_judgments(vec, 5))
    assert np.array_equal(res.judgment_index.reconstruct_all(), res.judgment_vectors)
