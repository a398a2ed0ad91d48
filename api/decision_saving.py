"""Save a reviewer's final choice for a recorded run, then teach the live classifier at once."""

from __future__ import annotations

import json
import logging

from api.errors import ApiError
from api.state import ServiceState
from api.store.decision_judgments import decision_as_judgment
from api.store.records import DecisionAction, DecisionRecord, NewDecision, PersonalFields, RunRecord
from api.store.repository import DecisionConflict, RunNotFound
from catalog.judgments import NONE_LABEL
from catalog.model import Catalog

logger = logging.getLogger("innogrowth.api.decisions")


def resolve_final_item(catalog: Catalog, code: str) -> str:
    """An item id (from an id or official code) or NONE; 422 when it is neither."""
    code = code.strip()
    if code.upper() == NONE_LABEL:
        return NONE_LABEL
    item = catalog.resolve_item(code)
    if item is None:
        raise ApiError(
            422,
            "validation_error",
            f"최종 품목 '{code}'는 현재 분류체계에 없는 품목입니다.",
            field="final_item_id",
        )
    return item.id


def recommended_ids(run: RunRecord) -> list[str]:
    result = json.loads(run.result_json)
    return [str(r["item_id"]) for r in result.get("recommendations", [])]


def action_for(run: RunRecord, final_item_id: str) -> DecisionAction:
    if final_item_id == NONE_LABEL:
        return "none"
    return "accepted" if final_item_id in recommended_ids(run) else "changed"


def save_decision(
    state: ServiceState,
    catalog: Catalog,
    *,
    run_id: int,
    personal: PersonalFields,
    final_code: str,
    comment: str,
    reviewer: str,
    reviewer_key: str,
) -> DecisionRecord:
    run = state.store.get_run(run_id)
    if run is None:
        raise ApiError(404, "not_found", f"분류 실행 {run_id}번을 찾을 수 없습니다.", field="run_id")
    final_item_id = resolve_final_item(catalog, final_code)
    try:
        record = state.store.save_decision(
            NewDecision(
                run_id=run_id,
                personal=personal,
                final_item_id=final_item_id,
                action=action_for(run, final_item_id),
                reviewer=reviewer,
                reviewer_key=reviewer_key,
                comment=comment.replace("\x00", "").strip(),
            )
        )
    except RunNotFound as exc:
        raise ApiError(404, "not_found", f"분류 실행 {run_id}번을 찾을 수 없습니다.", field="run_id") from exc
    except DecisionConflict as exc:
        raise ApiError(
            409, "conflict", f"분류 실행 {run_id}번의 판정은 이미 저장되어 있습니다.", field="run_id"
        ) from exc
    try:
        added = state.classifiers.add_judgment(decision_as_judgment(record))
    except Exception as exc:  # the decision is saved; the next rebuild folds it in regardless
        failure = {"event": "add_judgment_failed", "error": type(exc).__name__}
        logger.error("live index update failed", extra=failure)
        added = False
    logger.info(
        "decision saved",
        extra={
            "event": "decision_saved",
            "decision_id": record.id,
            "run_id": run_id,
            "final_item_id": final_item_id,
            "action": record.action,
            "added_to_live_index": added,
        },
    )
    return record
