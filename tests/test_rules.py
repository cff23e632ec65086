"""One case per rule id, yamllint style: a small valid manifest, one edit, the one finding.

Each case is `(rule, edit, field)`: the edit is `Kind:path=YAML` applied to the base manifest
(`~` deletes the field, `+` appends a document), and the field is where the finding points.
They run on inline manifests, without ../shared.
"""

from __future__ import annotations

import pytest

from clustermgr.kops.crds import Schema
from clustermgr.kops.rules import RULES, readme_table, table
from clustermgr.validation.lint import Linter
from clustermgr.yamlio import dump_all, load_documents
from tests.conftest import REPO

BASE = """\
apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: c.example.com
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.1
  networkCIDR: 10.0.0.0/16
  nonMasqueradeCIDR: 100.64.0.0/10
  networking:
    cilium: {}
  etcdClusters:
  - name: main
    etcdMembers:
    - name: a
      instanceGroup: control-plane-a
  subnets:
  - name: a
    zone: eu-west-1a
    type: Private
    cidr: 10.0.32.0/19
  - name: utility-a
    zone: eu-west-1a
    type: Utility
    cidr: 10.0.0.0/22
---
apiVersion: kops.k8s.io/v1alpha2
kind: InstanceGroup
metadata:
  name: control-plane-a
  labels:
    kops.k8s.io/cluster: c.example.com
spec:
  role: ControlPlane
  machineType: m6i.large
  minSize: 1
  maxSize: 1
  subnets: [a]
---
apiVersion: kops.k8s.io/v1alpha2
kind: InstanceGroup
metadata:
  name: nodes
  labels:
    kops.k8s.io/cluster: c.example.com
spec:
  role: Node
  machineType: m6i.large
  minSize: 1
  maxSize: 3
  subnets: [a]
"""

