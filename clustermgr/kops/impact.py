"""What applying a change to a kOps field makes kOps do: the impact model, as data.

kOps replaces an instance (a rolling update) when its group's launch template changes.
The user data in that template embeds a hash of the group's **nodeup config** (kOps:
pkg/model/bootstrapscript.go, NodeupConfigHash), so a field rolls a group exactly when it
reaches that group's launch template or nodeup config (kOps: pkg/apis/nodeup/config.go,
NewConfig; pkg/model/awsmodel/autoscalinggroup.go). Everything else is applied in place by
`kops update cluster`: addon manifests, cloud resources (Auto Scaling groups, load balancers,
DNS, IAM, security groups), etcd-manager's cluster spec; or it only lives in the state store.

Each entry says where a field lands, why, and the kOps source it rests on. Paths use `[]` for
list items; the longest matching prefix wins. A field not listed falls back to the cautious
side and is flagged `assumed`.
"""

from __future__ import annotations

from typing import NamedTuple

NONE, UPDATE, ROLL_IG, ROLL_CONTROL_PLANE, ROLL_ALL = (
    "none",
    "update",
    "roll IG",
    "roll control plane",
    "roll all (control plane first)",
)
ORDER = (NONE, UPDATE, ROLL_IG, ROLL_CONTROL_PLANE, ROLL_ALL)
# refused: kOps (ValidateClusterUpdate) or the cloud rejects it; destructive: it loses
# something or leaves something running; assumed: no entry, the cautious guess; force: only
# a forced rolling update picks it up (the launch template does not change).
REFUSED, DESTRUCTIVE, ASSUMED, FORCE = "refused", "destructive", "assumed", "force"

# Where a field lands, and the impact that follows.
STATE = "state store only"
ADDON = "addon manifest (applied in place)"
CLOUD = "cloud resource (changed in place)"
ETCD_SPEC = "etcd-manager's cluster spec (upgraded in place)"
ETCD_MANIFEST = "etcd-manager manifests (not in the launch template)"
NODEUP_CONTROL_PLANE = "nodeup config of control-plane groups"
NODEUP_APISERVER = "nodeup config of control-plane and apiserver groups"
NODEUP_ALL = "nodeup config of every group (bastions have none)"
LAUNCH_TEMPLATE_ALL = "launch template of every group"
LAUNCH_TEMPLATE_APISERVER = "launch templates of control-plane and apiserver groups"
WARM_POOL_GROUPS = "nodeup config of the groups a warm pool reaches (Node, APIServer)"
GROUP = "the group's launch template or nodeup config"
SUBNET_GROUPS = "launch templates of the groups in the subnet"
VALIDATION = "refused by kOps"

IMPACT_OF = {
    STATE: NONE,
    ADDON: UPDATE,
    CLOUD: UPDATE,
    ETCD_SPEC: UPDATE,
    ETCD_MANIFEST: ROLL_CONTROL_PLANE,
    NODEUP_CONTROL_PLANE: ROLL_CONTROL_PLANE,
    NODEUP_APISERVER: ROLL_CONTROL_PLANE,
    NODEUP_ALL: ROLL_ALL,
    LAUNCH_TEMPLATE_ALL: ROLL_ALL,
    LAUNCH_TEMPLATE_APISERVER: ROLL_CONTROL_PLANE,
    WARM_POOL_GROUPS: ROLL_IG,
    GROUP: ROLL_IG,
    SUBNET_GROUPS: ROLL_IG,
    VALIDATION: UPDATE,
}

# The roles whose groups a change rolls, where that is not every group: bastions have no
# nodeup config and no nodeup user data unless they have additional user data (kOps:
# pkg/model/bootstrapscript.go, ResourceNodeUp); ControlPlaneConfig and the control plane's
# kubelet reach ControlPlane groups, APIServerConfig ControlPlane and APIServer groups (kOps:
# pkg/apis/nodeup/config.go, NewConfig); a warm pool the groups ResolveDefaults gives one
# (kOps: pkg/apis/kops/cluster.go, WarmPoolSpec.ResolveDefaults).
ROLES_OF: dict[str, tuple[str, ...]] = {
    NODEUP_ALL: ("ControlPlane", "APIServer", "Node"),
    NODEUP_CONTROL_PLANE: ("ControlPlane",),
    ETCD_MANIFEST: ("ControlPlane",),
    NODEUP_APISERVER: ("ControlPlane", "APIServer"),
    LAUNCH_TEMPLATE_APISERVER: ("ControlPlane", "APIServer"),
    WARM_POOL_GROUPS: ("Node", "APIServer"),
}

