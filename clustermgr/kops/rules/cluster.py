"""kOps' rules for the Cluster itself: its name, versions, provider, networking, labels and
rolling-update settings (pkg/apis/kops/validation/validation.go, legacy_validation.go)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clustermgr.kops import NETWORKING_OPTIONS, valid_cluster_name
from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, rule
from clustermgr.problems import ERROR, WARNING


@rule("cluster-name", ERROR)
def cluster_name(m: Manifest) -> Iterator[Hit]:
    """The Cluster's name is not a fully qualified DNS name."""
    cluster = m.cluster
    if cluster is None:
        return
    name = cluster.name
    if "." not in name:
        yield Hit(
            cluster.position,
            ("metadata", "name"),
            "Cluster Name must be a fully-qualified DNS name (e.g. mycluster.myzone.com)",
        )
    elif not valid_cluster_name(name):
        yield Hit(
            cluster.position,
            ("metadata", "name"),
            f"Invalid value: {name!r}: must be a DNS subdomain (lower case letters, "
            "digits, '-' and '.')",
        )


@rule("removed-feature", ERROR)
def removed_feature(m: Manifest) -> Iterator[Hit]:
    """A feature kOps removed (an error) or deprecated (a warning)."""
    cluster = m.cluster
    if cluster is None:
        return
    spec = cluster.spec()
    if cluster.name.endswith(".k8s.local") and "." in cluster.name:
        yield Hit(
            cluster.position,
            ("metadata", "name"),
            "gossip DNS (.k8s.local names) is deprecated: use topology.dns.type: None",
            WARNING,
        )
    if spec.get("containerRuntime") == "docker":
        yield Hit(
            cluster.position,
            ("spec", "containerRuntime"),
            'Unsupported value: "docker": Docker support was removed; use containerd',
        )
    lb = as_dict(as_dict(spec.get("api")).get("loadBalancer"))
    if lb.get("class") == "Classic":
        yield Hit(
            cluster.position,
            ("spec", "api", "loadBalancer", "class"),
            "Classic load balancers for the API are deprecated: use class: Network",
            WARNING,
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
    from clustermgr.versions import VersionError, parse_tolerant

    try:
        parse_tolerant(str(version))
    except VersionError:
        yield Hit(
            m.cluster.position,
            ("spec", "kubernetesVersion"),
            f"unable to determine kubernetes version from {version!r}",
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
    """An AWS cluster without networkCIDR."""
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    if (
        "aws" in _providers(m.cluster)
        and not spec.get("networkCIDR")
        and not as_dict(spec.get("networking")).get("networkCIDR")
    ):
        yield Hit(m.cluster.position, ("spec",), "Required value: networkCIDR must be set on AWS")


@rule("networking-multiple", ERROR)
def networking_multiple(m: Manifest) -> Iterator[Hit]:
    """More than one CNI set under spec.networking."""
    if m.cluster is None:
        return
    options = [k for k in as_dict(m.cluster.spec().get("networking")) if k in NETWORKING_OPTIONS]
    if len(options) > 1:
        yield Hit(
            m.cluster.position,
            ("spec", "networking"),
            f"only one networking option may be set, found {', '.join(options)}",
        )


@rule("cloud-labels-reserved", ERROR)
def cloud_labels_reserved(m: Manifest) -> Iterator[Hit]:
    """A cloud label kOps reserves for its own tags."""
    if m.cluster is None:
        return
    for key in as_dict(m.cluster.spec().get("cloudLabels")):
        if key in ("Name", "KubernetesCluster") or str(key).startswith("kubernetes.io/cluster/"):
            yield Hit(
                m.cluster.position,
                ("spec", "cloudLabels", key),
                f"Forbidden: {key!r} is reserved for kOps' own tags",
            )


@rule("rolling-update", ERROR)
def rolling_update(m: Manifest) -> Iterator[Hit]:
    """rollingUpdate with a negative value, or maxSurge and maxUnavailable both zero."""
    for doc in ([m.cluster] if m.cluster else []) + m.groups:
        update = doc.spec().get("rollingUpdate")
        if not isinstance(update, dict):
            continue
        surge, unavailable = update.get("maxSurge"), update.get("maxUnavailable")
        for key, value in (("maxSurge", surge), ("maxUnavailable", unavailable)):
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                yield Hit(
                    doc.position,
                    ("spec", "rollingUpdate", key),
                    f"Invalid value: {value}: must be greater than or equal to 0",
                )
        if _zero(surge) and _zero(unavailable):
            yield Hit(
                doc.position,
                ("spec", "rollingUpdate", "maxUnavailable"),
                "Forbidden: Cannot be zero if maxSurge is zero",
            )


def _zero(value: Any) -> bool:
    return value is not False and (value == 0 or value == "0%")
