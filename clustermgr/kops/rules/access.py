"""kOps' rules for access lists, IAM policies, taints, sysctls, update policy, surge, and the
Kubernetes versions a kOps release supports (pkg/apis/kops/validation/validation.go,
instancegroup.go; upup/pkg/fi/cloudup/apply_cluster.go)."""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any

from clustermgr.kops import CONTROL_PLANE_ROLES
from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, as_list, cloud, rule
from clustermgr.kops.rules.wording import go_value, invalid, unsupported
from clustermgr.problems import ERROR, WARNING
from clustermgr.versions import VersionError, parse_kubernetes

_ACCESS = ("sshAccess", "kubernetesApiAccess", "nodePortAccess")
# kOps: pkg/apis/kops/validation/validation.go, validateAdditionalPolicy and
# validateExternalPolicies accept kops.AllInstanceGroupRoles' ToLowerString()
# (pkg/apis/kops/instancegroup.go: four roles in v1.37.0-alpha.1; etcd, scheduler and
# kubecontrollermanager join them only after it); v1alpha2 converts "master" to
# "control-plane" first (pkg/apis/kops/v1alpha2/conversion.go).
_POLICY_ROLES = ("control-plane", "apiserver", "node", "bastion")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
# kOps: upup/pkg/fi/cloudup/apply_cluster.go, OldestSupportedKubernetesVersion (kOps 1.37)
OLDEST_SUPPORTED = {(1, 37): (1, 32)}


@functools.lru_cache(maxsize=4096)
def _cidr_problem(raw: str) -> str:
    """kOps' parseCIDR wording: what is wrong with a CIDR, "" when nothing (Go's
    net.ParseCIDR needs the prefix length: a bare address is not a CIDR)."""
    try:
        if "/" not in raw:
            raise ValueError(raw)
        network = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        detail = "Could not be parsed as a CIDR"
        if "/" not in raw:
            try:
                ip = ipaddress.ip_address(raw)
                detail += f' (did you mean "{raw}/{32 if ip.version == 4 else 64}")'
            except ValueError:
                pass
        return detail
    if str(network.network_address) != raw.split("/")[0]:
        return (
            "Network contains bits outside prefix "
            f'(did you mean "{network.network_address}/{network.prefixlen}")'
        )
    return ""


@rule("access-cidr", ERROR)
def access_cidr(m: Manifest) -> Iterator[Hit]:
    """An sshAccess, kubernetesApiAccess or nodePortAccess entry that is not a CIDR."""
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    aws = cloud(m.cluster) == "aws"
    for key in _ACCESS:
        for i, raw in enumerate(as_list(spec.get(key))):
            text = str(raw)
            if text.startswith("pl-"):
                if not aws:
                    yield Hit(
                        m.cluster.position,
                        ("spec", key, i),
                        f"Invalid value: {go_value(text)}: Prefix List ID only supported for AWS",
                    )
                continue
            problem = _cidr_problem(text)
            if problem:
                yield Hit(
                    m.cluster.position,
                    ("spec", key, i),
                    f"Invalid value: {go_value(text)}: {problem}",
                )


@rule("iam-policy-role", ERROR)
def iam_policy_role(m: Manifest) -> Iterator[Hit]:
    """additionalPolicies or externalPolicies under a key that is not a group role."""
    if m.cluster is None:
        return
    for key in ("additionalPolicies", "externalPolicies"):
        for role in as_dict(m.cluster.spec().get(key)):
            if role not in _POLICY_ROLES and role != "master":
                yield Hit(  # kOps names the map (IsValidValue(fldPath, &role, ...))
                    m.cluster.position, ("spec", key), unsupported(role, _POLICY_ROLES)
                )


@rule("iam-policy-json", ERROR)
def iam_policy_json(m: Manifest) -> Iterator[Hit]:
    """An additional IAM policy that is not a JSON list of statements with an Effect."""
    if m.cluster is None:
        return
    for role, policy in as_dict(m.cluster.spec().get("additionalPolicies")).items():
        path = ("spec", "additionalPolicies", role)
        try:
            statements = json.loads(str(policy))
        except ValueError as exc:
            yield Hit(m.cluster.position, path, f"policy was not valid JSON: {exc}")
            continue
        if isinstance(statements, dict):
            statements = [statements]
        for statement in statements if isinstance(statements, list) else [None]:
            effect = statement.get("Effect") if isinstance(statement, dict) else None
            if effect not in ("Allow", "Deny"):
                yield Hit(
                    m.cluster.position,
                    path,
                    "Required value: Effect must be specified for IAM policy"
                    if effect is None
                    else unsupported(effect, ("Allow", "Deny")),
                )