CASES = [
    ("yaml", "Cluster:spec.x=[unclosed", ""),
    ("yaml11", "Cluster:spec.sshKeyName=yes", "spec.sshKeyName"),
    ("document-empty", "+", ""),
    ("document-not-mapping", "+[1, 2]", ""),
    (
        "additional-object",
        "+{apiVersion: kubescheduler.config.k8s.io/v1, kind: KubeSchedulerConfiguration}",
        "kind",
    ),
    ("api-version", "Cluster:apiVersion=kops.k8s.io/v1beta9", "apiVersion"),
    (
        "kind-unsupported",
        "+{apiVersion: kops.k8s.io/v1alpha2, kind: Keyset, metadata: {name: k}}",
        "kind",
    ),
    ("metadata-name", "InstanceGroup/nodes:metadata.name=~", "metadata"),
    (
        "cluster-multiple",
        "+{apiVersion: kops.k8s.io/v1alpha2, kind: Cluster, metadata: {name: d.example.com}, spec: {}}",
        "kind",
    ),
    ("field-type", "InstanceGroup/nodes:spec.maxSize=three", "spec.maxSize"),
    ("field-value", "Cluster:spec.topology={dns: {type: Sideways}}", "spec.topology.dns.type"),
    ("field-format", "InstanceGroup/nodes:spec.machineType=m6i large", "spec.machineType"),
    ("field-required", "InstanceGroup/nodes:spec.machineType=~", "spec.machineType"),
    ("unknown-field", "InstanceGroup/nodes:spec.rootVolumSize=30", "spec.rootVolumSize"),
    ("cluster-name", "Cluster:metadata.name=nodots", "metadata.name"),
    ("removed-feature", "Cluster:spec.containerRuntime=docker", "spec.containerRuntime"),
    (
        "kubernetes-version",
        "Cluster:spec.kubernetesVersion=latest-and-greatest",
        "spec.kubernetesVersion",
    ),
    ("cloud-provider", "Cluster:spec.cloudProvider=~", "spec.cloudProvider"),
    ("dns-topology", "Cluster:spec.cloudProvider=linode", "spec.topology.dns.type"),
    ("network-cidr-required", "Cluster:spec.networkCIDR=~", "spec.networkCIDR"),
    (
        "networking-multiple",
        "Cluster:spec.networking={cilium: {}, calico: {}}",
        "spec.networking.calico",
    ),
    (
        "cloud-labels-reserved",
        "Cluster:spec.cloudLabels={KubernetesCluster: x}",
        "spec.cloudLabels.KubernetesCluster",
    ),
    (
        "rolling-update",
        "InstanceGroup/nodes:spec.rollingUpdate={maxSurge: 0, maxUnavailable: 0}",
        "spec.rollingUpdate.maxSurge",  # kOps: validation.go, validateRollingUpdate
    ),
    ("instancegroups-required", "InstanceGroup/nodes:=~;InstanceGroup/control-plane-a:=~", ""),
    ("control-plane-required", "InstanceGroup/control-plane-a:spec.role=Node", ""),
    ("nodes-required", "InstanceGroup/nodes:spec.role=ControlPlane", ""),
    ("ig-name-duplicate", "InstanceGroup/nodes:metadata.name=control-plane-a", "metadata.name"),
    ("ig-subnet-unknown", "InstanceGroup/nodes:spec.subnets=[b]", "spec.subnets[0]"),
    (
        "ig-cluster-label",
        "InstanceGroup/nodes:metadata.labels={kops.k8s.io/cluster: d.example.com}",
        'metadata.labels["kops.k8s.io/cluster"]',
    ),
    ("ig-role", "InstanceGroup/nodes:spec.role=Worker", "spec.role"),
    ("ig-root-volume", "InstanceGroup/nodes:spec.rootVolumeIops=-1", "spec.rootVolumeIops"),
    ("ig-volumes", "InstanceGroup/nodes:spec.volumes=[{size: 10}]", "spec.volumes[0].device"),
    (
        "ig-user-data",
        "InstanceGroup/nodes:spec.additionalUserData=[{name: a, type: text/x-shellscript}]",
        "spec.additionalUserData[0].content",
    ),
    ("ig-instance-profile", "InstanceGroup/nodes:spec.iam={profile: nodes}", "spec.iam.profile"),
    ("ig-node-labels", "InstanceGroup/nodes:spec.nodeLabels={a/b/c: x}", "spec.nodeLabels"),
    (
        "ig-gvisor",
        "InstanceGroup/control-plane-a:spec.containerd={gvisor: {enabled: true}}",
        "spec.containerd.gvisor",
    ),
    ("ig-tenancy", "InstanceGroup/nodes:spec.tenancy=shared", "spec.tenancy"),
    (
        "ig-external-lb",
        "InstanceGroup/nodes:spec.externalLoadBalancers=[{loadBalancerName: " + "a" * 33 + "}]",
        "spec.externalLoadBalancers[0].loadBalancerName",
    ),
    ("ig-warm-pool", "InstanceGroup/control-plane-a:spec.warmPool={maxSize: 2}", "spec.warmPool"),
    (
        "ig-karpenter",
        "InstanceGroup/nodes:spec.manager=Karpenter;InstanceGroup/nodes:spec.maxSize=0",
        "spec.maxSize",
    ),
    (
        "ig-security-groups",
        "InstanceGroup/nodes:spec.additionalSecurityGroups=[default]",
        "spec.additionalSecurityGroups[0]",
    ),
    (
        "ig-max-instance-lifetime",
        "InstanceGroup/nodes:spec.maxInstanceLifetime=1h",
        "spec.maxInstanceLifetime",
    ),
    (
        "ig-instance-metadata",
        "InstanceGroup/nodes:spec.instanceMetadata={httpPutResponseHopLimit: 0}",
        "spec.instanceMetadata.httpPutResponseHopLimit",
    ),
    ("ig-spot", "InstanceGroup/nodes:spec.spotDurationInMinutes=30", "spec.spotDurationInMinutes"),
    (
        "ig-mixed-instances",
        "InstanceGroup/nodes:spec.mixedInstancesPolicy={onDemandBase: -1}",
        "spec.mixedInstancesPolicy.onDemandBase",
    ),
    ("ig-cpu-credits", "InstanceGroup/nodes:spec.cpuCredits=burst", "spec.cpuCredits"),
    (
        "ig-apiserver-role",
        "InstanceGroup/nodes:spec.role=APIServer;Cluster:spec.topology={dns: {type: None}}",
        "spec.role",
    ),
    (
        "calico",
        "Cluster:spec.networking={calico: {encapsulationMode: none}}",
        "spec.networking.calico.encapsulationMode",
    ),
    ("cilium", "Cluster:spec.networking={cilium: {tunnel: gre}}", "spec.networking.cilium.tunnel"),
    (
        "cni-ipv6",
        "Cluster:spec.nonMasqueradeCIDR=::/0;Cluster:spec.networking={kubenet: {}}",
        "spec.networking.kubenet",
    ),
    (
        "cni-kube-proxy",
        "Cluster:spec.kubeProxy={enabled: true};"
        "Cluster:spec.networking={cilium: {enableNodePort: true}}",
        "spec.kubeProxy.enabled",
    ),
    ("cni-cloud", "Cluster:spec.networking={gce: {}}", "spec.networking.gce"),
    ("flannel", "Cluster:spec.networking={flannel: {}}", "spec.networking.flannel.backend"),
    (
        "api-lb",
        "Cluster:spec.api={loadBalancer: {class: Classic, sslPolicy: ELBSecurityPolicy-2016-08}}",
        "spec.api.loadBalancer.sslPolicy",
    ),
    (
        "api-lb-aws-only",
        "Cluster:spec.cloudProvider=gce;Cluster:spec.api={loadBalancer: {idleTimeoutSeconds: 60}}",
        "spec.api.loadBalancer.idleTimeoutSeconds",
    ),
    (
        "subnet-routes",
        "Cluster:spec.subnets=[{name: a, zone: eu-west-1a, type: Private, cidr: 10.0.32.0/19, "
        "additionalRoutes: [{cidr: 10.1.0.0/16, target: vpce-1}]}]",
        "spec.subnets[0].additionalRoutes[0].target",
    ),
    (
        "aws-iam-authenticator",
        "Cluster:spec.authentication={aws: {identityMappings: [{arn: 'arn:aws:iam::1:group/x'}]}}",
        "spec.authentication.aws.backendMode",
    ),
    ("kube-dns", "Cluster:spec.kubeDNS={serverIP: 10.0.0.300}", "spec.kubeDNS.serverIP"),
    (
        "containerd",
        "Cluster:spec.containerd={gvisor: {}}",
        "spec.containerd.gvisor",
    ),
    (
        "component-cloud-provider",
        "Cluster:spec.kubelet={cloudProvider: gce}",
        "spec.kubelet.cloudProvider",
    ),
    (
        "service-account-issuer",
        "Cluster:spec.serviceAccountIssuerDiscovery={enableAWSOIDCProvider: true}",
        "spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider",
    ),
    ("kubelet", "Cluster:spec.kubelet={networkPluginMTU: 9001}", "spec.kubelet.networkPluginMTU"),
    (
        "kube-apiserver",
        "Cluster:spec.kubeAPIServer={enableBootstrapTokenAuth: true}",
        "spec.kubeAPIServer.enableBootstrapTokenAuth",
    ),
    (
        "kube-controller-manager",
        "Cluster:spec.kubeControllerManager={experimentalClusterSigningDuration: 1h}",
        "spec.kubeControllerManager.experimentalClusterSigningDuration",
    ),
    (
        "kube-scheduler",
        "Cluster:spec.kubeScheduler={usePolicyConfigMap: true}",
        "spec.kubeScheduler.usePolicyConfigMap",
    ),
    ("kube-proxy", "Cluster:spec.kubeProxy={master: x}", "spec.kubeProxy.master"),
    (
        "addon-manifest",
        "Cluster:spec.addons=[{manifest: 'file:///a.yaml'}]",
        "spec.addons[0].manifest",
    ),
    (
        "cert-manager-required",
        "Cluster:spec.snapshotController={enabled: true}",
        "spec.snapshotController.enabled",
    ),
    (
        "service-account-permissions",
        "Cluster:spec.karpenter={enabled: true}",
        "spec.karpenter.enabled",
    ),
    (
        "node-termination-handler",
        "Cluster:spec.nodeTerminationHandler={enabled: true, enableRebalanceMonitoring: true}",
        "spec.nodeTerminationHandler.enableRebalanceMonitoring",
    ),
    (
        "cluster-autoscaler",
        "Cluster:spec.clusterAutoscaler={expander: cheapest}",
        "spec.clusterAutoscaler.expander",
    ),
    ("external-dns", "Cluster:spec.externalDns={provider: route53}", "spec.externalDns.provider"),
    ("warm-pool", "Cluster:spec.warmPool={minSize: -1}", "spec.warmPool.minSize"),
    (
        "ebs-csi-driver",
        "Cluster:spec.cloudConfig={awsEBSCSIDriver: {enabled: false}}",
        "spec.cloudConfig.awsEBSCSIDriver.enabled",
    ),
    ("hooks", "Cluster:spec.hooks=[{useRawManifest: true}]", "spec.hooks[0]"),
    (
        "file-assets",
        "InstanceGroup/nodes:spec.fileAssets=[{content: x}]",
        "spec.fileAssets[0].name",
    ),
    (
        "assets",
        "Cluster:spec.assets={containerProxy: a, containerRegistry: b}",
        "spec.assets.containerProxy",
    ),
    ("ig-size", "InstanceGroup/nodes:spec.minSize=5", "spec.maxSize"),
    ("control-plane-subnets", "InstanceGroup/control-plane-a:spec.subnets=[]", "spec"),
    ("control-plane-size", "InstanceGroup/control-plane-a:spec.maxSize=3", "spec.maxSize"),
    (
        "etcd-members",
        "Cluster:spec.etcdClusters=[{name: main, etcdMembers: []}]",
        "spec.etcdClusters[0].etcdMembers",
    ),
    (
        "etcd-member-ig-unknown",
        "Cluster:spec.etcdClusters=[{name: main, etcdMembers: [{name: a, instanceGroup: control-plane-a}, {name: b, instanceGroup: cp-b}, {name: c, instanceGroup: control-plane-a}]}]",
        "spec.etcdClusters[0].etcdMembers[1].instanceGroup",
    ),
    (
        "etcd-member-missing",
        "Cluster:spec.etcdClusters=[{name: main, etcdMembers: [{name: a, instanceGroup: nodes}]}]",
        "spec.etcdClusters[0].etcdMembers",
    ),
    (
        "etcd-member-name",
        "Cluster:spec.etcdClusters=[{name: main, etcdMembers: [{name: a, instanceGroup: control-plane-a}, {name: a, instanceGroup: control-plane-a}, {name: b, instanceGroup: control-plane-a}]}]",
        "spec.etcdClusters[0].etcdMembers[1].name",
    ),
    ("cidr-invalid", "Cluster:spec.networkCIDR=10.0.0.1/16", "spec.networkCIDR"),
    ("access-cidr", "Cluster:spec.sshAccess=[10.0.0.1]", "spec.sshAccess[0]"),
    (
        "etcd-version",
        "Cluster:spec.etcdClusters=[{name: main, version: 2.2.1, etcdMembers: [{name: a, instanceGroup: control-plane-a}]}]",
        "spec.etcdClusters[0].version",
    ),
    ("pod-cidr-range", "Cluster:spec.podCIDR=10.200.0.0/16", "spec.podCIDR"),
    (
        "subnet-egress",
        "Cluster:spec.subnets=[{name: a, zone: z, type: Utility, cidr: 10.0.32.0/19, egress: nat-1}]",
        "spec.subnets[0].egress",
    ),
    (
        "subnet-dualstack",
        "Cluster:spec.subnets=[{name: a, zone: z, type: DualStack, cidr: 10.0.32.0/19}]",
        "spec.subnets[0].type",
    ),
    (
        "subnet-id-mixed",
        "Cluster:spec.subnets=[{name: a, zone: z, type: Private, cidr: 10.0.32.0/19, id: subnet-1}, {name: b, zone: z, type: Utility, cidr: 10.0.0.0/22}]",
        "spec.subnets[1].id",
    ),
    (
        "api-lb-internal",
        "Cluster:spec.api={loadBalancer: {type: Internal}};Cluster:spec.subnets=[{name: a, zone: z, type: Public, cidr: 10.0.32.0/19}]",
        "spec.api.loadBalancer.type",
    ),
    (
        "etcd-name",
        "Cluster:spec.etcdClusters=[{name: event, etcdMembers: [{name: a, instanceGroup: control-plane-a}]}]",
        "spec.etcdClusters[0].name",
    ),
    ("root-volume-type", "InstanceGroup/nodes:spec.rootVolumeType=magnetic", "spec.rootVolumeType"),
    (
        "iam-policy-role",
        "Cluster:spec.additionalPolicies={workers: '[]'}",
        "spec.additionalPolicies",
    ),
    (
        "iam-policy-json",
        "Cluster:spec.additionalPolicies={node: 'not json'}",
        "spec.additionalPolicies.node",
    ),
    (
        "iam-policy-arn",
        "Cluster:spec.externalPolicies={node: ['arn:aws:iam::1:role/x']}",
        "spec.externalPolicies.node",
    ),
    ("taint", "InstanceGroup/nodes:spec.taints=['a:b:c']", "spec.taints[0]"),
    (
        "sysctl",
        "InstanceGroup/nodes:spec.sysctlParameters=[net.ipv4.ip_forward]",
        "spec.sysctlParameters[0]",
    ),
    ("update-policy", "Cluster:spec.updatePolicy=sometimes", "spec.updatePolicy"),
    (
        "control-plane-surge",
        "InstanceGroup/control-plane-a:spec.rollingUpdate={maxSurge: 1}",
        "spec.rollingUpdate.maxSurge",
    ),
    ("kops-version-support", "Cluster:spec.kubernetesVersion=1.35.0", "spec.kubernetesVersion"),
    (
        "subnet-name-duplicate",
        "Cluster:spec.subnets=[{name: a, zone: z, type: Private, cidr: 10.0.32.0/19}, {name: a, zone: z, type: Utility, cidr: 10.0.0.0/22}]",
        "spec.subnets[1].name",
    ),
    (
        "subnet-type",
        "Cluster:spec.subnets=[{name: a, zone: z, type: Secret, cidr: 10.0.32.0/19}]",
        "spec.subnets[0].type",
    ),
    ("subnets-required", "Cluster:spec.subnets=[]", "spec.subnets"),
    ("ipv6-non-masquerade", "Cluster:spec.nonMasqueradeCIDR=fd00::/64", "spec.nonMasqueradeCIDR"),
    (
        "subnet-outside-network",
        "Cluster:spec.subnets=[{name: a, zone: z, type: Private, cidr: 10.9.0.0/19}]",
        "spec.subnets[0].cidr",
    ),
    (
        "subnet-overlap",
        "Cluster:spec.subnets=[{name: a, zone: z, type: Private, cidr: 10.0.32.0/19}, {name: b, zone: z, type: Private, cidr: 10.0.33.0/24}]",
        "spec.subnets[1].cidr",
    ),
    ("subnet-overlaps-range", "Cluster:spec.podCIDR=10.0.32.0/20", "spec.subnets[0].cidr"),
    (
        "subnet-ipv6-cidr",
        "Cluster:spec.subnets=[{name: a, zone: z, type: Private, cidr: 10.0.32.0/19, ipv6CIDR: /64}]",
        "spec.subnets[0].ipv6CIDR",
    ),
    (
        "nlb-security-group-mode",
        "Cluster:spec.cloudConfig={nlbSecurityGroupMode: Unmanaged}",
        "spec.cloudConfig.nlbSecurityGroupMode",
    ),
    (
        "kindnet",
        "Cluster:spec.networking={kindnet: {masquerade: {enabled: true, nonMasqueradeCIDRs: [10.0.0.0]}}}",
        "spec.networking.kindnet",
    ),
    (
        "non-masquerade-overlap",
        "Cluster:spec.nonMasqueradeCIDR=10.0.0.0/8",
        "spec.nonMasqueradeCIDR",
    ),
]


