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


LEGAL_FORMS = ("주식회사", "유한회사", "합자회사", "합명회사", "(주)", "㈜", "(유)", "(합)", "(사)", "(재)")
"""Kept visible around a masked company name: they say nothing about which company it is."""


def mask_company_name(value: str) -> str:
    """`이노로보틱스(주)` → `이****스(주)`, `(주)한빛` → `(주)한*`: the name without its legal form is
    masked like a person's name (first and last character kept), the legal form is kept."""
    name = value.strip()
    prefix = suffix = ""
    for form in LEGAL_FORMS:
        if name.startswith(form) and name[len(form) :].strip():
            prefix, name = form, name[len(form) :]
            break
    for form in LEGAL_FORMS:
        if name.endswith(form) and name[: -len(form)].strip():
            suffix, name = form, name[: -len(form)]
            break
    lead = name[: len(name) - len(name.lstrip())]
    trail = name[len(name.rstrip()) :]
    return prefix + lead + mask_person_name(name.strip()) + trail + suffix
