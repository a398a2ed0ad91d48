"""Save a reviewer's final choice for a recorded run, then teach the live classifier at once.

Only the key that classified the run (or a maintainer) may decide it. The decision joins the live
classifier with its agreement weight (`store/agreement.py`): the decisions that agree with it
are re-weighed at the same time. A maintainer may withdraw a decision: it stays in the store,
marked, and leaves the live classifier and every later rebuild.
"""

from __future__ import annotations

import json
import logging

from api.auth.principal import Principal
from api.errors import ApiError
from api.state import ServiceState
from api.validation import FieldProblem, InputInvalid, blank_message, lookup_item, normalize_item_code
from catalog.judgments import NONE_LABEL
from catalog.model import Catalog
from store.decision_judgments import judgment_id, weighted_judgments
from store.records import DecisionAction, DecisionRecord, NewDecision, PersonalFields, RunRecord
from store.repository import DecisionAlreadyWithdrawn, DecisionConflict, DecisionNotFound, RunNotFound

logger = logging.getLogger("innogrowth.api.decisions")

NOT_OWNER_MESSAGE = (
    "분류 실행 {run_id}번은 다른 사용자가 분류한 건입니다. 분류한 심사역 본인 또는 관리자만 "
    "판정을 저장할 수 있습니다."
)


def resolve_final_item(catalog: Catalog, code: str) -> str:
    """An item id (from an id or official code) or NONE; 422 when blank or neither."""
    wanted = normalize_item_code(code)
    if not wanted:
        blank = FieldProblem("final_item_id", "blank", blank_message("final_item_id"))
        raise InputInvalid([blank])
    if wanted == NONE_LABEL:
        return NONE_LABEL
    item = lookup_item(catalog, wanted)
    if item is None:
        raise ApiError(
            422,
            "validation_error",
            f"최종 품목 '{code.strip()}'는 현재 분류체계에 없는 품목입니다.",
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


def may_decide(run: RunRecord, principal: Principal) -> bool:
    """The key that classified the run, or a maintainer (runs recorded before owners were: only a
    maintainer)."""
    if principal.role == "maintainer":
        return True
    return bool(run.created_by_key) and run.created_by_key == principal.key_id


def _not_found(run_id: int) -> ApiError:
    return ApiError(404, "not_found", f"분류 실행 {run_id}번을 찾을 수 없습니다.", field="run_id")


def save_decision(
    state: ServiceState,
    catalog: Catalog,
    *,
    run_id: int,
    personal: PersonalFields,
    final_code: str,
    comment: str,
    principal: Principal,
) -> DecisionRecord:
    run = state.store.get_run(run_id)
    if run is None:
        raise _not_found(run_id)
    if not may_decide(run, principal):
        raise ApiError(403, "not_run_owner", NOT_OWNER_MESSAGE.format(run_id=run_id), field="run_id")
    final_item_id = resolve_final_item(catalog, final_code)
    try:
        record = state.store.save_decision(
            NewDecision(
                run_id=run_id,
                personal=personal,
                final_item_id=final_item_id,
                action=action_for(run, final_item_id),
                reviewer=principal.name,
                reviewer_key=principal.key_id,
                comment=comment.replace("\x00", "").strip(),
            )
        )
    except RunNotFound as exc:
        raise _not_found(run_id) from exc
    except DecisionConflict as exc:
        raise ApiError(
            409, "conflict", f"분류 실행 {run_id}번의 판정은 이미 저장되어 있습니다.", field="run_id"
        ) from exc
    added = teach(state, record)
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


def agreeing_judgments(state: ServiceState, record: DecisionRecord) -> list[DecisionRecord]:
    """The decisions (withdrawn ones included) on the same technical text as `record`."""
    return state.store.decisions_sharing_text([record.text_key])


def teach(state: ServiceState, record: DecisionRecord) -> bool:
    """Put the decision and those that agree with it, re-weighed, into the live classifier."""
    try:
        group = [r for r in agreeing_judgments(state, record) if r.final_item_id == record.final_item_id]
        if all(r.id != record.id for r in group):
            group.append(record)
        return state.classifiers.apply_judgments(weighted_judgments(group, state.config.decision_weight))
    except Exception as exc:  # the decision is saved; the next reload or rebuild folds it in regardless
        failure = {"event": "add_judgment_failed", "error": type(exc).__name__}
        logger.error("live index update failed", extra=failure)
        return False


def withdraw_decision(state: ServiceState, decision_id: int, *, by: str, reason: str) -> DecisionRecord:
    """Mark the decision withdrawn, take it out of the live classifier, re-weigh those that agreed."""
    try:
        record = state.store.withdraw_decision(decision_id, by, reason.replace("\x00", "").strip())
    except DecisionNotFound as exc:
        raise ApiError(404, "not_found", f"판정 {decision_id}번을 찾을 수 없습니다.") from exc
    except DecisionAlreadyWithdrawn as exc:
        raise ApiError(409, "conflict", f"판정 {decision_id}번은 이미 철회되었습니다.") from exc
    removed = False
    try:
        removed = state.classifiers.withdraw_judgment(judgment_id(record.id))
        teach_group_of(state, record)
    except Exception as exc:  # withdrawn in the store: the next reload leaves it out regardless
        failure = {"event": "withdraw_failed", "error": type(exc).__name__}
        logger.error("live index withdrawal failed", extra=failure)
    logger.info(
        "decision withdrawn",
        extra={"event": "decision_withdrawn", "decision_id": record.id, "removed_from_live_index": removed},
    )
    return record


def teach_group_of(state: ServiceState, record: DecisionRecord) -> None:
    """Re-weigh the decisions that agreed with a withdrawn one."""
    group = [r for r in agreeing_judgments(state, record) if r.final_item_id == record.final_item_id]
    state.classifiers.apply_judgments(weighted_judgments(group, state.config.decision_weight))
