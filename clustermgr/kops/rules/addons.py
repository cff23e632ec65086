"""kOps' rules for the Cluster's addons and what they need: cert-manager before the addons
that use it, service-account permissions, the node termination handler, the cluster
autoscaler, external DNS, warm pools, the EBS CSI driver, hooks, file assets, assets and
custom addon manifests. Messages are kOps' own (pkg/apis/kops/validation/validation.go and
aws.go, the functions named beside each rule); locations are the v1alpha2 fields.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, as_list, cloud, rule
from clustermgr.kops.rules.wording import invalid, required, unsupported
from clustermgr.problems import ERROR
from clustermgr.yamlio import YPath


def _enabled(value: Any) -> bool:
    """fi.ValueOf(x.Enabled) of an optional section: set and true."""
    return as_dict(value).get("enabled") is True


def _cert_manager(cluster: Doc) -> bool:
    # kOps: pkg/model/components/context.go, IsCertManagerEnabled
    return _enabled(cluster.spec().get("certManager"))


@rule("addon-manifest", ERROR)
def addon_manifest(m: Manifest) -> Iterator[Hit]:
    """A custom addon whose manifest is a file:// URL (channels cannot read it)."""
    # kOps: validation.go, validateClusterSpec
    if m.cluster is None:
        return
    for i, raw in enumerate(as_list(m.cluster.spec().get("addons"))):
        manifest = as_dict(raw).get("manifest")
        if isinstance(manifest, str) and manifest.startswith("file://"):
            yield Hit(
                m.cluster.position,
                ("spec", "addons", i, "manifest"),
                invalid(manifest, "file:// addon manifests are not supported"),
            )


@rule("cert-manager-required", ERROR)
def cert_manager_required(m: Manifest) -> Iterator[Hit]:
    """An addon that needs cert-manager (metrics server, snapshot controller, ...) without it."""
    # kOps: validation.go, validateMetricsServer, validateSnapshotController,
    # validateAWSLoadBalancerController, validatePodIdentityWebhook (the last two on AWS)
    cluster = m.cluster
    if cluster is None or _cert_manager(cluster):
        return
    spec = cluster.spec()
    metrics = spec.get("metricsServer")
    if _enabled(metrics) and as_dict(metrics).get("insecure") is not True:
        yield Hit(
            cluster.position,
            ("spec", "metricsServer", "insecure"),
            "Forbidden: Secure metrics server requires that cert manager is enabled",
        )
    if _enabled(spec.get("snapshotController")):
        yield Hit(
            cluster.position,
            ("spec", "snapshotController", "enabled"),
            "Forbidden: Snapshot controller requires that cert manager is enabled",
        )
    if cloud(cluster) != "aws":
        return
    if _enabled(spec.get("awsLoadBalancerController")):
        yield Hit(
            cluster.position,
            ("spec", "awsLoadBalancerController"),
            "Forbidden: AWS Load Balancer Controller requires that cert manager is enabled",
        )
    if _enabled(spec.get("podIdentityWebhook")):
        yield Hit(
            cluster.position,
            ("spec", "podIdentityWebhook"),
            "Forbidden: EKS Pod Identity Webhook requires that cert manager is enabled",
        )


