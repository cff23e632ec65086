"""kOps' own validation, offline: the checks `kops update cluster` would make, and a few it misses.

Each rule is a function over the whole manifest (one Cluster and its InstanceGroups) that
yields findings against one document's field; RULES lists them, and the rule id is what users
see and can search for. Messages follow kOps' wording where kOps has one.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from typing import Any, NamedTuple

from clustermgr.kops import CONTROL_PLANE_ROLES, IG_ROLES, NETWORKING_OPTIONS
from clustermgr.problems import ERROR, WARNING
from clustermgr.yamlio import YPath

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Doc(NamedTuple):
    """One kOps document of a manifest."""

    kind: str
    name: str
    data: dict[str, Any]
    position: int  # in the manifest

    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}


class Finding(NamedTuple):
    doc: Doc
    level: str
    rule: str
    path: YPath
    message: str


class Manifest(NamedTuple):
    cluster: Doc | None
    groups: list[Doc]


Rule = Callable[[Manifest], Iterator[Finding]]
RULES: list[Rule] = []


def rule(func: Rule) -> Rule:
    RULES.append(func)
    return func


def check(manifest: Manifest) -> list[Finding]:
    return [finding for run in RULES for finding in run(manifest)]


def _role(ig: Doc) -> str:
    role = ig.spec().get("role")
    return role if isinstance(role, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- across documents ------------------------------------------------------------------------


@rule
def instance_groups_present(m: Manifest) -> Iterator[Finding]:
    if m.cluster is None:
        return
    roles = [_role(ig) for ig in m.groups]
    if not m.groups:
        yield Finding(
            m.cluster,
            ERROR,
            "instancegroups-required",
            (),
            "must configure at least one InstanceGroup",
        )
        return
    if not any(r in CONTROL_PLANE_ROLES for r in roles):
        yield Finding(
            m.cluster,
            ERROR,
            "control-plane-required",
            (),
            "must configure at least one InstanceGroup with role ControlPlane",
        )
    if "Node" not in roles:
        yield Finding(
            m.cluster,
            ERROR,
            "nodes-required",
            (),
            "must configure at least one InstanceGroup with role Node",
        )


@rule
def instance_group_names(m: Manifest) -> Iterator[Finding]:
    seen: set[str] = set()
    for ig in m.groups:
        if ig.name in seen:
            yield Finding(
                ig,
                ERROR,
                "ig-name-duplicate",
                ("metadata", "name"),
                f"Duplicate value: InstanceGroup {ig.name!r} is defined more than once",
            )
        seen.add(ig.name)


@rule
def instance_group_subnets(m: Manifest) -> Iterator[Finding]:
    if m.cluster is None:
        return
    known = {s.get("name") for s in _list(m.cluster.spec().get("subnets")) if isinstance(s, dict)}
    for ig in m.groups:
        for i, subnet in enumerate(_list(ig.spec().get("subnets"))):
            if subnet not in known:
                yield Finding(
                    ig,
                    ERROR,
                    "ig-subnet-unknown",
                    ("spec", "subnets", i),
                    f"Invalid value: {subnet!r}: InstanceGroup {ig.name!r} is configured "
                    f"in {subnet!r}, but this is not configured as a Subnet in the cluster",
                )


@rule
def cluster_label(m: Manifest) -> Iterator[Finding]:
    if m.cluster is None:
        return
    for ig in m.groups:
        labels = _dict(_dict(ig.data.get("metadata")).get("labels"))
        label = labels.get("kops.k8s.io/cluster")
        if label is None:
            yield Finding(
                ig,
                ERROR,
                "ig-cluster-label",
                ("metadata",),
                "Required value: label kops.k8s.io/cluster must name the cluster "
                f"({m.cluster.name!r})",
            )
        elif label != m.cluster.name:
            yield Finding(
                ig,
                ERROR,
                "ig-cluster-label",
                ("metadata", "labels", "kops.k8s.io/cluster"),
                f"Invalid value: {label!r}: the InstanceGroup belongs to cluster "
                f"{m.cluster.name!r}",
            )


@rule
def etcd_members(m: Manifest) -> Iterator[Finding]:
    if m.cluster is None:
        return
    groups = {ig.name for ig in m.groups}
    control_plane = [ig.name for ig in m.groups if _role(ig) in CONTROL_PLANE_ROLES]
    for e, etcd in enumerate(_list(m.cluster.spec().get("etcdClusters"))):
        if not isinstance(etcd, dict):
            continue
        base: YPath = ("spec", "etcdClusters", e)
        members = [x for x in _list(etcd.get("etcdMembers")) if isinstance(x, dict)]
        name = etcd.get("name", "")
        if not members:
            yield Finding(
                m.cluster,
                ERROR,
                "etcd-members",
                (*base, "etcdMembers"),
                "Required value: No members defined in etcd cluster",
            )
        elif len(members) % 2 == 0:
            yield Finding(
                m.cluster,
                ERROR,
                "etcd-members",
                (*base, "etcdMembers"),
                f"Invalid value: {len(members)}: Should be an odd number of "
                "control-plane zones for quorum",
            )
        used = Counter(x.get("instanceGroup") for x in members)
        for i, member in enumerate(members):
            group = member.get("instanceGroup")
            if group not in groups:
                yield Finding(
                    m.cluster,
                    ERROR,
                    "etcd-member-ig-unknown",
                    (*base, "etcdMembers", i, "instanceGroup"),
                    f"Invalid value: {group!r}: InstanceGroup not found",
                )
        for group in control_plane:
            if not used[group]:
                yield Finding(
                    m.cluster,
                    ERROR,
                    "etcd-member-missing",
                    (*base, "etcdMembers"),
                    f"control-plane InstanceGroup {group!r} has no member in etcd cluster {name!r}",
                )
        names = Counter(x.get("name") for x in members)
        for i, member in enumerate(members):
            if names[member.get("name")] > 1:
                yield Finding(
                    m.cluster,
                    ERROR,
                    "etcd-member-name",
                    (*base, "etcdMembers", i, "name"),
                    f"Duplicate value: {member.get('name')!r}",
                )


# -- Cluster ---------------------------------------------------------------------------------


@rule
def cluster_basics(m: Manifest) -> Iterator[Finding]:
    cluster = m.cluster
    if cluster is None:
        return
    spec = cluster.spec()
    name = cluster.name
    if "." not in name:
        yield Finding(
            cluster,
            ERROR,
            "cluster-name",
            ("metadata", "name"),
            "Cluster Name must be a fully-qualified DNS name (e.g. mycluster.myzone.com)",
        )
    elif not _dns_subdomain(name):
        yield Finding(
            cluster,
            ERROR,
            "cluster-name",
            ("metadata", "name"),
            f"Invalid value: {name!r}: must be a DNS subdomain (lower case letters, "
            "digits, '-' and '.')",
        )
    elif name.endswith(".k8s.local"):
        yield Finding(
            cluster,
            WARNING,
            "removed-feature",
            ("metadata", "name"),
            "gossip DNS (.k8s.local names) is deprecated: use topology.dns.type: None",
        )
    version = spec.get("kubernetesVersion")
    if not version:
        yield Finding(
            cluster,
            ERROR,
            "kubernetes-version",
            ("spec",),
            "Required value: kubernetesVersion must be set",
        )
    else:
        from clustermgr.versions import VersionError, parse_tolerant

        try:
            parse_tolerant(str(version))
        except VersionError:
            yield Finding(
                cluster,
                ERROR,
                "kubernetes-version",
                ("spec", "kubernetesVersion"),
                f"unable to determine kubernetes version from {version!r}",
            )
    provider = spec.get("cloudProvider")
    providers = list(provider) if isinstance(provider, dict) else [provider] if provider else []
    if len(providers) != 1:
        yield Finding(
            cluster,
            ERROR,
            "cloud-provider",
            ("spec", "cloudProvider"),
            "Required value: exactly one cloudProvider must be set",
        )
    if (
        "aws" in providers
        and not spec.get("networkCIDR")
        and not _dict(spec.get("networking")).get("networkCIDR")
    ):
        yield Finding(
            cluster,
            ERROR,
            "network-cidr-required",
            ("spec",),
            "Required value: networkCIDR must be set on AWS",
        )
    options = [k for k in _dict(spec.get("networking")) if k in NETWORKING_OPTIONS]
    if len(options) > 1:
        yield Finding(
            cluster,
            ERROR,
            "networking-multiple",
            ("spec", "networking"),
            f"only one networking option may be set, found {', '.join(options)}",
        )
    if spec.get("containerRuntime") == "docker":
        yield Finding(
            cluster,
            ERROR,
            "removed-feature",
            ("spec", "containerRuntime"),
            'Unsupported value: "docker": Docker support was removed; use containerd',
        )
    lb = _dict(_dict(spec.get("api")).get("loadBalancer"))
    if lb.get("class") == "Classic":
        yield Finding(
            cluster,
            WARNING,
            "removed-feature",
            ("spec", "api", "loadBalancer", "class"),
            "Classic load balancers for the API are deprecated: use class: Network",
        )
    for key in _dict(spec.get("cloudLabels")):
        if key in ("Name", "KubernetesCluster") or key.startswith("kubernetes.io/cluster/"):
            yield Finding(
                cluster,
                ERROR,
                "cloud-labels-reserved",
                ("spec", "cloudLabels", key),
                f"Forbidden: {key!r} is reserved for kOps' own tags",
            )
    yield from _rolling_update(cluster, spec)


def _dns_subdomain(name: str) -> bool:
    import re

    label = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    return len(name) <= 253 and re.fullmatch(rf"{label}(\.{label})*", name) is not None


@rule
def subnets(m: Manifest) -> Iterator[Finding]:
    cluster = m.cluster
    if cluster is None:
        return
    spec = cluster.spec()
    names: Counter[str] = Counter()
    nets: list[tuple[int, Network]] = []
    for i, subnet in enumerate(_list(spec.get("subnets"))):
        if not isinstance(subnet, dict):
            continue
        names[subnet.get("name", "")] += 1
        if names[subnet.get("name", "")] == 2:
            yield Finding(
                cluster,
                ERROR,
                "subnet-name-duplicate",
                ("spec", "subnets", i, "name"),
                f"Duplicate value: {subnet.get('name')!r}",
            )
        if subnet.get("type") not in _SUBNET_TYPES:
            yield Finding(
                cluster,
                ERROR,
                "subnet-type",
                ("spec", "subnets", i, "type"),
                f"Unsupported value: {subnet.get('type')!r}: supported values: "
                + ", ".join(f'"{t}"' for t in _SUBNET_TYPES),
            )
        net = yield from _cidr(cluster, ("spec", "subnets", i, "cidr"), subnet.get("cidr"))
        if net is not None:
            nets.append((i, net))
    network = yield from _cidr(cluster, ("spec", "networkCIDR"), spec.get("networkCIDR"))
    extra = []
    for j, raw in enumerate(_list(spec.get("additionalNetworkCIDRs"))):
        more = yield from _cidr(cluster, ("spec", "additionalNetworkCIDRs", j), raw)
        if more is not None:
            extra.append(more)
    ranges = {}
    for key in ("nonMasqueradeCIDR", "serviceClusterIPRange", "podCIDR"):
        found = yield from _cidr(cluster, ("spec", key), spec.get(key))
        if found is not None:
            ranges[key] = found
    if network is not None:
        for i, net in nets:
            inside = [n for n in (network, *extra) if n.version == net.version]
            if inside and not any(net.subnet_of(n) for n in inside):  # type: ignore[arg-type]
                yield Finding(
                    cluster,
                    ERROR,
                    "subnet-outside-network",
                    ("spec", "subnets", i, "cidr"),
                    f"Invalid value: {str(net)!r}: subnet is not within networkCIDR "
                    f"{str(network)!r} or additionalNetworkCIDRs",
                )
    for a, (i, one) in enumerate(nets):
        for j, other in nets[a + 1 :]:
            if one.overlaps(other):
                yield Finding(
                    cluster,
                    ERROR,
                    "subnet-overlap",
                    ("spec", "subnets", j, "cidr"),
                    f"subnet {str(other)!r} overlaps subnet {str(one)!r} "
                    f"(spec.subnets[{i}]); AWS would refuse it",
                )
        for key in ("serviceClusterIPRange", "podCIDR"):
            if key in ranges and one.version == ranges[key].version and one.overlaps(ranges[key]):
                yield Finding(
                    cluster,
                    ERROR,
                    "subnet-overlaps-range",
                    ("spec", "subnets", i, "cidr"),
                    f"subnet {str(one)!r} overlaps {key} {str(ranges[key])!r}",
                )
    masq = ranges.get("nonMasqueradeCIDR")
    # With VPC-native pod networking (amazonvpc, lyftvpc, cilium in ENI mode) pods take VPC
    # addresses, and kOps expects nonMasqueradeCIDR to be the VPC range itself.
    vpc_native = {"amazonvpc", "amazonVPC", "lyftvpc"} & set(_dict(spec.get("networking")))
    eni = _dict(_dict(spec.get("networking")).get("cilium")).get("ipam") == "eni"
    if (
        masq is not None
        and network is not None
        and masq.version == network.version
        and not (vpc_native or eni)
        and masq.overlaps(network)
    ):
        yield Finding(
            cluster,
            ERROR,
            "non-masquerade-overlap",
            ("spec", "nonMasqueradeCIDR"),
            f"Invalid value: {str(masq)!r}: nonMasqueradeCIDR cannot overlap with "
            f"networkCIDR {str(network)!r}",
        )


_SUBNET_TYPES = ("Public", "Private", "DualStack", "Utility")


def _cidr(doc: Doc, path: YPath, raw: Any) -> Generator[Finding, None, Network | None]:
    """Yields a finding for a bad CIDR; returns the network (generator return value)."""
    if raw is None or raw == "":
        return None
    try:
        return ipaddress.ip_network(str(raw), strict=True)
    except ValueError:
        pass
    try:
        canonical = ipaddress.ip_network(str(raw), strict=False)
    except ValueError:
        yield Finding(doc, ERROR, "cidr-invalid", path, f"Invalid value: {raw!r}: not a valid CIDR")
        return None
    yield Finding(
        doc,
        ERROR,
        "cidr-invalid",
        path,
        f"Invalid value: {raw!r}: host bits are set — did you mean {str(canonical)!r}?",
    )
    return canonical


def _rolling_update(doc: Doc, spec: dict[str, Any]) -> Iterator[Finding]:
    update = spec.get("rollingUpdate")
    if not isinstance(update, dict):
        return
    surge, unavailable = update.get("maxSurge"), update.get("maxUnavailable")
    for key, value in (("maxSurge", surge), ("maxUnavailable", unavailable)):
        if isinstance(value, int) and value < 0:
            yield Finding(
                doc,
                ERROR,
                "rolling-update",
                ("spec", "rollingUpdate", key),
                f"Invalid value: {value}: must be greater than or equal to 0",
            )
    if _zero(surge) and _zero(unavailable):
        yield Finding(
            doc,
            ERROR,
            "rolling-update",
            ("spec", "rollingUpdate", "maxUnavailable"),
            "Forbidden: Cannot be zero if maxSurge is zero",
        )


def _zero(value: Any) -> bool:
    return bool(value == 0 or value == "0%")


# -- InstanceGroups --------------------------------------------------------------------------


@rule
def instance_groups(m: Manifest) -> Iterator[Finding]:
    for ig in m.groups:
        spec = ig.spec()
        role = spec.get("role")
        if not role:
            yield Finding(ig, ERROR, "ig-role", ("spec",), "Required value: Role must be set")
        elif role not in IG_ROLES:
            yield Finding(
                ig,
                ERROR,
                "ig-role",
                ("spec", "role"),
                f"Unsupported value: {role!r}: supported values: "
                + ", ".join(f'"{r}"' for r in IG_ROLES),
            )
        low, high = spec.get("minSize"), spec.get("maxSize")
        if isinstance(low, int) and isinstance(high, int) and high < low:
            yield Finding(
                ig,
                ERROR,
                "ig-size",
                ("spec", "maxSize"),
                f"Invalid value: {high}: maxSize must be greater than or equal to minSize.",
            )
        if role in CONTROL_PLANE_ROLES:
            if not _list(spec.get("subnets")):
                yield Finding(
                    ig,
                    ERROR,
                    "control-plane-subnets",
                    ("spec",),
                    "Required value: control-plane InstanceGroup must specify at least one Subnet",
                )
            for key in ("minSize", "maxSize"):
                size = spec.get(key)
                if isinstance(size, int) and size > 1:
                    yield Finding(
                        ig,
                        ERROR,
                        "control-plane-size",
                        ("spec", key),
                        f"Invalid value: {size}: a control-plane InstanceGroup runs one "
                        "instance (use one InstanceGroup per zone)",
                    )
        yield from _rolling_update(ig, spec)