_POLICY_ARN = re.compile(r"arn:[^:]+:iam::[^:]*:policy/.+")


@rule("iam-policy-arn", ERROR)
def iam_policy_arn(m: Manifest) -> Iterator[Hit]:
    """An external IAM policy that is not a policy ARN."""
    if m.cluster is None:
        return
    for role, policies in as_dict(m.cluster.spec().get("externalPolicies")).items():
        for policy in as_list(policies):
            if not _POLICY_ARN.fullmatch(str(policy)):
                yield Hit(
                    m.cluster.position,
                    ("spec", "externalPolicies", role),  # kOps: fldPath.Child(role)
                    f"Invalid value: {go_value(policy)}: Policy must be a valid AWS ARN such as "
                    "arn:aws:iam::123456789012:policy/KopsExamplePolicy",
                )


@rule("taint", ERROR)
def taint(m: Manifest) -> Iterator[Hit]:
    """A taint that is not `key[=value]:Effect`, with a known effect, or a duplicate."""
    for ig in m.groups:
        seen: set[str] = set()
        for i, raw in enumerate(as_list(ig.spec().get("taints"))):
            text, path = str(raw), ("spec", "taints", i)
            parts = text.split(":")
            # kOps: pkg/apis/kops/util/taints.go, ParseTaint
            if len(parts) > 2 or len(parts[0].split("=")) > 2:
                yield Hit(
                    ig.position, path, f"Invalid value: {go_value(text)}: invalid taint value"
                )
            elif len(parts) == 2 and parts[1] not in _TAINT_EFFECTS:
                yield Hit(  # kOps takes it; the kubelet will not register the node with it
                    ig.position,
                    path,
                    f"Invalid value: {go_value(text)}: the kubelet refuses effect {parts[1]!r} "
                    f"({', '.join(_TAINT_EFFECTS)})",
                    WARNING,
                )
            if text in seen:
                yield Hit(ig.position, path, f"Duplicate value: {go_value(text)}")
            seen.add(text)


@rule("sysctl", ERROR)
def sysctl(m: Manifest) -> Iterator[Hit]:
    """A sysctl parameter without `=`."""
    docs: list[Doc] = [m.cluster, *m.groups] if m.cluster else list(m.groups)
    for doc in docs:
        for i, raw in enumerate(as_list(doc.spec().get("sysctlParameters"))):
            if "=" not in str(raw):
                yield Hit(
                    doc.position,
                    ("spec", "sysctlParameters", i),
                    f'Invalid value: {go_value(raw)}: must contain a "=" character',
                )


@rule("update-policy", ERROR)
def update_policy(m: Manifest) -> Iterator[Hit]:
    """An updatePolicy other than automatic or external."""
    docs: list[Doc] = [m.cluster, *m.groups] if m.cluster else list(m.groups)
    for doc in docs:
        value = doc.spec().get("updatePolicy")
        if value is not None and value not in ("automatic", "external"):
            yield Hit(
                doc.position,
                ("spec", "updatePolicy"),
                unsupported(value, ("automatic", "external")),
            )


@rule("control-plane-surge", ERROR)
def control_plane_surge(m: Manifest) -> Iterator[Hit]:
    """A control-plane InstanceGroup with maxSurge (control planes cannot surge)."""
    for ig in m.groups:
        surge = as_dict(ig.spec().get("rollingUpdate")).get("maxSurge")
        if ig.spec().get("role") in CONTROL_PLANE_ROLES and surge not in (None, 0, "0", "0%"):
            yield Hit(
                ig.position,
                ("spec", "rollingUpdate", "maxSurge"),
                'Forbidden: Cannot surge instance groups with role "ControlPlane"',
            )


@rule("kops-version-support", ERROR)
def kops_version_support(m: Manifest) -> Iterator[Hit]:
    """A kubernetesVersion the target kOps does not support (too new, or too old)."""
    if m.cluster is None:
        return
    version = _minor(m.cluster.spec().get("kubernetesVersion"))
    if version is None:
        return
    kops = m.kops_version
    oldest = OLDEST_SUPPORTED.get(kops)
    supported = f">= {oldest[0]}.{oldest[1]}.0, " if oldest else ""
    supported += f"< {kops[0]}.{kops[1] + 1}.0"
    where = ("spec", "kubernetesVersion")
    if version > kops:
        yield Hit(
            m.cluster.position,
            where,
            f"This version of kubernetes is not yet supported by kOps {kops[0]}.{kops[1]}; "
            f"upgrading kops is required (supported: {supported})",
        )
    elif oldest and version < oldest:
        yield Hit(
            m.cluster.position,
            where,
            f"This version of Kubernetes is no longer supported by kOps {kops[0]}.{kops[1]}; "
            f"upgrading Kubernetes is required (supported: {supported})",
        )


