"""적용원칙: businesses that are not innovation-growth even when their goods are.

Not applicable when the company only wholesales/retails innovation-growth items, only earns
merchandise sales from them, or only supplies general-purpose goods to such companies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.reference import KsicLookup
from rag.company import CompanyRecord

DISTRIBUTION = re.compile(
    r"(도매|소매|유통|총판|대리점|판매\s*대행|수입\s*판매|수출입|무역|상품\s*판매|중개|위탁\s*판매|쇼핑몰|리셀)"
)
VALUE_CREATION = re.compile(
    r"(제조|생산|개발|설계|연구|가공|조립|제작|솔루션|플랫폼|소프트웨어|SW|시스템\s*구축|"
    r"서비스\s*운영|특허|기술)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RuleFinding:
    wholesale_ksic: bool
    distribution_text: bool
    value_creation_text: bool

    @property
    def distribution_only(self) -> bool:
        """Distribution words and no sign of own manufacturing, development or service."""
        return self.distribution_text and not self.value_creation_text

    def verdict(self) -> tuple[str, str] | None:
        """(decision, Korean reason) when a rule applies, else None."""
        if self.wholesale_ksic and not self.value_creation_text:
            return (
                "not_applicable",
                "적용원칙: 업종코드가 도·소매업(KSIC 45~47)이고 자체 제조·개발 내용이 없어 "
                "혁신성장 품목 영위로 보기 어렵습니다.",
            )
        if self.distribution_only:
            return (
                "not_applicable",
                "적용원칙: 기재 내용이 유통·판매(도·소매, 상품매출)만을 나타내어 혁신성장 품목 "
                "영위로 보기 어렵습니다.",
            )
        if self.wholesale_ksic:
            return (
                "review",
                "적용원칙 확인 필요: 업종코드는 도·소매업이나 제조·개발 관련 내용이 있어 "
                "실제 영위 여부를 검토해야 합니다.",
            )
        return None


def check_rules(record: CompanyRecord, ksic: KsicLookup, normalized_ksic: str) -> RuleFinding:
    text = record.business_text()
    return RuleFinding(
        wholesale_ksic=bool(normalized_ksic) and ksic.is_wholesale_or_retail(normalized_ksic),
        distribution_text=bool(DISTRIBUTION.search(text)),
        value_creation_text=bool(VALUE_CREATION.search(text)),
    )
