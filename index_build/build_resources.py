"""A loaded build's artefacts as the retrieval resources `rag/` scores with."""

from __future__ import annotations

import numpy as np

from catalog.model import Catalog
from catalog.reference import KsicLookup, StLookup
from index_build.artifacts import BuildArtifacts
from rag.embedder import Embedder
from rag.korean_tokens import KoreanTokenizer
from rag.resources import RetrievalResources


def resources_from_build(
    catalog: Catalog,
    arts: BuildArtifacts,
    embedder: Embedder,
    ksic: KsicLookup,
    st: StLookup,
    tokenizer: KoreanTokenizer,
) -> RetrievalResources:
    position = {item_id: i for i, item_id in enumerate(arts.item_ids)}
    for index in (arts.item_index, arts.judgment_index):  # text queries through llama-index
        index.attach_embedder(embedder)
    return RetrievalResources(
        catalog=catalog,
        embedder=embedder,
        item_ids=arts.item_ids,
        item_vectors=arts.item_index.reconstruct_all(),
        item_index=arts.item_index,
        item_name_vectors=arts.item_name_index.reconstruct_all(),
        line_vectors=arts.line_index.reconstruct_all(),
        line_item=np.array([position[item_id] for item_id, _ in arts.line_refs], dtype=np.int64),
        line_numbers=[n for _, n in arts.line_refs],
        judgments=list(arts.judgments),
        judgment_vectors=arts.judgment_index.reconstruct_all(),
        judgment_index=arts.judgment_index,
        lexical=arts.lexical,
        priors=arts.priors,
        ksic=ksic,
        st=st,
        tokenizer=tokenizer,
        build_id=arts.manifest.build_id,
    )
