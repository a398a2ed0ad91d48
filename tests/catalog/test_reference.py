from __future__ import annotations

from catalog.reference import KsicLookup, StLookup


def test_ksic_lookup_names_parents_and_notes() -> None:
    k = KsicLookup.load()
    assert k.is_valid_11("26211")
    assert k.name("26211") == "액정 표시장치 제조업"
    assert k.parents("26211") == ["2621", "262", "26"]
    assert "액정" in k.note_text("26211")
    assert not k.is_valid_11("99999")
    assert k.is_wholesale_or_retail("46510")


def test_ksic10_codes_map_to_11() -> None:
    k = KsicLookup.load()
    changed = next(old for old, new in k.ksic10_to_11.items() if new[0] != old)
    code, how = k.normalize(changed)
    assert how == "ksic10" and code == k.ksic10_to_11[changed][0]
    assert k.normalize("26211") == ("26211", "ksic11")
    assert k.normalize("262") == ("262", "prefix")
    assert k.normalize("00000") == (None, "unknown")


def test_st_codes_format_and_major_class() -> None:
    s = StLookup.load()
    assert s.check("EE0101") is None
    assert "형식" in (s.check("EE01") or "")
    assert s.check("EE01", require_full=False) is None
    assert "대분류" in (s.check("ZZ0101") or "")
    assert s.describe("LA01").startswith("생명과학")