_NODEUP = "pkg/apis/nodeup/config.go, NewConfig"
_LT = "pkg/model/awsmodel/autoscalinggroup.go, buildLaunchTemplateTask"
_ASG = "pkg/model/awsmodel/autoscalinggroup.go, buildAutoScalingGroupTask"
_ADDONS = "upup/models/cloudup/resources/addons (applied by channels in kops update cluster)"
_UPDATE_RULES = "pkg/apis/kops/validation/cluster.go, ValidateClusterUpdate"


class Entry(NamedTuple):
    where: str
    why: str
    source: str  # the kOps file (and function) the entry rests on
    flags: tuple[str, ...] = ()

    @property
    def impact(self) -> str:
        return IMPACT_OF[self.where]


def _e(where: str, why: str, source: str, *flags: str) -> Entry:
    return Entry(where, why, source, flags)


CLUSTER: dict[str, Entry] = {
    "metadata": _e(STATE, "labels and annotations are not read by nodeup or the cloud", _NODEUP),
    "spec.configBase": _e(STATE, "where kOps keeps the state", _NODEUP),
    "spec.channel": _e(
        STATE, "read when kOps computes upgrades", "upup/pkg/fi/cloudup/defaults.go"
    ),
    "spec.target": _e(
        STATE, "read by `kops update cluster --target`", "cmd/kops/update_cluster.go"
    ),
    "spec.kubernetesVersion": _e(NODEUP_ALL, "every group's nodeup config names it", _NODEUP),
    "spec.kubelet": _e(NODEUP_ALL, "merged into every group's kubelet config", _NODEUP),
    "spec.controlPlaneKubelet": _e(NODEUP_CONTROL_PLANE, "the control plane's kubelet", _NODEUP),
    "spec.masterKubelet": _e(NODEUP_CONTROL_PLANE, "the control plane's kubelet", _NODEUP),
    "spec.containerd": _e(NODEUP_ALL, "ContainerdConfig of every group", _NODEUP),
    "spec.containerRuntime": _e(NODEUP_ALL, "the runtime of every node", _NODEUP),
    "spec.docker": _e(NODEUP_ALL, "the runtime of every node", _NODEUP),
    "spec.kubeProxy": _e(NODEUP_ALL, "KubeProxy of every group", _NODEUP),
    "spec.packages": _e(
        NODEUP_ALL, "Packages of every group", "pkg/nodemodel/nodeupconfigbuilder.go"
    ),
    "spec.assets": _e(
        NODEUP_ALL, "asset locations in every nodeup config", "pkg/nodemodel/nodeupconfigbuilder.go"
    ),
    "spec.hooks": _e(NODEUP_ALL, "Hooks of every group (filtered by role)", _NODEUP),
    "spec.fileAssets": _e(NODEUP_ALL, "FileAssets of every group (filtered by role)", _NODEUP),
    "spec.sysctlParameters": _e(NODEUP_ALL, "SysctlParameters of every group", _NODEUP),
    "spec.ntp": _e(NODEUP_ALL, "NTPUnmanaged of every group", _NODEUP),
    "spec.updatePolicy": _e(NODEUP_ALL, "UpdatePolicy of every group", _NODEUP),
    "spec.cloudConfig": _e(NODEUP_ALL, "cloud settings in every nodeup config", _NODEUP),
    "spec.cloudConfig.awsEBSCSIDriver": _e(ADDON, "the EBS CSI driver is an addon", _ADDONS),
    "spec.cloudConfig.manageStorageClasses": _e(
        ADDON, "the storage classes are addon manifests", _ADDONS
    ),
    "spec.serviceAccountIssuerDiscovery": _e(
        NODEUP_ALL, "DiscoveryService of every group", _NODEUP
    ),
    "spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider": _e(
        CLOUD, "the IAM OIDC provider is a cloud resource", "pkg/model/awsmodel/oidc_provider.go"
    ),
    "spec.nonMasqueradeCIDR": _e(
        NODEUP_ALL,
        "Networking.NonMasqueradeCIDR of every group; pods lose their routes",
        _NODEUP,
        DESTRUCTIVE,
    ),
    "spec.serviceClusterIPRange": _e(
        NODEUP_ALL,
        "Networking.ServiceClusterIPRange of every group; existing Service IPs fall outside",
        _NODEUP,
        DESTRUCTIVE,
    ),
    "spec.podCIDR": _e(
        NODEUP_ALL,
        "kube-proxy and the controller manager of every node; running pods keep old addresses",
        _NODEUP,
        DESTRUCTIVE,
    ),
    "spec.clusterDNSDomain": _e(NODEUP_ALL, "the kubelet's cluster domain on every node", _NODEUP),
    "spec.cloudLabels": _e(
        LAUNCH_TEMPLATE_ALL, "instance tags are part of every launch template", _LT
    ),
    "spec.sshKeyName": _e(
        LAUNCH_TEMPLATE_ALL, "the key pair is part of every launch template", _LT
    ),
    "spec.cloudProvider": _e(
        VALIDATION, "a cluster cannot move to another cloud", _UPDATE_RULES, REFUSED
    ),
    # networking: the CNI runs as an addon; only a few of its settings reach nodeup
    "spec.networking": _e(ADDON, "the CNI is an addon; kops update cluster applies it", _ADDONS),
    "spec.networking.cilium.ipam": _e(
        NODEUP_ALL, "Networking.Cilium.IPAM (ENI mode) of every group", _NODEUP
    ),
    "spec.networking.calico.wireguardEnabled": _e(
        NODEUP_ALL, "Networking.Calico.WireguardEnabled of every group", _NODEUP
    ),
    "spec.networking.cni.usesSecondaryIP": _e(
        NODEUP_ALL, "Networking.CNI.UsesSecondaryIP of every group", _NODEUP
    ),
    "spec.networkCIDR": _e(
        VALIDATION,
        "a VPC's primary range cannot change",
        "upup/pkg/fi/cloudup/awstasks/vpc.go, CheckChanges",
        REFUSED,
    ),
    "spec.networkID": _e(
        VALIDATION, "a cluster cannot move to another VPC", "pkg/model/awsmodel/network.go", REFUSED
    ),
    "spec.additionalNetworkCIDRs": _e(
        CLOUD, "secondary VPC ranges are associated in place", "pkg/model/awsmodel/network.go"
    ),
    "spec.subnets": _e(CLOUD, "subnets are created in place", "pkg/model/awsmodel/network.go"),
    "spec.subnets[].cidr": _e(
        VALIDATION,
        "a subnet's range cannot change",
        "upup/pkg/fi/cloudup/awstasks/subnet.go, CheckChanges",
        REFUSED,
    ),
    "spec.subnets[].ipv6CIDR": _e(
        VALIDATION,
        "a subnet's IPv6 range cannot change",
        "upup/pkg/fi/cloudup/awstasks/subnet.go, CheckChanges",
        REFUSED,
    ),
    "spec.subnets[].zone": _e(
        VALIDATION,
        "a subnet cannot move to another zone",
        "upup/pkg/fi/cloudup/awstasks/subnet.go, CheckChanges",
        REFUSED,
    ),
    "spec.subnets[].type": _e(
        SUBNET_GROUPS, "AssociatePublicIP of the launch templates of the groups in the subnet", _LT
    ),
    "spec.sshAccess": _e(CLOUD, "security group rules", "pkg/model/awsmodel/external_access.go"),
    "spec.kubernetesApiAccess": _e(
        CLOUD, "security group rules", "pkg/model/awsmodel/external_access.go"
    ),
    "spec.nodePortAccess": _e(
        CLOUD, "security group rules", "pkg/model/awsmodel/external_access.go"
    ),
    "spec.api": _e(
        CLOUD, "the API load balancer or DNS record", "pkg/model/awsmodel/api_loadbalancer.go"
    ),
    "spec.api.loadBalancer.additionalSecurityGroups": _e(
        LAUNCH_TEMPLATE_APISERVER,
        "with a Network Load Balancer, the security groups of the apiserver groups' launch "
        "templates",
        "pkg/model/awsmodel/autoscalinggroup.go, buildSecurityGroups (HasAPIServer)",
    ),
    "spec.api.loadBalancer.useForInternalAPI": _e(
        NODEUP_APISERVER, "APIServerConfig.API.LoadBalancer of control-plane groups", _NODEUP
    ),
    "spec.masterPublicName": _e(
        NODEUP_APISERVER, "APIServerConfig.API.PublicName (the apiserver certificate)", _NODEUP
    ),
    "spec.additionalSans": _e(
        NODEUP_APISERVER, "APIServerConfig.API.AdditionalSANs (the apiserver certificate)", _NODEUP
    ),
    "spec.authentication": _e(NODEUP_APISERVER, "APIServerConfig.Authentication", _NODEUP),
    "spec.authentication.aws": _e(
        ADDON, "aws-iam-authenticator's settings go into its manifest, not nodeup", _NODEUP
    ),
    "spec.kubeAPIServer": _e(NODEUP_APISERVER, "APIServerConfig.KubeAPIServer", _NODEUP),
    "spec.kubeAPIServer.serviceNodePortRange": _e(
        NODEUP_ALL, "ServiceNodePortRange of every group", _NODEUP
    ),
    "spec.secretStore": _e(NODEUP_APISERVER, "ConfigStore.Secrets", _NODEUP),
    "spec.keyStore": _e(NODEUP_APISERVER, "ConfigStore.Keypairs", _NODEUP),
    "spec.egressProxy": _e(
        NODEUP_ALL,
        "the proxy environment in every node's user data",
        "pkg/model/resources/nodeup.go, createProxyEnv; pkg/model/bootstrapscript.go",
    ),
    "spec.kubeControllerManager": _e(
        NODEUP_CONTROL_PLANE, "ControlPlaneConfig.KubeControllerManager", _NODEUP
    ),
    "spec.kubeScheduler": _e(NODEUP_CONTROL_PLANE, "ControlPlaneConfig.KubeScheduler", _NODEUP),
    "spec.dnsZone": _e(NODEUP_CONTROL_PLANE, "DNSZone of control-plane groups", _NODEUP),
    "spec.topology": _e(
        CLOUD, "subnets, NAT and bastions in place", "pkg/model/awsmodel/network.go"
    ),
    "spec.topology.dns": _e(CLOUD, "DNS records", "pkg/model/awsmodel/dns.go"),
    "spec.topology.dns.type": _e(NODEUP_ALL, "UsesNoneDNS of every group", _NODEUP),
    "spec.etcdClusters": _e(
        ETCD_MANIFEST,
        "etcd-manager's manifests live in the state store; nodeup only names them",
        "pkg/nodemodel/nodeupconfigbuilder.go (EtcdManifests)",
        FORCE,
    ),
    "spec.etcdClusters[].version": _e(
        ETCD_SPEC,
        "etcd-manager upgrades from the backup store's etcd-cluster-spec",
        "pkg/model/components/etcdmanager/model.go",
    ),
    "spec.etcdClusters[].image": _e(
        VALIDATION, "image can only be set when creating a new etcd cluster", _UPDATE_RULES, REFUSED
    ),
    "spec.etcdClusters[].name": _e(VALIDATION, "name cannot be changed", _UPDATE_RULES, REFUSED),
    "spec.etcdClusters[].etcdMembers[].name": _e(
        VALIDATION, "name cannot be changed", _UPDATE_RULES, REFUSED
    ),
    **{
        f"spec.etcdClusters[].etcdMembers[].{key}": _e(
            VALIDATION,
            "an etcd volume's encryption cannot change",
            "upup/pkg/fi/cloudup/awstasks/ebsvolume.go, CheckChanges",
            REFUSED,
        )
        for key in ("encryptedVolume", "kmsKeyId")
    },
    "spec.etcdClusters[].etcdMembers[].instanceGroup": _e(
        VALIDATION, "instanceGroup cannot be changed", _UPDATE_RULES, REFUSED
    ),
    "spec.iam": _e(CLOUD, "IAM roles and policies change in place", "pkg/model/awsmodel/iam.go"),
    "spec.additionalPolicies": _e(
        CLOUD, "IAM policies change in place", "pkg/model/awsmodel/iam.go"
    ),
    "spec.externalPolicies": _e(
        CLOUD, "IAM policy attachments change in place", "pkg/model/awsmodel/iam.go"
    ),
    "spec.cloudControllerManager": _e(ADDON, "the cloud controller manager is an addon", _ADDONS),
    "spec.nodeProblemDetector": _e(ADDON, "an addon", _ADDONS),
    "spec.kubeDNS": _e(ADDON, "CoreDNS is an addon", _ADDONS),
    "spec.kubeDNS.serverIP": _e(NODEUP_ALL, "the kubelet's cluster DNS on every node", _NODEUP),
    "spec.kubeDNS.nodeLocalDNS": _e(NODEUP_ALL, "the kubelet's cluster DNS on every node", _NODEUP),
    "spec.certManager": _e(ADDON, "an addon", _ADDONS),
    "spec.metricsServer": _e(ADDON, "an addon", _ADDONS),
    "spec.metricsServer.enabled": _e(
        NODEUP_APISERVER,
        "kube-apiserver's aggregator routing follows it",
        "pkg/model/components/apiserver.go (EnableAggregatorRouting)",
    ),
    "spec.clusterAutoscaler": _e(ADDON, "an addon", _ADDONS),
    "spec.awsLoadBalancerController": _e(ADDON, "an addon", _ADDONS),
    "spec.nodeTerminationHandler": _e(ADDON, "an addon", _ADDONS),
    **{
        f"spec.nodeTerminationHandler.{key}": _e(
            LAUNCH_TEMPLATE_ALL,
            "in queue mode every group's instances carry the managed tag",
            "pkg/model/context.go, CloudTagsForInstanceGroup",
        )
        for key in ("enabled", "enableSQSTerminationDraining", "managedASGTag")
    },
    "spec.warmPool": _e(
        WARM_POOL_GROUPS,
        "WarmPoolImages of the nodeup config",
        "pkg/nodemodel/nodeupconfigbuilder.go",
    ),
    "spec.warmPool.minSize": _e(CLOUD, "the Auto Scaling groups' warm pools", _ASG),
    "spec.warmPool.maxSize": _e(CLOUD, "the Auto Scaling groups' warm pools", _ASG),
    "spec.warmPool.lifecycleHookTimeout": _e(CLOUD, "the warm pools' lifecycle hook", _ASG),
    "spec.warmPool.enableLifecycleHook": _e(
        WARM_POOL_GROUPS, "EnableLifecycleHook of the nodeup config", _NODEUP
    ),
    "spec.externalDns": _e(ADDON, "an addon (dns-controller or external-dns)", _ADDONS),
    "spec.snapshotController": _e(ADDON, "an addon", _ADDONS),
    "spec.podIdentityWebhook": _e(ADDON, "an addon", _ADDONS),
    "spec.karpenter": _e(ADDON, "an addon", _ADDONS),
    "spec.gossipConfig": _e(ADDON, "read by dns-controller and protokube's manifests", _ADDONS),
    "spec.dnsControllerGossipConfig": _e(ADDON, "dns-controller's settings", _ADDONS),
    "spec.addons": _e(ADDON, "addon channels", _ADDONS),
}

