"""Structural checks of a kOps document against a (reduced) OpenAPI schema.

A small walker instead of a JSON Schema library: the CRD dialect needs adapting anyway
(int-or-string, defaulted `required`, unknown fields as warnings), and it is several times
faster on the large Cluster schema.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from clustermgr.kops.crds import Schema
from clustermgr.kops.rules.registry import Finding
from clustermgr.problems import ERROR, WARNING
from clustermgr.yamlio import YPath

_Found = tuple[str, str, YPath, str]  # level, rule, path, message


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
    "int-or-string": "an integer or a string",
}


def check(value: Any, schema: Schema, unknown_level: str, position: int = 0) -> list[Finding]:
    """Type, pattern, enum and required checks of the document at `position`, and a finding
    of `unknown_level` per field the schema does not know (kOps drops those silently)."""
    found: list[_Found] = []
    _walk(value, schema, (), found)
    return [
        Finding(position, unknown_level if rule == "unknown-field" else level, rule, path, text)
        for level, rule, path, text in found
    ]


# A list filled by plain recursion: every manifest walks some 250 nodes, and generators
# chained through each level cost more than the checks themselves.
def _walk(value: Any, schema: Schema, path: YPath, found: list[_Found]) -> None:
    if value is None:  # JSON null decodes to the zero value in Go: accepted
        return
    kind = schema.get("type")
    if kind and not _is(value, kind):
        expected = _TYPE_NAMES.get(kind, kind)
        found.append((ERROR, "field-type", path, f"expected {expected}, got {_describe(value)}"))
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"])
        message = f"unsupported value {value!r}: must be one of {allowed}"
        found.append((ERROR, "field-value", path, message))
    if (
        isinstance(value, str)
        and "pattern" in schema
        and not _pattern(schema["pattern"]).search(value)
    ):
        message = f"{value!r} does not match {schema['pattern']!r}"
        found.append((ERROR, "field-format", path, message))
    if isinstance(value, dict):
        _walk_object(value, schema, path, found)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                _walk(item, items, (*path, index), found)


def _walk_object(value: dict[str, Any], schema: Schema, path: YPath, found: list[_Found]) -> None:
    properties: dict[str, Schema] = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        known = properties.get(key)
        if known is not None:
            _walk(item, known, (*path, key), found)
        elif isinstance(extra, dict):
            _walk(item, extra, (*path, key), found)
        elif properties:
            found.append((WARNING, "unknown-field", (*path, key), _unknown(key, properties)))
    for name in schema.get("required", ()):
        if name not in value:
            message = f"Required value: {name} must be set"
            found.append((ERROR, "field-required", (*path, name), message))


def _unknown(key: str, known: dict[str, Schema]) -> str:
    import difflib  # noqa: PLC0415  # the error path only

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    hint = f" — did you mean `{close[0]}`?" if close else ""
    return f"kOps ignores unknown field `{key}`{hint}"


def _is(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "int-or-string":
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return True


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    return "a list"


@cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)
