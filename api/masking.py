"""Masking of personal data wherever it is listed or exported."""

from __future__ import annotations

import re


def mask_business_number(value: str) -> str:
    """`123-45-67890` → `123-45-*****` (anything else: all but the first three characters hidden)."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:5]}-*****"
    return value[:3] + "*" * max(len(value) - 3, 0)


def mask_person_name(value: str) -> str:
    """`홍길동` → `홍*동`, `김철` → `김*`, `남궁민수` → `남**수`."""
    name = value.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
