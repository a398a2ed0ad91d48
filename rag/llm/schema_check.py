"""A validator for the JSON-Schema subset that the answer schema uses (no third-party dependency).

Size caps (`maxItems`, `maxLength`) can be left to the caller, which truncates instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUPPORTED_KEYWORDS = frozenset(
    {
        "$schema", "title", "description", "type", "enum", "properties", "required",
        "additionalProperties", "items", "minItems", "maxItems", "minLength", "maxLength",
    }
)  # fmt: skip

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}


def unsupported_keywords(schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """Keywords of `schema` this validator does not understand (empty when it covers them all)."""
    found = [f"{path}.{k}" for k in schema if k not in SUPPORTED_KEYWORDS]
    for name, sub in (schema.get("properties") or {}).items():
        found += unsupported_keywords(sub, f"{path}.properties.{name}")
    if isinstance(schema.get("items"), Mapping):
        found += unsupported_keywords(schema["items"], f"{path}.items")
    return found


def schema_errors(
    value: Any, schema: Mapping[str, Any], *, caps: bool = True, enums: bool = True, path: str = "$"
) -> list[str]:
    """Every way `value` breaks `schema`, as `path: message` lines (empty when it conforms)."""
    expected = schema.get("type")
    if expected is not None and not _is_type(value, expected):
        return [f"{path}: expected {expected}, got {type(value).__name__}"]
    errors: list[str] = []
    if enums and "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of the allowed values")
    if isinstance(value, dict):
        errors += _object_errors(value, schema, caps=caps, enums=enums, path=path)
    elif isinstance(value, list):
        errors += _array_errors(value, schema, caps=caps, enums=enums, path=path)
    elif isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if caps and "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']}")
    return errors


def _is_type(value: Any, expected: str) -> bool:
    if isinstance(value, bool) and expected in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[expected])


def _object_errors(
    value: dict[str, Any], schema: Mapping[str, Any], *, caps: bool, enums: bool, path: str
) -> list[str]:
    props: Mapping[str, Any] = schema.get("properties") or {}
    errors = [f"{path}: missing {k!r}" for k in schema.get("required", ()) if k not in value]
    if schema.get("additionalProperties") is False:
        errors += [f"{path}: unexpected {k!r}" for k in value if k not in props]
    for key, sub in props.items():
        if key in value:
            errors += schema_errors(value[key], sub, caps=caps, enums=enums, path=f"{path}.{key}")
    return errors


def _array_errors(
    value: list[Any], schema: Mapping[str, Any], *, caps: bool, enums: bool, path: str
) -> list[str]:
    errors: list[str] = []
    if len(value) < schema.get("minItems", 0):
        errors.append(f"{path}: fewer than {schema['minItems']} items")
    if caps and "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{path}: more than {schema['maxItems']} items")
    if isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], caps=caps, enums=enums, path=f"{path}[{i}]")
    return errors
