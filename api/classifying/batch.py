"""Classify batch rows into output lines; a bad row becomes an error line, never an abort.

`classify_rows` is the batch path of the CLI and the API: rows are validated and embedded a chunk
at a time (every record of a chunk in one embedding call, `Classifier.prefetch`), and the next
chunk is embedded on a helper thread while this one is ranked, so that the embedding worker's core
and the ranking core are busy at the same time. Lines come out in input order, one per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from api.classifying.batch_rows import BatchRow
from api.classifying.request import classify_company
from api.errors import ApiError, input_invalid_error
from api.validation import InputInvalid, ReferenceLists, Strictness, ValidCompany, validate_company
from rag.classifier import Classifier

CHUNK_ROWS = 16  # rows embedded together; the next chunk is embedded while this one is ranked

Line = dict[str, Any]


def _validated(row: BatchRow, refs: ReferenceLists) -> ValidCompany | Line:
    """The row's company, or its error line."""
    head: Line = {"line": row.line, "id": row.id}
    if row.data is None:
        return {**head, "ok": False, "error": {"code": "unreadable_row", "message": row.error, "field": None}}
    try:
        return validate_company(row.data, refs, require_personal=False, strictness=Strictness.BATCH)
    except InputInvalid as exc:
        err = input_invalid_error(exc)
        error = {"code": err.code, "message": err.message, "field": err.field, "details": err.details}
        return {**head, "ok": False, "error": error}


def _classified(row: BatchRow, company: ValidCompany, classifier: Classifier, *, use_llm: bool) -> Line:
    head: Line = {"line": row.line, "id": row.id}
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


def classify_row(row: BatchRow, classifier: Classifier, refs: ReferenceLists, *, use_llm: bool) -> Line:
    """`{"line", "id", "ok": true, "notes", "company", "result"}` or `{"line", "id", "ok": false, "error"}`.

    Personal fields are optional in batches and never copied to the output.
    """
    company = _validated(row, refs)
    if not isinstance(company, ValidCompany):
        return company
    return _classified(row, company, classifier, use_llm=use_llm)


def _prepare(
    rows: Sequence[BatchRow], classifier: Classifier, refs: ReferenceLists
) -> list[ValidCompany | Line]:
    """Validate a chunk and embed every text its valid rows will look up, in one call."""
    checked = [_validated(row, refs) for row in rows]
    classifier.prefetch([c.record for c in checked if isinstance(c, ValidCompany)])
    return checked


def classify_rows(
    rows: Sequence[BatchRow],
    classifier: Classifier,
    refs: ReferenceLists,
    *,
    use_llm: bool,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[Line]:
    """One line per row, in order (what `classify_row` gives for each), embedding ahead."""
    chunks = [rows[i : i + chunk_rows] for i in range(0, len(rows), chunk_rows)]
    if not chunks:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="batch-embed-ahead") as ahead:
        pending: Future[list[ValidCompany | Line]] = ahead.submit(_prepare, chunks[0], classifier, refs)
        for index, chunk in enumerate(chunks):
            checked = pending.result()
            if index + 1 < len(chunks):
                pending = ahead.submit(_prepare, chunks[index + 1], classifier, refs)
            for row, company in zip(chunk, checked, strict=True):
                if isinstance(company, ValidCompany):
                    yield _classified(row, company, classifier, use_llm=use_llm)
                else:
                    yield company
