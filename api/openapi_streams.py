"""/openapi.json for streamed answers: the model of each JSON line of a JSON Lines body.

FastAPI documents a `StreamingResponse` body as an opaque media type; this adds the line's model
as the media type's `itemSchema` (as FastAPI itself does for `application/jsonl` generator
endpoints) and the model and everything it uses to `components/schemas`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF_TEMPLATE = "#/components/schemas/{model}"


def describe_json_lines(app: FastAPI, path: str, media_type: str, line: type[BaseModel]) -> None:
    """Every 200 answer of `path` in `media_type` is JSON lines, each one a `line`."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        _, defs = models_json_schema([(line, "serialization")], ref_template=REF_TEMPLATE)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in defs.get("$defs", {}).items():
            components.setdefault(name, definition)
        for operation in schema["paths"][path].values():
            content = operation["responses"]["200"].setdefault("content", {})
            content[media_type] = {"itemSchema": {"$ref": REF_TEMPLATE.format(model=line.__name__)}}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
