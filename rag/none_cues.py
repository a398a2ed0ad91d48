"""What reviewers read in a company's own words when they decide 해당 없음 under the 적용원칙.

Each cue is a family of phrases, found in the text's clauses; they feed the NONE model as
features and the 적용원칙 rules (`rag/application_rules.py`) for the clear cases only.

- distribution: 도매, 총판, 대리점, 수입 판매, 재판매, 판권 (not 유통기한)
- contract_work: 임가공, 주문 규격대로, 고객(사) 도면, OEM, 위탁 생산
- general_purpose: 범용, 일반 규격, KS 규격, 특수 기능이 없는
- no_own_development: 자체 개발·제조·연구 … 없음 / 하지 않음, 연구소가 없음
- merchandise: 완제품으로 매입, 상품 매출, 로고 부착만, 표시사항만 부착
- value_creation: 자체 개발, 설계, 연구, 제조, 특허, 솔루션 … in a clause that does not negate
  (`development`: the same without plain production — making general-purpose goods to a
  customer's drawing is production, not development)
  it (`제품 개발이나 소프트웨어는 하지 않음` is not development); `제조사` (the goods' makers)
  and `제조업체` are other companies, not the company's own manufacturing
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CUE_NAMES = (
    "cue_distribution",
    "cue_contract_work",
    "cue_general_purpose",
    "cue_no_own_development",
    "cue_merchandise",
    "cue_value_creation",
)

DISTRIBUTION = re.compile(
    r"(도매|소매|유통(?!기한)|총판|대리점|판매\s*대행|수입(해|하여|한|\s*판매|\s*유통|\s*도매|업)|수출입|"
    r"무역|중개|위탁\s*판매|재판매|리셀|판권|쇼핑몰\s*판매)"
)
CONTRACT_WORK = re.compile(
    r"(임가공|주문\s*(규격|사양)|고객(사)?\s*(의\s*)?(도면|규격|사양)|고객(사)?가\s*제공|OEM|"
    r"위탁\s*(생산|제조)|외주\s*생산|하청|주문\s*(생산|제작))",
    re.IGNORECASE,
)
GENERAL_PURPOSE = re.compile(
    r"(범용|일반\s*(규격|용|적인|산업용|자동차|건설)|KS\s*규격|규격품|표준\s*규격|특수\s*기능이?\s*없|"
    r"단순\s*(조립|가공)|시중\s*(LED|부품|제품)|구매한\s*\S+\s*조립)",
    re.IGNORECASE,
)
NO_OWN_DEVELOPMENT = re.compile(
    r"((자체|직접)\s*\S{0,6}\s*(개발|제조|생산|연구|설계)\S{0,12}\s*(없|않)|연구소[가는]?\s*없|"
    r"(개발|제조소|연구소)\S{0,6}\s*(이나|와|과)?\s*\S{0,12}\s*(없|하지\s*않)|직접\s*수행하지\s*않|"
    r"기술지원은\s*\S+\s*이관)"
)
MERCHANDISE = re.compile(
    r"(완제품(을|으로)?\s*(매입|구매|수입|들여)|매입(해|하여)|상품\s*매출|로고\s*부착|표시사항만|"
    r"라이선스\S*\s*\S{0,10}재판매|OEM\s*상품|전량\s*\S*\s*OEM)",
    re.IGNORECASE,
)
DEVELOPMENT = re.compile(
    r"(개발|설계|연구|솔루션|플랫폼|소프트웨어|SW|시스템\s*구축|알고리즘|특허|기술)", re.IGNORECASE
)
PRODUCTION = re.compile(r"(제조(?!사|업체|\s*업체|원)|생산|가공|조립|제작)")
NEGATION = re.compile(r"(없|않|아님|아닌|불가)")
CLAUSES = re.compile(r"[.;!?\n]|(?<=[다함음됨])\s|,\s")


def clauses(text: str) -> list[str]:
    return [c for c in CLAUSES.split(text) if c and c.strip()]


def _affirmed(pattern: re.Pattern[str], text: str) -> bool:
    return any(pattern.search(c) and not NEGATION.search(c) for c in clauses(text))


def has_development(text: str) -> bool:
    """Own development, design or software, in a clause that does not negate it."""
    return _affirmed(DEVELOPMENT, text)


def has_value_creation(text: str) -> bool:
    """Own making, development or service, in a clause that does not negate it."""
    return has_development(text) or _affirmed(PRODUCTION, text)


@dataclass(frozen=True)
class CueFinding:
    distribution: bool
    contract_work: bool
    general_purpose: bool
    no_own_development: bool
    merchandise: bool
    value_creation: bool
    development: bool
    distribution_terms: int = 0  # distinct distribution phrases (수입, 총판, 도매 … count apart)

    def values(self) -> list[float]:
        """In the order of CUE_NAMES."""
        return [
            float(self.distribution),
            float(self.contract_work),
            float(self.general_purpose),
            float(self.no_own_development),
            float(self.merchandise),
            float(self.value_creation),
        ]


def find_cues(text: str) -> CueFinding:
    return CueFinding(
        distribution=bool(DISTRIBUTION.search(text)),
        distribution_terms=len({m.group(0).replace(" ", "") for m in DISTRIBUTION.finditer(text)}),
        contract_work=bool(CONTRACT_WORK.search(text)),
        general_purpose=bool(GENERAL_PURPOSE.search(text)),
        no_own_development=bool(NO_OWN_DEVELOPMENT.search(text)),
        merchandise=bool(MERCHANDISE.search(text)),
        value_creation=has_value_creation(text),
        development=has_development(text),
    )
