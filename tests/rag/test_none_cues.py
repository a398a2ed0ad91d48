"""적용원칙 cues and rules: clear cases decide, one word does not."""

from __future__ import annotations

import pytest

from catalog.reference import KsicLookup
from rag.application_rules import check_rules
from rag.company import CompanyRecord
from rag.none_cues import find_cues, has_value_creation


@pytest.fixture(scope="module")
def ksic() -> KsicLookup:
    return KsicLookup.load()


def _verdict(ksic: KsicLookup, code: str, products: str, use: str, tech: str = "") -> str | None:
    record = CompanyRecord(ksic_code=code, main_products=products, product_use=use, tech_business_name=tech)
    v = check_rules(record, ksic, code).verdict()
    return v[0] if v else None


# Innovation-growth makers whose text holds a distribution-like word: never forced to 해당 없음.
FALSE_POSITIVES = [
    ("18119", "유통기한 자동 인쇄 라벨", "식품 포장에 유통기한과 로트번호를 인쇄하는 스마트 라벨을 생산함"),
    ("29199", "X-ray 화물 검색기", "수출입 화물 컨테이너를 X-ray로 투시해 위험물을 자동 판독하는 검색 장비"),
    ("26329", "POS 단말기", "매장 상품 판매 시 결제와 재고를 관리하는 POS 단말기와 관리 프로그램"),
    ("29280", "콜드체인 물류 로봇", "냉동 유통 창고에서 상품을 자율주행으로 운반하는 물류 로봇을 제작"),
]


@pytest.mark.parametrize(("code", "products", "use"), FALSE_POSITIVES)
def test_distribution_words_alone_do_not_force_none(
    ksic: KsicLookup, code: str, products: str, use: str
) -> None:
    assert _verdict(ksic, code, products, use) is None


def test_expiry_date_is_not_distribution() -> None:
    assert not find_cues("유통기한 라벨 인쇄").distribution
    assert find_cues("의료기기 유통 전문 기업").distribution


def test_importer_with_no_own_development_is_not_applicable(ksic: KsicLookup) -> None:
    use = "유럽 제조사의 HIFU 미용기기를 독점 수입해 국내 피부과에 판매함. 제품 개발이나 제조는 하지 않음."
    assert _verdict(ksic, "46592", "수입 HIFU 미용기기 유통", use) == "not_applicable"


def test_merchandise_only_outside_wholesale_code_is_not_applicable(ksic: KsicLookup) -> None:
    use = "협력사가 만든 무선충전 패드를 완제품으로 매입해 자사 브랜드로 판매합니다. 자체 개발 제품은 없음."
    assert _verdict(ksic, "26299", "무선충전 패드(OEM 상품)", use) == "not_applicable"


def test_general_purpose_supplier_rule(ksic: KsicLookup) -> None:
    use = "KS 규격 볼트를 고객사 도면에 따라 생산해 배터리 업체에 납품함. 자체 설계나 개발은 없음."
    assert _verdict(ksic, "25941", "육각볼트", use) == "not_applicable"


def test_wholesale_code_with_own_development_asks_for_review(ksic: KsicLookup) -> None:
    use = "서빙로봇의 자율주행 소프트웨어를 자체 개발해 공급함"
    assert _verdict(ksic, "46539", "서빙로봇", use) == "review"


def test_makers_of_the_goods_are_not_own_manufacturing() -> None:
    assert not has_value_creation("국내 제조사 제품을 매입해 판매")
    assert has_value_creation("라이다 센서를 직접 제조")


def test_negated_development_is_not_development() -> None:
    assert not has_value_creation("제품 개발이나 소프트웨어는 하지 않음")
    assert find_cues("자체 제조소와 연구소가 없음").no_own_development


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("CNC 부품 임가공", "contract_work"),
        ("고객사 도면에 따라 사출", "contract_work"),
        ("중국 OEM 업체가 생산한 완제품을 들여와", "merchandise"),
        ("범용 부품을 공급", "general_purpose"),
        ("총판 계약으로 판매", "distribution"),
    ],
)
def test_cue_families(text: str, cue: str) -> None:
    assert getattr(find_cues(text), cue)