@rule("service-account-permissions", ERROR)
def service_account_permissions(m: Manifest) -> Iterator[Hit]:
    """Service account permissions that are incomplete, or missing where a component needs them.

    A permission without a namespace, name or policy; Karpenter, or cert-manager's dns-01
    validation, without external permissions."""
    # kOps: validation.go, validateSAExternalPermissions, validateClusterSpec (Karpenter),
    # validateCertManager
    if m.cluster is None:
        return
    spec, at = m.cluster.spec(), m.cluster.position
    iam = as_dict(spec.get("iam"))
    external = iam.get("useServiceAccountExternalPermissions") is True
    if as_dict(spec.get("karpenter")).get("enabled") is True and not external:
        yield Hit(
            at,
            ("spec", "karpenter", "enabled"),
            "Forbidden: Karpenter requires that service accounts use external permissions",
        )
    manager = spec.get("certManager")
    if _enabled(manager) and as_list(as_dict(manager).get("hostedZoneIDs")) and not external:
        yield Hit(
            at,
            ("spec", "certManager"),
            "Forbidden: Cert Manager requires that service accounts use external permissions in "
            "order to do dns-01 validation",
        )
    seen: set[str] = set()
    for i, raw in enumerate(as_list(iam.get("serviceAccountExternalPermissions"))):
        account, path = as_dict(raw), ("spec", "iam", "serviceAccountExternalPermissions", i)
        key = f"{account.get('namespace') or ''}/{account.get('name') or ''}"
        if not account.get("namespace"):
            yield Hit(at, (*path, "namespace"), required("namespace cannot be empty"))
        if not account.get("name"):
            yield Hit(at, (*path, "name"), required("name cannot be empty"))
        if key in seen:
            yield Hit(at, path, f'Duplicate value: "{key}"')
        seen.add(key)
        aws = account.get("aws")
        if not isinstance(aws, dict):
            yield Hit(at, (*path, "aws"), required("AWS permissions must be set"))
            continue
        arns, inline = as_list(aws.get("policyARNs")), aws.get("inlinePolicy") or ""
        if not arns and not inline:
            detail = "either inlinePolicy or policyARN must be set"
            yield Hit(at, (*path, "aws"), required(detail))
        if arns and inline:
            detail = "Forbidden: cannot set both inlinePolicy and policyARN"
            yield Hit(at, (*path, "aws"), detail)


@rule("node-termination-handler", ERROR)
def node_termination_handler(m: Manifest) -> Iterator[Hit]:
    """The node termination handler beside Karpenter, or queue mode with draining turned off."""
    # kOps: validation.go, validateNodeTerminationHandler (through validateAWS);
    # componentconfig.go, NodeTerminationHandlerSpec.IsQueueMode
    if m.cluster is None or cloud(m.cluster) != "aws":
        return
    spec = m.cluster.spec()
    handler = spec.get("nodeTerminationHandler")
    if not isinstance(handler, dict):
        return
    at, path = m.cluster.position, ("spec", "nodeTerminationHandler")
    enabled = handler.get("enabled")
    if enabled is not False and as_dict(spec.get("karpenter")).get("enabled") is True:
        detail = "Forbidden: nodeTerminationHandler cannot be used in conjunction with Karpenter"
        yield Hit(at, path, detail)
    queue = enabled is True and handler.get("enableSQSTerminationDraining") is not False
    if not queue:
        return
    if handler.get("enableSpotInterruptionDraining") is False:
        yield Hit(
            at,
            (*path, "enableSpotInterruptionDraining"),
            "Forbidden: spot interruption draining cannot be disabled in Queue Processor mode",
        )
    rebalance = handler.get("enableRebalanceDraining") is True
    if not rebalance and handler.get("enableRebalanceMonitoring") is True:
        yield Hit(
            at,
            (*path, "enableRebalanceMonitoring"),
            "Forbidden: rebalance events can only drain in Queue Processor mode",
        )


_EXPANDERS = ("least-waste", "random", "most-pods", "price", "priority")


@rule("cluster-autoscaler", ERROR)
def cluster_autoscaler(m: Manifest) -> Iterator[Hit]:
    """A cluster autoscaler expander kOps does not know, or the price expander off GCE."""
    # kOps: validation.go, validateClusterAutoscaler
    if m.cluster is None:
        return
    scaler = m.cluster.spec().get("clusterAutoscaler")
    if not isinstance(scaler, dict):
        return
    expander, path = scaler.get("expander") or "", ("spec", "clusterAutoscaler", "expander")
    if expander and expander not in _EXPANDERS:
        yield Hit(m.cluster.position, path, unsupported(expander, _EXPANDERS))
    if expander == "price" and cloud(m.cluster) != "gce":
        yield Hit(
            m.cluster.position,
            path,
            "Forbidden: Cluster autoscaler price expander is only supported on GCE",
        )


