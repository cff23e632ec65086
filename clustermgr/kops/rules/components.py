"""kOps' rules for the Kubernetes components it configures: kubelet (nodes and control plane),
kube-apiserver, kube-controller-manager, kube-scheduler and kube-proxy. Messages are kOps' own
(pkg/apis/kops/validation/validation.go, validateKubelet, validateKubeAPIServer,
validateKubeControllerManager, validateKubeScheduler, validateKubeProxy); locations are the
v1alpha2 fields a manifest holds (`masterKubelet` is kOps' `controlPlaneKubelet`).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, as_list, rule
from clustermgr.kops.rules.wording import (
    go_duration_seconds,
    go_duration_text,
    invalid,
    required,
    unsupported,
)
from clustermgr.problems import ERROR
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
    provider = m.cluster.spec().get("cloudProvider")
    aws = provider == "aws" or "aws" in as_dict(provider)
    if aws and not ("Node" in modes and "RBAC" in modes):
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
