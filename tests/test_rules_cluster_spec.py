"""kOps' Cluster checks for components and addons (clustermgr/kops/rules/components.py and
addons.py, and the fields removed-feature names) on a real manifest: each seeded defect gives
kOps' own message, quoted from the kOps file and line beside it (v1.37.0-alpha.1,
pkg/apis/kops/validation/), as k8s.io/apimachinery prints a field error."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.validation.lint import Linter

KUBELET = "  kubelet:\n    anonymousAuth: false\n"
IAM = "  iam:\n    allowContainerRegistry: true\n    legacy: false\n"


def cluster_with(kops_data: Path, extra: str = "", old: str = "", new: str = "") -> str:
    """minimal-1.33.yaml with `extra` at the top of the Cluster's spec, `old` made `new`."""
    text = (kops_data / "manifests" / "minimal-1.33.yaml").read_text()
    text = text.replace("spec:\n", "spec:\n" + extra, 1)
    if old:
        assert old in text
        text = text.replace(old, new, 1)
    return text


CASES = [
    # validation.go:1064
    ("", KUBELET, KUBELET + "    networkPluginName: cni\n", "kubelet",
     "spec.kubelet.networkPluginName",
     "Forbidden: networkPluginName has been removed on Kubernetes >=1.24"),
    # validation.go:1048 (IsValidValue)
    ("  masterKubelet:\n    topologyManagerPolicy: always\n", "", "", "kubelet",
     "spec.masterKubelet.topologyManagerPolicy",
     'Unsupported value: "always": supported values: "none", "best-effort", "restricted", '
     '"single-numa-node"'),
    # validation.go:1078 (the value is Duration.String())
    ("", KUBELET, KUBELET + "    shutdownGracePeriod: 30s\n    shutdownGracePeriodCriticalPods: 1m\n",
     "kubelet", "spec.kubelet.shutdownGracePeriodCriticalPods",
     'Invalid value: "1m0s": shutdownGracePeriodCriticalPods cannot be greater than '
     "shutdownGracePeriod"),
    # validation.go:1085
    ("", KUBELET, KUBELET + "    crashLoopBackOffMaxContainerRestartPeriod: 10m\n", "kubelet",
     "spec.kubelet.crashLoopBackOffMaxContainerRestartPeriod",
     'Invalid value: "10m0s": crashLoopBackOffMaxContainerRestartPeriod must be a value '
     "between 1s and 300s"),
    # validation.go:872
    ("  kubeAPIServer:\n    enableAdmissionPlugins:\n    - PodSecurityPolicy\n", "", "",
     "kube-apiserver", "spec.kubeAPIServer.enableAdmissionPlugins",
     "Forbidden: PodSecurityPolicy has been removed from Kubernetes 1.25"),
    # validation.go:895 (utilnet.PortRange.Set's error)
    ("  kubeAPIServer:\n    serviceNodePortRange: 30000-70000\n", "", "", "kube-apiserver",
     "spec.kubeAPIServer.serviceNodePortRange",
     'Invalid value: "30000-70000": the port range cannot be greater than 65535: 30000-70000'),
    # validation.go:921 (this cluster sets authorization.rbac, on AWS)
    ("  kubeAPIServer:\n    authorizationMode: RBAC\n", "", "", "kube-apiserver",
     "spec.kubeAPIServer.authorizationMode",
     "Required value: As of kubernetes 1.19 on AWS, authorizationMode must include RBAC and "
     "Node"),
    # validation.go:888
    ("  kubeAPIServer:\n    proxyClientCertFile: /srv/proxy.crt\n", "", "", "kube-apiserver",
     "spec.kubeAPIServer",
     "Forbidden: proxyClientCertFile and proxyClientKeyFile must both be specified (or "
     "neither)"),
    # validation.go:936
    ("  kubeAPIServer:\n    auditWebhookConfigFile: /srv/hook.yaml\n", "", "",
     "kube-apiserver", "spec.kubeAPIServer.auditWebhookConfigFile",
     'Invalid value: "/srv/hook.yaml": an audit policy is required for the audit webhook '
     "config"),
    # validation.go:961
    ("  kubeControllerManager:\n    experimentalClusterSigningDuration: 8760h\n", "", "",
     "kube-controller-manager", "spec.kubeControllerManager.experimentalClusterSigningDuration",
     "Forbidden: experimentalClusterSigningDuration has been replaced with "
     "clusterSigningDuration as of kubernetes 1.25"),
    # validation.go:973
    ("  kubeScheduler:\n    usePolicyConfigMap: true\n", "", "", "kube-scheduler",
     "spec.kubeScheduler.usePolicyConfigMap",
     "Forbidden: usePolicyConfigMap is deprecated, use KubeSchedulerConfiguration"),
    # validation.go:986
    ("  kubeProxy:\n    ipvsExcludeCidrs:\n    - 10.0.0.1\n", "", "", "kube-proxy",
     "spec.kubeProxy.ipvsExcludeCidrs[0]", 'Invalid value: "10.0.0.1": Invalid network CIDR'),
    # validation.go:991
    ("  kubeProxy:\n    master: api.internal\n", "", "", "kube-proxy", "spec.kubeProxy.master",
     'Invalid value: "api.internal": Not a valid APIServer URL'),
    # validation.go:186
    ("  addons:\n  - manifest: file:///srv/addon.yaml\n", "", "", "addon-manifest",
     "spec.addons[0].manifest",
     'Invalid value: "file:///srv/addon.yaml": file:// addon manifests are not supported'),
    # validation.go:2090
    ("  metricsServer:\n    enabled: true\n", "", "", "cert-manager-required",
     "spec.metricsServer.insecure",
     "Forbidden: Secure metrics server requires that cert manager is enabled"),
    # validation.go:2151
    ("  snapshotController:\n    enabled: true\n", "", "", "cert-manager-required",
     "spec.snapshotController.enabled",
     "Forbidden: Snapshot controller requires that cert manager is enabled"),
    # validation.go:2115
    ("  awsLoadBalancerController:\n    enabled: true\n", "", "", "cert-manager-required",
     "spec.awsLoadBalancerController",
     "Forbidden: AWS Load Balancer Controller requires that cert manager is enabled"),
    # validation.go:308
    ("  karpenter:\n    enabled: true\n", "", "", "service-account-permissions",
     "spec.karpenter.enabled",
     "Forbidden: Karpenter requires that service accounts use external permissions"),
    # validation.go:471
    ("", IAM, IAM + "    serviceAccountExternalPermissions:\n    - name: a\n      namespace: b\n",
     "service-account-permissions", "spec.iam.serviceAccountExternalPermissions[0].aws",
     "Required value: AWS permissions must be set"),
    # validation.go:2103
    ("  nodeTerminationHandler:\n    enabled: true\n    enableSpotInterruptionDraining: false\n",
     "", "", "node-termination-handler",
     "spec.nodeTerminationHandler.enableSpotInterruptionDraining",
     "Forbidden: spot interruption draining cannot be disabled in Queue Processor mode"),
    # validation.go:2059
    ("  clusterAutoscaler:\n    expander: price\n", "", "", "cluster-autoscaler",
     "spec.clusterAutoscaler.expander",
     "Forbidden: Cluster autoscaler price expander is only supported on GCE"),
    # validation.go:2074
    ("  externalDns:\n    watchNamespace: default\n", "", "", "external-dns",
     "spec.externalDns.watchNamespace",
     "Forbidden: externalDNS must watch either all namespaces or only kube-system"),
    # validation.go:2135
    ("  warmPool:\n    maxSize: -1\n", "", "", "warm-pool", "spec.warmPool.maxSize",
     "Invalid value: -1: warm pool maxSize cannot be negative"),
    # aws.go:74
    ("  cloudConfig:\n    awsEBSCSIDriver:\n      enabled: false\n", "", "", "ebs-csi-driver",
     "spec.cloudConfig.awsEBSCSIDriver.enabled", "Forbidden: must not be disabled"),
    # validation.go:811
    ("  hooks:\n  - name: a.service\n", "", "", "hooks", "spec.hooks[0]",
     "Required value: you must set either manifest or execContainer for a hook"),
    # validation.go:841
    ("  hooks:\n  - execContainer:\n      command: [echo]\n", "", "", "hooks",
     "spec.hooks[0].execContainer.image", "Required value: image must be specified"),
    # validation.go:778
    ("  fileAssets:\n  - name: a\n", "", "", "file-assets", "spec.fileAssets[0].content",
     "Required value"),
    # validation.go:793
    ("  assets:\n    fileRepository: s3://bucket/files\n", "", "", "assets",
     "spec.assets.fileRepository",
     'Invalid value: "s3://bucket/files": fileRepository must be an http:// or https:// URL'),
    # validation.go:225
    ("  docker:\n    skipInstall: true\n", "", "", "removed-feature", "spec.docker",
     "Forbidden: Docker CRI support was removed in Kubernetes 1.24: "
     "https://kubernetes.io/blog/2020/12/02/dockershim-faq"),
    # validation.go:297
    ("", "    legacy: false\n", "    legacy: true\n", "removed-feature", "spec.iam.legacy",
     "Forbidden: legacy IAM permissions are no longer supported"),
    # legacy.go:98
    ("  kubeControllerManager:\n    clusterCIDR: 10.0.0.0/16\n", "", "", "kube-dns",
     "spec.kubeControllerManager.clusterCIDR",
     'Forbidden: kubeControllerManager.clusterCIDR "10.0.0.0/16" must be a subnet of '
     'nonMasqueradeCIDR "100.64.0.0/10"'),
    # legacy.go:112
    ("  serviceClusterIPRange: 100.64.0.0/13\n  kubeDNS:\n    serverIP: 100.96.0.10\n", "",
     "", "kube-dns", "spec.kubeDNS.serverIP",
     'Forbidden: ServiceClusterIPRange "100.64.0.0/13" must contain the DNS Server IP '
     '"100.96.0.10"'),
    # legacy.go:137
    ("  kubeDNS:\n    upstreamNameservers:\n    - dns.google\n", "", "", "kube-dns",
     "spec.kubeDNS.upstreamNameservers[0]",
     'Invalid value: "dns.google": Invalid nameserver given, should be a valid ip address'),
    # legacy.go:144
    ("  kubeDNS:\n    stubDomains:\n      corp.example.com: []\n", "", "", "kube-dns",
     'spec.kubeDNS.stubDomains["corp.example.com"]',
     'Invalid value: "corp.example.com": No nameservers specified for the stub domain'),
    # legacy.go:127
    ("  kubeDNS:\n    provider: KubeDNS\n    serverIP: 100.64.0.10\n    nodeLocalDNS:\n"
     "      enabled: true\n", "", "", "kube-dns", "spec.kubeDNS.provider",
     "Forbidden: KubeDNS provider must be set to CoreDNS if NodeLocalDNS addon is enabled"),
    # legacy.go:183
    ("", KUBELET, KUBELET + "    cloudProvider: gce\n", "component-cloud-provider",
     "spec.kubelet.cloudProvider", "Forbidden: Did not match cluster cloudProvider"),
    # legacy.go:237
    ("  serviceAccountIssuerDiscovery:\n    discoveryStore: s3://oidc.example.com/x\n", "",
     "", "service-account-issuer", "spec.serviceAccountIssuerDiscovery.discoveryStore",
     'Invalid value: "s3://oidc.example.com/x": Bucket name cannot contain dots'),
    # legacy.go:245
    ("  serviceAccountIssuerDiscovery:\n    discoveryStore: https://oidc.example.com\n", "",
     "", "service-account-issuer", "spec.serviceAccountIssuerDiscovery.discoveryStore",
     'Invalid value: "https://oidc.example.com": not a valid VFS path'),
    # aws.go:52
    ("", "  api:\n    dns: {}\n", "  api:\n    loadBalancer:\n      class: Classic\n"
     "      type: Public\n      sslCertificate: arn:aws:acm:us-test-1:1:certificate/a\n",
     "api-lb", "spec.api.loadBalancer.sslCertificate",
     "Forbidden: sslCertificate requires a network load balancer. See "
     "https://github.com/kubernetes/kops/blob/master/permalinks/acm_nlb.md"),
    # aws.go:181
    ("", "  api:\n    dns: {}\n", "  api:\n    loadBalancer:\n      class: Network\n"
     "      type: Public\n      securityGroupOverride: api-sg\n", "api-lb",
     "spec.api.loadBalancer.securityGroupOverride",
     'Invalid value: "api-sg": security group override does not match the expected AWS format'),
    # aws.go:346 (NotFound's value is the formatted message, quoted)
    ("", "  api:\n    dns: {}\n", "  api:\n    loadBalancer:\n      class: Network\n"
     "      type: Public\n      subnets:\n      - name: us-test-1b\n", "api-lb",
     "spec.api.loadBalancer.subnets[0].name",
     'Not found: "subnet \\"us-test-1b\\" not found in cluster subnets"'),
    # aws.go:361 (the value is kOps' LoadBalancerSubnetSpec as JSON)
    ("", "  api:\n    dns: {}\n", "  api:\n    loadBalancer:\n      class: Network\n"
     "      type: Internal\n      subnets:\n      - name: us-test-1a\n"
     "        privateIPv4Address: 10.0.0.5\n", "api-lb",
     "spec.api.loadBalancer.subnets[0].privateIPv4Address",
     'Invalid value: {"name":"us-test-1a","privateIPv4Address":"10.0.0.5"}: '
     "privateIPv4Address is not part of the subnet CIDR"),
    # validation.go:762
    ("", "    type: Public\n    zone: us-test-1a\n",
     "    type: Public\n    zone: us-test-1a\n    additionalRoutes:\n"
     "    - cidr: 10.1.0.0/16\n      target: pcx-1\n", "subnet-routes",
     "spec.subnets[0].additionalRoutes",
     "Forbidden: additional routes can only be added on private subnets"),
    # aws.go:429
    ("", "    type: Public\n    zone: us-test-1a\n",
     "    type: Private\n    zone: us-test-1a\n    additionalRoutes:\n"
     "    - cidr: 172.20.128.0/24\n      target: pcx-1\n", "subnet-routes",
     "spec.subnets[0].additionalRoutes[0].target",
     "Forbidden: target is more specific than a network CIDR block. This route can target "
     "only an interface or an instance."),
    # aws.go:396
    ("  authentication:\n    aws:\n      identityMappings:\n"
     "      - arn: arn:aws:iam::123456789012:role/Admin\n", "", "", "aws-iam-authenticator",
     "spec.authentication.aws.backendMode",
     "Forbidden: backendMode must be CRD if identityMappings is set"),
    # validation.go:1173
    ("  additionalNetworkCIDRs:\n  - 100.96.0.0/16\n", "", "", "non-masquerade-overlap",
     "spec.nonMasqueradeCIDR",
     'Forbidden: nonMasqueradeCIDR "100.64.0.0/10" cannot overlap with '
     'additionalNetworkCIDRs[0] "100.96.0.0/16"'),
    # validation.go:505 (parseCIDR's hint)
    ("", "  networkCIDR: 172.20.0.0/16\n", "  networkCIDR: 172.20.0.0\n", "cidr-invalid",
     "spec.networkCIDR",
     'Invalid value: "172.20.0.0": Could not be parsed as a CIDR (did you mean '
     '"172.20.0.0/32")'),
    # validation.go:1895
    ("  containerd:\n    version: 1.2.13\n", "", "", "containerd", "spec.containerd.version",
     'Invalid value: "1.2.13": unsupported legacy version'),
    # validation.go:1972
    ("  containerd:\n    version: 1.6.20\n    nri:\n      enabled: true\n", "", "",
     "containerd", "spec.containerd.nri",
     "Forbidden: NRI is available starting from version 1.7.0 and above"),
    # validation.go:1918 (the value is the hash pointer kOps did not get: null)
    ("  containerd:\n    packages:\n      urlAmd64: https://example.com/c.tgz\n", "", "",
     "containerd", "spec.containerd.packages.urlAmd64",
     "Invalid value: null: Package hash must also be set"),
    # validation.go:1992
    ("  containerd:\n    gvisor: {}\n", "", "", "containerd", "spec.containerd.gvisor",
     "Forbidden: gVisor can only be configured on instance groups"),
    # validation.go:2014 (intstr.GetScaledValueFromIntOrPercent's error)
    ("  rollingUpdate:\n    maxSurge: two\n", "", "", "rolling-update",
     "spec.rollingUpdate.maxSurge",
     'Invalid value: "two": Unable to parse: invalid value for IntOrString: invalid type: '
     "string is not a percentage"),
    # validation.go:2023 (50% of 1 rounds down to 0)
    ("  rollingUpdate:\n    maxUnavailable: 50%\n    maxSurge: 0\n", "", "", "rolling-update",
     "spec.rollingUpdate.maxSurge", "Forbidden: Cannot be zero if maxUnavailable is zero"),
    # validation.go:1684
    ("", "    - encryptedVolume: true\n      instanceGroup: master-us-test-1a\n      name: a\n"
     "    memoryRequest: 100Mi\n    name: main",
     "    - encryptedVolume: true\n      name: a\n    memoryRequest: 100Mi\n    name: main",
     "etcd-members", "spec.etcdClusters[0].etcdMembers[0].instanceGroup",
     "Required value: etcdMember did not have instanceGroup"),
    # validation.go:1555 (validateEtcdBackupStore compares the clusters' names)
    ("", "    name: events\n", "    name: main\n", "etcd-name",
     "spec.etcdClusters[0].backupStore",
     "Forbidden: the backup store must be unique for each etcd cluster"),
    # validation.go:612 (Hetzner has no public DNS topology in validateCloudDNSTopology)
    ("", "  cloudProvider: aws\n", "  cloudProvider: hetzner\n", "dns-topology",
     "spec.topology.dns.type",
     'Forbidden: cloud provider "hetzner" does not support public dns topology'),
    # legacy.go:263
    ("  serviceAccountIssuerDiscovery:\n    enableAWSOIDCProvider: true\n", "", "",
     "service-account-issuer", "spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider",
     "Forbidden: AWS OIDC Provider requires a discoveryStore or discoveryService to be set"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "old", "new", "rule", "path", "message"), CASES, ids=[c[3] for c in CASES]
)
def test_kops_message(
    linter: Linter, kops_data: Path, extra: str, old: str, new: str, rule: str, path: str,
    message: str,
) -> None:  # fmt: skip
    problems = linter.lint_text(cluster_with(kops_data, extra, old, new), "m.yaml")
    assert [(p.path, p.message) for p in problems if p.rule == rule] == [(path, message)]


