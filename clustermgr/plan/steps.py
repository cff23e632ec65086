"""The kOps commands a cluster's changes need, in kOps' order: the one place that decides them.

`diff`, `check` and every report print these steps; `apply` runs the ones before the roll and
`roll` the rolling updates, each built into a command line here (`command`), so what a
reviewer reads is what runs.
"""

from __future__ import annotations

from typing import NamedTuple

from clustermgr.kops import NEWEST_KOPS
from clustermgr.kops import impact as impacts
from clustermgr.versions import Version, VersionError, parse_tolerant

# kOps' `reconcile cluster` first shipped in v1.31.0-beta.1 (kOps: cmd/kops/reconcile_cluster.go,
# added in the commit tagged v1.31.0-beta.1; not in any v1.31.0-alpha).
RECONCILE_FROM = Version(1, 31, 0, ("beta", "1"))
# kOps rolls groups role by role: bastions, control plane, API servers, nodes
# (kOps: pkg/instancegroups/rollingupdate.go, RollingUpdate).
ROLL_ORDER = ("Bastion", "ControlPlane", "APIServer", "Node")
CONTROL_PLANE = (
    "ControlPlane",
    "APIServer",
)  # what `--instance-group-roles=control-plane,apiserver` picks

REPLACE, UPDATE, RECONCILE, DELETE, RECORD, ROLL = (
    "replace",
    "update",
    "reconcile",
    "delete",
    "record",
    "roll",
)
APPLY_KINDS = (REPLACE, UPDATE, RECONCILE, DELETE, RECORD)  # what `apply --yes` runs


class Step(NamedTuple):
    """One kOps command: its words without the cluster, state store and manifest (added where
    it runs, by `command`), and why the plan needs it."""

    kind: str
    args: tuple[str, ...]
    why: str

    def text(self) -> str:
        """As a reviewer reads it."""
        if self.kind == RECORD:
            return "kops replace -f <render with the apply's record>"
        if self.kind == REPLACE:
            return " ".join(("kops replace -f <render>", *self.args[1:]))
        return "kops " + " ".join(self.args)

    def command(self, cluster: str, state: str, manifest: str = "") -> list[str]:
        """The arguments to run it with: `--name`, `--state` and `-f` filled in."""
        if self.kind in (REPLACE, RECORD):
            return ["replace", "-f", manifest, "--state", state, *self.args[1:]]
        verb = next((i for i, a in enumerate(self.args) if a.startswith("--")), len(self.args))
        return [*self.args[:verb], "--name", cluster, "--state", state, *self.args[verb:]]


def has_reconcile(kops_version: str | None) -> bool:
    try:
        return parse_tolerant(kops_version or NEWEST_KOPS) >= RECONCILE_FROM
    except VersionError:
        return True  # an unreadable version is refused by lint; assume the newest kOps


def apply_steps(
    new_cluster: bool,
    new_groups: bool,
    removed_groups: tuple[str, ...],
    reconcile: bool,
    prune: bool,
    cloud: bool = True,
) -> list[Step]:
    """What `apply --yes` runs, in order (kOps: cmd/kops/replace.go, update_cluster.go,
    reconcile_cluster.go, delete_instancegroup.go)."""
    force = ("--force",) if new_cluster or new_groups else ()
    why = (
        "creates the cluster in the state store"
        if new_cluster
        else "writes the render, new groups too, to the state store"
        if new_groups
        else "writes the render to the state store"
    )
    steps = [Step(REPLACE, ("replace", *force), why)]
    if reconcile:
        steps.append(
            Step(
                RECONCILE,
                ("reconcile", "cluster", "--yes"),
                "a Kubernetes upgrade: the control plane updated and rolled first, then the nodes",
            )
        )
    elif cloud or new_cluster:  # changes that live in the state store only need no update
        what = "creates the cloud resources" if new_cluster else "changes the cloud resources"
        steps.append(Step(UPDATE, ("update", "cluster", "--yes"), what))
    if prune and removed_groups:
        for group in removed_groups:
            steps.append(
                Step(
                    DELETE,
                    ("delete", "instancegroup", group, "--yes"),
                    "gone from the render (kops replace never deletes a group)",
                )
            )
        steps.append(
            Step(
                UPDATE,
                ("update", "cluster", "--prune", "--yes"),
                "removes what the deleted groups leave in the cloud",
            )
        )
    steps.append(
        Step(
            RECORD,
            ("replace",),
            "the apply's record, written last: a stop half-way keeps the previous one",
        )
    )
    return steps