_DNS_PROVIDERS = ("", "dns-controller", "external-dns", "none")


@rule("external-dns", ERROR)
def external_dns(m: Manifest) -> Iterator[Hit]:
    """An unknown DNS provider, a namespace other than kube-system, or no zone for it."""
    # kOps: validation.go, validateExternalDNS; cluster.go, UsesLegacyGossip and UsesNoneDNS
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    dns = spec.get("externalDns")
    if not isinstance(dns, dict):
        return
    at, path = m.cluster.position, ("spec", "externalDns")
    provider = dns.get("provider") or ""
    if provider not in _DNS_PROVIDERS:
        yield Hit(at, (*path, "provider"), unsupported(provider, _DNS_PROVIDERS))
    namespace = dns.get("watchNamespace") or ""
    if namespace and namespace != "kube-system":
        yield Hit(
            at,
            (*path, "watchNamespace"),
            "Forbidden: externalDNS must watch either all namespaces or only kube-system",
        )
    topology = as_dict(as_dict(spec.get("topology")).get("dns")).get("type")
    no_zone = topology == "None" or m.cluster.name.endswith(".k8s.local")
    if provider == "external-dns" and no_zone:
        yield Hit(
            at,
            (*path, "provider"),
            "Forbidden: external-dns requires public or private DNS topology",
        )


@rule("warm-pool", ERROR)
def warm_pool(m: Manifest) -> Iterator[Hit]:
    """The Cluster's default warm pool sized below zero or its minimum, or with images."""
    # kOps: validation.go, validateWarmPool (through validateAWS)
    if m.cluster is None or cloud(m.cluster) != "aws":
        return
    pool = m.cluster.spec().get("warmPool")
    if not isinstance(pool, dict):
        return
    at, path = m.cluster.position, ("spec", "warmPool")
    size, least = pool.get("maxSize"), pool.get("minSize") or 0
    if isinstance(size, int) and isinstance(least, int):
        if size < 0:
            yield Hit(at, (*path, "maxSize"), invalid(size, "warm pool maxSize cannot be negative"))
        elif least > size:
            detail = "warm pool maxSize cannot be set to lower than minSize"
            yield Hit(at, (*path, "maxSize"), invalid(size, detail))
        elif as_list(pool.get("additionalImages")):
            yield Hit(
                at,
                (*path, "additionalImages"),
                "Forbidden: warm pool additional images can only be set in the instance group spec",
            )
    if isinstance(least, int) and least < 0:
        yield Hit(at, (*path, "minSize"), invalid(least, "warm pool minSize cannot be negative"))


@rule("ebs-csi-driver", ERROR)
def ebs_csi_driver(m: Manifest) -> Iterator[Hit]:
    """The AWS EBS CSI driver turned off (kOps needs it for every volume)."""
    # kOps: aws.go, awsValidateEBSCSIDriver; v1alpha2 keeps it at cloudConfig.awsEBSCSIDriver
    if m.cluster is None or cloud(m.cluster) != "aws":
        return
    driver = as_dict(as_dict(m.cluster.spec().get("cloudConfig")).get("awsEBSCSIDriver"))
    if driver.get("enabled") is False:
        yield Hit(
            m.cluster.position,
            ("spec", "cloudConfig", "awsEBSCSIDriver", "enabled"),
            "Forbidden: must not be disabled",
        )


