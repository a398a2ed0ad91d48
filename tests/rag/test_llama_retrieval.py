"""The llama-index retrieval seam: citation-id nodes, same numbers as plain FAISS, adds, offline."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from catalog.judgments import Judgment
from catalog.model import Catalog
from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.llama_nodes import (
    CitedPassage,
    item_passages,
    judgment_passages,
    line_passages,
    text_nodes,
)
from rag.llama_retrieval import LlamaVectorIndex
from rag.passages import item_line_passages, item_passage, item_vocabulary_passage, judgment_passage
from rag.rationale import supporting_judgments
from rag.vector_index import FaissVectorIndex
from rag.vector_stores import vector_store_kind
from tests.support.fakes import HashingEmbedder

ROOT = Path(__file__).resolve().parents[2]


def _unit(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _passages(n: int) -> list[CitedPassage]:
    return [
        CitedPassage(f"J:V{i}", f"회사 {i}", {"item_id": f"IG{i % 7:03d}", "weight": 1.0}) for i in range(n)
    ]


def test_line_nodes_are_cited_lines_with_their_metadata(small_catalog: Catalog) -> None:
    lines = line_passages(small_catalog)
    item = small_catalog.items[0]
    expected = item_line_passages(small_catalog, item)
    mine = [p for p in lines if p.metadata["item_id"] == item.id and p.metadata["source"] == "catalog"]
    assert [(p.id, p.text) for p in mine] == [(f"{item.id}#L{n}", t) for n, t in expected]
    vocabulary = [
        p for p in lines if p.metadata["item_id"] == item.id and p.metadata["source"] == "vocabulary"
    ]
    assert [(p.id, p.metadata["line"], p.text) for p in vocabulary] == [
        (f"{item.id}#V", 0, item_vocabulary_passage(small_catalog, item))
    ]
    first = mine[0]
    n = int(first.metadata["line"])
    assert first.metadata["kind"] == item.described_lines()[n - 1].kind
    assert (first.metadata["field_id"], first.metadata["theme_id"]) == (item.field_id, item.theme_id)
    assert first.metadata["source"] == "catalog"
    assert item_passages(small_catalog)[0].text == item_passage(small_catalog, item)


def test_metadata_stays_out_of_the_embedded_text(small_catalog: Catalog) -> None:
    from llama_index.core.schema import MetadataMode

    lines = line_passages(small_catalog)[:3]
    nodes = text_nodes(lines, _unit(3, 8, 0))
    for node, p in zip(nodes, lines, strict=True):
        assert node.node_id == p.id and node.metadata == p.metadata
        assert node.get_content(metadata_mode=MetadataMode.EMBED) == p.text
        assert node.get_content(metadata_mode=MetadataMode.LLM) == p.text


def test_judgment_nodes_are_cited_as_the_product_cites_them(small_catalog: Catalog) -> None:
    item = small_catalog.items[1]
    j = Judgment("V7643", "26410", "반도체", "전력 반도체", "", "", "", item.id, weight=0.5, source="dev")
    (p,) = judgment_passages([j], small_catalog)
    (evidence,) = supporting_judgments(item.id, [(j, 0.9)])
    assert p.id == evidence.id == "J:V7643"
    assert p.text == judgment_passage(j)
    assert p.metadata == {
        "item_id": item.id,
        "field_id": item.field_id,
        "theme_id": item.theme_id,
        "kind": "judgment",
        "weight": 0.5,
        "source": "judgment",
        "origin": "dev",
    }
    none = Judgment("V1", "46", "도매", "", "", "", "", "NONE")
    assert judgment_passages([none], small_catalog)[0].metadata["field_id"] == ""


@pytest.mark.parametrize("direct", [True, False])
def test_same_ids_and_scores_as_plain_faiss(direct: bool) -> None:
    vectors, queries = _unit(300, 48, 1), _unit(5, 48, 2)
    plain = FaissVectorIndex.build(vectors, 48)
    llama = LlamaVectorIndex.build(_passages(300), vectors, 48, direct=direct)
    for k in (1, 10, 300, 1000):
        want_scores, want_ids = plain.search(queries, k)
        scores, ids = llama.search(queries, k)
        assert np.array_equal(ids, want_ids)
        assert np.array_equal(scores, want_scores)
    assert np.array_equal(llama.reconstruct_all(), plain.reconstruct_all())


def test_runtime_add_and_keep_rows_behave_as_plain_faiss() -> None:
    vectors, extra = _unit(20, 16, 3), _unit(2, 16, 4)
    plain = FaissVectorIndex.build(vectors, 16)
    llama = LlamaVectorIndex.build(_passages(20), vectors, 16)
    added = [CitedPassage("J:new1", "새 판정", {"item_id": "IG001"}), CitedPassage("J:new2", "또", {})]
    plain.add(extra)
    llama.add(extra, added)
    assert llama.size == 22 and llama.node_ids[-2:] == ["J:new1", "J:new2"]
    _, ids = llama.search(extra[:1], 1)
    assert int(ids[0][0]) == 20 and llama.node(20).metadata == {"item_id": "IG001"}
    rows = [21, 0, 5, 20]
    kept_plain, kept = plain.keep_rows(rows), llama.keep_rows(rows)
    assert kept.node_ids == ["J:new2", "J:V0", "J:V5", "J:new1"]
    assert kept.node(0).get_content() == "또"
    for k in (1, 4):
        (scores, ids), (want_scores, want_ids) = kept.search(extra, k), kept_plain.search(extra, k)
        assert np.array_equal(ids, want_ids) and np.array_equal(scores, want_scores)
    empty = llama.keep_rows([])
    assert empty.size == 0 and empty.search(extra, 3)[1].shape == (2, 0)


def test_llama_retriever_embeds_text_with_our_embedder() -> None:
    fake = HashingEmbedder(dim=32)
    texts = ["전력 반도체 소자", "바이오 의약품", "자율주행 센서", "태양광 모듈"]
    passages = [CitedPassage(f"IG{i:03d}", t, {"item_id": f"IG{i:03d}"}) for i, t in enumerate(texts)]
    index = LlamaVectorIndex.build(passages, fake.embed_passages(texts), 32, embedder=fake)
    found = index.retriever(2).retrieve("반도체 소자")
    scores, ids = index.search(fake.embed_queries(["반도체 소자"]), 2)
    assert [n.node.node_id for n in found] == [index.node_ids[int(i)] for i in ids[0]]
    assert [n.score for n in found] == pytest.approx([float(s) for s in scores[0]])


def test_unknown_vector_store_is_refused() -> None:
    with pytest.raises(ValueError, match="pgvector"):
        vector_store_kind("pgvector")


def _no_network(*_: object, **__: object) -> None:
    raise OSError("network blocked by the test")


def test_classify_and_llama_retrieval_never_touch_the_network(
    small_classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    record = CompanyRecord(industry_name="오프라인 검사", main_products="리튬이온 배터리 양극재")
    result = small_classifier.classify(record, use_llm=False)
    assert result.decision
    index = small_classifier.resources.item_index
    assert isinstance(index, LlamaVectorIndex)
    assert index.retriever(3).retrieve("배터리 양극재")


def test_importing_and_using_llama_index_needs_no_network() -> None:
    script = f"""
import socket, sys
sys.path.insert(0, {str(ROOT)!r})
def boom(*a, **k):
    raise OSError("network blocked")
socket.socket.connect = boom
socket.create_connection = boom
from tests.support.fakes import HashingEmbedder
from rag.llama_nodes import CitedPassage
from rag.llama_retrieval import LlamaVectorIndex
fake = HashingEmbedder(dim=16)
texts = ["가", "나다"]
index = LlamaVectorIndex.build(
    [CitedPassage("IG001#L1", texts[0]), CitedPassage("IG001#L2", texts[1])],
    fake.embed_passages(texts), 16, embedder=fake)
print(index.retriever(1).retrieve("나다")[0].node.node_id)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "IG001#L2"


def test_importing_the_classifier_does_not_import_llama_index() -> None:
    code = (
        "import sys, rag.classifier, index_build.artifacts, index_build.builder;"
        " print(any('llama_index' in m for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
