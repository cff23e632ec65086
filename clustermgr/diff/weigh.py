"""Weighing changes: the impact of each (kops/impact.py) and the refusals kOps'
ValidateClusterUpdate makes, with its own wording. What follows from them (the kOps commands,
in order) is the plan's (clustermgr/plan)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clustermgr.kops import NETWORKING_OPTIONS
from clustermgr.kops import impact as impacts
from clustermgr.secrets import pattern as pattern_of
from clustermgr.versions import VersionError, parse_tolerant
from clustermgr.yamlio import Match

if TYPE_CHECKING:
    from clustermgr.diff.engine import Change, Resources

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
DOC_ADDED, DOC_REMOVED = "document added", "document removed"


def weigh(change: Change, kind: str, old: Resources, new: Resources) -> Change:
    """`change` with its impact, flags, reason and the groups it rolls."""
    name = change.resource.split("/", 1)[1]
    if change.type == DOC_ADDED:
        entry = impacts.DOCUMENT_ADDED.get(kind, impacts.lookup(kind, ""))
        return _with(change, entry, ())
    if change.type == DOC_REMOVED:
        entry = impacts.DOCUMENT_REMOVED.get(kind, impacts.lookup(kind, ""))
        return _with(change, entry, ())
    pattern = pattern_of(change.path)
    whole = change.type in (ADDED, REMOVED) or not isinstance(change.old, dict)
    entry = _entry(kind, pattern, change.new if change.type != REMOVED else change.old)
    present = impacts.presence(kind, pattern) if whole else None
    if present is not None:
        entry = present
    if (
        kind == "InstanceGroup"
        and pattern == "spec.maxPrice"
        and _spec(new, kind, name).get("mixedInstancesPolicy")
    ):
        entry = _MIXED_SPOT_PRICE
    flags = set(entry.flags)
    why = entry.why
    groups: tuple[str, ...] = (name,) if entry.impact == impacts.ROLL_IG else ()
    if entry.where == impacts.SUBNET_GROUPS:
        groups = _groups_in_subnet(change.path, new)
    elif kind == "Cluster" and entry.where in impacts.ROLES_OF:
        roles = set(impacts.ROLES_OF[entry.where]) & _item_roles(change, pattern, old, new)
        groups = _groups_with_roles(roles, new or old)
    if kind == "Cluster":
        refusal = _refusal(change, pattern, old, new)
        if refusal:
            flags.add(impacts.REFUSED)
            why = refusal
    if (
        impacts.REFUSED in entry.flags
        and change.type == ADDED
        and pattern.endswith(("cidr", "zone", "networkCIDR", "ipv6CIDR"))
    ):
        flags.discard(impacts.REFUSED)  # setting a value for the first time is fine
        why = "set for the first time"
        subnet = _item(new, change.path[:3]) if pattern == "spec.subnets[].ipv6CIDR" else None
        if isinstance(subnet, dict) and subnet.get("id"):
            # kOps: upup/pkg/fi/cloudup/awstasks/subnet.go, CheckChanges
            flags.add(impacts.REFUSED)
            why = "field cannot be set on shared subnet"
    if (
        pattern == "spec.kubernetesVersion"
        and change.type == CHANGED
        and _version(change.new) < _version(change.old)
    ):
        flags.add(impacts.DESTRUCTIVE)
        why = "a Kubernetes downgrade: kOps and Kubernetes do not support going back"
    return change._replace(
        impact=entry.impact,
        flags=tuple(sorted(flags)),
        why=why,
        source=entry.source,
        groups=groups,
    )


def _entry(kind: str, pattern: str, value: Any) -> impacts.Entry:
    """The entry of a field; for a whole mapping added or removed, the worst entry of the
    fields inside it (`kubeAPIServer: {serviceNodePortRange: ...}` reaches every node)."""
    if not isinstance(value, dict) or not value:
        return impacts.lookup(kind, pattern)
    # Each field inside finds its own entry (a field without one falls back to the mapping's
    # by the longest prefix): `cloudConfig: {awsEBSCSIDriver: ...}` is the addon's change.
    # A field's refusal is about changing it: a mapping added or removed whole (a new
    # subnet) does not change the fields inside it.
    inner = [
        _without_refusal(
            impacts.presence(kind, f"{pattern}.{key}") or _entry(kind, f"{pattern}.{key}", item)
        )
        for key, item in value.items()
    ]
    worst = max(inner, key=lambda e: impacts.ORDER.index(e.impact))
    own = impacts.lookup(kind, pattern)
    return own if own.impact == worst.impact else worst  # the mapping's own words, if as bad


def _without_refusal(entry: impacts.Entry) -> impacts.Entry:
    if impacts.REFUSED not in entry.flags:
        return entry
    return entry._replace(flags=tuple(f for f in entry.flags if f != impacts.REFUSED))


def _with(change: Change, entry: impacts.Entry, groups: tuple[str, ...]) -> Change:
    return change._replace(
        impact=entry.impact, flags=entry.flags, why=entry.why, source=entry.source, groups=groups
    )


# Removed from the render of a cluster that exists: `kops replace` assigns nothing on an
# update (cmd/kops/replace.go), so ValidateCluster refuses the manifest (kOps:
# pkg/apis/kops/validation/legacy.go, ValidateCluster; validation.go, validateNetworking),
# as field.Error prints it. networkCIDR is required on AWS, nonMasqueradeCIDR everywhere but
# GCE (validateCloudProvider's constraints).
_REQUIRED = {
    "spec.kubernetesVersion": ("spec.kubernetesVersion: Required value", None),
    "spec.networkCIDR": (
        "spec.networking.networkCIDR: Required value: Cluster does not have networkCIDR set",
        {"aws"},
    ),
    "spec.nonMasqueradeCIDR": (
        "spec.networking.nonMasqueradeCIDR: Required value: Cluster does not have "
        "nonMasqueradeCIDR set",
        {"aws", "azure", "digitalocean", "hetzner", "openstack", "scaleway", "linode"},
    ),
}


def _refusal(change: Change, pattern: str, old: Resources, new: Resources) -> str:
    """kOps' words when ValidateClusterUpdate refuses the change
    (kOps: pkg/apis/kops/validation/cluster.go, ValidateClusterUpdate), or ValidateCluster
    refuses what an update leaves out (_REQUIRED)."""
    required = _REQUIRED.get(pattern)
    if required is not None and change.type == REMOVED:
        words, clouds = required
        if clouds is None or _cloud(new) in clouds:
            return words
    if pattern == "spec.subnets[].cidr" and change.type == REMOVED and _cloud(new) == "aws":
        # validation.go, validateSubnet (strict: `kops update cluster` refuses it)
        index = _index_in(new, change.path[:3])
        return (
            f"spec.networking.subnets[{index}].cidr: Required value: subnet does not have a "
            "cidr set"
        )
    words = _cloud_refusal(change, pattern) if _cloud(new) == "aws" else ""
    if words:
        return words
    if pattern in ("spec.etcdClusters[]", "spec.etcdClusters") and change.type == REMOVED:
        return UPDATE_REFUSALS["spec.etcdClusters[]"]
    if pattern == "spec.etcdClusters[].version":
        etcd = _item(new, change.path[:3])
        if isinstance(etcd, dict) and etcd.get("image"):
            return UPDATE_REFUSALS[pattern]
    return ""


# What the AWS tasks' CheckChanges refuse at `kops update cluster`, as it prints them
# (kOps: upup/pkg/fi/errors.go, FieldIsImmutable: `PATH: Forbidden: field is immutable:
# old=%q new=%q`; CannotChangeField: `Field cannot be changed: NAME`).
_IMMUTABLE = {
    "spec.networkCIDR": "CIDR",  # awstasks/vpc.go
    "spec.subnets[].cidr": "Subnet.CIDR",  # awstasks/subnet.go
    "spec.subnets[].zone": "Subnet.AvailabilityZone",
    "spec.subnets[].ipv6CIDR": "Subnet.IPv6CIDR",
}
_CANNOT_CHANGE = {  # awstasks/ebsvolume.go: an etcd member's volume
    "spec.etcdClusters[].etcdMembers[].encryptedVolume": "Encrypted",
    "spec.etcdClusters[].etcdMembers[].kmsKeyId": "KmsKeyID",
}


def _cloud_refusal(change: Change, pattern: str) -> str:
    if pattern in _CANNOT_CHANGE:
        return f"Field cannot be changed: {_CANNOT_CHANGE[pattern]}"
    if pattern in _IMMUTABLE and change.type == CHANGED:
        old, new = (json.dumps(str(v), ensure_ascii=False) for v in (change.old, change.new))
        return f"{_IMMUTABLE[pattern]}: Forbidden: field is immutable: old={old} new={new}"
    return ""


# ValidateClusterUpdate's refusals that depend on more than the field changing, in its words
# (kOps: pkg/apis/kops/validation/cluster.go): an etcd cluster removed; an etcd version
# changed while an image is set.
UPDATE_REFUSALS = {
    "spec.etcdClusters[]": "EtcdClusters cannot be removed",
    "spec.etcdClusters[].version": "version cannot be changed when image is set",
}


def _cloud(resources: Resources) -> str:
    """The Cluster's cloud provider (`aws`, or the one key of a cloudProvider mapping)."""
    cluster = _item(resources, ())
    provider = (
        (cluster.get("spec") or {}).get("cloudProvider") if isinstance(cluster, dict) else None
    )
    if isinstance(provider, dict) and len(provider) == 1:
        return str(next(iter(provider)))
    return str(provider or "")