def edited(edit: str) -> str:
    """BASE with one edit applied (see the module docstring)."""
    if edit.startswith("+"):
        return BASE + "---\n" + edit[1:] + "\n"
    docs = [d.data for d in load_documents(BASE, "base.yaml", cache=False)]
    for one in edit.split(";"):
        target, _, change = one.partition(":")
        path, _, raw = change.partition("=")
        kind, _, name = target.partition("/")
        index = next(
            i
            for i, d in enumerate(docs)
            if d["kind"] == kind and (not name or d["metadata"]["name"] == name)
        )
        if raw == "[unclosed":  # a syntax error cannot be made by editing data
            return BASE.replace("cloudProvider: aws", "cloudProvider: [aws")
        keys = path.split(".") if path else []
        if not keys:
            docs[index] = None
            continue
        parent = docs[index]
        for key in keys[:-1]:
            parent = parent.setdefault(key, {})
        if raw == "~":
            parent.pop(keys[-1], None)
        else:
            parent[keys[-1]] = load_documents(raw, "edit", cache=False)[0].data
            if raw == "yes":  # keep the YAML 1.1 boolean as written, to trip the warning
                return dump_all([d for d in docs if d is not None]).replace(
                    "sshKeyName: true", "sshKeyName: yes"
                )
    return dump_all([d for d in docs if d is not None])


