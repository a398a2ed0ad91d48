"""The catalog's vocabulary (`Item.vocabulary`): the applicants' words an item's text lacks, searched
by BM25, embedded as one passage per item, and counted as mentions; never cited as catalog text."""

from __future__ import annotations

import numpy as np

from catalog.diff import diff_catalogs
from catalog.loader import dump_catalog, parse_catalog
from catalog.model import Catalog
from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.llama_nodes import line_passages
from rag.mentions import MentionIndex
from rag.passages import VOCABULARY_LINE, item_lexical_text, item_passage, item_vocabulary_passage
from rag.rationale import supporting_lines
from rag.signals import compute_signals


def _without_vocabulary(catalog: Catalog) -> Catalog:
    raw = dump_catalog(catalog)
    for item in raw["items"]:
        item["vocabulary"] = []
    return parse_catalog(raw, expect_counts=False)


def test_every_packaged_item_has_a_vocabulary_of_its_own_words(full_catalog: Catalog) -> None:
    for item in full_catalog.items:
        assert len(item.vocabulary) >= 12, item.id
        assert len({w.lower() for w in item.vocabulary}) == len(item.vocabulary), item.id
        assert all(w.strip() == w and 0 < len(w) <= 20 for w in item.vocabulary), item.id


def test_vocabulary_is_part_of_the_catalog_version(full_catalog: Catalog) -> None:
    bare = _without_vocabulary(full_catalog)
    assert bare.version_id != full_catalog.version_id
    diff = diff_catalogs(bare, full_catalog)
    assert {new.id for _, new in diff.redescribed} == {i.id for i in full_catalog.items}


def test_vocabulary_goes_into_the_lexical_text_and_the_item_passage(full_catalog: Catalog) -> None:
    rtls = next(i for i in full_catalog.items if i.name.startswith("실시간 위치추적"))
    assert "비콘" in rtls.vocabulary and "비콘" not in " ".join(ln.text for ln in rtls.described_lines())
    assert "비콘" in item_lexical_text(full_catalog, rtls)
    assert "비콘" in item_passage(full_catalog, rtls)
    assert (item_vocabulary_passage(full_catalog, rtls) or "").startswith(f"{rtls.name} (")
    bare = _without_vocabulary(full_catalog)
    assert item_vocabulary_passage(bare, bare.item_by_id[rtls.id]) is None
    assert "비콘" not in item_lexical_text(bare, bare.item_by_id[rtls.id])


def test_the_vocabulary_passage_is_line_0_and_never_cited(full_catalog: Catalog) -> None:
    passages = line_passages(full_catalog)
    vocab = [p for p in passages if p.metadata["kind"] == "vocabulary"]
    assert len(vocab) == len(full_catalog.items)
    assert all(p.metadata["line"] == VOCABULARY_LINE and p.id.endswith("#V") for p in vocab)
    assert all(p.metadata["source"] == "vocabulary" for p in vocab)
    item = full_catalog.items[0]
    terms = [set() for _ in item.described_lines()]
    cited = supporting_lines(item, set(), terms, closest_line=VOCABULARY_LINE)
    assert [e.line for e in cited] == [1]  # the first definition line, not the vocabulary


def test_vocabulary_mentions_count_whole_latin_words(full_catalog: Catalog) -> None:
    ids = [i.id for i in full_catalog.items]
    index = MentionIndex(full_catalog, ids)
    rtls = ids.index(next(i.id for i in full_catalog.items if i.name.startswith("실시간 위치추적")))
    _, _, hits = index.scores("BLE 비콘과 UWB 앵커로 실내측위")
    assert hits[rtls] == 3  # capped at 3 of the 4 words named
    _, _, hits = index.scores("TABLE 비품 관리")  # BLE inside TABLE is no mention
    assert hits[rtls] == 0
    _, _, bare_hits = MentionIndex(_without_vocabulary(full_catalog), ids).scores(
        "BLE 비콘과 UWB 앵커로 실내측위"
    )
    assert not bare_hits.any()


def test_a_product_named_only_in_vocabulary_words_finds_its_item(small_classifier: Classifier) -> None:
    """BIM software described by the file formats and tools of the trade (IFC, Revit, Navisworks),
    none of which the catalog text uses: the vocabulary puts 3차원 건설정보 모델링(BIM) first."""
    res = small_classifier.resources
    bim = next(i for i in small_classifier.catalog.items if i.name.startswith("3차원 건설정보"))
    catalog_text = " ".join(ln.text for ln in bim.described_lines())
    assert not any(w in catalog_text for w in ("IFC", "Revit", "Navisworks"))
    record = CompanyRecord(
        main_products="IFC 부재정보 협업 클라우드",
        product_use="Revit·IFC 파일의 부재 속성을 웹에서 열람하고 Navisworks 간섭 검토 결과를 공유함",
        tech_business_name="IFC 객체속성 연동 협업 플랫폼",
    )
    sig = compute_signals(record, res, small_classifier.cache)
    pos = res.item_position[bim.id]
    assert sig.vocabulary_mention[pos] >= 2
    assert sig.ranking("lexical")[0] == pos
    assert int(np.argmax(sig.vocabulary_mention)) == pos
    result = small_classifier.classify(record, use_llm=False)
    assert result.recommendations[0].item_id == bim.id
    cited = {e.id for r in result.recommendations for e in r.evidence}
    assert not any(c.endswith("#V") for c in cited)


def test_multi_word_latin_vocabulary_matches_any_spacing_and_case(full_catalog: Catalog) -> None:
    ids = [i.id for i in full_catalog.items]
    embedded = ids.index(next(i.id for i in full_catalog.items if i.name == "임베디드 소프트웨어"))
    assert {"ISO 26262", "ARM Cortex-M"} <= set(full_catalog.items[embedded].vocabulary)
    index = MentionIndex(full_catalog, ids)
    _, _, hits = index.scores("iso26262 대응 arm cortex-m 기반 제어기")
    assert hits[embedded] == 2
    _, _, hits = index.scores("XISO 26262 표준 ARM Cortex-MX")  # inside longer Latin words: none
    assert hits[embedded] == 0