# A whole option added or removed reaches nodeup, while edits inside it do not.
PRESENCE: dict[str, Entry] = {
    "spec.warmPool": _e(
        WARM_POOL_GROUPS,
        "a warm pool adds WarmPoolImages to the nodeup config",
        "pkg/nodemodel/nodeupconfigbuilder.go",
    ),
    "spec.authentication.aws": _e(
        NODEUP_APISERVER, "APIServerConfig.Authentication.AWS is set when present", _NODEUP
    ),
    **{
        f"spec.networking.{cni}": _e(
            NODEUP_ALL, f"Networking.{cni} presence reaches every nodeup config", _NODEUP
        )
        for cni in (
            "amazonvpc",
            "calico",
            "cilium",
            "cni",
            "flannel",
            "kuberouter",
            "kindnet",
            "kubenet",
        )
    },
}

IG_PRESENCE: dict[str, Entry] = {
    "spec.warmPool": _e(
        GROUP,
        "a warm pool adds WarmPoolImages to the nodeup config",
        "pkg/nodemodel/nodeupconfigbuilder.go",
    ),
}

INSTANCE_GROUP: dict[str, Entry] = {
    "metadata": _e(STATE, "labels and annotations are not read by nodeup or the cloud", _NODEUP),
    "spec.minSize": _e(CLOUD, "the Auto Scaling group's size", _ASG),
    "spec.maxSize": _e(CLOUD, "the Auto Scaling group's size", _ASG),
    "spec.autoscale": _e(CLOUD, "Auto Scaling group tags read by cluster-autoscaler", _ASG),
    "spec.subnets": _e(CLOUD, "the Auto Scaling group's subnets", _ASG),
    "spec.zones": _e(CLOUD, "the Auto Scaling group's zones", _ASG),
    "spec.mixedInstancesPolicy": _e(CLOUD, "the Auto Scaling group's mixed instances policy", _ASG),
    "spec.suspendProcesses": _e(CLOUD, "the Auto Scaling group's suspended processes", _ASG),
    "spec.instanceProtection": _e(CLOUD, "the Auto Scaling group's scale-in protection", _ASG),
    "spec.externalLoadBalancers": _e(
        CLOUD, "the Auto Scaling group's load balancers and target groups", _ASG
    ),
    "spec.warmPool": _e(
        GROUP, "WarmPoolImages of the nodeup config", "pkg/nodemodel/nodeupconfigbuilder.go"
    ),
    "spec.warmPool.minSize": _e(CLOUD, "the Auto Scaling group's warm pool", _ASG),
    "spec.warmPool.maxSize": _e(CLOUD, "the Auto Scaling group's warm pool", _ASG),
    "spec.warmPool.lifecycleHookTimeout": _e(CLOUD, "the warm pool's lifecycle hook", _ASG),
    "spec.warmPool.enableLifecycleHook": _e(
        GROUP, "EnableLifecycleHook of the nodeup config", _NODEUP
    ),
    "spec.capacityRebalance": _e(CLOUD, "the Auto Scaling group's capacity rebalance", _ASG),
    "spec.maxInstanceLifetime": _e(CLOUD, "the Auto Scaling group's instance lifetime", _ASG),
    "spec.autoscalePriority": _e(
        ADDON,
        "cluster-autoscaler's priority expander configuration",
        "upup/pkg/fi/cloudup/template_functions.go",
    ),
    "spec.rollingUpdate": _e(
        STATE, "read by kOps' rolling update itself", "pkg/instancegroups/rollingupdate.go"
    ),
    "spec.maxPrice": _e(
        GROUP,
        "SpotPrice of the launch template (the Auto Scaling group's, under a mixed instances "
        "policy)",
        "pkg/model/awsmodel/autoscalinggroup.go, buildLaunchTemplateTask",
    ),
    "spec.image": _e(GROUP, "the launch template's image", _LT),
    "spec.machineType": _e(GROUP, "the launch template's instance type", _LT),
    "spec.rootVolume": _e(GROUP, "the launch template's block devices", _LT),
    "spec.rootVolumeSize": _e(GROUP, "the launch template's block devices", _LT),
    "spec.rootVolumeType": _e(GROUP, "the launch template's block devices", _LT),
    "spec.volumes": _e(GROUP, "the launch template's block devices", _LT),
    "spec.instanceMetadata": _e(GROUP, "HTTPTokens and hop limit of the launch template", _LT),
    "spec.associatePublicIp": _e(GROUP, "AssociatePublicIP of the launch template", _LT),
    "spec.additionalSecurityGroups": _e(GROUP, "the launch template's security groups", _LT),
    "spec.detailedInstanceMonitoring": _e(GROUP, "the launch template's monitoring", _LT),
    "spec.tenancy": _e(GROUP, "the launch template's tenancy", _LT),
    "spec.cloudLabels": _e(GROUP, "the launch template's instance tags", _LT),
    "spec.additionalUserData": _e(
        GROUP, "the launch template's user data", "pkg/model/bootstrapscript.go"
    ),
    "spec.kubelet": _e(GROUP, "KubeletConfig of the group's nodeup config", _NODEUP),
    "spec.nodeLabels": _e(GROUP, "the kubelet's node labels in the nodeup config", _NODEUP),
    "spec.taints": _e(GROUP, "the kubelet's taints in the nodeup config", _NODEUP),
    "spec.volumeMounts": _e(GROUP, "VolumeMounts of the nodeup config", _NODEUP),
    "spec.hooks": _e(GROUP, "Hooks of the nodeup config", _NODEUP),
    "spec.fileAssets": _e(GROUP, "FileAssets of the nodeup config", _NODEUP),
    "spec.sysctlParameters": _e(GROUP, "SysctlParameters of the nodeup config", _NODEUP),
    "spec.packages": _e(
        GROUP, "Packages of the nodeup config", "pkg/nodemodel/nodeupconfigbuilder.go"
    ),
    "spec.containerd": _e(GROUP, "ContainerdConfig of the nodeup config", _NODEUP),
    "spec.updatePolicy": _e(GROUP, "UpdatePolicy of the nodeup config", _NODEUP),
    "spec.role": _e(GROUP, "the instances take another role", _NODEUP),
}

