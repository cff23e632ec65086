"""The official kOps CRDs as schemas clustermgr can check documents against.

A CRD file (`kops.k8s.io_clusters.yaml`, ...) holds the OpenAPI v3 schema of each API version.
We keep the `v1alpha2` one, reduced to what structural checking reads, and adapt its dialect to
what kOps really accepts:

- `x-kubernetes-int-or-string` fields also take numbers (kOps decodes quantities from both);
- `required` fields that kOps fills itself (`spec.iam.legacy`) are not required;
- objects do not forbid unknown fields, but kOps drops them silently: the checker warns.

Parsing the 370 KB Cluster CRD costs tens of milliseconds, so the reduced form is cached per
user by the file's content hash (a changed CRD file is converted again).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from clustermgr.cache import ContentCache
from clustermgr.errors import ConfigError, UsageError
from clustermgr.files import read_bytes
from clustermgr.problems import Location

Schema = dict[str, Any]

_FORMAT = b"clustermgr-crd-2\n"  # bump when the reduction changes
_KEEP = ("type", "properties", "items", "additionalProperties", "required", "pattern", "enum")
_INT_OR_STRING = "x-kubernetes-int-or-string"
# `required` only because the Go field lacks omitempty; kOps defaults it (path from the root).
_DEFAULTED: dict[tuple[str, ...], frozenset[str]] = {("spec", "iam"): frozenset({"legacy"})}


def builtin() -> tuple[str, dict[str, Schema]]:
    """The kOps field catalogue shipped with clustermgr (tools/build_schema.py made it from
    kOps' CRDs): the kOps version it came from, and kind -> reduced schema."""

    data = json.loads((Path(__file__).parent / "data" / "kops-fields.json").read_text())
    return str(data["kopsVersion"]), dict(data["kinds"])


def load_crds(folder: Path, inside: Path | None = None) -> dict[str, Schema]:
    """Kind -> reduced v1alpha2 schema, for every CRD file in `folder`; with `inside` (the
    folder came from configuration), files that resolve outside it are refused."""
    if not folder.is_dir():
        raise UsageError(f"--kops-crds: no such directory: {folder}")
    schemas: dict[str, Schema] = {}
    for file in sorted(folder.iterdir()):
        if inside is not None and not file.resolve().is_relative_to(inside):
            raise ConfigError(f"{file}: leads outside the project (a symlink?)")
        if file.suffix in (".yaml", ".yml") and file.is_file():
            kind, schema = _load(file)
            if kind:
                schemas[kind] = schema
    if not schemas:
        raise UsageError(f"--kops-crds: no kOps CRD files in {folder}")
    return schemas


def _load(file: Path) -> tuple[str, Schema]:
    raw = read_bytes(file, str(file))
    cache = ContentCache("crds", _FORMAT)
    found = cache.get(raw)
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], dict):
        return str(found[0]), found[1]
    kind, schema = _convert(raw, str(file))
    cache.put(raw, (kind, schema))
    return kind, schema


def _convert(raw: bytes, display: str) -> tuple[str, Schema]:

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", Location(display)) from None
    from clustermgr.yamlio.compose import parse  # noqa: PLC0415  # PyYAML: only on a cache miss

    docs = [data for data, _, _ in parse(text, display) if isinstance(data, dict)]
    for crd in docs:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = _dict(crd.get("spec"))
        kind = _dict(spec.get("names")).get("kind", "")
        versions = spec.get("versions")
        for version in versions if isinstance(versions, list) else []:
            if isinstance(version, dict) and version.get("name") == "v1alpha2":
                schema = _dict(_dict(version.get("schema")).get("openAPIV3Schema"))
                return str(kind), _reduce(schema, ())
    return "", {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _reduce(node: Schema, path: tuple[str, ...]) -> Schema:
    out: Schema = {key: node[key] for key in _KEEP if key in node}
    if not isinstance(out.get("type", ""), str):
        del out["type"]  # a malformed CRD: check what can be checked
    if not isinstance(out.get("enum", []), list):
        del out["enum"]
    if not isinstance(out.get("pattern", ""), str) or not _compiles(out.get("pattern", "")):
        del out["pattern"]
    if not isinstance(out.get("required", []), list):
        del out["required"]
    if node.get(_INT_OR_STRING):
        out["type"] = "int-or-string"
        out.pop("pattern", None)  # the quantity pattern is for strings; numbers pass
    if isinstance(node.get("properties"), dict):
        out["properties"] = {
            str(name): _reduce(_dict(child), (*path, str(name)))
            for name, child in node["properties"].items()
        }
    else:
        out.pop("properties", None)
    if isinstance(node.get("items"), dict):
        out["items"] = _reduce(node["items"], path)
    else:
        out.pop("items", None)
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = _reduce(node["additionalProperties"], path)
    if "required" in out and path in _DEFAULTED:
        out["required"] = [r for r in out["required"] if r not in _DEFAULTED[path]]
    return out


def _compiles(pattern: str) -> bool:

    try:
        re.compile(pattern)
    except re.error:
        return False
    return True
