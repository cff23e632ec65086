"""kOps' rules for InstanceGroups and how they fit the Cluster: roles, sizes, subnets, etcd
members. Messages follow kOps' wording (pkg/apis/kops/validation/instancegroup.go,
validation.go)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from clustermgr.kops import CONTROL_PLANE_ROLES, IG_ROLES
from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, as_list, rule
from clustermgr.kops.rules.wording import go_value, unsupported
from clustermgr.problems import ERROR
from clustermgr.yamlio import YPath


def _role(ig: Doc) -> str:
    role = ig.spec().get("role")
    return role if isinstance(role, str) else ""


@rule("instancegroups-required", ERROR)
def instancegroups_required(m: Manifest) -> Iterator[Hit]:
    """A Cluster with no InstanceGroup."""
    if m.cluster is not None and not m.groups:
        yield Hit(m.cluster.position, (), "must configure at least one InstanceGroup")


@rule("control-plane-required", ERROR)
def control_plane_required(m: Manifest) -> Iterator[Hit]:
    """No InstanceGroup has role ControlPlane."""
    # kOps: pkg/apis/kops/validation/legacy.go, DeepValidate
    if m.cluster is None or not m.groups:
        return
    if not any(_role(ig) in CONTROL_PLANE_ROLES for ig in m.groups):
        yield Hit(m.cluster.position, (), "must configure at least one ControlPlane InstanceGroup")


@rule("nodes-required", ERROR)
def nodes_required(m: Manifest) -> Iterator[Hit]:
    """Every InstanceGroup is a control-plane group."""
    # kOps: pkg/apis/kops/validation/legacy.go, DeepValidate counts any other role as a node
    if m.cluster is None or not m.groups:
        return
    if all(_role(ig) in CONTROL_PLANE_ROLES for ig in m.groups):
        yield Hit(m.cluster.position, (), "must configure at least one Node InstanceGroup")


@rule("ig-name-duplicate", ERROR)
def ig_name_duplicate(m: Manifest) -> Iterator[Hit]:
    """Two InstanceGroups share a name."""
    seen: set[str] = set()
    for ig in m.groups:
        if ig.name in seen:
            yield Hit(
                ig.position,
                ("metadata", "name"),
                f"Duplicate value: InstanceGroup {ig.name!r} is defined more than once",
            )
        seen.add(ig.name)


@rule("ig-subnet-unknown", ERROR)
def ig_subnet_unknown(m: Manifest) -> Iterator[Hit]:
    """An InstanceGroup names a subnet the Cluster does not define."""
    if m.cluster is None:
        return
    known = {
        _key(s.get("name")) for s in as_list(m.cluster.spec().get("subnets")) if isinstance(s, dict)
    }
    for ig in m.groups:
        for i, subnet in enumerate(as_list(ig.spec().get("subnets"))):
            if _key(subnet) not in known:
                yield Hit(
                    ig.position,
                    ("spec", "subnets", i),
                    f"Not found: {go_value(subnet)}",  # kOps: instancegroup.go, CrossValidate...
                )


def _key(value: Any) -> Any:
    """A value usable as a set member (a list or mapping where a name belongs is not one)."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else repr(value)


@rule("ig-cluster-label", ERROR)
def ig_cluster_label(m: Manifest) -> Iterator[Hit]:
    """An InstanceGroup's kops.k8s.io/cluster label is missing or names another cluster."""
    if m.cluster is None:
        return
    for ig in m.groups:
        labels = as_dict(as_dict(ig.data.get("metadata")).get("labels"))
        label = labels.get("kops.k8s.io/cluster")
        if label is None:
            yield Hit(
                ig.position,
                ("metadata",),
                "Required value: label kops.k8s.io/cluster must name the cluster "
                f"({m.cluster.name!r})",
            )
        elif label != m.cluster.name:
            yield Hit(
                ig.position,
                ("metadata", "labels", "kops.k8s.io/cluster"),
                f"Invalid value: {go_value(label)}: the InstanceGroup belongs to cluster "
                f"{m.cluster.name!r}",
            )


@rule("ig-role", ERROR)
def ig_role(m: Manifest) -> Iterator[Hit]:
    """An InstanceGroup's role is missing or not one kOps knows."""
    for ig in m.groups:
        role = ig.spec().get("role")
        if not role:
            yield Hit(ig.position, ("spec",), "Required value: Role must be set")
        elif role not in IG_ROLES:
            yield Hit(
                ig.position,
                ("spec", "role"),
                unsupported(role, tuple(IG_ROLES)),
            )