def roll_steps(rolled: dict[str, bool], roles: dict[str, str], whole: bool) -> list[Step]:
    """`kops rolling-update cluster` for the groups to roll (name -> whether only `--force`
    picks the change up), in kOps' role order. `--force` is one flag for a whole command, so
    groups that need it and groups that do not are rolled by separate commands; adjacent
    groups alike share one. `whole`: every group rolls, alike, so no group is named."""
    if not rolled:
        return []
    if whole and len(set(rolled.values())) == 1 and set(rolled) == set(roles):
        every = ("--force", "--yes") if next(iter(rolled.values())) else ("--yes",)
        return [_roll(("rolling-update", "cluster", *every), "every group")]
    runs: list[tuple[bool, list[str]]] = []
    for role in ROLL_ORDER:
        for name in sorted(g for g in rolled if roles.get(g, "Node") == role):
            if runs and runs[-1][0] == rolled[name]:
                runs[-1][1].append(name)
            else:
                runs.append((rolled[name], [name]))
    steps = []
    for forced, names in runs:
        flags = ("--force", "--yes") if forced else ("--yes",)
        args = ("rolling-update", "cluster", "--instance-group", ",".join(names), *flags)
        steps.append(_roll(args, ", ".join(names)))
    return steps


def roll_all_out_of_date() -> Step:
    """The roll when no plan restricts it: kOps replaces what it finds out of date."""
    return Step(ROLL, ("rolling-update", "cluster", "--yes"), "kOps picks what is out of date")


def is_roll(args: tuple[str, ...]) -> bool:
    return args[:2] == ("rolling-update", "cluster")


SECOND_PASS = ("update", "cluster", "--yes")


def two_pass_rolls(rolled: dict[str, bool], roles: dict[str, str]) -> list[Step]:
    """A Kubernetes upgrade without `kops reconcile`: while the control plane still runs the
    old version, `kops update cluster` gives the nodes the kubelet it runs, not the new one
    (kOps: cmd/kops/update_cluster.go, checkControlPlaneRunningVersion; upup/pkg/fi/cloudup/
    apply_cluster.go, KubeletSupportedVersion). So: roll the control plane (and bastions),
    update again, then roll the nodes."""
    first = {g: f for g, f in rolled.items() if roles.get(g, "Node") != "Node"}
    nodes = {g: f for g, f in rolled.items() if roles.get(g, "Node") == "Node"}
    steps = roll_steps(first, roles, False)
    if nodes:
        steps.append(
            Step(
                UPDATE,
                SECOND_PASS,
                "the second pass: the nodes get the new kubelet now that the control plane "
                "runs the new version",
            )
        )
        steps += roll_steps(nodes, roles, False)
    return steps


def is_roll_step(args: tuple[str, ...]) -> bool:
    """What a recorded roll may hold: rolling updates, and a two-pass upgrade's update."""
    return is_roll(args) or args == SECOND_PASS


def _roll(args: tuple[str, ...], what: str) -> Step:
    why = f"replaces the instances of {what}"
    if "--force" in args:
        why += " (--force: their launch template does not change)"
    return Step(ROLL, args, why)


def group_rolls(
    changes: list[tuple[str, tuple[str, ...], bool]], roles: dict[str, str]
) -> tuple[dict[str, bool], bool]:
    """Which groups roll and whether only `--force` picks their change up, from (impact,
    groups, forced) per change: a group reached by any change that rolls it without `--force`
    needs none. Also whether a change rolls every group."""
    reached: dict[str, list[bool]] = {}
    whole = False
    for impact, groups, forced in changes:
        if impact not in (impacts.ROLL_ALL, impacts.ROLL_CONTROL_PLANE, impacts.ROLL_IG):
            continue
        if groups or impact == impacts.ROLL_IG:  # the change names the groups it reaches
            targets = [g for g in groups if g in roles]
        elif impact == impacts.ROLL_ALL:
            targets = list(roles)
        else:
            targets = [g for g, role in roles.items() if role in CONTROL_PLANE]
        whole = whole or (impact == impacts.ROLL_ALL and set(targets) == set(roles))
        for group in targets:
            reached.setdefault(group, []).append(forced)
    return {g: all(forces) for g, forces in reached.items()}, whole
