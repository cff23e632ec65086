"""A cluster's plan: what kOps will do with its changes, computed once from the diff and the kOps
version that applies it. Every command reads this one answer: `diff`, `check` and the reports
print it, `apply` and `roll` run its steps, `set` and `promote` show it.

A plan with a change kOps refuses (kOps' words in `refusals`) is *blocked*: it has no steps,
and every command says so and exits non-zero.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from clustermgr.diff import DOC_ADDED, DOC_REMOVED, Change, ClusterDiff, Resources
from clustermgr.diff.weigh import kubernetes_upgrade
from clustermgr.kops import impact as impacts
from clustermgr.plan import steps as steps_
from clustermgr.plan.steps import Step
from clustermgr.problems import ERROR, Problem


class Plan(NamedTuple):
    changes: int  # not ignored
    ignored: int
    resources: int  # documents with a change
    impact: str  # the worst impact of any change
    roll: tuple[str, ...]  # InstanceGroups whose instances are replaced, in kOps' order
    flags: tuple[str, ...]  # refused, destructive, assumed, force
    steps: tuple[Step, ...] = ()  # the kOps commands, in order; none when blocked
    refusals: tuple[str, ...] = ()  # kOps' words for each change it refuses
    creates: bool = False  # the cluster is not in the state store yet
    removed_groups: tuple[str, ...] = ()  # gone from the render; deleted only with --prune

    @property
    def blocked(self) -> bool:
        return bool(self.refusals)

    def apply_steps(self) -> tuple[Step, ...]:
        """What `apply --yes` runs: the steps up to the record of the apply."""
        ends = [i for i, s in enumerate(self.steps) if s.kind == steps_.RECORD]
        return self.steps[: ends[0] + 1] if ends else ()

    def roll_steps(self) -> tuple[Step, ...]:
        """What `clustermgr roll` runs: the steps after the record (rolling updates, and the
        second update of a two-pass upgrade)."""
        ends = [i for i, s in enumerate(self.steps) if s.kind == steps_.RECORD]
        return self.steps[ends[0] + 1 :] if ends else ()

    def to_data(self) -> dict[str, Any]:
        """Plain data (the JSON report, the check cache)."""
        data = self._asdict()
        data["steps"] = [
            {"kind": s.kind, "command": s.text(), "args": list(s.args), "why": s.why}
            for s in self.steps
        ]
        data["blocked"] = self.blocked
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Plan:
        """The inverse of `to_data`; KeyError or TypeError for anything else."""
        fields = {k: data[k] for k in cls._fields}
        tuples = ("roll", "flags", "refusals", "removed_groups")
        steps = tuple(Step(str(s["kind"]), tuple(s["args"]), str(s["why"])) for s in data["steps"])
        return cls(**{**fields, **{k: tuple(fields[k]) for k in tuples}, "steps": steps})


REFUSED_RULE = "kops-refuses-update"  # the problem a blocked plan adds to a cluster's report


def refusal_problems(changes: list[Change]) -> list[Problem]:
    """Each change kOps refuses, as a problem of the cluster (so that JUnit, Code Quality and
    every count show a blocked plan as failing)."""
    return [
        Problem(
            ERROR,
            REFUSED_RULE,
            f"kOps refuses this change: {c.why}",
            path=c.path_text(),
            document=c.resource,
            source=c.source,
            check="diff",
        )
        for c in changes
        if impacts.REFUSED in c.flags and not c.ignored
    ]


def roles_of(resources: Resources) -> dict[str, str]:
    """Each InstanceGroup's role, as kOps reads it (`Master` is `ControlPlane`)."""
    roles = {}
    for (kind, name), doc in resources.items():
        if kind == "InstanceGroup":
            spec = doc.get("spec")
            role = str(spec.get("role", "Node")) if isinstance(spec, dict) else "Node"
            roles[name] = "ControlPlane" if role == "Master" else role
    return roles


def build(
    changes: list[Change],
    roles: dict[str, str],
    kops_version: str | None = None,
    prune: bool = False,
) -> Plan:
    """The plan for `changes` (from the applied side to the render) of a cluster whose
    rendered InstanceGroups have `roles`, applied by `kops_version` (None: the newest)."""
    counted = [c for c in changes if not c.ignored]
    refusals = tuple(
        f"{c.resource} {c.path_text() or c.type}: {c.why}"
        for c in counted
        if impacts.REFUSED in c.flags
    )
    added = {c.resource for c in counted if c.type == DOC_ADDED}
    removed = tuple(
        sorted(
            c.resource.split("/", 1)[1]
            for c in counted
            if c.type == DOC_REMOVED and c.resource.startswith("InstanceGroup/")
        )
    )
    creates = any(r.startswith("Cluster/") for r in added)
    rolled, whole = steps_.group_rolls(
        [(c.impact, c.groups, impacts.FORCE in c.flags) for c in counted], roles
    )
    upgrade = kubernetes_upgrade(counted)
    reconcile = upgrade and steps_.has_reconcile(kops_version)
    plan_steps: list[Step] = []
    if counted and not refusals:
        new_groups = any(r.startswith("InstanceGroup/") for r in added)
        cloud = impacts.worst([c.impact for c in counted]) != impacts.NONE
        plan_steps = steps_.apply_steps(creates, new_groups, removed, reconcile, prune, cloud)
        if creates or reconcile:  # reconcile rolls what needs it itself
            pass
        elif upgrade:  # two passes: the nodes get the new kubelet once the control plane runs it
            plan_steps += steps_.two_pass_rolls(rolled, roles)
        else:
            plan_steps += steps_.roll_steps(rolled, roles, whole)
    order = {role: i for i, role in enumerate(steps_.ROLL_ORDER)}
    roll = tuple(sorted(rolled, key=lambda g: (order.get(roles.get(g, "Node"), 9), g)))
    return Plan(
        changes=len(counted),
        ignored=len(changes) - len(counted),
        resources=len({c.resource for c in counted}),
        impact=impacts.worst([c.impact for c in counted]),
        roll=roll if not creates else (),
        flags=tuple(sorted({f for c in counted for f in c.flags})),
        steps=tuple(plan_steps),
        refusals=refusals,
        creates=creates,
        removed_groups=removed,
    )


def of(result: ClusterDiff, prune: bool = False) -> Plan:
    """The plan of one cluster's diff."""
    roles = roles_of(result.new) or roles_of(result.old)
    return build(result.changes, roles, result.kops_version, prune)


class Reviewed(NamedTuple):
    """A cluster's diff with its plan: what every diff report shows."""

    diff: ClusterDiff
    plan: Plan


def review(result: ClusterDiff, prune: bool = False) -> Reviewed:
    return Reviewed(result, of(result, prune))


def counted(result: ClusterDiff) -> Reviewed:
    """Changes shown for what they are, with nothing to run: drift, a half-done apply."""
    plan = of(result)
    return Reviewed(result, plan._replace(steps=(), refusals=(), removed_groups=()))
