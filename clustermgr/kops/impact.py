"""What a change to a kOps field does when applied: the field -> impact table, as data.

Impacts, from least to most disruptive:
- none: only the state store changes;
- update: `kops update cluster` applies it to the cloud; no instance is replaced;
- roll IG: `kops rolling-update` replaces that instance group's instances;
- roll control plane: every control-plane instance is replaced;
- roll all: every instance of the cluster is replaced.

Flags: `refused` (kOps or the cloud rejects the change) and `destructive` (it loses something,
or leaves something running that the reviewer probably expects gone).

Paths are written with `[]` for list items; the longest matching prefix wins.
"""

from __future__ import annotations

from typing import NamedTuple

NONE, UPDATE, ROLL_IG, ROLL_CONTROL_PLANE, ROLL_ALL = (
    "none",
    "update",
    "roll IG",
    "roll control plane",
    "roll all",
)
ORDER = (NONE, UPDATE, ROLL_IG, ROLL_CONTROL_PLANE, ROLL_ALL)
REFUSED, DESTRUCTIVE = "refused", "destructive"


class Entry(NamedTuple):
    impact: str
    flags: tuple[str, ...]
    why: str


def _e(impact: str, why: str, *flags: str) -> Entry:
    return Entry(impact, flags, why)


CLUSTER: dict[str, Entry] = {
    "metadata": _e(NONE, "labels and annotations live only in the state store"),
    "spec.configBase": _e(NONE, "where kOps keeps the state; nothing in the cloud changes"),
    "spec.channel": _e(NONE, "read when kOps computes upgrades, not applied"),
    "spec.kubernetesVersion": _e(ROLL_ALL, "every node runs the new kubelet"),
    "spec.kubelet": _e(ROLL_ALL, "the kubelet configuration of every node"),
    "spec.controlPlaneKubelet": _e(ROLL_CONTROL_PLANE, "kubelet settings of control-plane nodes"),
    "spec.masterKubelet": _e(ROLL_CONTROL_PLANE, "kubelet settings of control-plane nodes"),
    "spec.containerd": _e(ROLL_ALL, "the container runtime of every node"),
    "spec.containerRuntime": _e(ROLL_ALL, "the container runtime of every node"),
    "spec.kubeProxy": _e(ROLL_ALL, "kube-proxy runs on every node"),
    "spec.cloudLabels": _e(ROLL_ALL, "tags are set on every instance at launch"),
    "spec.nonMasqueradeCIDR": _e(ROLL_ALL, "pod networking of every node", DESTRUCTIVE),
    "spec.podCIDR": _e(ROLL_ALL, "running pods keep their old addresses", DESTRUCTIVE),
    "spec.serviceClusterIPRange": _e(
        ROLL_ALL, "existing Service IPs fall outside the range", DESTRUCTIVE
    ),
    "spec.networking": _e(ROLL_ALL, "the CNI runs on every node"),
    "spec.networkCIDR": _e(UPDATE, "a VPC's primary range cannot change", REFUSED),
    "spec.additionalNetworkCIDRs": _e(UPDATE, "secondary VPC ranges are added in place"),
    "spec.subnets": _e(UPDATE, "new subnets are created in place"),
    "spec.subnets[].cidr": _e(UPDATE, "a subnet's range cannot change", REFUSED),
    "spec.subnets[].zone": _e(UPDATE, "a subnet cannot move to another zone", REFUSED),
    "spec.sshAccess": _e(UPDATE, "security group rules"),
    "spec.kubernetesApiAccess": _e(UPDATE, "security group rules"),
    "spec.nodePortAccess": _e(UPDATE, "security group rules"),
    "spec.api": _e(UPDATE, "the API load balancer or DNS record"),
    "spec.sshKeyName": _e(ROLL_ALL, "the key is set on instances at launch"),
    "spec.kubeAPIServer": _e(ROLL_CONTROL_PLANE, "kube-apiserver runs on control-plane nodes"),
    "spec.kubeControllerManager": _e(ROLL_CONTROL_PLANE, "runs on control-plane nodes"),
    "spec.kubeScheduler": _e(ROLL_CONTROL_PLANE, "runs on control-plane nodes"),
    "spec.cloudControllerManager": _e(ROLL_CONTROL_PLANE, "runs on control-plane nodes"),
    "spec.etcdClusters": _e(ROLL_CONTROL_PLANE, "etcd runs on control-plane nodes"),
    "spec.etcdClusters[].etcdMembers[].instanceGroup": _e(
        ROLL_CONTROL_PLANE, "an etcd member cannot move to another instance group", REFUSED
    ),
    "spec.iam": _e(UPDATE, "IAM roles and policies change in place"),
    "spec.additionalPolicies": _e(UPDATE, "IAM policies change in place"),
    "spec.externalPolicies": _e(UPDATE, "IAM policy attachments change in place"),
    "spec.topology.dns": _e(UPDATE, "DNS records"),
    "spec.certManager": _e(UPDATE, "an addon, applied by the addon manager"),
    "spec.metricsServer": _e(UPDATE, "an addon, applied by the addon manager"),
    "spec.clusterAutoscaler": _e(UPDATE, "an addon, applied by the addon manager"),
    "spec.awsLoadBalancerController": _e(UPDATE, "an addon, applied by the addon manager"),
    "spec.nodeTerminationHandler": _e(UPDATE, "an addon, applied by the addon manager"),
    "spec.externalDns": _e(UPDATE, "an addon, applied by the addon manager"),
    "spec.addons": _e(UPDATE, "addons, applied by the addon manager"),
    "spec.hooks": _e(ROLL_ALL, "systemd units written at boot on every node"),
    "spec.fileAssets": _e(ROLL_ALL, "files written at boot on every node"),
}