@rule("nlb-security-group-mode", ERROR)
def nlb_security_group_mode(m: Manifest) -> Iterator[Hit]:
    """An NLB security-group mode other than Managed."""
    # kOps: aws.go, awsValidateNLBSecurityGroupMode; v1alpha2 keeps it in cloudConfig
    if m.cluster is None or cloud(m.cluster) != "aws":
        return
    mode = as_dict(m.cluster.spec().get("cloudConfig")).get("nlbSecurityGroupMode")
    if mode is not None and mode != "Managed":
        path = ("spec", "cloudConfig", "nlbSecurityGroupMode")
        yield Hit(m.cluster.position, path, unsupported(str(mode), ("Managed",)))


@rule("hooks", ERROR)
def hooks(m: Manifest) -> Iterator[Hit]:
    """A hook with neither manifest nor execContainer, or a raw manifest with what it forbids."""
    # kOps: validation.go, validateHookSpec, validateExecContainerAction
    for doc in _with_spec(m):
        for i, raw in enumerate(as_list(doc.spec().get("hooks"))):
            yield from _hook(doc, as_dict(raw), ("spec", "hooks", i))


def _hook(doc: Doc, hook: dict[str, Any], path: YPath) -> Iterator[Hit]:
    if hook.get("enabled") is False:
        return
    raw, container = hook.get("useRawManifest") is True, hook.get("execContainer")
    manifest = hook.get("manifest") or ""
    if container is None and not manifest:
        yield Hit(
            doc.position, path, required("you must set either manifest or execContainer for a hook")
        )
    if container is not None and raw:
        detail = "execContainer may not be used with useRawManifest (use manifest instead)"
        yield Hit(doc.position, path, f"Forbidden: {detail}")
    if not manifest and raw:
        yield Hit(doc.position, path, required("you must set manifest when useRawManifest is true"))
    for key in ("before", "requires"):
        if hook.get(key) is not None and raw:
            yield Hit(doc.position, path, f"Forbidden: {key} may not be used with useRawManifest")
    if container is not None and not as_dict(container).get("image"):
        yield Hit(
            doc.position, (*path, "execContainer", "image"), required("image must be specified")
        )


@rule("file-assets", ERROR)
def file_assets(m: Manifest) -> Iterator[Hit]:
    """A file asset without a name or content."""
    # kOps: validation.go, validateFileAssetSpec
    for doc in _with_spec(m):
        for i, raw in enumerate(as_list(doc.spec().get("fileAssets"))):
            asset = as_dict(raw)
            for key in ("name", "content"):
                if not asset.get(key):
                    yield Hit(doc.position, ("spec", "fileAssets", i, key), required(""))


@rule("assets", ERROR)
def assets(m: Manifest) -> Iterator[Hit]:
    """A container proxy beside a registry, or a file repository that is not an http(s) URL."""
    # kOps: validation.go, validateClusterSpec and validateFileRepository
    if m.cluster is None:
        return
    spec = as_dict(m.cluster.spec().get("assets"))
    at = m.cluster.position
    if spec.get("containerProxy") is not None and spec.get("containerRegistry") is not None:
        yield Hit(
            at,
            ("spec", "assets", "containerProxy"),
            "Forbidden: containerProxy cannot be used in conjunction with containerRegistry",
        )
    repository = spec.get("fileRepository")
    if isinstance(repository, str):
        path = ("spec", "assets", "fileRepository")
        try:
            parsed = urllib.parse.urlsplit(repository)
        except ValueError as exc:
            detail = f"cannot parse fileRepository URL: {exc}"
            yield Hit(at, path, invalid(repository, detail))
            return
        if parsed.scheme not in ("http", "https"):
            detail = "fileRepository must be an http:// or https:// URL"
            yield Hit(at, path, invalid(repository, detail))
        if not parsed.netloc:
            yield Hit(at, path, invalid(repository, "fileRepository must include a host"))


def _with_spec(m: Manifest) -> list[Doc]:
    """The Cluster and its groups: hooks and file assets are checked on both."""
    return [m.cluster, *m.groups] if m.cluster is not None else list(m.groups)
