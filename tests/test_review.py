from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from clustermgr import diff
from clustermgr.diff import redact
from clustermgr.project import find_project
from clustermgr.values import cluster_secrets
from clustermgr.values.layers import build_values


def test_write_only_values_are_redacted_wherever_they_appear(write: Callable[..., Path]) -> None:
    schema = {
        "$defs": {"secret": {"type": "string", "writeOnly": True}},
        "properties": {
            "oidc": {"properties": {"clientId": {}, "clientSecret": {"$ref": "#/$defs/secret"}}},
            "tokens": {"items": {"x-sensitive": True}},
        },
    }
    root = write(
        {
            "schemas/values.schema.json": json.dumps(schema),
            "values/c.yaml": "oidc: {clientId: abc, clientSecret: s3cr3t-value}\n"
            "tokens: [tok-1234]\n",
        }
    )
    project = find_project(root)
    values = build_values([(root / "values" / "c.yaml", "values/c.yaml")])
    secrets = cluster_secrets(project, values)
    assert secrets.texts == ["s3cr3t-value", "tok-1234"]
    change = diff.Change(
        "Cluster/c", ("spec", "fileAssets"), diff.CHANGED, "x=old", "args: --secret=s3cr3t-value"
    )
    (hidden,) = redact([change], secrets)
    assert hidden.old == "x=old"
    assert hidden.new == "args: --secret=<redacted sha256:1f3fa74b, 12 bytes>"