INSTANCE_GROUP: dict[str, Entry] = {
    "metadata": _e(NONE, "labels and annotations live only in the state store"),
    "spec.minSize": _e(UPDATE, "the Auto Scaling group's size changes in place"),
    "spec.maxSize": _e(UPDATE, "the Auto Scaling group's size changes in place"),
    "spec.autoscale": _e(UPDATE, "cluster-autoscaler settings"),
    "spec.subnets": _e(UPDATE, "the Auto Scaling group's subnets change in place"),
    "spec.maxPrice": _e(ROLL_IG, "set in the launch template"),
    "spec.image": _e(ROLL_IG, "instances boot the new image"),
    "spec.machineType": _e(ROLL_IG, "instances are relaunched with the new type"),
    "spec.mixedInstancesPolicy": _e(ROLL_IG, "set in the launch template"),
    "spec.rootVolume": _e(ROLL_IG, "the root volume is created at launch"),
    "spec.rootVolumeSize": _e(ROLL_IG, "the root volume is created at launch"),
    "spec.rootVolumeType": _e(ROLL_IG, "the root volume is created at launch"),
    "spec.cloudLabels": _e(ROLL_IG, "tags are set on instances at launch"),
    "spec.nodeLabels": _e(ROLL_IG, "the kubelet registers its labels at boot"),
    "spec.taints": _e(ROLL_IG, "the kubelet registers its taints at boot"),
    "spec.kubelet": _e(ROLL_IG, "the kubelet configuration of the group's nodes"),
    "spec.additionalUserData": _e(ROLL_IG, "user data runs at boot"),
    "spec.instanceMetadata": _e(ROLL_IG, "set in the launch template"),
    "spec.role": _e(ROLL_IG, "the instances take another role"),
}

DOCUMENT_REMOVED = {
    "InstanceGroup": _e(
        NONE, "kops replace never deletes instance groups: the old one keeps running", DESTRUCTIVE
    ),
    "Cluster": _e(ROLL_ALL, "a cluster rename creates a new cluster", DESTRUCTIVE),
}


def lookup(kind: str, pattern: str) -> Entry:
    """The entry for a change at `pattern` (keys joined with dots, `[]` for list items)."""
    table = CLUSTER if kind == "Cluster" else INSTANCE_GROUP if kind == "InstanceGroup" else {}
    probe = pattern
    while probe:
        if probe in table:
            return table[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    if kind == "InstanceGroup":
        return _e(ROLL_IG, "instance group settings reach the instances at launch")
    return _e(ROLL_ALL, "cluster settings reach every node through its boot configuration")


def worst(impacts: list[str]) -> str:
    return max(impacts, key=ORDER.index, default=NONE)
