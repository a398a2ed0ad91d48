"""Korean labels of the fields the API and pages name in messages, and batch-file headers.

The company fields themselves (names, labels, kinds, limits) are declared once in
`catalog/company_fields.py`; this module adds the decision fields of screen 2.
"""

from __future__ import annotations

from catalog.company_fields import FIELD_LABELS as COMPANY_FIELD_LABELS
from catalog.company_fields import header_aliases

FIELD_LABELS: dict[str, str] = {
    **COMPANY_FIELD_LABELS,
    "final_item_id": "최종 품목",
    "comment": "의견",
    "run_id": "분류 실행 번호",
}

KOREAN_HEADER_ALIASES: dict[str, str] = {
    **{label: name for name, label in FIELD_LABELS.items()},
    **header_aliases(),
}
"""Batch-file column names → API names: the Korean labels and the company fields' other headers."""

MAX_COMMENT_CHARS = 2000
MAX_ID = 2_147_483_647
"""Largest row id (PostgreSQL INTEGER); larger ids are refused before they reach the database."""


def label(field: str) -> str:
    return FIELD_LABELS.get(field, field)