DOCUMENT_ADDED = {
    "Cluster": _e(
        CLOUD, "a new cluster: kops update cluster creates it", "cmd/kops/update_cluster.go"
    ),
    "InstanceGroup": _e(CLOUD, "a new Auto Scaling group and launch template", _ASG),
    "SSHCredential": _e(CLOUD, "the SSH key pair", "upup/pkg/fi/vfs_castore.go"),
}
DOCUMENT_REMOVED = {
    "InstanceGroup": _e(
        STATE,
        "kops replace never deletes instance groups: the old one keeps running",
        "cmd/kops/replace.go",
        DESTRUCTIVE,
    ),
    "Cluster": _e(
        LAUNCH_TEMPLATE_ALL,
        "a cluster rename creates a new cluster",
        "cmd/kops/replace.go",
        DESTRUCTIVE,
    ),
    "SSHCredential": _e(STATE, "kops replace does not delete SSH keys", "cmd/kops/replace.go"),
}

_FALLBACK = {
    "Cluster": _e(
        NODEUP_ALL, "not in clustermgr's table: assumed to reach every node", _NODEUP, ASSUMED
    ),
    "InstanceGroup": _e(
        GROUP, "not in clustermgr's table: assumed to reach the group's instances", _NODEUP, ASSUMED
    ),
}


