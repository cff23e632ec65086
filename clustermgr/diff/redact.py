"""Secrets in diffs: both sides of every change, and the documents the unified view prints,
pass through the cluster's `Secrets` (see clustermgr.secrets)."""

from __future__ import annotations

from clustermgr.diff.engine import Change, Resources
from clustermgr.secrets import Secrets


def redact(changes: list[Change], secrets: Secrets) -> list[Change]:
    """Changes with secret values shown as `<redacted sha256:1a2b3c4d, 412 bytes>`, old and
    new alike: a reviewer sees that a secret changed, not what it is."""
    out = []
    for change in changes:
        kind = change.resource.split("/", 1)[0]
        out.append(
            change._replace(
                old=secrets.data(change.old, kind, change.path),
                new=secrets.data(change.new, kind, change.path),
                why=secrets.hide(change.why),
            )
        )
    return out


def redact_resources(resources: Resources, secrets: Secrets) -> Resources:
    return {(kind, name): secrets.data(doc, kind) for (kind, name), doc in resources.items()}