def _index_in(resources: Resources, path: tuple[Any, ...]) -> int:
    """The index of the list item `path` (`spec.subnets[name=x]`) names in the Cluster."""
    items = _item(resources, path[:-1])
    wanted = _item(resources, path)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if item is wanted:
                return index
    return 0


def _item(resources: Resources, path: tuple[Any, ...]) -> Any:
    """The Cluster's value at a path whose list items are matched by identity."""
    node: Any = next((d for (k, _), d in resources.items() if k == "Cluster"), None)
    for part in path:
        if isinstance(part, Match) and isinstance(node, list):
            node = next(
                (x for x in node if isinstance(x, dict) and x.get(part.key) == part.value), None
            )
        elif isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        else:
            return None
    return node


# kOps: pkg/model/awsmodel/autoscalinggroup.go: under a mixed instances policy the spot price
# is the Auto Scaling group's (MixedSpotMaxPrice), not the launch template's
_MIXED_SPOT_PRICE = impacts.Entry(
    impacts.CLOUD,
    "the Auto Scaling group's spot price (MixedSpotMaxPrice) under a mixed instances policy",
    "pkg/model/awsmodel/autoscalinggroup.go, buildAutoScalingGroupTask",
)
_ALL_ROLES = {"ControlPlane", "APIServer", "Node", "Bastion"}


