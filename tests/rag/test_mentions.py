"""Explicit mentions of an item's name, alias or example products."""

from __future__ import annotations

import numpy as np

from catalog.model import Catalog
from rag.mentions import MentionIndex, example_terms, item_aliases, squash


def test_aliases_split_parenthesised_names() -> None:
    assert item_aliases("라이다(LIDAR)") == ["라이다(LIDAR)", "라이다", "LIDAR"]
    assert "ADAS" in item_aliases("첨단운전자지원시스템(ADAS: Advanced Driver Assistance System)")


def test_squash_ignores_spaces_and_dots() -> None:
    assert squash("자율 주행·차") == "자율주행차"


def _positions(index: MentionIndex, catalog: Catalog, text: str) -> tuple[set[str], set[str]]:
    names, examples, _ = index.scores(text)
    ids = [i.id for i in catalog.items]
    return {ids[i] for i in np.flatnonzero(names)}, {ids[i] for i in np.flatnonzero(examples)}


def test_latin_alias_is_a_whole_word_any_case(full_catalog: Catalog) -> None:
    index = MentionIndex(full_catalog, [i.id for i in full_catalog.items])
    lidar = next(i.id for i in full_catalog.items if i.name == "라이다(LIDAR)")
    named, _ = _positions(index, full_catalog, "차량용 FMCW LiDAR 센서")
    assert lidar in named
    named, _ = _positions(index, full_catalog, "차량용 FMCW 라이다 센서")
    assert lidar in named
    ess = next(i.id for i in full_catalog.items if i.name == "에너지저장장치(ESS)")
    assert ess not in _positions(index, full_catalog, "ACCESS control")[0]
    assert ess in _positions(index, full_catalog, "산업용 ESS 구축")[0]


def test_example_products_are_found(full_catalog: Catalog) -> None:
    item = next(i for i in full_catalog.items if example_terms(i))
    term = example_terms(item)[0]
    index = MentionIndex(full_catalog, [i.id for i in full_catalog.items])
    assert item.id in _positions(index, full_catalog, f"당사는 {term} 를 생산")[1]
    assert item.id not in _positions(index, full_catalog, "전혀 관계없는 문장")[1]