@pytest.mark.parametrize(
    "extra",
    [
        "  certManager:\n    enabled: true\n  metricsServer:\n    enabled: true\n"
        "  snapshotController:\n    enabled: true\n",
        "  metricsServer:\n    enabled: true\n    insecure: true\n",
        "  kubeAPIServer:\n    serviceNodePortRange: 30000-32767\n"
        "    authorizationMode: Node,RBAC\n    auditPolicyFile: /srv/audit/policy.yaml\n"
        "    auditWebhookConfigFile: /srv/audit/hook.yaml\n",
        "  kubeProxy:\n    ipvsExcludeCidrs:\n    - 10.0.0.0/8\n    master: https://api.internal\n",
        "  nodeTerminationHandler:\n    enabled: true\n    enableSQSTerminationDraining: false\n"
        "    enableSpotInterruptionDraining: false\n",
        "  clusterAutoscaler:\n    expander: priority\n",
        "  externalDns:\n    provider: external-dns\n    watchNamespace: kube-system\n",
        "  warmPool:\n    minSize: 1\n    maxSize: 2\n",
        "  hooks:\n  - enabled: false\n  - manifest: |\n      [Unit]\n    useRawManifest: true\n",
        "  assets:\n    fileRepository: https://files.example.com/kops\n",
        "  kubeDNS:\n    serverIP: 100.64.0.10\n    upstreamNameservers:\n    - 8.8.8.8\n"
        "    stubDomains:\n      corp.example.com:\n      - 10.0.0.2\n",
        "  kubeAPIServer:\n    cloudProvider: external\n",
        "  serviceAccountIssuerDiscovery:\n    discoveryStore: s3://oidc-bucket/cluster\n"
        "    enableAWSOIDCProvider: true\n",
    ],
)
def test_what_kops_accepts(linter: Linter, kops_data: Path, extra: str) -> None:
    problems = linter.lint_text(cluster_with(kops_data, extra), "m.yaml")
    assert [(p.rule, p.message) for p in problems if p.level == "error"] == []


def test_none_dns_needs_a_network_load_balancer(linter: Linter, kops_data: Path) -> None:
    """aws.go:308, awsValidateTopologyDNS."""
    text = cluster_with(
        kops_data,
        "",
        "  api:\n    dns: {}\n",
        "  api:\n    loadBalancer:\n      class: Classic\n      type: Public\n",
    ).replace("    dns:\n      type: Public", "    dns:\n      type: None", 1)
    problems = [p for p in linter.lint_text(text, "m.yaml") if p.rule == "api-lb"]
    assert [(p.path, p.message) for p in problems] == [
        (
            "spec.api.loadBalancer.type",
            "Forbidden: topology.dns.type=none requires Network Load Balancer",
        )
    ]
