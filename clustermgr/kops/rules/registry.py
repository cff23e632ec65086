"""The rule table: every rule id clustermgr reports about a kOps manifest, with its level,
the stage that finds it and one line on what it checks.

A rule is a function over the whole manifest (every document, the Cluster, its
InstanceGroups) that yields hits; `@rule` registers it under its id with the first line of its
docstring. Rules found while reading (YAML) or by the structure walker are registered by
`register` with the same kind of entry, so `clustermgr lint --list-rules` shows them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from clustermgr.yamlio import YPath


class Doc(NamedTuple):
    """One kOps document of a manifest."""

    kind: str
    name: str
    data: dict[str, Any]
    position: int  # in the manifest
    body: dict[str, Any]  # its spec (see spec()), found once: rules ask for it ~400 times

    def spec(self) -> dict[str, Any]:
        return self.body


class Manifest(NamedTuple):
    documents: list[Any]  # the data of every document, in order (None for an empty one)
    cluster: Doc | None  # the first Cluster
    groups: list[Doc]  # every InstanceGroup
    kops: list[Doc]  # every document kops replace takes (Cluster, InstanceGroup, SSHCredential)
    kops_version: tuple[int, int] = (1, 37)  # the kOps that applies it (kops.NEWEST_KOPS)
    for_replace: bool = False  # checked for `kops replace` (validate), not as any file (lint)

    def kops_at_least(self, major: int, minor: int) -> bool:
        return self.kops_version >= (major, minor)


class Hit(NamedTuple):
    """What a rule function yields: where, what; `level` only where it differs from the
    rule's own (a deprecated feature warns, a removed one is an error)."""

    position: int
    path: YPath
    message: str
    level: str = ""


class Finding(NamedTuple):
    """A problem in a manifest: the document (by position), the rule, the field, the words."""

    position: int
    level: str
    rule: str
    path: YPath
    message: str


Check = Callable[[Manifest], Iterator[Hit]]


class Rule(NamedTuple):
    id: str
    level: str  # ERROR or WARNING (a hit may say otherwise; see Hit)
    check: str  # the stage: yaml, documents, structure, rules
    summary: str
    func: Check | None  # None: found while reading or by the structure walker
    since: str = ""  # the kOps version the rule applies from ("" : every version)


RULES: dict[str, Rule] = {}


def register(
    rule_id: str,
    level: str,
    check: str,
    summary: str,
    func: Check | None = None,
    since: str = "",
) -> None:
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id!r} is registered twice")
    RULES[rule_id] = Rule(rule_id, level, check, summary, func, since)


def rule(
    rule_id: str, level: str, check: str = "rules", since: str = ""
) -> Callable[[Check], Check]:
    """Register a rule function under `rule_id`; its docstring's first line is its summary."""

    def add(func: Check) -> Check:
        summary = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        register(rule_id, level, check, summary, func, since)
        return func

    return add


STAGES = ("yaml", "documents", "structure", "rules")


def table() -> list[Rule]:
    """Every rule, by stage (in the order they run), then in registration order."""
    return sorted(RULES.values(), key=lambda r: STAGES.index(r.check))


def run(manifest: Manifest, check: str) -> list[Finding]:
    """Every finding of the rules of one stage, in table order."""
    return [
        Finding(hit.position, hit.level or entry.level, entry.id, hit.path, hit.message)
        for entry in RULES.values()
        if entry.check == check and entry.func is not None
        for hit in entry.func(manifest)
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def cloud(cluster: Doc | None) -> str:
    """The Cluster's cloud provider: the v1alpha2 string, or the one key of v1alpha3's map
    ("" when there is none, or several: cloud-provider reports those)."""
    if cluster is None:
        return ""
    provider = cluster.spec().get("cloudProvider")
    if isinstance(provider, dict):
        return next(iter(provider)) if len(provider) == 1 else ""
    return provider if isinstance(provider, str) else ""


def readme_table() -> str:
    """The rule table of docs/validation.md, generated from RULES (a test keeps the two equal)."""
    rows = [
        "| rule | level | kOps version | stage | what it finds |",
        "| --- | --- | --- | --- | --- |",
    ]
    for entry in table():
        since = entry.since or "all"
        rows.append(f"| `{entry.id}` | {entry.level} | {since} | {entry.check} | {entry.summary} |")
    return "\n".join(rows) + "\n"
