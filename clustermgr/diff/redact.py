"""Secrets in diffs: values the values schema marks sensitive, and fields named like credentials,
are shown as a short digest and a length, never as text."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from clustermgr.diff.engine import Change
from clustermgr.errors import ClusterMgrError
from clustermgr.files import read_bytes
from clustermgr.project import Project
from clustermgr.values import Values

# kOps fields whose values are credentials, by key name.
_SENSITIVE_KEY = re.compile(r"(?i)(password|secret|token|private_?key|credential)")


def sensitive_values(project: Project, values: Values) -> set[str]:
    """Values whose schema property is `writeOnly: true` or `x-sensitive: true`."""
    schema_path = project.config.schema
    if not schema_path or not (project.root / schema_path).is_file():
        return set()
    try:
        schema = json.loads(read_bytes(project.root / schema_path).decode("utf-8"))
    except (ClusterMgrError, ValueError):
        return set()
    found: set[str] = set()
    _collect(schema, schema, values.data, found, 0)
    return {v for v in found if len(v) >= 4}  # too short to find safely in other text


def _collect(root: Any, schema: Any, value: Any, found: set[str], depth: int) -> None:
    if not isinstance(schema, dict) or depth > 50:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        _collect(root, target, value, found, depth + 1)
    if schema.get("writeOnly") is True or schema.get("x-sensitive") is True:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            found.add(str(value))
        return
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            _collect(root, sub, item, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _collect(root, schema.get("items"), item, found, depth + 1)


def redact(changes: list[Change], secrets: set[str]) -> list[Change]:
    """Secrets shown as `<redacted sha256:1a2b3c4d, 412 bytes>` on both sides: a reviewer sees
    that they changed, not what they are."""
    out = []
    for change in changes:
        keys = [p for p in change.path if isinstance(p, str)]
        sensitive = bool(keys) and bool(_SENSITIVE_KEY.search(keys[-1]))
        out.append(
            change._replace(
                old=_hide(change.old, secrets, sensitive), new=_hide(change.new, secrets, sensitive)
            )
        )
    return out


def _hide(value: Any, secrets: set[str], sensitive: bool) -> Any:
    if isinstance(value, dict):
        return {
            k: _hide(v, secrets, sensitive or bool(_SENSITIVE_KEY.search(str(k))))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hide(v, secrets, sensitive) for v in value]
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    if sensitive or any(secret in text for secret in secrets):
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        return f"<redacted sha256:{digest}, {len(text.encode())} bytes>"
    return value
