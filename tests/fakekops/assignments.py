"""What kOps does to a Cluster it stores, for the fake kops, written from kOps' source
(v1.37.0-alpha.1) and nothing else: clustermgr's own model of it is what the tests check.

- `decode`: the v1alpha2 decoder's defaults, on every read of a manifest
  (pkg/apis/kops/v1alpha2/defaults.go, SetDefaults_ClusterSpec);
- `perform_assignments`: what `kops create -f` and `kops replace --force` of a new cluster fill
  in (upup/pkg/fi/cloudup/defaults.go, PerformAssignments); `kops replace` of a cluster that
  exists does not call it (cmd/kops/replace.go);
- `validate`: the part of ValidateCluster (non-strict, as `kops replace` runs it through
  pkg/client/simple/vfsclientset) that the assignments would have satisfied.
"""

from __future__ import annotations

import copy
from typing import Any

DEFAULT_AWS_NETWORK_CIDR = "172.20.0.0/16"  # upup/pkg/fi/cloudup/defaults.go
DEFAULT_NON_MASQUERADE_CIDR = "100.64.0.0/10"  # upup/pkg/fi/cloudup/defaults.go


def _spec(cluster: dict[str, Any]) -> dict[str, Any]:
    spec = cluster.setdefault("spec", {})
    assert isinstance(spec, dict)
    return spec


def _aws(spec: dict[str, Any]) -> bool:
    provider = spec.get("cloudProvider")
    return provider == "aws" or (isinstance(provider, dict) and "aws" in provider)


def decode(cluster: dict[str, Any]) -> dict[str, Any]:
    """SetDefaults_ClusterSpec: topology.dns.type Public, an api section (not on OpenStack),
    RBAC when authorization is empty, flannel's legacy udp backend."""
    doc = copy.deepcopy(cluster)
    spec = _spec(doc)
    topology = spec.setdefault("topology", {})
    dns = topology.setdefault("dns", {})
    if not dns.get("type"):
        dns["type"] = "Public"
    if spec.get("cloudProvider") != "openstack":
        spec.setdefault("api", {})
    if not spec.get("authorization"):
        spec["authorization"] = {"rbac": {}}
    flannel = (spec.get("networking") or {}).get("flannel")
    if isinstance(flannel, dict) and not flannel.get("backend"):
        flannel["backend"] = "udp"
    return doc


def perform_assignments(cluster: dict[str, Any]) -> dict[str, Any]:
    """PerformAssignments on AWS: etcd backup retention, the network ranges, the API's public
    name (with public DNS). Subnet CIDR carving, the egress proxy's excludes and the
    Kubernetes version from the channel are left out: the tests' clusters set them."""
    doc = copy.deepcopy(cluster)
    spec = _spec(doc)
    for etcd in spec.get("etcdClusters") or []:
        manager = etcd.setdefault("manager", {})
        manager.setdefault("backupRetentionDays", 90)
    if _aws(spec) and not spec.get("networkCIDR"):
        spec["networkCIDR"] = DEFAULT_AWS_NETWORK_CIDR
        networking = spec.get("networking") or {}
        if "amazonvpc" in networking and spec.get("nonMasqueradeCIDR") != "::/0":
            spec["nonMasqueradeCIDR"] = spec["networkCIDR"]
    if not spec.get("nonMasqueradeCIDR"):
        spec["nonMasqueradeCIDR"] = DEFAULT_NON_MASQUERADE_CIDR
    public = ((spec.get("topology") or {}).get("dns") or {}).get("type") in (None, "", "Public")
    name = (doc.get("metadata") or {}).get("name")
    if public and not spec.get("masterPublicName") and name:
        spec["masterPublicName"] = f"api.{name}"
    return doc


def validate(cluster: dict[str, Any]) -> list[str]:
    """The errors of ValidateCluster(strict=false) that an existing cluster's replace meets
    when the render leaves out what PerformAssignments fills in (legacy.go, ValidateCluster;
    validation.go, validateNetworking), as field.Error prints them."""
    spec = cluster.get("spec") or {}
    errors = []
    if not spec.get("kubernetesVersion"):
        return ["spec.kubernetesVersion: Required value"]  # kOps stops here
    if _aws(spec) and not spec.get("networkCIDR"):
        errors.append(
            "spec.networking.networkCIDR: Required value: Cluster does not have networkCIDR set"
        )
    if not spec.get("nonMasqueradeCIDR"):
        errors.append(
            "spec.networking.nonMasqueradeCIDR: Required value: Cluster does not have "
            "nonMasqueradeCIDR set"
        )
    return errors
