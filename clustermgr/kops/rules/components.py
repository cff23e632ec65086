"""kOps' rules for the Kubernetes components it configures: kubelet (nodes and control plane),
kube-apiserver, kube-controller-manager, kube-scheduler and kube-proxy. Messages are kOps' own
(pkg/apis/kops/validation/validation.go, validateKubelet, validateKubeAPIServer,
validateKubeControllerManager, validateKubeScheduler, validateKubeProxy); locations are the
v1alpha2 fields a manifest holds (`masterKubelet` is kOps' `controlPlaneKubelet`).
"""

from __future__ import annotations

import ipaddress
import json
import posixpath
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

from clustermgr.gonet import parse_url_error
from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, as_list, cloud, rule
from clustermgr.kops.rules.wording import (
    go_duration_seconds,
    go_duration_text,
    invalid,
    required,
    unsupported,
)
from clustermgr.problems import ERROR
from clustermgr.versions import (
    VersionError,
    blang_error,
    parse_kubernetes,
    parse_strict,
    parse_tolerant,
)
from clustermgr.yamlio import YPath

# Flags kOps refuses on a kubelet, with its words (validateKubelet).
_KUBELET_REMOVED = {
    "configureCbr0": "configure-cbr0 flag was removed in 1.5",
    "apiServers": "api-servers flag was removed in 1.6",
    "podInfraContainerImage": "pod-infra-container-image flag was deprecated in 1.24 and "
    "removed in 1.35, use containerd.sandboxImage instead",
    "requireKubeconfig": "require-kubeconfig flag was removed in 1.10.  (Please be sure you are "
    "not using a cluster config from `kops get cluster --full`)",
    "experimentalAllowedUnsafeSysctls": "experimentalAllowedUnsafeSysctls was renamed in k8s "
    "1.11; please use allowedUnsafeSysctls instead",
    "bootstrapKubeconfig": "bootstrap tokens are not supported",
    "enableCadvisorJsonEndpoints": "enableCadvisorJsonEndpoints requires Kubernetes 1.18-1.20",
    "cpuCFSQuotaPeriod": "cpuCFSQuotaPeriod has been removed on Kubernetes >=1.20",
    "networkPluginName": "networkPluginName has been removed on Kubernetes >=1.24",
    "networkPluginMTU": "networkPluginMTU has been removed on Kubernetes >=1.24",
    "nonMasqueradeCIDR": "nonMasqueradeCIDR has been removed on Kubernetes >=1.24",
}
_KUBELET_VALUES = {
    "topologyManagerPolicy": ("none", "best-effort", "restricted", "single-numa-node"),
    "logFormat": ("text", "json"),
    "memorySwapBehavior": ("LimitedSwap", "UnlimitedSwap"),
}


def _set(value: Any) -> bool:
    """Whether a Go field is set: a pointer or slice that is not nil, a string not empty."""
    return value is not None and value != ""


@rule("kubelet", ERROR)
def kubelet(m: Manifest) -> Iterator[Hit]:
    """A kubelet flag kOps removed, an unknown policy or format, or a wrong shutdown period."""
    if m.cluster is None:
        return
    for key in ("kubelet", "masterKubelet"):
        spec = m.cluster.spec().get(key)
        if isinstance(spec, dict):
            yield from _kubelet(m.cluster, spec, ("spec", key))


