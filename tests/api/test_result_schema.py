"""The typed result in OpenAPI: the models match what the API returns, key for key."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pydantic import BaseModel

from api.result_schema import (
    BatchLineOut,
    CandidateOut,
    EvidenceOut,
    KeywordOut,
    LlmOut,
    RecommendationOut,
    ResultOut,
)
from api.schemas import ClassifyResponse
from catalog.company_fields import TECHNICAL_FIELDS
from rag.result import Candidate, ClassificationResult, Evidence, Keyword, LlmRun, Recommendation
from tests.support.api_fixtures import (
    ApiHarness,
    api_build,
    company,
    harness,
    module_classifier,
    small_catalog_file,
)

__all__ = ["api_build", "harness", "module_classifier", "small_catalog_file"]


def names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def field_names(record: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(record)]


def same_json(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types all the way down (1 and 1.0 differ), keys in order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_the_models_mirror_the_result_dataclasses_key_for_key() -> None:
    assert names(ResultOut) == [*field_names(ClassificationResult), "decision_label", "predicted_label"]
    assert names(RecommendationOut) == field_names(Recommendation)
    assert names(EvidenceOut) == field_names(Evidence)
    assert names(KeywordOut) == field_names(Keyword)
    assert names(CandidateOut) == field_names(Candidate)
    assert names(LlmOut) == field_names(LlmRun)
    run = LlmRun("answered", None, "smollm2", "v2+abc", 1, 812.5, 900, 40, 880, "server", 3000, 8, 10, 40, 3)
    assert LlmOut.model_validate(dataclasses.asdict(run)).model_dump() == dataclasses.asdict(run)


def test_a_real_classify_answer_validates_strictly_and_is_the_recorded_result(harness: ApiHarness) -> None:
    r = harness.classify(company())
    assert r.status_code == 200, r.text
    body = r.json()
    ClassifyResponse.model_validate(body)
    result = ResultOut.model_validate(body["result"])
    assert result.recommendations and result.recommendations[0].evidence
    assert ResultOut.model_config.get("extra") == "forbid"
    run = harness.store.get_run(body["run_id"])
    assert run is not None
    # the JSON answered is the JSON recorded from ClassificationResult.to_dict(), types included
    assert same_json(body["result"], json.loads(run.result_json))
    assert list(body["company"]) == list(TECHNICAL_FIELDS)


def test_every_batch_line_validates_against_its_documented_model(harness: ApiHarness) -> None:
    rows = [{"id": "a", **company()}, {"id": "b", "ksic_code": "29280"}, "not an object"]
    r = harness.client.post("/v1/classify/batch", json=rows, headers=harness.headers("api"))
    assert r.status_code == 200
    lines = [json.loads(line) for line in r.text.splitlines() if line.strip()]
    kinds = [type(BatchLineOut.model_validate(line).root).__name__ for line in lines]
    assert kinds == ["BatchResultLine", "BatchErrorLine", "BatchErrorLine", "BatchSummaryLine"]


def test_openapi_describes_the_recommendations(harness: ApiHarness) -> None:
    spec = harness.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    answer = spec["paths"]["/v1/classify"]["post"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"]["$ref"] == "#/components/schemas/ClassifyResponse"
    assert schemas["ClassifyResponse"]["properties"]["result"]["$ref"] == "#/components/schemas/ResultOut"
    result = schemas["ResultOut"]
    assert result["additionalProperties"] is False
    assert (
        result["properties"]["recommendations"]["items"]["$ref"] == "#/components/schemas/RecommendationOut"
    )
    recommendation = schemas["RecommendationOut"]["properties"]
    for key in ("item_code", "confidence", "evidence", "rationale", "keywords"):
        assert recommendation[key]["description"], key
    assert recommendation["evidence"]["items"]["$ref"] == "#/components/schemas/EvidenceOut"
    assert set(schemas["EvidenceOut"]["properties"]) == {
        "id",
        "kind",
        "item_id",
        "text",
        "line",
        "similarity",
    }
    assert schemas["VersionsOut"]["required"] == [
        "catalog",
        "build",
        "embedder",
        "ranker",
        "prompt",
        "llm_model",
    ]
    batch = spec["paths"]["/v1/classify/batch"]["post"]["responses"]["200"]["content"]["application/x-ndjson"]
    assert batch["itemSchema"]["$ref"] == "#/components/schemas/BatchLineOut"
    assert "BatchResultLine" in schemas and "BatchSummaryLine" in schemas
