"""The one declaration of the company fields: its order, kinds, labels, aliases and limits."""

from __future__ import annotations

import pytest

from catalog import company_fields as cf
from catalog.judgments import Judgment, parse_row

# literal: the technical order is hashed into stored agreement keys, so it must not move
DECLARED_TECHNICAL = (
    "ksic_code",
    "industry_name",
    "main_products",
    "product_use",
    "tech_business_name",
    "st_code",
)


def test_the_declared_order_and_its_derived_lists() -> None:
    assert (
        "company_name",
        "business_number",
        "representative_name",
        "reference_date",
        *DECLARED_TECHNICAL,
    ) == cf.ALL_INPUT_FIELDS
    assert cf.PERSONAL_FIELDS == ("company_name", "business_number", "representative_name")
    assert cf.TECHNICAL_FIELDS == DECLARED_TECHNICAL
    assert cf.TEXT_FIELDS == ("industry_name", "main_products", "product_use", "tech_business_name")
    assert [f.name for f in cf.technical_fields()] == list(cf.TECHNICAL_FIELDS)
    assert [f.name for f in cf.personal_fields()] == list(cf.PERSONAL_FIELDS)
    assert len(set(cf.ALL_INPUT_FIELDS)) == len(cf.COMPANY_FIELDS)


def test_every_field_has_a_korean_label_a_description_and_the_common_limit() -> None:
    assert cf.FIELD_LABELS["product_use"] == "제품용도" and cf.FIELD_LABELS["st_code"] == "기술분류"
    for field in cf.COMPANY_FIELDS:
        assert field.label and field.description and field.max_chars == cf.MAX_FIELD_CHARS
    assert (cf.MAX_FIELD_CHARS, cf.MAX_TEXT_CHARS, cf.MAX_DISTINCT_WORDS) == (2000, 3000, 300)


def test_batch_headers_name_each_field_by_label_or_alias_without_collisions() -> None:
    aliases = cf.header_aliases()
    assert aliases["주요제품"] == "main_products"
    assert aliases["제품의 용도 및 특성"] == aliases["제품용도 및 특성"] == "product_use"
    assert aliases["업종코드(KSIC)"] == "ksic_code" and aliases["기술분류코드"] == "st_code"
    spelled = [f.label for f in cf.COMPANY_FIELDS] + [a for f in cf.COMPANY_FIELDS for a in f.header_aliases]
    assert len(spelled) == len(set(spelled)) == len(aliases)


def test_reordered_accepts_only_a_permutation_of_the_declared_fields() -> None:
    order = ("main_products", "product_use", "tech_business_name", "industry_name")
    assert cf.reordered(order, cf.TEXT_FIELDS) == order
    for bad in (order[:3], (*order, "st_code"), (*order[:3], "main_products")):
        with pytest.raises(ValueError):
            cf.reordered(bad, cf.TEXT_FIELDS)


def test_a_judgment_lists_the_technical_fields_in_the_declared_order() -> None:
    own = [name for name in Judgment.__dataclass_fields__ if name in cf.ALL_INPUT_FIELDS]
    assert own == list(cf.TECHNICAL_FIELDS)
    j = parse_row({"main_products": "로봇", "ksic_code": "29280", "item_id": "IG001"}, 1, None)
    keys = list(j.to_dict())
    assert keys[1:7] == list(cf.TECHNICAL_FIELDS) and keys[0] == "id" and keys[7] == "item_id"
    with pytest.raises(ValueError, match="industry_name, main_products, product_use, tech_business_name"):
        parse_row({"ksic_code": "29280", "item_id": "IG001"}, 2, None)