def kops_supports(kops: tuple[int, int], kubernetes: tuple[int, int]) -> bool:
    """Whether kOps `kops` (major, minor) runs Kubernetes `kubernetes` (the rule above)."""
    oldest = OLDEST_SUPPORTED.get(kops)
    return kubernetes <= kops and (oldest is None or kubernetes >= oldest)


def _minor(raw: Any) -> tuple[int, int] | None:

    try:
        parsed = parse_kubernetes(str(raw))
    except VersionError:
        return None
    return parsed.major, parsed.minor


_VFS_SCHEMES = ("do", "linode", "hos", "k8s", "swift", "azureblob", "scw", "file")


@rule("service-account-issuer", ERROR)
def service_account_issuer(m: Manifest) -> Iterator[Hit]:
    """Service account issuer discovery set up in a way kOps refuses.

    A store and a service both, a store that is not S3 or GCS, or an AWS OIDC provider with
    neither."""
    # kOps: legacy.go, validateServiceAccountIssuerDiscovery; util/pkg/vfs/context.go,
    # BuildVfsPath (memfs:// is left alone: kOps' own tests use it)
    if m.cluster is None:
        return
    said = m.cluster.spec().get("serviceAccountIssuerDiscovery")
    if not isinstance(said, dict):
        return
    at, path = m.cluster.position, ("spec", "serviceAccountIssuerDiscovery")
    store, service = said.get("discoveryStore") or "", said.get("discoveryService")
    if store and service is not None:
        yield Hit(
            at,
            (*path, "discoveryStore"),
            "Forbidden: Only one of discoveryStore or discoveryService may be specified",
        )
    if store:
        problem = _discovery_store_problem(str(store))
        if problem:
            yield Hit(at, (*path, "discoveryStore"), invalid(str(store), problem))
    if service is not None and not as_dict(service).get("url"):
        yield Hit(
            at,
            (*path, "discoveryService", "url"),
            "Required value: discoveryService URL must be specified",
        )
    if said.get("enableAWSOIDCProvider") is True and not store and service is None:
        yield Hit(
            at,
            (*path, "enableAWSOIDCProvider"),
            "Forbidden: AWS OIDC Provider requires a discoveryStore or discoveryService to be set",
        )


def _discovery_store_problem(store: str) -> str:
    scheme, sep, rest = store.partition("://")
    if not sep or scheme in _VFS_SCHEMES:
        return "S3 is the only supported VFS for discoveryStore"
    if scheme not in ("s3", "gs", "memfs"):
        return "not a valid VFS path"
    bucket = rest.split("/", 1)[0]
    if scheme in ("s3", "gs") and not bucket:
        return "not a valid VFS path"
    if scheme == "s3" and "." in bucket:
        return "Bucket name cannot contain dots"
    return ""


_IAM_ARN = re.compile(r"arn:[^:]*:[^:]*:[^:]*:[^:]*:(.*)", re.DOTALL)  # aws-sdk-go-v2 arn.Parse


@rule("aws-iam-authenticator", ERROR)
def aws_iam_authenticator(m: Manifest) -> Iterator[Hit]:
    """AWS IAM Authenticator identity mappings without the CRD backend, or with a bad ARN."""
    # kOps: aws.go, awsValidateIAMAuthenticator (through awsValidateCluster)
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    if cloud(m.cluster) != "aws":
        return
    auth = as_dict(spec.get("authentication")).get("aws")
    if not isinstance(auth, dict):
        return
    at, path = m.cluster.position, ("spec", "authentication", "aws")
    mappings = as_list(auth.get("identityMappings"))
    if mappings and "CRD" not in str(auth.get("backendMode") or ""):
        yield Hit(
            at,
            (*path, "backendMode"),
            "Forbidden: backendMode must be CRD if identityMappings is set",
        )
    for i, raw in enumerate(mappings):
        arn = str(as_dict(raw).get("arn") or "")
        found = _IAM_ARN.fullmatch(arn)
        if found is None or not found.group(1).startswith(("role/", "user/")):
            yield Hit(
                at,
                (*path, "identityMappings", i, "arn"),
                invalid(
                    arn,
                    "arn must be a valid IAM Role or User ARN such as "
                    "arn:aws:iam::123456789012:role/KopsExampleRole",
                ),
            )
