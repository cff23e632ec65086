"""kOps' CNI checks (clustermgr/kops/rules/cni.py, and the CNIs removed-feature names) on real
manifests: each seeded defect gives kOps' own message, quoted from the kOps file and line
beside it (v1.37.0-alpha.1, pkg/apis/kops/validation/validation.go)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.validation.lint import Linter

CALICO = "privatecalico.yaml"  # IPv4, calico: {}
CALICO6 = "minimal-ipv6-calico.yaml"  # nonMasqueradeCIDR ::/0, calico: {}
CILIUM = "minimal-warmpool.yaml"  # IPv4, cilium: {}
CILIUM6 = "minimal-ipv6-cilium.yaml"  # IPv6, cilium: {}
KINDNET6 = "minimal-ipv6-kindnet.yaml"  # IPv6, kindnet: {}
IPV6_SUBNET = "  - ipv6CIDR: 2001:db8:0:111::/64"  # the first subnet of the IPv6 manifests


def edited(kops_data: Path, name: str, old: str, new: str) -> str:
    text = (kops_data / "manifests" / name).read_text()
    assert text.count(old) >= 1
    return text.replace(old, new, 1)


CASES = [
    # validation.go:1739
    (CALICO, "    calico: {}", "    calico:\n      encapsulationMode: none", "calico",
     "spec.networking.calico.encapsulationMode",
     'Forbidden: encapsulationMode "none" is only supported for IPv6 clusters'),
    # validation.go:1734
    (CALICO6, "    calico: {}", "    calico:\n      encapsulationMode: vxlan", "calico",
     "spec.networking.calico.encapsulationMode",
     'Forbidden: IPv6 requires an encapsulationMode of "none"'),
    # validation.go:1695
    (CALICO6, "    calico: {}", "    calico:\n      awsSrcDstCheck: Enable", "calico",
     "spec.networking.calico.awsSrcDstCheck",
     'Forbidden: awsSrcDstCheck may only be "DoNothing" for IPv6 clusters'),
    # validation.go:1753
    (CALICO, "    calico: {}",
     "    calico:\n      encapsulationMode: vxlan\n      ipipMode: Always", "calico",
     "spec.networking.calico.ipipMode",
     "Forbidden: IP-in-IP encapsulation requires use of Calico's \"ipip\" encapsulation mode"),
    # validation.go:1783
    (CALICO, "    calico: {}", "    calico:\n      typhaReplicas: -1", "calico",
     "spec.networking.calico.typhaReplicas",
     "Invalid value: -1: Unable to set number of Typha replicas to less than 0, you've "
     "specified -1"),
    # validation.go:1821
    (CALICO, "    calico: {}", "    calico:\n      ipv4AutoDetectionMethod: can-reach=::1",
     "calico", "spec.networking.calico.ipv4AutoDetectionMethod",
     'Invalid value: "can-reach=::1": must be a valid IPv4 address'),
    # validation.go:1859
    (CALICO, "    calico: {}", "    calico:\n      ipv4AutoDetectionMethod: last-found",
     "calico", "spec.networking.calico.ipv4AutoDetectionMethod",
     'Invalid value: "last-found": unsupported autodetection method'),
    # validation.go:1788
    (CALICO6, "    calico: {}", "    calico:\n      wireguardEnabled: true", "calico",
     "spec.networking.calico.wireguardEnabled",
     "Forbidden: WireGuard is not supported on IPv6 clusters"),
    # validation.go:1709
    (CALICO, "    calico: {}",
     "    calico:\n      bpfEnabled: true\n  kubeProxy:\n    enabled: true", "cni-kube-proxy",
     "spec.kubeProxy.enabled",
     "Forbidden: calico in BPF mode (spec.networking.calico.bpfEnabled=true) requires "
     "kubeProxy to be disabled"),
    # validation.go:1338
    (CILIUM, "    cilium: {}", "    cilium:\n      version: 1.18.2", "cilium",
     "spec.networking.cilium.version",
     "Invalid value: \"1.18.2\": Cilium version must be prefixed with 'v'"),
    # validation.go:1350 (kOps 1.37 installs Cilium 1.18 only)
    (CILIUM, "    cilium: {}", "    cilium:\n      version: v1.17.4", "cilium",
     "spec.networking.cilium.version", 'Invalid value: "v1.17.4": Only version 1.18 is supported'),
    # validation.go:1369 (IsValidValue)
    (CILIUM, "    cilium: {}", "    cilium:\n      tunnel: gre", "cilium",
     "spec.networking.cilium.tunnel",
     'Unsupported value: "gre": supported values: "vxlan", "geneve", "disabled"'),
    # validation.go:1380
    (CILIUM, "    cilium: {}", "    cilium:\n      identityAllocationMode: kvstore", "cilium",
     "spec.networking.cilium.identityAllocationMode",
     "Forbidden: Cilium requires managed etcd to allocate identities on kvstore mode"),
    # validation.go:1393
    (CILIUM6, "    cilium: {}", "    cilium:\n      enableEncryption: true", "cilium",
     "spec.networking.cilium.enableEncryption",
     "Forbidden: encryption is not supported on IPv6 clusters"),
    # validation.go:1431
    (CILIUM, "    cilium: {}", "    cilium:\n      etcdManaged: true", "cilium",
     "spec.etcdClusters", "Required value: Cilium with managed etcd requires a dedicated etcd "
     "cluster"),
    # validation.go:1355
    (CILIUM, "    cilium: {}", "    cilium:\n      version: v1.18.2\n      hubble:\n"
     "        enabled: true", "cilium", "spec.networking.cilium.hubble.enabled",
     "Forbidden: Hubble requires that cert manager is enabled"),
    # validation.go:1230
    (CILIUM6, "    cilium: {}", "    kubenet: {}", "cni-ipv6", "spec.networking.kubenet",
     "Forbidden: Kubenet does not support IPv6"),
    # validation.go:1450
    (CILIUM, "    cilium: {}", "    gce: {}", "cni-cloud", "spec.networking.gce",
     "Forbidden: GCP networking is supported only when on GCP"),
    # validation.go:1323
    (CILIUM, "    cilium: {}", "    flannel: {}", "flannel", "spec.networking.flannel.backend",
     "Required value: Flannel backend must be specified"),
    # validation.go:1225
    (CILIUM, "    cilium: {}", "    classic: {}", "removed-feature", "spec.networking",
     'Invalid value: "classic": classic networking is not supported'),
    # validation.go:1261
    (CILIUM, "    cilium: {}", "    canal: {}", "removed-feature", "spec.networking.canal",
     "Forbidden: Canal is not supported for Kubernetes >= 1.28"),
    # validation.go:1405
    (CILIUM, "    cilium: {}",
     "    cilium:\n      enableL7Proxy: true\n      installIptablesRules: false", "cilium",
     "spec.networking.cilium.enableL7Proxy",
     "Forbidden: Cilium L7 Proxy requires installIptablesRules."),
    # validation.go:1164
    (CILIUM6, "  nonMasqueradeCIDR: ::/0", "  nonMasqueradeCIDR: fd00::/64",
     "ipv6-non-masquerade", "spec.nonMasqueradeCIDR",
     'Forbidden: IPv6 clusters must have a nonMasqueradeCIDR of "::/0"'),
    # validation.go:687
    (CALICO, "    name: us-test-1a\n    type: Private", "    type: Private", "subnets-required",
     "spec.subnets[0].name", "Required value"),
    # validation.go:626
    (CALICO, "  subnets:\n  - cidr: 172.20.32.0/19\n    name: us-test-1a\n    type: Private\n"
     "    zone: us-test-1a\n  - cidr: 172.20.4.0/22\n    name: utility-us-test-1a\n"
     "    type: Utility\n    zone: us-test-1a\n", "  subnets: []\n", "subnets-required",
     "spec.subnets", "Required value: must configure at least one subnet (use --zones)"),
    # validation.go:1470; Go's words: tests/gotemplates/parsers.json (netip.ParsePrefix)
    (KINDNET6, "    kindnet: {}", "    kindnet:\n      masquerade:\n        enabled: true\n"
     "        nonMasqueradeCIDRs:\n        - 10.0.0.0", "kindnet", "spec.networking.kindnet",
     'Invalid value: "10.0.0.0": netip.ParsePrefix("10.0.0.0"): no \'/\''),
    # validation.go:1842; Go's words: tests/gotemplates/parsers.json (regexp.Compile)
    (CALICO, "    calico: {}", "    calico:\n      ipv4AutoDetectionMethod: interface=eth0, eth[0-9",
     "calico", "spec.networking.calico.ipv4AutoDetectionMethod",
     'Invalid value: "interface=eth0, eth[0-9": regexp eth[0-9 does not compile: error parsing '
     "regexp: missing closing ]: `[0-9`"),
    # validation.go:1854
    (CALICO, "    calico: {}", "    calico:\n      ipv4AutoDetectionMethod: skip-interface=en(o",
     "calico", "spec.networking.calico.ipv4AutoDetectionMethod",
     'Invalid value: "skip-interface=en(o": regexp en(o does not compile: error parsing '
     "regexp: missing closing ): `en(o`"),
    # validation.go:531 (utils.ParseCIDRNotation's error, its regular expression quoted by %q)
    (CALICO6, IPV6_SUBNET, "  - ipv6CIDR: /64#xyz", "subnet-ipv6-cidr", "spec.subnets[0].ipv6CIDR",
     'Invalid value: "/64#xyz": IPv6 CIDR subnet is not parsable: unable to parse CIDR subnet '
     'string "/64#xyz" using "^/(\\\\d+)#([a-f0-9]+)$"'),
    # validation.go:535
    (CALICO6, IPV6_SUBNET, "  - ipv6CIDR: /129#0", "subnet-ipv6-cidr", "spec.subnets[0].ipv6CIDR",
     'Invalid value: "/129#0": IPv6 CIDR subnet size must be a value between 0 and 128'),
    # validation.go:542
    (CALICO6, IPV6_SUBNET, "  - ipv6CIDR: 172.20.96.0/19", "subnet-ipv6-cidr",
     "spec.subnets[0].ipv6CIDR", 'Invalid value: "172.20.96.0/19": Network is not an IPv6 CIDR'),
    # validation.go:515 (parseCIDR, from validateIPv6CIDR)
    (CALICO6, IPV6_SUBNET, "  - ipv6CIDR: 2001:db8:0:111::1/64", "subnet-ipv6-cidr",
     "spec.subnets[0].ipv6CIDR", 'Invalid value: "2001:db8:0:111::1/64": Network contains bits '
     'outside prefix (did you mean "2001:db8:0:111::/64")'),
    # validation.go:545
    (CALICO6, "  nonMasqueradeCIDR: ::/0",
     "  nonMasqueradeCIDR: ::/0\n  serviceClusterIPRange: 2001:db8:0:111::/108",
     "subnet-ipv6-cidr", "spec.subnets[0].ipv6CIDR", 'Forbidden: ipv6CIDR "2001:db8:0:111::/64" '
     'must not overlap serviceClusterIPRange "2001:db8:0:111::/108"'),
    # validation.go:719
    (CALICO, "  nonMasqueradeCIDR: 100.64.0.0/10",
     "  nonMasqueradeCIDR: 100.64.0.0/10\n  serviceClusterIPRange: 172.20.32.0/24",
     "subnet-overlaps-range", "spec.subnets[0].cidr", 'Forbidden: subnet "us-test-1a" cidr '
     '"172.20.32.0/19" must not overlap serviceClusterIPRange "172.20.32.0/24"'),
    # validation.go:712
    (CALICO, "  - cidr: 172.20.32.0/19", "  - cidr: 10.1.0.0/19", "subnet-outside-network",
     "spec.subnets[0].cidr", 'Forbidden: subnet "us-test-1a" cidr "10.1.0.0/19" is not a subnet '
     'of the networkCIDR "172.20.0.0/16"'),
    # validation.go:1909; Go's words: tests/gotemplates/parsers.json (url.Parse)
    (CALICO, "  cloudProvider: aws", "  cloudProvider: aws\n  containerd:\n    packages:\n"
     "      urlAmd64: https://example.com/%zz\n      hashAmd64: abc", "containerd",
     "spec.containerd.packages.urlAmd64", 'Invalid value: "https://example.com/%zz": cannot '
     'parse package URL: parse "https://example.com/%zz": invalid URL escape "%zz"'),
    # aws.go:84 (IsValidValue); v1alpha2 keeps the mode in cloudConfig
    (CILIUM, "  cloudConfig:\n", "  cloudConfig:\n    nlbSecurityGroupMode: Unmanaged\n",
     "nlb-security-group-mode", "spec.cloudConfig.nlbSecurityGroupMode",
     'Unsupported value: "Unmanaged": supported values: "Managed"'),
]  # fmt: skip


def test_nri_needs_a_strict_version(linter: Linter, kops_data: Path) -> None:
    """validation.go:1963, then :1972 (the version that did not parse is 0.0.0): blang's
    Parse refuses the `v` its ParseTolerant takes (blang/semver v4 semver.go)."""
    text = edited(kops_data, CALICO, "  cloudProvider: aws", "  cloudProvider: aws\n"
                  "  containerd:\n    version: v1.7.0\n    nri:\n      enabled: true")  # fmt: skip
    problems = linter.lint_text(text, "m.yaml")
    assert [(p.path, p.message) for p in problems if p.rule == "containerd"] == [
        (
            "spec.containerd.nri",
            "Forbidden: NRI is available starting from version 1.7.0 and above",
        ),
        (
            "spec.containerd.nri.version",
            'Invalid value: "v1.7.0": unable to parse version string: Invalid character(s) '
            'found in major number "v1"',
        ),
    ]  # in the order of their paths, as every report gives problems


@pytest.mark.parametrize(
    ("name", "old", "new", "rule", "path", "message"), CASES, ids=[c[3] for c in CASES]
)
def test_kops_message(
    linter: Linter, kops_data: Path, name: str, old: str, new: str, rule: str, path: str,
    message: str,
) -> None:  # fmt: skip
    problems = linter.lint_text(edited(kops_data, name, old, new), "m.yaml")
    assert [(p.path, p.message) for p in problems if p.rule == rule] == [(path, message)]


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        (CALICO6, "    calico: {}", "    calico:\n      encapsulationMode: none\n"
         "      awsSrcDstCheck: DoNothing\n      ipv6AutoDetectionMethod: can-reach=2001:db8::1"),
        (CALICO, "    calico: {}", "    calico:\n      encapsulationMode: vxlan\n"
         "      vxlanMode: CrossSubnet\n      ipv4AutoDetectionMethod: interface=eth0, en.*"),
        (CALICO, "    calico: {}", "    calico:\n      ipv4AutoDetectionMethod: "
         "can-reach=010.000.000.001"),  # Go's ParseIPSloppy reads leading zeros
        (CILIUM, "    cilium: {}", "    cilium:\n      version: v1.18.2\n      tunnel: geneve\n"
         "      ipam: eni\n      enableEncryption: true\n      encryptionType: wireguard"),
        (CILIUM6, "    cilium: {}", "    cilium:\n      enableNodePort: true"),  # no kubeProxy
    ],
)  # fmt: skip
def test_what_kops_accepts(linter: Linter, kops_data: Path, name: str, old: str, new: str) -> None:
    problems = linter.lint_text(edited(kops_data, name, old, new), "m.yaml")
    assert [(p.rule, p.message) for p in problems if p.level == "error"] == []