def _kubelet(cluster: Doc, spec: dict[str, Any], path: YPath) -> Iterator[Hit]:
    for field, detail in _KUBELET_REMOVED.items():
        if _set(spec.get(field)):
            yield Hit(cluster.position, (*path, field), f"Forbidden: {detail}")
    for field, allowed in _KUBELET_VALUES.items():
        value = spec.get(field)
        if _set(value) and value not in allowed:
            yield Hit(cluster.position, (*path, field), unsupported(value, allowed))
    critical = spec.get("shutdownGracePeriodCriticalPods")
    if critical is not None:
        where = (*path, "shutdownGracePeriodCriticalPods")
        period = spec.get("shutdownGracePeriod")
        if period is None:
            detail = "shutdownGracePeriodCriticalPods require shutdownGracePeriod"
            yield Hit(cluster.position, where, f"Forbidden: {detail}")
        else:
            total, part = go_duration_seconds(str(period)), go_duration_seconds(str(critical))
            if total is not None and part is not None and total < part:
                detail = (
                    "shutdownGracePeriodCriticalPods cannot be greater than shutdownGracePeriod"
                )
                yield Hit(cluster.position, where, invalid(go_duration_text(part), detail))
    restart = spec.get("crashLoopBackOffMaxContainerRestartPeriod")
    seconds = go_duration_seconds(str(restart)) if restart is not None else None
    if seconds is not None and not 1 <= seconds <= 300:
        yield Hit(
            cluster.position,
            (*path, "crashLoopBackOffMaxContainerRestartPeriod"),
            invalid(
                go_duration_text(seconds),
                "crashLoopBackOffMaxContainerRestartPeriod must be a value between 1s and 300s",
            ),
        )


_OIDC = ("usernameClaim", "usernamePrefix", "groupsClaims", "groupsPrefix", "issuerURL")
_OIDC_MORE = ("clientID", "requiredClaims")
_AUTHORIZATION_MODES = ("ABAC", "Webhook", "Node", "RBAC", "AlwaysAllow", "AlwaysDeny")


@rule("kube-apiserver", ERROR)
def kube_apiserver(m: Manifest) -> Iterator[Hit]:
    """A kube-apiserver setting kOps refuses: removed flags, pairs set alone, bad ranges."""
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    api = spec.get("kubeAPIServer")
    if not isinstance(api, dict):
        return
    at, path = m.cluster.position, ("spec", "kubeAPIServer")
    oidc = as_dict(as_dict(spec.get("authentication")).get("oidc"))
    if api.get("authenticationConfigFile") and any(k in oidc for k in (*_OIDC, *_OIDC_MORE)):
        yield Hit(
            at,
            (*path, "authenticationConfigFile"),
            "Forbidden: authenticationConfigFile is mutually exclusive with OIDC options, remove "
            "all existing OIDC options to use authenticationConfigFile",
        )
    if api.get("enableBootstrapTokenAuth") is True:
        yield Hit(
            at, (*path, "enableBootstrapTokenAuth"), "Forbidden: bootstrap tokens are not supported"
        )
    admission = as_list(api.get("admissionControl"))
    if admission:
        if as_list(api.get("disableAdmissionPlugins")):
            yield Hit(
                at,
                (*path, "admissionControl"),
                # kOps' message ends in a stray "˚" (validation.go, validateKubeAPIServer)
                "Forbidden: admissionControl is mutually exclusive with disableAdmissionPlugins˚",
            )
        yield Hit(
            at,
            (*path, "admissionControl"),
            "Forbidden: admissionControl has been replaced with enableAdmissionPlugins",
        )
    psp = "Forbidden: PodSecurityPolicy has been removed from Kubernetes 1.25"
    for key in ("enableAdmissionPlugins", "admissionControl"):
        for plugin in as_list(api.get(key)):
            if plugin == "PodSecurityPolicy":
                yield Hit(at, (*path, key), psp)
    if ("proxyClientCertFile" in api) != ("proxyClientKeyFile" in api):
        yield Hit(
            at,
            path,
            "Forbidden: proxyClientCertFile and proxyClientKeyFile must both be specified (or "
            "neither)",
        )
    ports = api.get("serviceNodePortRange")
    if isinstance(ports, str) and ports:
        problem = _port_range_problem(ports)
        if problem:
            yield Hit(at, (*path, "serviceNodePortRange"), invalid(ports, problem))
    yield from _authorization(m, api, path)
    log_format = api.get("logFormat")
    if _set(log_format) and log_format not in ("text", "json"):
        yield Hit(at, (*path, "logFormat"), unsupported(log_format, ("text", "json")))
    policy, webhook = api.get("auditPolicyFile") or "", api.get("auditWebhookConfigFile") or ""
    if webhook and not policy:
        detail = "an audit policy is required for the audit webhook config"
        yield Hit(at, (*path, "auditWebhookConfigFile"), invalid(webhook, detail))
    if webhook and policy and posixpath.dirname(policy) != posixpath.dirname(webhook):
        detail = "the audit webhook config must be placed in the same directory as the audit policy"
        yield Hit(at, (*path, "auditWebhookConfigFile"), invalid(webhook, detail))
    own = api.get("serviceClusterIPRange") or ""
    if own and own != (spec.get("serviceClusterIPRange") or ""):
        yield Hit(
            at,
            (*path, "serviceClusterIPRange"),
            "Forbidden: kubeAPIServer serviceClusterIPRange did not match cluster "
            "serviceClusterIPRange",
        )


