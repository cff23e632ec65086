"""kOps' rules for the CNI under `spec.networking`: Cilium, Calico, Flannel, kube-router, the
Amazon VPC CNI, GCP networking, and which of them run on IPv6. Messages are kOps' own
(pkg/apis/kops/validation/validation.go, validateNetworking and the validateNetworking*
functions it calls).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from clustermgr.gonet import parse_prefix_error
from clustermgr.goregexp import RegexpError, compile_go
from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, as_list, cloud, rule
from clustermgr.kops.rules.wording import invalid, required, unsupported
from clustermgr.problems import ERROR
from clustermgr.yamlio import YPath

_NET: YPath = ("spec", "networking")


def ipv6_only(cluster: Doc) -> bool:
    """kOps: cluster.go, ClusterSpec.IsIPv6Only: nonMasqueradeCIDR is an IPv6 CIDR."""
    text = str(cluster.spec().get("nonMasqueradeCIDR") or "")
    try:
        return "/" in text and ipaddress.ip_network(text, strict=False).version == 6
    except ValueError:
        return False


def _kube_proxy_on(cluster: Doc) -> bool:
    """c.KubeProxy != nil && (Enabled == nil || *Enabled), on the manifest as written."""
    proxy = cluster.spec().get("kubeProxy")
    return isinstance(proxy, dict) and proxy.get("enabled") is not False


@rule("cni-ipv6", ERROR)
def cni_ipv6(m: Manifest) -> Iterator[Hit]:
    """A CNI that does not support IPv6 in an IPv6 cluster (kubenet, kopeio, ...)."""
    # kOps: validateNetworking, validateNetworkingFlannel, validateNetworkingGCP
    if m.cluster is None or not ipv6_only(m.cluster):
        return
    networking = as_dict(m.cluster.spec().get("networking"))
    for key, detail in (
        ("kubenet", "Kubenet does not support IPv6"),
        ("kopeio", "Kopeio does not support IPv6"),
        ("kuberouter", "kube-router does not support IPv6"),
        ("amazonvpc", "amazon-vpc-routed-eni networking does not support IPv6"),
        ("flannel", "Flannel does not support IPv6"),
        ("gce", "GCP networking does not support IPv6"),
    ):
        if key in networking:
            yield Hit(m.cluster.position, (*_NET, key), f"Forbidden: {detail}")


@rule("cni-kube-proxy", ERROR)
def cni_kube_proxy(m: Manifest) -> Iterator[Hit]:
    """kube-proxy left on with a CNI that replaces it (kube-router, Cilium, Calico BPF)."""
    # kOps: validateNetworking (kube-router), validateNetworkingCilium, validateNetworkingCalico
    if m.cluster is None or not _kube_proxy_on(m.cluster):
        return
    networking = as_dict(m.cluster.spec().get("networking"))
    reasons = []
    if "kuberouter" in networking:
        reasons.append("kube-router requires kubeProxy to be disabled")
    if as_dict(networking.get("cilium")).get("enableNodePort") is True:
        reasons.append("When Cilium NodePort is enabled, kubeProxy must be disabled")
    if as_dict(networking.get("calico")).get("bpfEnabled") is True:
        reasons.append(
            "calico in BPF mode (spec.networking.calico.bpfEnabled=true) requires kubeProxy to "
            "be disabled"
        )
    for reason in reasons:
        yield Hit(m.cluster.position, ("spec", "kubeProxy", "enabled"), f"Forbidden: {reason}")


@rule("cni-cloud", ERROR)
def cni_cloud(m: Manifest) -> Iterator[Hit]:
    """A CNI made for another cloud: the Amazon VPC CNI off AWS, GCP networking off GCE."""
    # kOps: validateNetworking (amazonVPC), validateNetworkingGCP
    if m.cluster is None:
        return
    networking = as_dict(m.cluster.spec().get("networking"))
    if "amazonvpc" in networking and cloud(m.cluster) != "aws":
        yield Hit(
            m.cluster.position,
            (*_NET, "amazonvpc"),
            "Forbidden: amazon-vpc-routed-eni networking is supported only in AWS",
        )
    if "gce" in networking and cloud(m.cluster) != "gce":
        yield Hit(
            m.cluster.position,
            (*_NET, "gce"),
            "Forbidden: GCP networking is supported only when on GCP",
        )


@rule("flannel", ERROR)
def flannel(m: Manifest) -> Iterator[Hit]:
    """Flannel without a backend, or with one other than udp or vxlan."""
    # kOps: validateNetworkingFlannel
    if m.cluster is None:
        return
    spec = as_dict(m.cluster.spec().get("networking")).get("flannel")
    if not isinstance(spec, dict):
        return
    backend, path = spec.get("backend") or "", (*_NET, "flannel", "backend")
    if not backend:
        yield Hit(m.cluster.position, path, required("Flannel backend must be specified"))
    elif backend not in ("udp", "vxlan"):
        yield Hit(m.cluster.position, path, unsupported(backend, ("udp", "vxlan")))


@rule("kindnet", ERROR)
def kindnet(m: Manifest) -> Iterator[Hit]:
    """kindnet masquerading with a nonMasqueradeCIDR that is not a CIDR."""
    # kOps: validation.go, validateNetworkingKindnet (Go's netip.ParsePrefix, and its words)
    if m.cluster is None:
        return
    spec = as_dict(as_dict(m.cluster.spec().get("networking")).get("kindnet"))
    masquerade = as_dict(spec.get("masquerade"))
    if masquerade.get("enabled") is not True:
        return
    for cidr in as_list(masquerade.get("nonMasqueradeCIDRs")):
        problem = parse_prefix_error(str(cidr)) if cidr != "" else ""
        if problem:  # kOps names the kindnet block, not the list entry
            yield Hit(m.cluster.position, (*_NET, "kindnet"), invalid(str(cidr), problem))


_CILIUM_VALUES: dict[str, tuple[str, ...]] = {
    "enablePolicy": ("default", "always", "never"),
    "tunnel": ("vxlan", "geneve", "disabled"),
    "monitorAggregation": ("low", "medium", "maximum"),
    "identityAllocationMode": ("crd", "kvstore"),
    "bpfLBAlgorithm": ("random", "maglev"),
    "encryptionType": ("ipsec", "wireguard"),  # kops.CiliumEncryptionType*
    "ipam": ("hostscope", "kubernetes", "crd", "eni"),
}
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


@rule("cilium", ERROR, since="version 1.18 only from kOps 1.37")
def cilium(m: Manifest) -> Iterator[Hit]:
    """A Cilium version or option kOps does not take, or an option without what it needs."""
    # kOps: validateNetworkingCilium
    if m.cluster is None:
        return
    spec = as_dict(m.cluster.spec().get("networking")).get("cilium")
    if not isinstance(spec, dict):
        return
    at, path = m.cluster.position, (*_NET, "cilium")
    version = spec.get("version") or ""
    if version:
        yield from _cilium_version(m, str(version), (*path, "version"))
        if not str(version).startswith("v"):
            return  # kOps stops at a version without its "v"
        hubble = as_dict(spec.get("hubble")).get("enabled") is True
        if hubble and as_dict(m.cluster.spec().get("certManager")).get("enabled") is not True:
            yield Hit(
                at,
                (*path, "hubble", "enabled"),
                "Forbidden: Hubble requires that cert manager is enabled",
            )
    for key, allowed in _CILIUM_VALUES.items():
        value = spec.get(key)
        if value and value not in allowed:
            yield Hit(at, (*path, key), unsupported(value, allowed))
    if spec.get("identityAllocationMode") == "kvstore" and spec.get("etcdManaged") is not True:
        yield Hit(
            at,
            (*path, "identityAllocationMode"),
            "Forbidden: Cilium requires managed etcd to allocate identities on kvstore mode",
        )
    if spec.get("enableL7Proxy") is True and spec.get("installIptablesRules") is False:
        yield Hit(
            at,
            (*path, "enableL7Proxy"),
            "Forbidden: Cilium L7 Proxy requires installIptablesRules.",
        )
    if spec.get("bpfLBSockHostNSOnly") is True and spec.get("bpfLBSock") is not True:
        yield Hit(
            at,
            (*path, "bpfLBSockHostNSOnly"),
            "Forbidden: bpfLBSockHostNSOnly requires bpfLBSock to be enabled",
        )
    ipv6 = ipv6_only(m.cluster)
    if spec.get("enableEncryption") is True and ipv6:
        yield Hit(
            at,
            (*path, "enableEncryption"),
            "Forbidden: encryption is not supported on IPv6 clusters",
        )
    if spec.get("encryptionType") and spec.get("enableEncryption") is not True:
        yield Hit(
            at, (*path, "encryptionType"), "Forbidden: encryptionType requires enableEncryption"
        )
    if spec.get("ipam") == "eni":
        if cloud(m.cluster) != "aws":
            # kOps' own spelling: "Cilum"
            yield Hit(at, (*path, "ipam"), "Forbidden: Cilum ENI IPAM is supported only in AWS")
        if ipv6:
            yield Hit(at, (*path, "ipam"), "Forbidden: Cilium ENI IPAM does not support IPv6")
    if spec.get("etcdManaged") is True:
        names = [as_dict(e).get("name") for e in as_list(m.cluster.spec().get("etcdClusters"))]
        if "cilium" not in names:
            yield Hit(
                at,
                ("spec", "etcdClusters"),
                required("Cilium with managed etcd requires a dedicated etcd cluster"),
            )
    ingress = as_dict(spec.get("ingress"))
    mode = ingress.get("defaultLoadBalancerMode")
    if ingress.get("enabled") is True and mode and mode not in ("shared", "dedicated"):
        yield Hit(
            at,
            (*path, "ingress", "defaultLoadBalancerMode"),
            unsupported(mode, ("shared", "dedicated")),
        )


def _cilium_version(m: Manifest, version: str, path: YPath) -> Iterator[Hit]:
    assert m.cluster is not None
    at = m.cluster.position
    if not version.startswith("v"):
        yield Hit(at, path, invalid(version, "Cilium version must be prefixed with 'v'"))
        return
    found = _SEMVER.fullmatch(version[1:])
    if found is None:
        yield Hit(at, path, invalid(version, "Could not parse as semantic version"))
    minor = int(found.group(2)) if found else 0  # Go's zero Version when parsing fails
    # The one minor kOps 1.37 installs; older kOps releases name their own.
    if minor != 18 and m.kops_at_least(1, 37):
        yield Hit(at, path, invalid(version, "Only version 1.18 is supported"))


_SRC_DST_CHECK = ("Enable", "Disable", "DoNothing")
_CALICO_VALUES: dict[str, tuple[str, ...]] = {
    "bpfExternalServiceMode": ("Tunnel", "DSR"),
    "bpfLogLevel": ("Off", "Info", "Debug"),
    "chainInsertMode": ("insert", "append"),
    "encapsulationMode": ("ipip", "vxlan", "none"),
    "iptablesBackend": ("Auto", "Legacy", "NFT"),
    "ipipMode": ("Always", "CrossSubnet", "Never"),
    "vxlanMode": ("Always", "CrossSubnet", "Never"),
}


@rule("calico", ERROR)
def calico(m: Manifest) -> Iterator[Hit]:
    """A Calico option kOps does not take, or encapsulation that does not fit the cluster."""
    # kOps: validateNetworkingCalico, validateCalicoAutoDetectionMethod
    if m.cluster is None:
        return
    spec = as_dict(m.cluster.spec().get("networking")).get("calico")
    if not isinstance(spec, dict):
        return
    at, path, ipv6 = m.cluster.position, (*_NET, "calico"), ipv6_only(m.cluster)
    check = spec.get("awsSrcDstCheck") or ""
    if check and ipv6 and check != "DoNothing":
        yield Hit(
            at,
            (*path, "awsSrcDstCheck"),
            'Forbidden: awsSrcDstCheck may only be "DoNothing" for IPv6 clusters',
        )
    elif check and check not in _SRC_DST_CHECK:
        yield Hit(at, (*path, "awsSrcDstCheck"), unsupported(check, _SRC_DST_CHECK))
    for key, allowed in _CALICO_VALUES.items():
        value = spec.get(key)
        if value and value not in allowed:
            yield Hit(at, (*path, key), unsupported(value, allowed))
    mode = spec.get("encapsulationMode") or ""
    if mode and mode != "none" and ipv6:
        yield Hit(
            at,
            (*path, "encapsulationMode"),
            'Forbidden: IPv6 requires an encapsulationMode of "none"',
        )
    elif mode == "none" and not ipv6:
        yield Hit(
            at,
            (*path, "encapsulationMode"),
            'Forbidden: encapsulationMode "none" is only supported for IPv6 clusters',
        )
    for key, wanted, name in (("ipipMode", "ipip", "IP-in-IP"), ("vxlanMode", "vxlan", "VXLAN")):
        value = spec.get(key) or ""
        if value and value != "Never" and mode and mode != wanted:
            yield Hit(
                at,
                (*path, key),
                f'Forbidden: {name} encapsulation requires use of Calico\'s "{wanted}" '
                "encapsulation mode",
            )
    for key, version in (("ipv4AutoDetectionMethod", 4), ("ipv6AutoDetectionMethod", 6)):
        method = spec.get(key)
        if isinstance(method, str) and method:
            for problem in _autodetection_problems(method, version):
                yield Hit(at, (*path, key), invalid(method, problem))
    replicas = spec.get("typhaReplicas")
    if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas < 0:
        detail = (
            f"Unable to set number of Typha replicas to less than 0, you've specified {replicas}"
        )
        yield Hit(at, (*path, "typhaReplicas"), invalid(replicas, detail))
    if spec.get("wireguardEnabled") is True and ipv6:
        yield Hit(
            at,
            (*path, "wireguardEnabled"),
            "Forbidden: WireGuard is not supported on IPv6 clusters",
        )


def _autodetection_problems(method: str, version: int) -> list[str]:
    """validateCalicoAutoDetectionMethod's details for one method, in kOps' order."""
    parts = method.split("=")
    if len(parts) > 2:
        return ["malformed autodetection method"]
    kind = parts[0]
    if kind == "first-found":
        return []
    if kind == "can-reach" and len(parts) == 2:
        address = _sloppy_ip(parts[1])
        if version == 4 and (address is None or address.version != 4):
            return ["must be a valid IPv4 address"]
        if version == 6 and (address is None or address.version != 6):
            return ["must be a valid IPv6 address"]
        return []
    if kind in ("interface", "skip-interface") and len(parts) == 2:
        expressions = re.split(r"[\t\n\f\r ]*,[\t\n\f\r ]*", parts[1])  # Go's \s
        found = []
        if not expressions[0]:
            found.append(
                f"'{kind}=' must be followed by a comma separated list of interface regular "
                "expressions"
            )
        for expression in expressions:  # each compiled by Go's regexp
            try:
                compile_go(expression)
            except RegexpError as exc:
                found.append(f"regexp {expression} does not compile: {exc}")
        return found
    if kind in ("can-reach", "interface", "skip-interface"):
        return []  # kOps indexes past the end here (a panic, not a message)
    return ["unsupported autodetection method"]


def _sloppy_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """k8s.io/utils/net ParseIPSloppy: IPv4 octets may have leading zeros (read as decimal);
    an IPv4-mapped IPv6 address is IPv4 (Go's To4)."""
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", text):
        text = ".".join(str(int(octet)) for octet in text.split("."))
    try:
        address: Any = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # type: ignore[no-any-return]
    return address  # type: ignore[no-any-return]