def _object(**properties: Schema) -> Schema:
    return {"type": "object", "properties": properties}


_STR: Schema = {"type": "string"}
_ANY: Schema = {}
# A reduced schema in the CRDs' shape, small enough to read: what the structure rules walk.
SCHEMAS: dict[str, Schema] = {
    "Cluster": _object(
        apiVersion=_STR,
        kind=_STR,
        metadata=_ANY,
        spec=_object(
            **dict.fromkeys(
                ("cloudProvider", "kubernetesVersion", "networkCIDR", "nonMasqueradeCIDR"), _STR
            ),
            **dict.fromkeys(("networking", "etcdClusters", "subnets", "cloudLabels"), _ANY),
            **dict.fromkeys(("containerRuntime", "podCIDR", "sshKeyName"), _ANY),
            topology=_object(dns=_object(type={"type": "string", "enum": ["Public", "None"]})),
        ),
    ),
    "InstanceGroup": _object(
        apiVersion=_STR,
        kind=_STR,
        metadata=_ANY,
        spec={
            **_object(
                role=_STR,
                machineType={"type": "string", "pattern": "^[a-z0-9]+\\.[a-z0-9]+$"},
                minSize={"type": "integer"},
                maxSize={"type": "integer"},
                subnets={"type": "array", "items": _STR},
                rollingUpdate=_ANY,
            ),
            "required": ["machineType"],
        },
    ),
}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(SCHEMAS, kops_version="1.34.0")