@rule("ig-size", ERROR)
def ig_size(m: Manifest) -> Iterator[Hit]:
    """maxSize is below minSize."""
    for ig in m.groups:
        low, high = ig.spec().get("minSize"), ig.spec().get("maxSize")
        if isinstance(low, int) and isinstance(high, int) and high < low:
            yield Hit(
                ig.position,
                ("spec", "maxSize"),
                f"Invalid value: {high}: maxSize must be greater than or equal to minSize.",
            )


@rule("control-plane-subnets", ERROR)
def control_plane_subnets(m: Manifest) -> Iterator[Hit]:
    """A control-plane InstanceGroup without a subnet."""
    for ig in m.groups:
        if _role(ig) in CONTROL_PLANE_ROLES and not as_list(ig.spec().get("subnets")):
            yield Hit(
                ig.position,
                ("spec",),
                "Required value: control-plane InstanceGroup must specify at least one Subnet",
            )


@rule("control-plane-size", ERROR)
def control_plane_size(m: Manifest) -> Iterator[Hit]:
    """A control-plane InstanceGroup sized above one instance."""
    for ig in m.groups:
        if _role(ig) not in CONTROL_PLANE_ROLES:
            continue
        for key in ("minSize", "maxSize"):
            size = ig.spec().get(key)
            if isinstance(size, int) and not isinstance(size, bool) and size > 1:
                yield Hit(
                    ig.position,
                    ("spec", key),
                    f"Invalid value: {size}: a control-plane InstanceGroup runs one "
                    "instance (use one InstanceGroup per zone)",
                )


# -- etcd ----------------------------------------------------------------------------------------


def _etcd(m: Manifest) -> Iterator[tuple[Doc, YPath, dict[str, Any], list[dict[str, Any]]]]:
    """Each etcd cluster of the Cluster: (cluster doc, its path, it, its members)."""
    if m.cluster is None:
        return
    for e, etcd in enumerate(as_list(m.cluster.spec().get("etcdClusters"))):
        if isinstance(etcd, dict):
            members = [x for x in as_list(etcd.get("etcdMembers")) if isinstance(x, dict)]
            yield m.cluster, ("spec", "etcdClusters", e), etcd, members


@rule("etcd-members", ERROR)
def etcd_members(m: Manifest) -> Iterator[Hit]:
    """No etcd cluster, one without members or with an even number, or an unnamed member."""
    # kOps: validation.go, validateClusterSpec, validateEtcdClusterSpec, validateEtcdMemberSpec
    if m.cluster is not None and not as_list(m.cluster.spec().get("etcdClusters")):
        yield Hit(m.cluster.position, ("spec", "etcdClusters"), "Required value")
    for cluster, base, _etcd_cluster, members in _etcd(m):
        if not members:
            yield Hit(
                cluster.position,
                (*base, "etcdMembers"),
                "Required value: No members defined in etcd cluster",
            )
        elif len(members) % 2 == 0:
            yield Hit(
                cluster.position,
                (*base, "etcdMembers"),
                f"Invalid value: {len(members)}: Should be an odd number of control-plane-zones "
                "for quorum. Use --zones and --control-plane-zones to declare node zones and "
                "control-plane zones separately",
            )
        for i, member in enumerate(members):
            for key, detail in (
                ("name", "etcdMember did not have name"),
                ("instanceGroup", "etcdMember did not have instanceGroup"),
            ):
                if not member.get(key):
                    path = (*base, "etcdMembers", i, key)
                    yield Hit(cluster.position, path, f"Required value: {detail}")


@rule("etcd-member-ig-unknown", ERROR)
def etcd_member_ig_unknown(m: Manifest) -> Iterator[Hit]:
    """An etcd member names an InstanceGroup that does not exist."""
    groups = {ig.name for ig in m.groups}
    for cluster, base, _etcd_cluster, members in _etcd(m):
        for i, member in enumerate(members):
            group = member.get("instanceGroup")
            if _key(group) not in groups:
                yield Hit(
                    cluster.position,
                    (*base, "etcdMembers", i, "instanceGroup"),
                    f"Invalid value: {go_value(group)}: InstanceGroup not found",
                )


