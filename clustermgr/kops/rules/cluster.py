"""kOps' rules for the Cluster itself: its name, versions, provider, networking, labels and
rolling update settings (pkg/apis/kops/validation/validation.go, legacy_validation.go)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clustermgr.kops import valid_cluster_name
from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, cloud, rule
from clustermgr.kops.rules.wording import go_value, invalid, unsupported
from clustermgr.problems import ERROR, WARNING
from clustermgr.versions import VersionError, parse_kubernetes


@rule("cluster-name", ERROR)
def cluster_name(m: Manifest) -> Iterator[Hit]:
    """The Cluster's name is not a fully qualified DNS name."""
    cluster = m.cluster
    if cluster is None:
        return
    name = cluster.name
    # kOps: pkg/apis/kops/validation/validation.go, newValidateCluster: a dotless name is fine
    # with topology.dns.type None
    if "." not in name and not _none_dns(cluster):
        yield Hit(
            cluster.position,
            ("metadata", "name"),
            "Cluster Name must be a fully-qualified DNS name (e.g. --name=mycluster.myzone.com)",
        )
    elif "." in name and not valid_cluster_name(name):
        yield Hit(
            cluster.position,
            ("metadata", "name"),
            f"Invalid value: {go_value(name)}: must be a DNS subdomain (lower case letters, "
            "digits, '-' and '.')",
        )


def _none_dns(cluster: Doc) -> bool:
    dns = as_dict(as_dict(cluster.spec().get("topology")).get("dns"))
    return dns.get("type") == "None"


_GOSSIP_REMOVED = "gossip DNS support was removed in kOps 1.37"


_DOCKER = (
    "Docker CRI support was removed in Kubernetes 1.24: "
    "https://kubernetes.io/blog/2020/12/02/dockershim-faq"
)
_REMOVED_FIELDS = (
    (("spec", "docker"), _DOCKER),
    (
        ("spec", "nodeAuthorization"),
        "NodeAuthorization must be empty. The functionality has been reimplemented and is "
        "enabled on kubernetes >= 1.19.0.",
    ),
    (("spec", "iam", "legacy"), "legacy IAM permissions are no longer supported"),
)
_REMOVED_CNI = (
    ("external", "external is not supported for Kubernetes >= 1.26"),
    ("weave", "Weave is no longer supported"),
    ("canal", "Canal is not supported for Kubernetes >= 1.28"),
    ("romana", "support for Romana has been removed"),
    ("lyftvpc", "support for LyftVPC has been removed"),
)


@rule("removed-feature", ERROR, since="errors from kOps 1.37 for gossip and Classic")
def removed_feature(m: Manifest) -> Iterator[Hit]:
    """A feature kOps removed (an error) or deprecated in an older kOps (a warning)."""
    cluster = m.cluster
    if cluster is None:
        return
    spec = cluster.spec()
    removed = m.kops_at_least(1, 37)
    # kOps: pkg/apis/kops/validation/validation.go, usesLegacyGossip (not with dns None)
    if cluster.name.endswith(".k8s.local") and not _none_dns(cluster):
        yield Hit(
            cluster.position,
            ("metadata", "name"),
            f"{_GOSSIP_REMOVED}; migrate the cluster to dns=none or a hosted DNS zone using "
            "kOps 1.36 before upgrading (see https://kops.sigs.k8s.io/gossip/)"
            if removed
            else "gossip DNS (.k8s.local names) is deprecated: use topology.dns.type: None",
            ERROR if removed else WARNING,
        )
    for key in ("gossipConfig", "dnsControllerGossipConfig"):
        if key in spec and removed:
            yield Hit(
                cluster.position,
                ("spec", key),
                f"Forbidden: {_GOSSIP_REMOVED}; remove this field from the cluster spec",
            )
    # kOps: validation.go, validateContainerRuntime, validateClusterSpec, validateNetworking:
    # what kOps removed, with its words
    runtime = spec.get("containerRuntime")
    if runtime == "docker":
        yield Hit(cluster.position, ("spec", "containerRuntime"), f"Forbidden: {_DOCKER}")
    elif runtime and runtime != "containerd":
        detail = unsupported(runtime, ("containerd", "docker"))
        yield Hit(cluster.position, ("spec", "containerRuntime"), detail)
    for path, detail in _REMOVED_FIELDS:
        value = spec.get(path[1])
        if value is not None and (len(path) == 2 or as_dict(value).get(path[2]) is True):
            yield Hit(cluster.position, path, f"Forbidden: {detail}")
    networking = as_dict(spec.get("networking"))
    if "classic" in networking:
        message = 'Invalid value: "classic": classic networking is not supported'
        yield Hit(cluster.position, ("spec", "networking"), message)
    for key, detail in _REMOVED_CNI:
        if key in networking:
            yield Hit(cluster.position, ("spec", "networking", key), f"Forbidden: {detail}")
    lb = as_dict(as_dict(spec.get("api")).get("loadBalancer"))
    if lb.get("class") == "Classic":
        # kOps: pkg/apis/kops/validation/aws.go, awsValidateCluster
        yield Hit(
            cluster.position,
            ("spec", "api", "loadBalancer", "class"),
            "Forbidden: AWS Classic Load Balancer for API is no longer supported; migrate to a "
            "Network Load Balancer using kOps 1.36 or earlier"
            if removed
            else "Classic load balancers for the API are deprecated: use class: Network",
            ERROR if removed else WARNING,
        )