def presence(kind: str, pattern: str) -> Entry | None:
    """The entry of a whole option added or removed at `pattern`, where that differs."""
    return (PRESENCE if kind == "Cluster" else IG_PRESENCE if kind == "InstanceGroup" else {}).get(
        pattern
    )


def lookup(kind: str, pattern: str) -> Entry:
    """The entry for a change at `pattern` (keys joined with dots, `[]` for list items)."""
    table = CLUSTER if kind == "Cluster" else INSTANCE_GROUP if kind == "InstanceGroup" else {}
    probe = pattern
    while probe:
        if probe in table:
            return table[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return _FALLBACK.get(kind, _e(CLOUD, "applied by kops update cluster", "cmd/kops/replace.go"))


def worst(impacts: list[str]) -> str:
    return max(impacts, key=ORDER.index, default=NONE)


def reviewer_table() -> str:
    """The table for reviewers in docs/reviewing.md (field -> impact -> why), generated from the data."""
    rows = ["| field | impact | lands in | why | kOps source |", "| --- | --- | --- | --- | --- |"]
    for kind, table in (("Cluster", CLUSTER), ("InstanceGroup", INSTANCE_GROUP)):
        for field, entry in table.items():
            impact = ", ".join([entry.impact, *entry.flags])
            rows.append(
                f"| {kind} `{field}` | {impact} | {entry.where} | {entry.why} | `{entry.source}` |"
            )
    for kind, table in (("Cluster", PRESENCE), ("InstanceGroup", IG_PRESENCE)):
        for field, entry in table.items():
            impact = ", ".join([entry.impact, *entry.flags])
            rows.append(
                f"| {kind} `{field}` added or removed | {impact} | {entry.where} | {entry.why} "
                f"| `{entry.source}` |"
            )
    return "\n".join(rows) + "\n"
