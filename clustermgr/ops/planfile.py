"""Plan files: apply what was reviewed, and only that.

`apply --save-plan FILE` records, per cluster, the plan (changes, impact, the kOps steps) and
fingerprints of what it rests on: the manifest kOps would be given, the state store as read,
the kOps channel and the kOps version. `apply --plan FILE` recomputes them and runs the steps
only when nothing moved; otherwise it refuses, naming what moved, and writes nothing (as
Terraform's saved plans and `pulumi up --plan` do).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.errors import ClusterMgrError, UsageError, YAMLError
from clustermgr.files import read_bytes
from clustermgr.problems import Location
from clustermgr.project import Project

FORMAT = "clustermgr-plan-1"
# What each fingerprint says moved, in the refusal.
MOVED = {
    "render": "the render (templates, values or clustermgr)",
    "live": "the state store (someone applied or edited the cluster)",
    "channel": "the kOps channel file",
    "kops": "the kOps version (kopsVersion)",
    "steps": "the kOps steps",
}


class PlanMoved(ClusterMgrError):
    """A saved plan no longer matches what the apply would do."""


class Saved(NamedTuple):
    """One cluster's saved plan: its fingerprints and the steps it allows."""

    fingerprints: dict[str, str]
    steps: list[str]


def digest(data: Any) -> str:
    """A stable SHA-256 of text, bytes or plain data (JSON with sorted keys)."""
    if isinstance(data, bytes):
        raw = data
    elif isinstance(data, str):
        raw = data.encode()
    else:
        raw = json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()


def fingerprints(project: Project, manifest: str, live: Any, steps: list[str]) -> dict[str, str]:
    """What a plan rests on, each as a digest."""
    channel = project.channel_path()
    return {
        "render": digest(manifest),
        "live": digest(live),
        "channel": digest(read_bytes(channel) if channel and channel.is_file() else b""),
        "kops": digest(project.config.kops_version or ""),
        "steps": digest(steps),
    }


def text(plans: dict[str, Saved]) -> str:
    """The plan file's text (the caller writes it atomically)."""
    data = {
        "format": FORMAT,
        "clusters": {
            name: {"fingerprints": saved.fingerprints, "steps": saved.steps}
            for name, saved in sorted(plans.items())
        },
    }
    return json.dumps(data, indent=2) + "\n"


def read(path: Path, display: str) -> dict[str, Saved]:
    """A plan file; anything that is not one is a usage error (never half trusted)."""
    try:
        # bounded like every input (limits.fileBytes): a plan file comes from a CI artifact
        data = json.loads(read_bytes(path, display).decode("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        plans = {}
        for name, entry in data["clusters"].items():
            prints = {str(k): str(v) for k, v in entry["fingerprints"].items()}
            if set(prints) != set(MOVED):
                raise ValueError(f"{name}: fingerprints {sorted(prints)}")
            plans[str(name)] = Saved(prints, [str(s) for s in entry["steps"]])
        return plans
    except YAMLError as exc:  # absent, a folder, too large
        raise UsageError(exc.message, exc.location) from None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise UsageError(f"not a clustermgr plan file: {exc}", Location(display)) from None


def check(cluster: str, saved: Saved | None, now: dict[str, str]) -> None:
    """Refuse unless `now` is what was saved."""
    if saved is None:
        raise PlanMoved(f"{cluster}: not in the plan file: nothing was applied")
    moved = [MOVED[key] for key in MOVED if saved.fingerprints.get(key) != now.get(key)]
    if len(moved) > 1 and MOVED["steps"] in moved:  # steps follow from inputs: name those
        moved.remove(MOVED["steps"])
    if moved:
        raise PlanMoved(
            f"{cluster}: the plan no longer holds: {'; '.join(moved)} changed since it was "
            "made; nothing was applied (make and review the plan again)"
        )
