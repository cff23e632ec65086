"""Structural checks of a kOps document against a (reduced) OpenAPI schema.

A small walker instead of a JSON Schema library: the CRD dialect needs adapting anyway
(int-or-string, defaulted `required`, unknown fields as warnings), and it is several times
faster on the large Cluster schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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


def check(value: Any, schema: Schema, unknown_fields: bool, position: int = 0) -> list[Finding]:
    """Type, pattern, enum and required checks of the document at `position`; with
    `unknown_fields`, a warning per field the schema does not know (kOps drops those
    silently)."""
    return [
        Finding(position, level, rule, path, message)
        for level, rule, path, message in _walk(value, schema, (), unknown_fields)
    ]


def _walk(value: Any, schema: Schema, path: YPath, unknown: bool) -> Iterator[_Found]:
    if value is None:  # JSON null decodes to the zero value in Go: accepted
        return
    kind = schema.get("type")
    if kind and not _is(value, kind):
        expected = _TYPE_NAMES.get(kind, kind)
        yield ERROR, "field-type", path, f"expected {expected}, got {_describe(value)}"
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"])
        yield ERROR, "field-value", path, f"unsupported value {value!r}: must be one of {allowed}"
    if (
        isinstance(value, str)
        and "pattern" in schema
        and not _pattern(schema["pattern"]).search(value)
    ):
        yield ERROR, "field-format", path, f"{value!r} does not match {schema['pattern']!r}"
    if isinstance(value, dict):
        yield from _walk_object(value, schema, path, unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from _walk(item, schema["items"], (*path, index), unknown)


def _walk_object(
    value: dict[str, Any], schema: Schema, path: YPath, unknown: bool
) -> Iterator[_Found]:
    properties: dict[str, Schema] = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key in properties:
            yield from _walk(item, properties[key], (*path, key), unknown)
        elif isinstance(extra, dict):
            yield from _walk(item, extra, (*path, key), unknown)
        elif unknown and properties:
            yield WARNING, "unknown-field", (*path, key), _unknown(key, properties)
    for name in schema.get("required", ()):
        if name not in value:
            yield ERROR, "field-required", (*path, name), f"Required value: {name} must be set"


def _unknown(key: str, known: dict[str, Schema]) -> str:
    import difflib

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


def _s(**props: Schema) -> Schema:
    return {"type": "object", "properties": props}


def _list(item: Schema) -> Schema:
    return {"type": "array", "items": item}


_STR: Schema = {"type": "string"}
_INT: Schema = {"type": "integer"}
_BOOL: Schema = {"type": "boolean"}
_QTY: Schema = {"type": "int-or-string"}
_MAP: Schema = {"type": "object"}
_STR_MAP: Schema = {"type": "object", "additionalProperties": _STR}
_META = _s(name=_STR, namespace=_STR, labels=_STR_MAP, annotations=_STR_MAP, creationTimestamp=_STR)

# Without the CRDs: the fields almost every manifest uses, with their types. Unknown fields are
# not reported against this partial picture.
BUILTIN: dict[str, Schema] = {
    "Cluster": _s(
        apiVersion=_STR,
        kind=_STR,
        metadata=_META,
        spec=_s(
            api=_s(
                dns=_MAP,
                loadBalancer=_s(
                    type={"type": "string", "enum": ["Public", "Internal"]},
                    **{"class": {"type": "string", "enum": ["Classic", "Network"]}},
                ),
            ),
            authorization=_MAP,
            channel=_STR,
            cloudProvider=_STR,
            configBase=_STR,
            etcdClusters=_list(
                _s(
                    name=_STR,
                    cpuRequest=_QTY,
                    memoryRequest=_QTY,
                    etcdMembers=_list(
                        _s(name=_STR, instanceGroup=_STR, encryptedVolume=_BOOL, volumeSize=_INT)
                    ),
                )
            ),
            iam=_s(allowContainerRegistry=_BOOL, legacy=_BOOL),
            kubelet=_s(anonymousAuth=_BOOL, maxPods=_INT),
            kubernetesApiAccess=_list(_STR),
            kubernetesVersion=_STR,
            masterPublicName=_STR,
            networkCIDR=_STR,
            additionalNetworkCIDRs=_list(_STR),
            networking=_MAP,
            nonMasqueradeCIDR=_STR,
            podCIDR=_STR,
            serviceClusterIPRange=_STR,
            sshAccess=_list(_STR),
            subnets=_list(_s(name=_STR, cidr=_STR, ipv6CIDR=_STR, zone=_STR, type=_STR, id=_STR)),
            topology=_s(dns=_s(type={"type": "string", "enum": ["Public", "Private", "None"]})),
            cloudLabels=_STR_MAP,
        ),
    ),
    "InstanceGroup": _s(
        apiVersion=_STR,
        kind=_STR,
        metadata=_META,
        spec=_s(
            role=_STR,
            image=_STR,
            machineType=_STR,
            minSize=_INT,
            maxSize=_INT,
            rootVolumeSize=_INT,
            subnets=_list(_STR),
            zones=_list(_STR),
            nodeLabels=_STR_MAP,
            cloudLabels=_STR_MAP,
            taints=_list(_STR),
            associatePublicIp=_BOOL,
        ),
    ),
    "SSHCredential": _s(apiVersion=_STR, kind=_STR, metadata=_META, spec=_s(publicKey=_STR)),
}