@rule("kubernetes-version", ERROR)
def kubernetes_version(m: Manifest) -> Iterator[Hit]:
    """kubernetesVersion is missing or not a version."""
    if m.cluster is None:
        return
    version = m.cluster.spec().get("kubernetesVersion")
    if not version:
        yield Hit(m.cluster.position, ("spec",), "Required value: kubernetesVersion must be set")
        return

    try:
        parse_kubernetes(str(version))
    except VersionError:
        yield Hit(
            m.cluster.position,
            ("spec", "kubernetesVersion"),
            invalid(str(version), "unable to determine kubernetes version"),
        )


@rule("cloud-provider", ERROR)
def cloud_provider(m: Manifest) -> Iterator[Hit]:
    """Not exactly one cloudProvider."""
    if m.cluster is not None and len(_providers(m.cluster)) != 1:
        yield Hit(
            m.cluster.position,
            ("spec", "cloudProvider"),
            "Required value: exactly one cloudProvider must be set",
        )


def _providers(cluster: Doc) -> list[Any]:
    provider = cluster.spec().get("cloudProvider")
    return list(provider) if isinstance(provider, dict) else [provider] if provider else []


@rule("network-cidr-required", ERROR)
def network_cidr_required(m: Manifest) -> Iterator[Hit]:
    """An AWS cluster without networkCIDR or nonMasqueradeCIDR."""
    # kOps: validation.go, validateNetworking (AWS requires both). kops replace of a cluster
    # that exists assigns neither (cmd/kops/replace.go), so kOps refuses the manifest.
    if m.cluster is None or "aws" not in _providers(m.cluster):
        return
    spec = m.cluster.spec()
    if (
        not spec.get("networkCIDR")
        and not spec.get("networkID")  # a shared VPC: kOps reads the VPC's range
        and not as_dict(spec.get("networking")).get("networkCIDR")
    ):
        yield Hit(
            m.cluster.position,
            ("spec", "networkCIDR"),
            "Required value: Cluster does not have networkCIDR set",
        )
    if not spec.get("nonMasqueradeCIDR"):
        yield Hit(
            m.cluster.position,
            ("spec", "nonMasqueradeCIDR"),
            "Required value: Cluster does not have nonMasqueradeCIDR set",
        )


# kOps' NetworkingSpec.ConfiguredOptions (pkg/apis/kops/networking.go), by v1alpha2 key: the
# internal names its message lists (canal is not among them).
_CONFIGURED = {k: k for k in ("classic", "kubenet", "external", "cni", "kopeio", "weave")}
_CONFIGURED |= {k: k for k in ("flannel", "calico", "romana", "cilium", "lyftvpc", "kindnet")}
_CONFIGURED |= {"kuberouter": "kubeRouter", "amazonvpc": "amazonVPC", "gce": "gcp"}


@rule("networking-multiple", ERROR)
def networking_multiple(m: Manifest) -> Iterator[Hit]:
    """More than one CNI set under spec.networking."""
    # kOps: validation.go, validateNetworking (one error per option, at the option)
    if m.cluster is None:
        return
    networking = as_dict(m.cluster.spec().get("networking"))
    options = sorted((_CONFIGURED[k], k) for k in networking if k in _CONFIGURED)
    if len(options) > 1:
        found = ", ".join(name for name, _ in options)
        for _, key in options:
            yield Hit(
                m.cluster.position,
                ("spec", "networking", key),
                f"Forbidden: only one networking option permitted, found {found}",
            )


@rule("cloud-labels-reserved", ERROR)
def cloud_labels_reserved(m: Manifest) -> Iterator[Hit]:
    """A cloud label (Cluster or InstanceGroup) kOps reserves for its own tags."""
    if m.cluster is None:
        return
    for doc in [m.cluster, *m.groups]:
        for key, value in as_dict(doc.spec().get("cloudLabels")).items():
            path = ("spec", "cloudLabels", key)
            if key == IG_NAME_TAG and doc.kind == "InstanceGroup":
                # kOps: pkg/apis/kops/validation/instancegroup.go, validateIGCloudLabels
                if value != doc.name:
                    message = f'Invalid value: "{key}": value must match instance group name'
                    yield Hit(doc.position, path, message)
                continue
            reason = _reserved(str(key))
            if reason:
                yield Hit(doc.position, path, f"Forbidden: {reason}")


# kOps: pkg/nodeidentity/aws/identify.go, CloudTagInstanceGroupName
IG_NAME_TAG = "kops.k8s.io/instancegroup"


