"""`drift`: each cluster's live state against git, each difference in one of three classes.

- **edited outside git**: the state store changed since clustermgr last applied the cluster
  (the record of the apply in the store says what was applied: ops/record.py), e.g. by
  `kops edit cluster`; the next apply refuses it without --force;
- **not applied**: git is ahead of the cluster (a merge no apply has reached yet, or a
  cluster never applied by clustermgr);
- **channel moved**: the project's channel now recommends a newer Kubernetes, or newer images,
  than the cluster's render runs (ops/outdated.py).

Everything is read, nothing written: the state store as `apply` reads it (a local store, or
`kops get`), the channel from the project. Differences are named by path, never by value:
the report goes into issues and job logs, and a value may be a secret.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from clustermgr.diff import DOC_ADDED, DOC_REMOVED, Change
from clustermgr.kops import NEWEST_KOPS
from clustermgr.kops.channel import Channel
from clustermgr.ops import apply, outdated
from clustermgr.problems import ERROR, placed
from clustermgr.project import Project
from clustermgr.validation.lint import Linter
from clustermgr.values import Overrides

EDITED, NOT_APPLIED, CHANNEL = "edited outside git", "not applied", "channel moved"
CLASSES = (EDITED, NOT_APPLIED, CHANNEL)


class Drift(NamedTuple):
    cluster: str
    edited: list[str]  # Kind/name path, where the store changed since the last apply
    not_applied: list[str]  # where the render differs from the store, not by a hand edit
    channel: list[str]  # what the channel now recommends instead
    record: bool  # hand edits can be told apart: a record of an apply, or no cluster at all
    problems: list[str]  # why the cluster could not be compared

    def classes(self) -> list[str]:
        found = [EDITED] if self.edited else []
        found += [NOT_APPLIED] if self.not_applied else []
        return found + ([CHANNEL] if self.channel else [])

    def clean(self) -> bool:
        return not self.classes() and not self.problems

    def to_data(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "classes": self.classes(),
            "edited": self.edited,
            "notApplied": self.not_applied,
            "channel": self.channel,
            "record": self.record,
            "problems": self.problems,
        }


class Report(NamedTuple):
    """A drift run: every cluster it compared, and whether that was the whole fleet (only a
    run over every cluster may close the issue of a cluster it did not see)."""

    clusters: list[Drift]
    every: bool
    state: str

    def drifted(self) -> list[Drift]:
        return [d for d in self.clusters if not d.clean()]

    def to_data(self) -> dict[str, Any]:
        return {
            "command": "drift",
            "all": self.every,
            "state": self.state,
            "clusters": [d.to_data() for d in self.clusters],
        }


def check(
    project: Project,
    name: str,
    state: str,
    linter: Linter,
    timeout: float,
    channel: Channel | None,
    renderer: Any,
) -> Drift:
    """One cluster's drift; `channel` None: the project names no channel."""
    prepared = apply.prepare(
        project, name, state, Overrides(), linter, timeout=timeout, needs_kops=False
    )
    if not prepared.valid():
        errors = [p for p in prepared.problems if p.level == ERROR]
        problems = [f"{placed(p)}: {p.message}" if placed(p) else p.message for p in errors]
        return Drift(name, [], [], [], False, problems)
    edited = [c for c in prepared.drift or [] if not c.ignored]
    touched = {(c.resource, c.path) for c in edited}
    ahead = [c for c in prepared.changes if not c.ignored and (c.resource, c.path) not in touched]
    moved = [] if channel is None else _channel(project, name, channel, renderer)
    if prepared.plan.creates:  # one line says it: nothing of it is in the store
        ahead_named = [f"{prepared.cluster_name}: a new cluster, not in the state store"]
    else:
        ahead_named = _named(ahead, _AHEAD)
    edited_named = _named(edited, _EDITED)
    record = prepared.drift is not None or prepared.plan.creates
    return Drift(name, edited_named, ahead_named, moved, record, [])


# The diffs compare the store (old) with the render, or with the record of the last apply (new).
_AHEAD = {DOC_ADDED: "(in git, not yet in the store)", DOC_REMOVED: "(in the store, gone from git)"}
_EDITED = {DOC_ADDED: "(deleted from the store)", DOC_REMOVED: "(added to the store)"}


def _named(changes: list[Change], words: dict[str, str]) -> list[str]:
    return [f"{c.resource} {c.path_text() or words.get(c.type, c.type)}" for c in changes]


def _channel(project: Project, name: str, channel: Channel, renderer: Any) -> list[str]:
    kops = outdated.kops_minor(project.config.kops_version or NEWEST_KOPS)
    status = outdated.status(project, renderer, name, channel, kops)
    found = []
    if status.recommended:
        found.append(f"kubernetesVersion {status.kubernetes} -> {status.recommended}")
    found += [f"InstanceGroup/{group} image -> {wanted}" for group, _, wanted in status.images]
    return found


MAX_LISTED = 50  # differences listed per class; the rest counted
ADVICE = {
    EDITED: "the state store changed since clustermgr last applied the cluster (kops edit?): "
    "put the change into git, or apply with --force to undo it",
    NOT_APPLIED: "git is ahead of the cluster: deploy it (clustermgr apply)",
    CHANNEL: "the channel recommends newer versions than the render runs: upgrade in git",
}


def details(d: Drift) -> list[str]:
    """One cluster's drift as Markdown lines: each class, what it means, what differs (by
    path; inside fences indented four spaces, so no listed text can close a fence)."""
    out: list[str] = []
    if d.problems:
        out += ["**could not be compared**:", "", "```", *_listed(d.problems), "```", ""]
    for title, items in ((EDITED, d.edited), (NOT_APPLIED, d.not_applied), (CHANNEL, d.channel)):
        if items:
            out += [f"**{title}**: {ADVICE[title]}", "", "```", *_listed(items), "```", ""]
    if not d.record and not d.problems:
        out += ["_No record of an apply by clustermgr: hand edits look like changes not applied._"]
    return out


def _listed(items: list[str]) -> list[str]:
    shown = [f"    {item}" for item in items[:MAX_LISTED]]
    rest = len(items) - MAX_LISTED
    return shown + ([f"    ... and {rest} more"] if rest > 0 else [])
