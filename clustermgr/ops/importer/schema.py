"""The values schema an import writes: inferred from the values every cluster was given."""

from __future__ import annotations

import re
from typing import Any

from clustermgr.ops.importer.sources import Path_

_CIDR = r"^[0-9a-fA-F:.]+/[0-9]{1,3}$"


_VERSION = r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"


def _schema(
    values: dict[str, dict[str, Any]], fields: dict[str, tuple[str, Path_]]
) -> dict[str, Any]:
    names: list[str] = []
    for data in values.values():
        names += [k for k in data if k not in names]
    props = {}
    for name in names:
        seen = [data[name] for data in values.values() if name in data]
        props[name] = _infer(seen, name, fields)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Cluster values",
        "description": "Inferred by clustermgr import from the imported clusters.",
        "type": "object",
        "additionalProperties": False,
        "required": [n for n in names if all(n in d for d in values.values())],
        "properties": props,
    }


def _infer(seen: list[Any], name: str, fields: dict[str, tuple[str, Path_]]) -> dict[str, Any]:
    kind, path = fields.get(name, ("", ()))
    where = ".".join(path)
    description = f"{kind} {where}".strip() if where else f"value {name}"
    item_fields = {k[len(name) + 3 :]: v for k, v in fields.items() if k.startswith(f"{name}[].")}
    return _infer_as(seen, description, item_fields)


def _infer_as(
    seen: list[Any], description: str, item_fields: dict[str, tuple[str, Path_]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    types = {_json_type(v) for v in seen}
    if len(types) != 1:
        out["type"] = sorted(types)
        return out
    (only,) = types
    out["type"] = only
    if only == "string":
        distinct = sorted(set(seen))
        if all(re.match(_CIDR, v) for v in distinct):
            out["pattern"] = _CIDR
        elif all(re.match(_VERSION, v) for v in distinct):
            out["pattern"] = _VERSION
        elif 1 < len(distinct) <= 4 and len(seen) > len(distinct):
            out["enum"] = distinct
    elif only == "array":
        items = [x for v in seen for x in v]
        if items:
            out["items"] = _infer_as(items, f"an item of {description}", item_fields)
    elif only == "object":
        keys: list[str] = []
        for data in seen:
            keys += [k for k in data if k not in keys]
        out["additionalProperties"] = False
        out["required"] = [k for k in keys if all(k in d for d in seen)]
        out["properties"] = {}
        for key in keys:
            kind, path = item_fields.get(key, ("", ()))
            sub = f"{kind} {'.'.join(path)}" if path else f"{description}: {key}"
            out["properties"][key] = _infer_as([d[key] for d in seen if key in d], sub, {})
    return out


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"
