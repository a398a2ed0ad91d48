"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis, ASGI, in-process).

Valid and invalid requests (positive and negative generation) with a maintainer key, so that
every operation gets past authentication: none may answer 5xx, every error uses the envelope,
and the JSON answers match their declared schema. `FUZZ_EXAMPLES` bounds the examples per
operation (default 25; raise it for a longer run).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import response_schema_conformance

from api.auth.keys import create_key
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier
from store.factory import open_store
from tests.support.api_fixtures import api_build, module_classifier, settings_for, small_catalog_file

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def fuzz_target(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> tuple[FastAPI, str]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    app_settings = settings_for(data_dir, small_catalog_file, api_build)
    store = open_store(app_settings.resolved_database_url())
    key = create_key(store, name="fuzzer", role="maintainer").plaintext
    app = create_app(
        app_settings, classifier=module_classifier, classifier_loader=lambda: module_classifier, store=store
    )
    return app, key


@pytest.fixture(scope="module")
def api_schema(fuzz_target: tuple[FastAPI, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_target[0])


def test_the_schema_covers_the_json_api(api_schema: Any) -> None:
    paths = {op.ok().path for op in api_schema.get_all_operations()}
    assert {"/v1/classify", "/v1/classify/batch", "/v1/decisions", "/v1/admin/reload", "/ready"} <= paths


def fuzz_operation(operation: Any, mode: GenerationMode, key: str, seen: Counter[int]) -> None:
    @settings(
        max_examples=FUZZ_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {key}"})
        seen[response.status_code] += 1
        where = f"{case.method} {case.formatted_path}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["code"] and error["message"] and error["request_id"], response.text[:300]
        elif (response.headers.get("content-type") or [""])[0].startswith("application/json"):
            case.validate_response(response, checks=[response_schema_conformance])

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_5xx(
    api_schema: Any, fuzz_target: tuple[FastAPI, str], mode: GenerationMode
) -> None:
    failures: list[str] = []
    seen: Counter[int] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        try:
            fuzz_operation(operation, mode, fuzz_target[1], seen)
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                failures.append(
                    f"{operation.method.upper()} {operation.path}: no valid request could be generated"
                )
        except Exception as exc:  # every operation is fuzzed; all failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n".join(failures)
    assert sum(seen.values()) >= len(operations), seen
    if mode is GenerationMode.POSITIVE:
        assert any(200 <= status < 300 for status in seen), seen
