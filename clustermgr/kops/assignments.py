"""What kOps fills in when it stores a Cluster: `PerformAssignments` (run by `kops create -f`
and `kops replace --force`) and the v1alpha2 decoder's defaults.

`unassign` takes them out of the applied side when the render lacks them, so a cluster
created through clustermgr does not diff against its own defaults, but only those an update
of the cluster accepts without them: `kops replace` of a cluster that exists runs no
PerformAssignments (cmd/kops/replace.go), so a render without `networkCIDR`,
`nonMasqueradeCIDR` or a subnet's `cidr` is a change kOps refuses (validation.go,
validateNetworking and validateSubnet; diff/weigh.py gives its words), never "no change".
(The tests' fake kops fills them in from kOps' source on its own: tests/fakekops/assignments.py.)
"""

from __future__ import annotations

import ipaddress
from typing import Any

BACKUP_RETENTION_DAYS = 90  # kOps: upup/pkg/fi/cloudup/defaults.go, PerformAssignments


def _spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc.get("spec")
    return spec if isinstance(spec, dict) else {}


def unassign(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`old` (applied) without what kOps filled in where `new` (the render) is silent."""
    old_spec, new_spec = _spec(old), _spec(new)
    if not old_spec:
        return old
    spec = dict(old_spec)
    name = (new.get("metadata") or {}).get("name")
    if "masterPublicName" not in new_spec and spec.get("masterPublicName") == f"api.{name}":
        del spec["masterPublicName"]
    spec["etcdClusters"] = _etcd(spec.get("etcdClusters"), new_spec.get("etcdClusters"))
    if spec["etcdClusters"] is None:
        del spec["etcdClusters"]
    proxy = _recomputed_proxy(spec, new_spec, name)
    if proxy is not None:
        spec["egressProxy"] = proxy
    flannel = (spec.get("networking") or {}).get("flannel")
    new_flannel = (new_spec.get("networking") or {}).get("flannel")
    if (
        isinstance(flannel, dict)
        and isinstance(new_flannel, dict)
        and "backend" not in new_flannel
        and flannel.get("backend") == "udp"
    ):
        networking = dict(spec["networking"])
        networking["flannel"] = {k: v for k, v in flannel.items() if k != "backend"}
        spec["networking"] = networking
    return {**old, "spec": spec}


def _etcd(old: Any, new: Any) -> Any:
    """etcd clusters without `manager.backupRetentionDays: 90` where the render sets none."""
    if not isinstance(old, list):
        return old
    rendered = {e.get("name"): e for e in new or [] if isinstance(e, dict)}
    out = []
    for etcd in old:
        mine = rendered.get(etcd.get("name")) if isinstance(etcd, dict) else None
        manager = etcd.get("manager") if isinstance(etcd, dict) else None
        theirs = (mine or {}).get("manager")
        if (
            isinstance(manager, dict)
            and manager.get("backupRetentionDays") == BACKUP_RETENTION_DAYS
        ) and not (isinstance(theirs, dict) and "backupRetentionDays" in theirs):
            manager = {k: v for k, v in manager.items() if k != "backupRetentionDays"}
            etcd = {**etcd, "manager": manager}
            if not manager and not (isinstance(theirs, dict) and theirs == {}):
                etcd = {k: v for k, v in etcd.items() if k != "manager"}
        out.append(etcd)
    return out


def _recomputed_proxy(spec: dict[str, Any], new_spec: dict[str, Any], name: Any) -> Any:
    """The stored egress proxy with the render's excludes, where the stored excludes are the
    render's plus what assignProxy adds: kOps recomputes that list whenever it assigns (the
    in-memory spec of every `kops update cluster`: upup/pkg/fi/cloudup/populate_cluster_spec.go
    runs PerformAssignments), so storing the render's own list changes nothing."""
    old, new = spec.get("egressProxy"), new_spec.get("egressProxy")
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    given = new.get("excludes") or ""
    if not isinstance(given, str) or old.get("excludes") != proxy_excludes(given, spec, name):
        return None
    out = {k: v for k, v in old.items() if k != "excludes"}
    if "excludes" in new:
        out["excludes"] = new["excludes"]
    return out


def proxy_excludes(excludes: str, spec: dict[str, Any], name: Any) -> str | None:
    """What kOps' assignProxy makes of `excludes` (kOps: upup/pkg/fi/cloudup/defaults.go,
    assignProxy): the basic list, the metadata endpoint on AWS, the VPC's ranges, each added
    unless the text already contains it. None where kOps fails (no nonMasqueradeCIDR)."""
    masquerade = spec.get("nonMasqueradeCIDR")
    try:
        network = ipaddress.ip_network(str(masquerade), strict=False)
        first = ipaddress.ip_address(str(masquerade).split("/", 1)[0]) + 1
    except ValueError:
        return None
    if first not in network:
        return None  # incrementIP: "overflowed CIDR while incrementing IP"
    found = excludes.split(",") if excludes else []
    wanted = ["127.0.0.1", "localhost", spec.get("clusterDNSDomain"), spec.get("masterPublicName")]
    wanted += [name, str(first), masquerade]
    provider = spec.get("cloudProvider")
    aws = provider == "aws" or (isinstance(provider, dict) and "aws" in provider)
    wanted += ["169.254.169.254"] if aws else []
    wanted += [spec.get("networkCIDR")] if spec.get("networkCIDR") else []
    wanted += list(spec.get("additionalNetworkCIDRs") or [])
    for item in wanted:
        if item and isinstance(item, str) and item not in excludes:
            found.append(item)
    return ",".join(found)
