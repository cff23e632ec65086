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
    _walk(value, _node(schema), (), found)
    return [
        Finding(position, unknown_level if rule == "unknown-field" else level, rule, path, text)
        for level, rule, path, text in found
    ]


class _Node:
    """A schema node read once: the walk visits ~250 nodes per manifest, and asking each
    schema dict for six keys cost more than the checks themselves."""

    __slots__ = (
        "enum",
        "extra",
        "items",
        "kind",
        "not_bool",
        "pattern",
        "plain",
        "properties",
        "required",
        "types",
    )

    def __init__(self, schema: Schema) -> None:
        self.kind: str = schema.get("type") or ""
        self.types: tuple[type, ...] = _TYPES.get(self.kind, ())
        self.not_bool = self.kind in _NOT_BOOL
        self.enum = schema.get("enum")
        pattern = schema.get("pattern")
        self.pattern = _pattern(pattern) if isinstance(pattern, str) else None
        # a scalar is checked by its type alone: the walk does it without a call
        self.plain = self.enum is None and self.pattern is None
        self.properties: dict[str, Schema] = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        self.extra = extra if isinstance(extra, dict) else None
        items = schema.get("items")
        self.items = items if isinstance(items, dict) else None
        self.required: tuple[str, ...] = tuple(schema.get("required", ()))

    def wrong_type(self, value: Any) -> bool:
        return bool(self.types) and (
            not isinstance(value, self.types) or (self.not_bool and isinstance(value, bool))
        )


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "int-or-string": (str, int, float),
}
_NOT_BOOL = frozenset({"integer", "number", "int-or-string"})  # a bool is an int to Python
_NODES: dict[int, tuple[Schema, _Node]] = {}  # by id; the schema is kept, so the id stays its


def _node(schema: Schema) -> _Node:
    found = _NODES.get(id(schema))
    if found is None:
        found = _NODES[id(schema)] = (schema, _Node(schema))
    return found[1]


# A list filled by plain recursion: every manifest walks some 250 nodes, and generators
# chained through each level cost more than the checks themselves.
def _walk(value: Any, node: _Node, path: YPath, found: list[_Found]) -> None:
    if value is None:  # JSON null decodes to the zero value in Go: accepted
        return
    if node.wrong_type(value):
        expected = _TYPE_NAMES.get(node.kind, node.kind)
        found.append((ERROR, "field-type", path, f"expected {expected}, got {_describe(value)}"))
        return
    if node.enum is not None and value not in node.enum:
        allowed = ", ".join(str(v) for v in node.enum)
        message = f"unsupported value {value!r}: must be one of {allowed}"
        found.append((ERROR, "field-value", path, message))
    if node.pattern is not None and isinstance(value, str) and not node.pattern.search(value):
        message = f"{value!r} does not match {node.pattern.pattern!r}"
        found.append((ERROR, "field-format", path, message))
    if isinstance(value, dict):
        _walk_object(value, node, path, found)
    elif isinstance(value, list) and node.items is not None:
        items = _node(node.items)
        for index, item in enumerate(value):
            _walk(item, items, (*path, index), found)


def _walk_object(value: dict[str, Any], node: _Node, path: YPath, found: list[_Found]) -> None:
    properties, extra = node.properties, node.extra
    for key, item in value.items():
        schema = properties.get(key)
        if schema is None:
            if extra is None:
                if properties:
                    found.append(
                        (WARNING, "unknown-field", (*path, key), _unknown(key, properties))
                    )
                continue
            schema = extra
        child = _node(schema)
        if (
            child.plain
            and not isinstance(item, (dict, list))
            and (item is None or not child.wrong_type(item))
        ):
            continue  # a scalar of the right type, nothing else to check
        _walk(item, child, (*path, key), found)
    for name in node.required:
        if name not in value:
            message = f"Required value: {name} must be set"
            found.append((ERROR, "field-required", (*path, name), message))


def _unknown(key: str, known: dict[str, Schema]) -> str:
    import difflib  # noqa: PLC0415  # the error path only

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    hint = f" — did you mean `{close[0]}`?" if close else ""
    return f"kOps ignores unknown field `{key}`{hint}"


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
