"""Classify one validated company with the live classifier and record the run."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from api.auth.principal import Principal
from api.errors import ApiError
from api.state import ServiceState
from api.validation import ValidCompany
from rag.classifier import Classifier
from rag.llm.protocol import LlmTransportError
from rag.result import ClassificationResult
from store.records import NewRun, RunVersions, TechnicalFields

logger = logging.getLogger("innogrowth.api.classify")

NOT_READY_MESSAGE = (
    "분류 색인이 아직 준비되지 않았습니다. 관리자가 `innogrowth index build` 후 다시 적재해야 합니다."
)


@dataclass(frozen=True)
class RecordedRun:
    run_id: int
    result: ClassificationResult


def live_classifier(state: ServiceState) -> Classifier:
    classifier = state.classifiers.current
    if classifier is None:
        raise ApiError(503, "not_ready", NOT_READY_MESSAGE, details=_load_error(state))
    return classifier


def _load_error(state: ServiceState) -> list[dict[str, str]]:
    error = state.classifiers.load_error
    return [{"reason": error}] if error else []


def classify_company(classifier: Classifier, company: ValidCompany, *, use_llm: bool) -> ClassificationResult:
    """Classify; an LLM failure that escaped the classifier's own fallback becomes 502/504."""
    try:
        return classifier.classify(company.record, use_llm=use_llm)
    except TimeoutError as exc:
        raise ApiError(504, "llm_timeout", "언어모델 서버의 응답 시간이 초과되었습니다.") from exc
    except LlmTransportError as exc:
        raise ApiError(502, "llm_failed", f"언어모델 서버 호출에 실패했습니다({exc.reason}).") from exc


def technical_fields(company: ValidCompany) -> TechnicalFields:
    return TechnicalFields.of(company.record)


def classify_and_record(
    state: ServiceState, company: ValidCompany, *, use_llm: bool, owner: Principal
) -> RecordedRun:
    """Classify and record the run as `owner`'s: only that key (or a maintainer) may decide it."""
    classifier = live_classifier(state)
    result = classify_company(classifier, company, use_llm=use_llm)
    run_id = state.store.save_run(
        NewRun(
            reference_date=company.reference_date,
            company=technical_fields(company),
            result_json=json.dumps(result.to_dict(), ensure_ascii=False),
            decision=result.decision,
            top_item_id=result.top_item_id,
            degraded=result.degraded,
            versions=RunVersions.from_mapping(result.versions),
            timings_json=json.dumps(result.timings_ms),
            created_by_key=owner.key_id,
            created_by_name=owner.name,
        )
    )
    logger.info(
        "classified",
        extra={
            "event": "classified",
            "run_id": run_id,
            "decision": result.decision,
            "top_item_id": result.top_item_id,
            "degraded": result.degraded,
            "total_ms": result.timings_ms.get("total"),
        },
    )
    return RecordedRun(run_id, result)