def _reserved(key: str) -> str:
    """kOps: pkg/apis/kops/validation/cluster.go, validateCloudLabels."""
    if key in ("Name", "KubernetesCluster"):
        return f'"{key}" is a reserved label and cannot be used as a custom label'
    for prefix in ("kubernetes.io/cluster/", "k8s.io/role/", "kops.k8s.io/"):
        if key.startswith(prefix):
            return f'"{prefix}" is a reserved label prefix and cannot be used as a custom label'
    return ""


@rule("rolling-update", ERROR)
def rolling_update(m: Manifest) -> Iterator[Hit]:
    """rollingUpdate that does not parse, is negative, or has neither surge nor unavailability.

    kOps' validateRollingUpdate: the control plane's surge is control-plane-surge's."""
    # kOps: validation.go, validateRollingUpdate
    docs = ([m.cluster] if m.cluster else []) + m.groups
    for doc in docs:
        update = doc.spec().get("rollingUpdate")
        if not isinstance(update, dict):
            continue
        path = ("spec", "rollingUpdate")
        unavailable = 1
        if update.get("maxUnavailable") is not None:
            raw = update["maxUnavailable"]
            value, problem = _scaled(raw, 1, round_up=False)
            if problem:
                detail = f"Unable to parse: {problem}"
                yield Hit(doc.position, (*path, "maxUnavailable"), invalid(raw, detail))
            unavailable = value
            if value < 0:
                yield Hit(
                    doc.position, (*path, "maxUnavailable"), invalid(raw, "Cannot be negative")
                )
        if update.get("maxSurge") is None:
            continue
        raw = update["maxSurge"]
        surge, problem = _scaled(raw, 1000, round_up=True)
        if problem:
            yield Hit(
                doc.position, (*path, "maxSurge"), invalid(raw, f"Unable to parse: {problem}")
            )
        control_plane = doc.kind == "InstanceGroup" and doc.spec().get("role") in (
            "ControlPlane",
            "Master",
        )
        if not control_plane and surge < 0:
            yield Hit(doc.position, (*path, "maxSurge"), invalid(raw, "Cannot be negative"))
        if unavailable == 0 and surge == 0:
            yield Hit(
                doc.position,
                (*path, "maxSurge"),
                "Forbidden: Cannot be zero if maxUnavailable is zero",
            )


def _scaled(raw: Any, total: int, round_up: bool) -> tuple[int, str]:
    """k8s.io/apimachinery's intstr.GetScaledValueFromIntOrPercent: an int, or a percent of
    `total`; (0, its error) when it is neither."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, ""
    if not isinstance(raw, str):
        return 0, "invalid value for IntOrString: invalid type: neither int nor percentage"
    if not raw.endswith("%"):
        return 0, "invalid value for IntOrString: invalid type: string is not a percentage"
    number = raw[:-1]
    if not re.fullmatch(r"[+-]?[0-9]+", number):
        return 0, (
            f'invalid value for IntOrString: invalid value "{raw}": strconv.Atoi: parsing '
            f'"{number}": invalid syntax'
        )
    share = int(number) * total
    whole = -(-share // 100) if round_up else share // 100  # Go: math.Ceil / math.Floor
    return whole, ""


# kOps: validation.go, validateCloudDNSTopology: the DNS topologies each cloud supports
_DNS_TOPOLOGIES = {
    "aws": ("none", "gossip", "public", "private"),
    "azure": ("none", "gossip"),
    "digitalocean": ("none", "gossip", "public"),
    "gce": ("none", "gossip", "public", "private"),
    "hetzner": ("none", "gossip"),
    "linode": ("none",),
    "metal": ("none",),
    "openstack": ("none", "gossip", "public", "private"),
    "scaleway": ("none", "gossip", "public"),
}


@rule("dns-topology", ERROR)
def dns_topology(m: Manifest) -> Iterator[Hit]:
    """A DNS topology (gossip, none, private, public) the cluster's cloud does not support."""
    cluster = m.cluster
    provider = cloud(cluster)
    if cluster is None or not provider:
        return
    path = ("spec", "topology", "dns", "type")
    supported = _DNS_TOPOLOGIES.get(provider)
    if supported is None:
        detail = f'cloud provider "{provider}" has no declared DNS topology support'
        yield Hit(cluster.position, path, f"Forbidden: {detail}")
        return
    kind = as_dict(as_dict(cluster.spec().get("topology")).get("dns")).get("type") or "Public"
    if kind == "None":
        topology = "none"
    elif cluster.name.endswith(".k8s.local"):
        topology = "gossip"  # kOps: cluster.go, UsesLegacyGossip
    elif kind in ("Private", "Public"):
        topology = kind.lower()
    else:  # kOps says this beside IsValidValue's error (field-value here)
        yield Hit(cluster.position, path, "Forbidden: unsupported dns topology")
        return
    if topology not in supported:
        detail = f'cloud provider "{provider}" does not support {topology} dns topology'
        yield Hit(cluster.position, path, f"Forbidden: {detail}")
