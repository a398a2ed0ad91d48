"""적용원칙: businesses that are not innovation-growth even when their goods are.

Not applicable when the company only wholesales/retails innovation-growth items, only earns
merchandise sales from them, or only supplies general-purpose goods to such companies.

The rules decide only the clear cases; everything else the cues (`rag/none_cues.py`) hand to the
NONE model as features, so that a 유통기한 라벨 printer, an X-ray 화물 검색기 or a 콜드체인 물류
로봇 maker is read on its whole text rather than forced to 해당 없음 by one word.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.reference import KsicLookup
from rag.company import CompanyRecord
from rag.none_cues import CueFinding, find_cues


@dataclass(frozen=True)
class RuleFinding:
    wholesale_ksic: bool
    cues: CueFinding

    @property
    def distribution_text(self) -> bool:
        return self.cues.distribution or self.cues.merchandise

    @property
    def value_creation_text(self) -> bool:
        return self.cues.value_creation

    @property
    def distribution_only(self) -> bool:
        """Distribution or merchandise words and no sign of own making, development or service."""
        return self.distribution_text and not self.value_creation_text

    @property
    def general_purpose_supplier(self) -> bool:
        """General-purpose goods made to customers' specifications, nothing developed of its own."""
        c = self.cues
        return c.general_purpose and c.contract_work and not c.development

    def verdict(self) -> tuple[str, str] | None:
        """(decision, Korean reason) when a rule applies, else None."""
        if self.wholesale_ksic and not self.value_creation_text:
            return (
                "not_applicable",
                "적용원칙: 업종코드가 도·소매업(KSIC 45~47)이고 자체 제조·개발 내용이 없어 "
                "혁신성장 품목 영위로 보기 어렵습니다.",
            )
        c = self.cues
        if self.distribution_only and (c.merchandise or c.no_own_development or c.distribution_terms >= 2):
            return (
                "not_applicable",
                "적용원칙: 기재 내용이 유통·판매(수입 판매, 상품매출)만을 나타내고 자체 제조·개발이 "
                "없어 혁신성장 품목 영위로 보기 어렵습니다.",
            )
        if self.general_purpose_supplier:
            return (
                "not_applicable",
                "적용원칙: 범용 제품을 고객 규격대로 공급하는 내용만 있어 혁신성장 품목 영위로 "
                "보기 어렵습니다.",
            )
        if self.wholesale_ksic:
            return (
                "review",
                "적용원칙 확인 필요: 업종코드는 도·소매업이나 제조·개발 관련 내용이 있어 "
                "실제 영위 여부를 검토해야 합니다.",
            )
        return None


def check_rules(record: CompanyRecord, ksic: KsicLookup, normalized_ksic: str) -> RuleFinding:
    return RuleFinding(
        wholesale_ksic=bool(normalized_ksic) and ksic.is_wholesale_or_retail(normalized_ksic),
        cues=find_cues(record.business_text()),
    )