@rule("etcd-member-missing", ERROR)
def etcd_member_missing(m: Manifest) -> Iterator[Hit]:
    """A control-plane InstanceGroup has no member in an etcd cluster."""
    control_plane = [ig.name for ig in m.groups if _role(ig) in CONTROL_PLANE_ROLES]
    for cluster, base, etcd, members in _etcd(m):
        used = Counter(_key(x.get("instanceGroup")) for x in members)
        for group in control_plane:
            if not used[group]:
                yield Hit(
                    cluster.position,
                    (*base, "etcdMembers"),
                    # kOps: instancegroup.go, ValidateControlPlaneInstanceGroup (`last` is
                    # the last member's group)
                    f'Forbidden: InstanceGroup "{group}" with role ControlPlane must have a '
                    f'member in etcd (IG: "{_last_group(members)}") cluster '
                    f'"{etcd.get("name", "")}"',
                )


def _last_group(members: list[Any]) -> str:
    groups = [as_dict(x).get("instanceGroup") for x in members]
    return str(groups[-1] or "") if groups else ""


@rule("etcd-member-name", ERROR)
def etcd_member_name(m: Manifest) -> Iterator[Hit]:
    """Two members of one etcd cluster share a name."""
    for cluster, base, _etcd_cluster, members in _etcd(m):
        names = Counter(_key(x.get("name")) for x in members)
        for i, member in enumerate(members):
            if names[_key(member.get("name"))] > 1:
                yield Hit(
                    cluster.position,
                    (*base, "etcdMembers", i, "name"),
                    f"Duplicate value: {go_value(member.get('name'))}",
                )


@rule("etcd-version", ERROR)
def etcd_version(m: Manifest) -> Iterator[Hit]:
    """etcd clusters on different versions, a version that is not 3.x, or image without one."""
    # kOps: pkg/apis/kops/validation/validation.go, validateEtcdStorage, validateEtcdVersion,
    # validateEtcdClusterSpec
    clusters = list(_etcd(m))
    first = str(clusters[0][2].get("version") or "") if clusters else ""
    for cluster, base, etcd, _members in clusters:
        version = str(etcd.get("version") or "")
        where = (*base, "version")
        if etcd.get("image") and not version:
            yield Hit(
                cluster.position, where, "Required value: version must be set when image is set"
            )
        if not version:
            continue
        if version != first:
            yield Hit(
                cluster.position,
                where,
                f"Forbidden: cluster: {go_value(etcd.get('name', ''))}, has a different storage "
                f"version: {go_value(version)}, both must be the same",
            )
        major = version.removeprefix("v").split(".")[0]
        if major != "3":
            detail = (
                "the storage version is invalid"
                if not major.isdigit()
                else ("unsupported storage version, we only support major version 3")
            )
            yield Hit(cluster.position, where, f"Invalid value: {go_value(version)}: {detail}")


_ETCD_NAMES = ("cilium", "main", "events", "leases")  # kOps: validateEtcdClusterSpec


@rule("etcd-name", ERROR)
def etcd_name(m: Manifest) -> Iterator[Hit]:
    """An etcd cluster named other than main, events, cilium or leases, or named twice."""
    # kOps: validation.go, validateEtcdClusterSpec (names, provider) and validateEtcdBackupStore
    # (which compares the clusters' names, and says so of the backup store)
    seen: set[str] = set()
    for cluster, base, etcd, _members in _etcd(m):
        name = etcd.get("name")
        if name not in _ETCD_NAMES:
            yield Hit(
                cluster.position,
                (*base, "name"),
                unsupported(name, _ETCD_NAMES),
            )
        provider = etcd.get("provider")
        if provider and provider != "Manager":
            message = unsupported(provider, ("Manager",))
            yield Hit(cluster.position, (*base, "provider"), message)
        if isinstance(name, str) and name in seen:
            yield Hit(
                cluster.position,
                ("spec", "etcdClusters", 0, "backupStore"),
                "Forbidden: the backup store must be unique for each etcd cluster",
            )
        if isinstance(name, str):
            seen.add(name)


_VOLUME_TYPES = ("standard", "gp3", "gp2", "io1", "io2")


@rule("root-volume-type", ERROR)
def root_volume_type(m: Manifest) -> Iterator[Hit]:
    """An AWS root volume type kOps does not take."""
    # kOps: pkg/apis/kops/validation/instancegroup.go, CrossValidateInstanceGroup
    if m.cluster is None or m.cluster.spec().get("cloudProvider") != "aws":
        return
    for ig in m.groups:
        kind = ig.spec().get("rootVolumeType")
        if kind is not None and kind not in _VOLUME_TYPES:
            yield Hit(
                ig.position,
                ("spec", "rootVolumeType"),
                unsupported(kind, _VOLUME_TYPES),
            )