def _spec(resources: Resources, kind: str, name: str) -> dict[str, Any]:
    doc = resources.get((kind, name)) if resources else None
    spec = doc.get("spec") if isinstance(doc, dict) else None
    return spec if isinstance(spec, dict) else {}


def _item_roles(change: Change, pattern: str, old: Resources, new: Resources) -> set[str]:
    """The roles a hook or file asset names (kOps: pkg/apis/nodeup/config.go, filterHooks and
    filterFileAssets), on either side of the change; every role for anything else, or for an
    item that names none."""
    if not pattern.startswith(("spec.hooks", "spec.fileAssets")):
        return set(_ALL_ROLES)
    items: list[Any] = []
    for side, value in ((old, change.old), (new, change.new)):
        if len(change.path) == 2:  # the whole list
            items += value if isinstance(value, list) else []
        else:
            item = value if len(change.path) == 3 else _item(side, change.path[:3])
            items += [item] if item is not None else []  # None: not on this side
    roles: set[str] = set()
    for item in items:
        named = item.get("roles") if isinstance(item, dict) else None
        if not isinstance(named, list) or not named:
            return set(_ALL_ROLES)  # an item without roles reaches every role
        roles |= {"ControlPlane" if r == "Master" else str(r) for r in named}
    return roles or set(_ALL_ROLES)


def _groups_with_roles(roles: set[str], resources: Resources) -> tuple[str, ...]:
    found = []
    for (kind, name), doc in (resources or {}).items():
        spec = doc.get("spec") if isinstance(doc, dict) else None
        role = spec.get("role") if isinstance(spec, dict) else None
        role = "ControlPlane" if role == "Master" else role
        if kind == "InstanceGroup" and role in roles:
            found.append(name)
    return tuple(sorted(found))


def _groups_in_subnet(path: tuple[Any, ...], new: Resources) -> tuple[str, ...]:
    subnet = next((p.value for p in path if isinstance(p, Match) and p.key == "name"), None)
    found = []
    for (kind, name), doc in new.items():
        spec = doc.get("spec")
        subnets = spec.get("subnets") if isinstance(spec, dict) else None
        if kind == "InstanceGroup" and isinstance(subnets, list) and subnet in subnets:
            found.append(name)
    return tuple(sorted(found))


def _version(value: Any) -> tuple[int, ...]:

    try:
        parsed = parse_tolerant(str(value))
    except VersionError:
        return ()
    return (parsed.major, parsed.minor, parsed.patch)


def cross_flags(changes: list[Change]) -> None:
    """A CNI switch shows as one networking option removed and another added: both are
    destructive (pods lose their network while nodes roll)."""
    cni = [
        i
        for i, c in enumerate(changes)
        if len(c.path) == 3
        and c.path[:2] == ("spec", "networking")
        and c.path[2] in NETWORKING_OPTIONS
        and c.type in (ADDED, REMOVED)
    ]
    if {changes[i].type for i in cni} == {ADDED, REMOVED}:
        for i in cni:
            flags = tuple(sorted({*changes[i].flags, impacts.DESTRUCTIVE}))
            changes[i] = changes[i]._replace(
                flags=flags, why="a CNI switch: pods lose their network"
            )


def kubernetes_upgrade(changes: list[Change]) -> bool:
    """Whether the changes raise the Kubernetes version (a patch or a minor release)."""
    for c in changes:
        if c.path == ("spec", "kubernetesVersion") and c.type == CHANGED and not c.ignored:
            old, new = _version(c.old), _version(c.new)
            if old and new and new > old:
                return True
    return False
