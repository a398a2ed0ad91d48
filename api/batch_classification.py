"""Classify one batch row into one output line; a bad row becomes an error line, never an abort."""

from __future__ import annotations

from typing import Any

from api.batch_rows import BatchRow
from api.classification import classify_company
from api.errors import ApiError, input_invalid_error
from api.validation import InputInvalid, ReferenceLists, Strictness, validate_company
from rag.classifier import Classifier


def classify_row(
    row: BatchRow, classifier: Classifier, refs: ReferenceLists, *, use_llm: bool
) -> dict[str, Any]:
    """`{"line", "id", "ok": true, "notes", "company", "result"}` or `{"line", "id", "ok": false, "error"}`.

    Personal fields are optional in batches and never copied to the output.
    """
    head: dict[str, Any] = {"line": row.line, "id": row.id}
    if row.data is None:
        return {**head, "ok": False, "error": {"code": "unreadable_row", "message": row.error, "field": None}}
    try:
        company = validate_company(row.data, refs, require_personal=False, strictness=Strictness.BATCH)
    except InputInvalid as exc:
        err = input_invalid_error(exc)
        error = {"code": err.code, "message": err.message, "field": err.field, "details": err.details}
        return {**head, "ok": False, "error": error}
    try:
        result = classify_company(classifier, company, use_llm=use_llm)
    except ApiError as exc:
        return {**head, "ok": False, "error": {"code": exc.code, "message": exc.message, "field": None}}
    return {
        **head,
        "ok": True,
        "notes": [n.to_dict() for n in company.notes],
        "company": company.record.to_dict(),
        "result": result.to_dict(),
    }
