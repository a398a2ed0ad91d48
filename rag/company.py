"""The company record the classifier sees: only the six technical fields, never personal data.

The fields are the ones `catalog/company_fields.py` declares (`TECHNICAL_FIELDS`, in that order).
The classifier reads the four text fields in its own order, `TEXT_ASSEMBLY_ORDER`: the company's
own words (주요제품, 제품용도, 기술사업명) first and the industry name (업종명) last. The embedded
text (`business_text`, `full_text`) is joined in this order and keyword attribution walks the
fields in this order (`own_fields`), so changing it changes answers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from catalog import company_fields
from catalog.company_fields import TECHNICAL_FIELDS, reordered
from catalog.judgments import Judgment

OWN_WORDS_FIELDS = ("main_products", "product_use", "tech_business_name")
"""What the company does in its own words: every text field but the industry name."""
TEXT_ASSEMBLY_ORDER = reordered((*OWN_WORDS_FIELDS, "industry_name"), company_fields.TEXT_FIELDS)
TEXT_FIELDS = TEXT_ASSEMBLY_ORDER
"""The text fields in the classifier's order (the name rag/ modules import)."""
FIELD_LABELS: dict[str, str] = {name: company_fields.FIELD_LABELS[name] for name in TECHNICAL_FIELDS}


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
        return cls(**{k: getattr(j, k) for k in TECHNICAL_FIELDS})

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> CompanyRecord:
        return cls(**{k: str(data.get(k) or "").strip() for k in TECHNICAL_FIELDS})

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def business_text(self) -> str:
        """What the company does in its own words (products, use, technology business)."""
        parts = [getattr(self, k) for k in OWN_WORDS_FIELDS]
        return ". ".join(p for p in parts if p)

    def full_text(self) -> str:
        """Own words plus the industry name: the text embedded for retrieval."""
        parts = [self.business_text(), self.industry_name]
        return ". ".join(p for p in parts if p)

    def own_fields(self) -> dict[str, str]:
        """The free-text fields a contributing keyword may come from, in `TEXT_ASSEMBLY_ORDER`."""
        return {k: getattr(self, k) for k in TEXT_ASSEMBLY_ORDER if getattr(self, k)}