def test_the_base_manifest_is_clean(linter: Linter) -> None:
    assert linter.lint_text(BASE, "m.yaml") == []


@pytest.mark.parametrize(("rule", "edit", "field"), CASES, ids=[c[0] for c in CASES])
def test_rule(linter: Linter, rule: str, edit: str, field: str) -> None:
    problems = linter.lint_text(edited(edit), "m.yaml")
    hits = [p for p in problems if p.rule == rule]
    assert hits, [(p.rule, p.message) for p in problems]
    if field:
        assert field in [h.path for h in hits], hits
    assert hits[0].level == RULES[rule].level


def test_every_rule_has_a_case() -> None:
    assert sorted(c[0] for c in CASES) == sorted(RULES)


def test_the_table_is_ordered_by_stage_and_documented() -> None:
    stages = [r.check for r in table()]
    assert stages == sorted(stages, key=["yaml", "documents", "structure", "rules"].index)
    assert all(r.summary.endswith(".") and "\n" not in r.summary for r in table())


def test_the_docs_list_every_rule() -> None:
    docs = (REPO / "docs" / "validation.md").read_text()
    table = "\n".join("  " + line for line in readme_table().rstrip("\n").split("\n"))
    assert table in docs


@pytest.mark.parametrize(
    "edit",
    [
        "Cluster:metadata.name=nodots;Cluster:spec.topology={dns: {type: None}}",
        "Cluster:spec.kubernetesVersion=https://storage.example.com/release/v1.34.0-alpha.1/",
        "Cluster:apiVersion=kops/v1alpha2",
        "InstanceGroup/nodes:spec.role=APIServer",
        "Cluster:spec.networkCIDR=~;Cluster:spec.networkID=vpc-123",
        "Cluster:metadata.name=c.k8s.local;Cluster:spec.topology={dns: {type: None}}",
        # instancegroup.go, validateIGCloudLabels: the group's own name is allowed
        "InstanceGroup/nodes:spec.cloudLabels={kops.k8s.io/instancegroup: nodes}",
        # validation.go, validateAdditionalPolicy: every kops.AllInstanceGroupRoles role (the
        # four of v1.37.0-alpha.1's pkg/apis/kops/instancegroup.go)
        "Cluster:spec.additionalPolicies={control-plane: '[]', apiserver: '[]', bastion: '[]'}",
        # v1alpha2/conversion.go turns "master" into "control-plane" before validation
        "Cluster:spec.externalPolicies={master: ['arn:aws:iam::123456789012:policy/P']}",
    ],
    ids=[
        "dotless-none-dns",
        "version-url",
        "kops-alias",
        "apiserver-nodes",
        "shared-vpc",
        "gossip-none",
        "ig-name-tag",
        "policy-roles",
        "policy-master",
    ],
)
def test_what_kops_accepts_is_clean(edit: str) -> None:
    problems = Linter().lint_text(edited(edit), "m.yaml")
    assert [(p.rule, p.message) for p in problems if p.rule != "ig-cluster-label"] == []


def test_an_instance_group_name_tag_must_be_the_group_s_name() -> None:
    # kOps: pkg/apis/kops/validation/instancegroup.go, validateIGCloudLabels
    edit = "InstanceGroup/nodes:spec.cloudLabels={kops.k8s.io/instancegroup: other}"
    problems = Linter().lint_text(edited(edit), "m.yaml")
    assert [(p.rule, p.path, p.message) for p in problems if p.rule != "ig-cluster-label"] == [
        (
            "cloud-labels-reserved",
            'spec.cloudLabels["kops.k8s.io/instancegroup"]',
            'Invalid value: "kops.k8s.io/instancegroup": value must match instance group name',
        )
    ]
    on_cluster = Linter().lint_text(
        edited("Cluster:spec.cloudLabels={kops.k8s.io/instancegroup: nodes}"), "m.yaml"
    )
    assert [p.rule for p in on_cluster if p.rule != "ig-cluster-label"] == ["cloud-labels-reserved"]
