"""Company records whose candidate keywords exercise the keyword rules (shared by the keyword tests)."""

from __future__ import annotations

from rag.company import CompanyRecord

# compounds of several fields that overlap one another (자율주행차 / 라이다 센서 / 리튬이온 배터리 팩 /
# 리튬이온 양극재): which of them a keyword list may hold at once
MIXED = CompanyRecord(
    ksic_code="28114",
    main_products="산업용 자율주행차 라이다 센서",
    product_use="물체를 3차원 인식하는 리튬이온 배터리 팩",
    tech_business_name="리튬이온 양극재 개발",
    st_code="EF0101",
)