def _authorization(m: Manifest, api: dict[str, Any], path: YPath) -> Iterator[Hit]:
    assert m.cluster is not None
    mode = api.get("authorizationMode")
    if not isinstance(mode, str):
        return
    at = m.cluster.position
    if "Webhook" in mode and api.get("authorizationWebhookConfigFile") is None:
        yield Hit(
            at,
            (*path, "authorizationWebhookConfigFile"),
            required("Authorization mode Webhook requires authorizationWebhookConfigFile to be "
                     "specified"),
        )  # fmt: skip
    if "rbac" not in as_dict(m.cluster.spec().get("authorization")):
        return
    modes = mode.split(",")
    for each in modes:
        if each not in ("Node", "RBAC") and each not in _AUTHORIZATION_MODES:
            yield Hit(at, (*path, "authorizationMode"), unsupported(each, _AUTHORIZATION_MODES))
    if cloud(m.cluster) == "aws" and not ("Node" in modes and "RBAC" in modes):
        yield Hit(
            at,
            (*path, "authorizationMode"),
            required("As of kubernetes 1.19 on AWS, authorizationMode must include RBAC and Node"),
        )


def _port_range_problem(text: str) -> str:
    """The error of k8s.io/apimachinery's utilnet.PortRange.Set (`N`, `N-M`, `N+K`), or ""."""
    value = text.strip()
    hyphen, plus = value.find("-"), value.find("+")
    try:
        if hyphen != -1 and plus != -1:
            return f"unable to parse port range: {value}"
        if hyphen != -1:
            low, high = _atoi(value[:hyphen]), _atoi(value[hyphen + 1 :])
        elif plus != -1:
            low = _atoi(value[:plus])
            high = low + _atoi(value[plus + 1 :])
        else:
            low = high = _atoi(value)
    except ValueError as exc:
        return str(exc)
    if low > 65535 or high > 65535:
        return f"the port range cannot be greater than 65535: {value}"
    if high < low:
        return f"end port cannot be less than start port: {value}"
    return ""


