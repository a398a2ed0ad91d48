"""The company record the classifier sees: only the six technical fields, never personal data."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from catalog.judgments import Judgment

TEXT_FIELDS = ("main_products", "product_use", "tech_business_name", "industry_name")
FIELD_LABELS = {
    "ksic_code": "업종코드",
    "industry_name": "업종명",
    "main_products": "주요제품",
    "product_use": "제품용도",
    "tech_business_name": "기술사업명",
    "st_code": "기술분류",
}


@dataclass(frozen=True)
class CompanyRecord:
    ksic_code: str = ""
    industry_name: str = ""
    main_products: str = ""
    product_use: str = ""
    tech_business_name: str = ""
    st_code: str = ""

    @classmethod
    def from_judgment(cls, j: Judgment) -> CompanyRecord:
        return cls(
            j.ksic_code, j.industry_name, j.main_products, j.product_use, j.tech_business_name, j.st_code
        )

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> CompanyRecord:
        return cls(**{k: str(data.get(k) or "").strip() for k in FIELD_LABELS})

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def business_text(self) -> str:
        """What the company does in its own words (products, use, technology business)."""
        parts = [self.main_products, self.product_use, self.tech_business_name]
        return ". ".join(p for p in parts if p)

    def full_text(self) -> str:
        """Own words plus the industry name: the text embedded for retrieval."""
        parts = [self.business_text(), self.industry_name]
        return ". ".join(p for p in parts if p)

    def own_fields(self) -> dict[str, str]:
        """The free-text fields a contributing keyword may come from."""
        return {k: getattr(self, k) for k in TEXT_FIELDS if getattr(self, k)}