def _atoi(text: str) -> int:
    """Go's strconv.Atoi, with its error text."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f'strconv.Atoi: parsing "{text}": value out of range')
    return value


@rule("kube-controller-manager", ERROR)
def kube_controller_manager(m: Manifest) -> Iterator[Hit]:
    """experimentalClusterSigningDuration, which kube-controller-manager replaced."""
    if m.cluster is None:
        return
    manager = as_dict(m.cluster.spec().get("kubeControllerManager"))
    if "experimentalClusterSigningDuration" in manager:
        yield Hit(
            m.cluster.position,
            ("spec", "kubeControllerManager", "experimentalClusterSigningDuration"),
            "Forbidden: experimentalClusterSigningDuration has been replaced with "
            "clusterSigningDuration as of kubernetes 1.25",
        )


@rule("kube-scheduler", ERROR)
def kube_scheduler(m: Manifest) -> Iterator[Hit]:
    """usePolicyConfigMap, which KubeSchedulerConfiguration replaced."""
    if m.cluster is None:
        return
    if "usePolicyConfigMap" in as_dict(m.cluster.spec().get("kubeScheduler")):
        yield Hit(
            m.cluster.position,
            ("spec", "kubeScheduler", "usePolicyConfigMap"),
            "Forbidden: usePolicyConfigMap is deprecated, use KubeSchedulerConfiguration",
        )


@rule("kube-proxy", ERROR)
def kube_proxy(m: Manifest) -> Iterator[Hit]:
    """An IPVS exclude that is not a CIDR, or a master that is not an API server URL."""
    if m.cluster is None:
        return
    proxy = as_dict(m.cluster.spec().get("kubeProxy"))
    for i, raw in enumerate(as_list(proxy.get("ipvsExcludeCidrs"))):
        try:
            ipaddress.ip_network(str(raw), strict=False)
            ok = "/" in str(raw)  # Go's net.ParseCIDR needs the prefix length
        except ValueError:
            ok = False
        if not ok:
            yield Hit(
                m.cluster.position,
                ("spec", "kubeProxy", "ipvsExcludeCidrs", i),
                invalid(str(raw), "Invalid network CIDR"),
            )
    master = proxy.get("master")
    if isinstance(master, str) and master and not _api_server_url(master):
        yield Hit(
            m.cluster.position,
            ("spec", "kubeProxy", "master"),
            invalid(master, "Not a valid APIServer URL"),
        )


def _api_server_url(text: str) -> bool:
    """kOps: validation/helpers.go, isValidAPIServersURL: Go's url.Parse with a host and a
    scheme."""
    try:
        parsed = urllib.parse.urlparse(text)
    except ValueError:
        return False
    return bool(parsed.scheme and parsed.netloc)


def go_parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Go's net.ParseIP: dotted IPv4 (no leading zeros) or IPv6 without a zone."""
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _network(text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """Go's net.ParseCIDR, masked."""
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _belongs(inner: Any, outer: Any) -> bool:
    return bool(
        inner.version == outer.version and inner.subnet_of(outer)  # pkg/util/subnet BelongsTo
    )


@rule("kube-dns", ERROR)
def kube_dns(m: Manifest) -> Iterator[Hit]:
    """A cluster DNS or pod range setting that does not fit the cluster.

    The DNS server IP, nameservers, NodeLocal DNS, or a controller-manager clusterCIDR outside
    nonMasqueradeCIDR."""
    # kOps: legacy.go, ValidateCluster and isExperimentalClusterDNS; validation.go,
    # validateNodeLocalDNS
    if m.cluster is None:
        return
    spec, at = m.cluster.spec(), m.cluster.position
    non_masquerade = _network(spec.get("nonMasqueradeCIDR"))
    cidr = as_dict(spec.get("kubeControllerManager")).get("clusterCIDR")
    if isinstance(cidr, str) and cidr:
        path: YPath = ("spec", "kubeControllerManager", "clusterCIDR")
        parsed = _network(cidr)
        if parsed is None:
            detail = "cluster had an invalid kubeControllerManager.clusterCIDR"
            yield Hit(at, path, invalid(cidr, detail))
        elif non_masquerade is not None and not _belongs(parsed, non_masquerade):
            yield Hit(
                at,
                path,
                f"Forbidden: kubeControllerManager.clusterCIDR {json.dumps(cidr)} must be a "
                f"subnet of nonMasqueradeCIDR {json.dumps(spec.get('nonMasqueradeCIDR'))}",
            )
    dns = spec.get("kubeDNS")
    if not isinstance(dns, dict):
        return
    yield from _dns_server(m.cluster, dns)
    for i, server in enumerate(as_list(dns.get("upstreamNameservers"))):
        if go_parse_ip(str(server)) is None:
            yield Hit(
                at,
                ("spec", "kubeDNS", "upstreamNameservers", i),
                invalid(str(server), "Invalid nameserver given, should be a valid ip address"),
            )
    for domain, servers in as_dict(dns.get("stubDomains")).items():
        path = ("spec", "kubeDNS", "stubDomains", domain)
        if not as_list(servers):
            detail = "No nameservers specified for the stub domain"
            yield Hit(at, path, invalid(str(domain), detail))
        for i, server in enumerate(as_list(servers)):
            if go_parse_ip(str(server)) is None:
                detail = "Invalid nameserver given, should be a valid ip address"
                yield Hit(at, (*path, i), invalid(str(server), detail))


def _dns_server(cluster: Doc, dns: dict[str, Any]) -> Iterator[Hit]:
    spec, at = cluster.spec(), cluster.position
    server = dns.get("serverIP")
    if not isinstance(server, str) or not server:
        return
    address = go_parse_ip(server)
    if address is None:
        detail = "Cluster had an invalid kubeDNS.serverIP"
        yield Hit(at, ("spec", "kubeDNS", "serverIP"), invalid(server, detail))
    else:
        services = _network(spec.get("serviceClusterIPRange"))
        if services is not None and address not in services:
            yield Hit(
                at,
                ("spec", "kubeDNS", "serverIP"),
                f"Forbidden: ServiceClusterIPRange {json.dumps(spec.get('serviceClusterIPRange'))}"
                f" must contain the DNS Server IP {json.dumps(server)}",
            )
        local = as_dict(dns.get("nodeLocalDNS"))
        for key, name in (("kubelet", "Kubelet"), ("masterKubelet", "ControlPlaneKubelet")):
            kubelet = spec.get(key)
            if not isinstance(kubelet, dict) or "nodeLocalDNS" not in dns:
                continue
            found = kubelet.get("clusterDNS") or ""
            if found != server and found != (local.get("localIP") or ""):
                yield Hit(
                    at,
                    ("spec", key, "clusterDNS"),
                    f"Forbidden: {name} ClusterDNS did not match cluster kubeDNS.serverIP or "
                    "nodeLocalDNS.localIP",
                )
    local = as_dict(dns.get("nodeLocalDNS"))
    if local.get("enabled") is not True:
        return
    if dns.get("provider") not in (None, "", "CoreDNS"):
        yield Hit(
            at,
            ("spec", "kubeDNS", "provider"),
            "Forbidden: KubeDNS provider must be set to CoreDNS if NodeLocalDNS addon is enabled",
        )
    local_ip = local.get("localIP") or ""
    if local_ip and go_parse_ip(str(local_ip)) is None:
        yield Hit(
            at,
            ("spec", "kubeDNS", "nodeLocalDNS", "localIP"),
            invalid(str(local_ip), "Cluster had an invalid kubeDNS.nodeLocalDNS.localIP"),
        )
    ipvs = as_dict(spec.get("kubeProxy")).get("proxyMode") == "ipvs"
    if ipvs or "cilium" in as_dict(spec.get("networking")):
        for key, name in (("kubelet", "Kubelet"), ("masterKubelet", "ControlPlaneKubelet")):
            found = as_dict(spec.get(key)).get("clusterDNS") or ""
            if found and found != local_ip:
                yield Hit(
                    at,
                    ("spec", key, "clusterDNS"),
                    f"Forbidden: {name} ClusterDNS must be set to the default IP address for "
                    "LocalIP",
                )


# kOps: legacy.go, ValidateCluster: the name each cloud has in Kubernetes' --cloud-provider
_K8S_CLOUD = {"aws": "aws", "gce": "gce", "openstack": "openstack", "azure": "azure"}
_EXTERNAL = ("digitalocean", "hetzner", "scaleway", "linode")


@rule("component-cloud-provider", ERROR)
def component_cloud_provider(m: Manifest) -> Iterator[Hit]:
    """A component's cloudProvider that is not the cluster's (or external)."""
    # kOps: legacy.go, ValidateCluster ("Check CloudProvider"); the kube-apiserver only below
    # Kubernetes 1.33.0-alpha.3
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    name = cloud(m.cluster)
    wanted = _K8S_CLOUD.get(name) or ("external" if name in _EXTERNAL else "")
    if not wanted:
        return
    apiserver = _apiserver_checked(spec.get("kubernetesVersion"))
    for key in ("kubelet", "masterKubelet", "kubeAPIServer", "kubeControllerManager"):
        own = as_dict(spec.get(key)).get("cloudProvider")
        if not own or own in ("external", wanted):
            continue
        if key == "kubeAPIServer" and not apiserver:
            continue
        yield Hit(
            m.cluster.position,
            ("spec", key, "cloudProvider"),
            "Forbidden: Did not match cluster cloudProvider",
        )


_APISERVER_CLOUD_UNTIL = parse_strict("1.33.0-alpha.3")


def _apiserver_checked(raw: Any) -> bool:
    """kOps checks kube-apiserver's cloudProvider below Kubernetes 1.33.0-alpha.3 (and not
    when the version does not parse: kubernetes-version says why)."""
    try:
        return parse_kubernetes(str(raw or "")) < _APISERVER_CLOUD_UNTIL
    except VersionError:
        return False


_CONTAINERD_PACKAGES = (("urlAmd64", "hashAmd64"), ("urlArm64", "hashArm64"))


@rule("containerd", ERROR)
def containerd(m: Manifest) -> Iterator[Hit]:
    """containerd settings kOps refuses: its version, packages, NRI, GPUs or gVisor.

    A version below 1.3.4 or that does not parse, a package URL without its hash (or the
    other way round), NRI before containerd 1.7.0, NVIDIA GPUs off AWS and OpenStack, gVisor
    anywhere but an InstanceGroup."""
    # kOps: validation.go, validateContainerdConfig, validateNriConfig, validateNvidiaConfig,
    # validateGVisorConfig: cluster-wide (inClusterConfig) and per InstanceGroup
    docs = ([m.cluster] if m.cluster else []) + m.groups
    name = cloud(m.cluster)
    for doc in docs:
        config = doc.spec().get("containerd")
        if isinstance(config, dict):
            yield from _containerd(doc, config, doc.kind == "Cluster", name)


def _containerd(doc: Doc, config: dict[str, Any], cluster_wide: bool, cloud: str) -> Iterator[Hit]:
    at, path = doc.position, ("spec", "containerd")
    version = config.get("version")
    if version is not None:
        text = str(version)
        parsed = _tolerant(text)
        if parsed is None:
            detail = f"unable to parse version string: {blang_error(text, tolerant=True)}"
            yield Hit(at, (*path, "version"), invalid(text, detail))
        if parsed is None or parsed < parse_strict("1.3.4"):
            yield Hit(at, (*path, "version"), invalid(text, "unsupported legacy version"))
    nri = as_dict(config.get("nri"))
    if nri.get("enabled") is True and version is not None:
        strict = _strict(str(version))
        if strict is None:  # kOps parses it strictly here: `v1.7.0` and `1.7` do not
            detail = f"unable to parse version string: {blang_error(str(version))}"
            yield Hit(at, (*path, "nri", "version"), invalid(str(version), detail))
        if strict is None or strict < parse_strict("1.7.0"):
            yield Hit(
                at,
                (*path, "nri"),
                "Forbidden: NRI is available starting from version 1.7.0 and above",
            )
    packages = as_dict(config.get("packages"))
    for url_key, hash_key in _CONTAINERD_PACKAGES:
        url, digest = packages.get(url_key), packages.get(hash_key)
        if url is not None and digest is not None:
            problem = parse_url_error(str(url))
            if problem:
                detail = f"cannot parse package URL: {problem}"
                yield Hit(at, (*path, "packages", url_key), invalid(str(url), detail))
            if len(str(digest)) > 64:
                detail = "Package hash must be 64 characters long"
                yield Hit(at, (*path, "packages", hash_key), invalid(str(digest), detail))
        elif url is not None:  # kOps shows the missing hash (a nil pointer: null)
            detail = "Invalid value: null: Package hash must also be set"
            yield Hit(at, (*path, "packages", url_key), detail)
        elif digest is not None:
            detail = "Package URL must also be set"
            yield Hit(at, (*path, "packages", hash_key), invalid(str(digest), detail))
    if as_dict(config.get("nvidiaGPU")).get("enabled") is True and cloud not in (
        "aws",
        "openstack",
    ):
        yield Hit(
            at, (*path, "nvidiaGPU"), "Forbidden: Nvidia is only supported on AWS and OpenStack"
        )
    if cluster_wide and config.get("gvisor") is not None:
        yield Hit(
            at, (*path, "gvisor"), "Forbidden: gVisor can only be configured on instance groups"
        )


def _tolerant(text: str) -> Any:
    try:
        return parse_tolerant(text)
    except VersionError:
        return None


def _strict(text: str) -> Any:
    try:
        return parse_strict(text)
    except VersionError:
        return None
